// Generates eip6492.json for keytree with viem: EIP-6492 wrapped signatures
// of an undeployed smart wallet, and malformed variants.
// Usage: copy gen/ to a scratch dir, `npm ci` there, then
//   node gen.mjs /path/to/tests/vectors/ethereum
import { writeFileSync, readFileSync } from "node:fs";
import {
  keccak256, toBytes, toHex, hashMessage, encodeFunctionData, parseAbi, getContractAddress,
  serializeErc6492Signature, parseErc6492Signature, isErc6492Signature, concatHex, sliceHex, size, pad,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

const OUT = (process.argv[2] || ".").replace(/\/?$/, "/");
const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const label = (s) => keccak256(toBytes(`keytree eip6492 ${s}`));
const MAGIC = "0x6492649264926492649264926492649264926492649264926492649264926492";

const owner = privateKeyToAccount(label("owner"));
const factory = getContractAddress({ from: owner.address, nonce: 7n });
const abi = parseAbi(["function createAccount(address owner, uint256 salt) returns (address)"]);
const vectors = [];
const viemParses = (hex) => { try { parseErc6492Signature(hex); return isErc6492Signature(hex); } catch { return false; } };

let n = 0;
for (const [message, calldataKind, innerKind] of [
  ["Sign in to example.com: 8f3a9c0d", "createAccount", "eoa"],
  ["keytree eip-6492 test: empty calldata", "empty", "eoa"],
  ["keytree eip-6492 test: long calldata and a long inner signature", "long", "long"],
]) {
  const salt = BigInt(n);
  const calldata = calldataKind === "empty" ? "0x"
    : calldataKind === "long" ? concatHex([encodeFunctionData({ abi, functionName: "createAccount", args: [owner.address, salt] }), keccak256(label("x")), pad("0x01", { size: 200 })])
    : encodeFunctionData({ abi, functionName: "createAccount", args: [owner.address, salt] });
  const account = getContractAddress({ opcode: "CREATE2", from: factory, salt: pad(toHex(salt), { size: 32 }), bytecodeHash: label("init code") });
  let inner = await owner.signMessage({ message });
  if (innerKind === "long") inner = concatHex([inner, keccak256(label("webauthn")), pad("0x02", { size: 400 })]);
  const wrapped = serializeErc6492Signature({ address: factory, data: calldata, signature: inner });
  const back = parseErc6492Signature(wrapped);
  if (!isErc6492Signature(wrapped) || back.address.toLowerCase() !== factory.toLowerCase() || back.data !== calldata || back.signature !== inner) throw new Error("viem round trip");
  vectors.push({
    valid: true, comment: `viem serializeErc6492Signature: ${calldataKind} calldata, ${innerKind} inner signature`,
    account: `eip155:1:${account}`, message, eip191_hash: hashMessage(message),
    factory, factory_calldata: calldata, inner_signature: inner, signature: wrapped, inner_signer: owner.address,
  });
  n++;
}

// Malformed variants of the first vector. The ABI body is everything
// before the 32-byte magic.
const v0 = vectors[0];
const body = sliceHex(v0.signature, 0, size(v0.signature) - 32);
const words = (hex) => hex.slice(2).match(/.{64}/g);
const fromWords = (ws) => `0x${ws.join("")}`;
const w = words(body);
const bad = (comment, hex) => vectors.push({ valid: false, comment, account: v0.account, message: v0.message, eip191_hash: v0.eip191_hash, signature: hex, viem_parses: viemParses(hex) });
{ const x = [...w]; x[0] = "ff" + x[0].slice(2); bad("address word with non-zero upper bytes", concatHex([fromWords(x), MAGIC])); }
{ const x = [...w]; x[1] = pad("0x80", { size: 32 }).slice(2); x[2] = pad(toHex(BigInt(parseInt(x[2], 16) + 32)), { size: 32 }).slice(2); x.splice(3, 0, "00".repeat(32)); bad("non-canonical calldata offset 0x80 (a gap word after the head)", concatHex([fromWords(x), MAGIC])); }
{ const x = [...w]; const last = x.length - 1; x[last] = x[last].slice(0, 62) + "01"; bad("non-zero padding after the inner signature", concatHex([fromWords(x), MAGIC])); }
bad("extra byte between the abi tuple and the magic", concatHex([body, "0x00", MAGIC]));
bad("extra word between the abi tuple and the magic", concatHex([body, pad("0x00", { size: 32 }), MAGIC]));
bad("abi tuple truncated by one word", concatHex([fromWords(w.slice(0, -1)), MAGIC]));
{ const x = [...w]; x[2] = pad(toHex(BigInt(parseInt(x[2], 16) + 32)), { size: 32 }).slice(2); x.splice(x.length, 0); bad("signature offset past the data", concatHex([fromWords(x), MAGIC])); }
{ const x = [...w]; const i = 3; x[i] = pad("0xffffffffffffffff", { size: 32 }).slice(2); bad("calldata length far past the end", concatHex([fromWords(x), MAGIC])); }
bad("the magic alone", MAGIC);
bad("magic with one byte missing", concatHex([body, sliceHex(MAGIC, 1)]));

const doc = {
  generator: "tests/vectors/ethereum/gen/eip6492/gen.mjs",
  library: { viem: ver("viem"), node: process.version },
  description: "EIP-6492 wrapped signatures: abi.encode(address factory, bytes factoryCalldata, bytes signature) || 0x6492...6492. valid: parses to factory/factory_calldata/inner_signature, re-encodes to the same bytes; inner_signature is owner's EIP-191 signature of message (long variant: extra bytes appended, as WebAuthn wallets send). invalid: must be refused; viem_parses records whether viem's parseErc6492Signature accepted it.",
  vectors,
};
writeFileSync(`${OUT}eip6492.json`, JSON.stringify(doc, null, 1) + "\n");
console.log(`${vectors.length} vectors; viem parses invalid: ${vectors.filter((v) => !v.valid && v.viem_parses).map((v) => v.comment).join("; ")}`);
