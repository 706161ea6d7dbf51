// Generates eip191.json and eip55.json for keytree from ethers v6, viem and eth-account.
// Usage: copy gen/ to a scratch dir, `npm ci` there, then
//   PYTHON=/path/to/python-with-eth-account node gen.mjs /path/to/tests/vectors/ethereum
import { execFileSync } from "node:child_process";
import { writeFileSync, readFileSync } from "node:fs";
import * as ethers from "ethers";
import { privateKeyToAccount } from "viem/accounts";
import { verifyMessage as viemVerifyMessage, isAddress as viemIsAddress, getAddress as viemGetAddress } from "viem";

// Output dir: first CLI arg, default the folder above this script.
const OUT = new URL((process.argv[2] ? process.argv[2].replace(/\/?$/, "/") : new URL("../", import.meta.url).pathname), "file://");
const PYTHON = process.env.PYTHON || "python3";
const N = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");

const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const key = (i) => ethers.sha256(ethers.toUtf8Bytes(`keytree ethereum test key ${i}`));

// ---------------------------------------------------------------- messages
const messages = [
  { message: "hello world", comment: "plain ascii" },
  { message: "", comment: "empty text message (prefix is \"\\x19Ethereum Signed Message:\\n0\")" },
  { message: "héllo wörld 🦀 日本語", comment: "unicode; length prefix counts UTF-8 bytes, not chars" },
  { message: "line one\nline two\r\nline three\t end", comment: "newlines and tabs" },
  { message: "0xdeadbeef", comment: "text that looks like hex: signed as the 10 UTF-8 chars, NOT as 4 bytes" },
  { message: "x".repeat(150), comment: "150-byte message: 3-digit decimal length prefix" },
  { message_hex: "0x" + ethers.keccak256(ethers.toUtf8Bytes("keytree")).slice(2), comment: "32-byte hash signed as raw bytes (prefix length 32)" },
  { message_hex: "0x", comment: "empty byte message" },
  { message_hex: "0xff00fe01c0", comment: "non-UTF-8 raw bytes" },
];

const bytesOf = (m) => (m.message_hex !== undefined ? ethers.getBytes(m.message_hex) : ethers.toUtf8Bytes(m.message));
const ethersMsg = (m) => (m.message_hex !== undefined ? ethers.getBytes(m.message_hex) : m.message);
const viemMsg = (m) => (m.message_hex !== undefined ? { raw: m.message_hex } : m.message);
const msgFields = (m) => (m.message_hex !== undefined ? { message_hex: m.message_hex } : { message: m.message });

const keys = [0, 1, 2].map(key);
const signed = []; // {keyIdx, m, address, ethers, viem}
for (let ki = 0; ki < keys.length; ki++) {
  const w = new ethers.Wallet(keys[ki]);
  const acct = privateKeyToAccount(keys[ki]);
  if (acct.address !== w.address) throw new Error("viem/ethers address mismatch");
  // key 0 signs every message; keys 1,2 sign a subset
  const ms = ki === 0 ? messages : messages.filter((_, i) => i % 3 === ki);
  for (const m of ms) {
    signed.push({
      ki, m, address: w.address,
      ethers: await w.signMessage(ethersMsg(m)),
      viem: await acct.signMessage({ message: viemMsg(m) }),
    });
  }
}

// eth-account signatures (python)
const pyReq = { sign: signed.map((s) => ({ key: keys[s.ki], ...msgFields(s.m) })), verify: [] };

// ---------------------------------------------------------------- invalid / edge variants
const variants = []; // {address, m, signature, valid, comment, hashMsg}
const base = signed.find((s) => s.ki === 0 && s.m.message === "hello world");
const sig = ethers.Signature.from(base.ethers);
const rsv = (r, s, v) => ethers.hexlify(ethers.concat([r, s, new Uint8Array([v])]));
const other = signed.find((s) => s.ki === 1);
variants.push({ address: base.address, m: { message: "hello world!" }, signature: base.ethers, valid: false, comment: "tampered message (signature is over \"hello world\")" });
variants.push({ address: other.address, m: base.m, signature: base.ethers, valid: false, comment: "wrong address (signature is by test key 0, address is test key 1)" });
variants.push({ address: base.address, m: base.m, signature: rsv(sig.r, ethers.toBeHex(N - BigInt(sig.s), 32), sig.v === 27 ? 28 : 27), valid: false, comment: "malleated high-S: s' = n - s, v flipped; recovers to the same key but is non-canonical (EIP-2)" });
variants.push({ address: base.address, m: base.m, signature: rsv(sig.r, sig.s, sig.v === 27 ? 28 : 27), valid: false, comment: "v flipped (27<->28): recovers a different key" });
variants.push({ address: base.address, m: base.m, signature: rsv(sig.r, sig.s, sig.v - 27), valid: true, comment: "same signature with v = 0/1 (raw recovery id, as some hardware wallets return it); ethers, viem and eth-account all accept it - marked valid because all three reference libraries normalise v<2 to v+27 (policy choice for keytree)" });
variants.push({ address: base.address, m: base.m, signature: rsv(sig.r, sig.s, sig.v - 27 + 37), valid: false, comment: "v = 37/38 (EIP-155 style, chain id 1): meaningless for personal_sign; strict verifiers reject (see library_results for what the libraries do)" });
variants.push({ address: base.address, m: base.m, signature: rsv(sig.r, sig.s, sig.v - 27 + 35), valid: false, comment: "v = 35/36 (EIP-155 style with chain id 0): strict verifiers reject" });
variants.push({ address: base.address, m: base.m, signature: base.ethers.slice(0, 2 + 64 * 2), valid: false, comment: "truncated: 64 bytes (v missing)" });
variants.push({ address: base.address, m: base.m, signature: base.ethers.slice(0, -2 * 5), valid: false, comment: "truncated: 60 bytes" });
variants.push({ address: base.address, m: base.m, signature: base.ethers + "00", valid: false, comment: "66 bytes (extra trailing byte)" });
variants.push({ address: base.address, m: base.m, signature: rsv(ethers.ZeroHash, sig.s, sig.v), valid: false, comment: "r = 0" });
variants.push({ address: base.address, m: base.m, signature: rsv(sig.r, ethers.ZeroHash, sig.v), valid: false, comment: "s = 0" });
variants.push({ address: base.address, m: base.m, signature: rsv(ethers.toBeHex(N, 32), sig.s, sig.v), valid: false, comment: "r = n (out of range)" });
variants.push({ address: base.address.toLowerCase(), m: base.m, signature: base.ethers, valid: true, comment: "address given in all-lowercase form: same account (comparison must be on the 20 bytes, not the string)" });
const hashSigned = signed.find((s) => s.ki === 0 && s.m.message_hex && s.m.message_hex.length === 66);
variants.push({ address: hashSigned.address, m: { message: hashSigned.m.message_hex }, signature: hashSigned.ethers, valid: false, comment: "signature over the 32 raw bytes, but verified as the 66-char hex TEXT: must fail (bytes vs text confusion)" });

async function libResults(v) {
  const res = {};
  try { res.ethers = ethers.verifyMessage(ethersMsg(v.m), v.signature).toLowerCase() === v.address.toLowerCase(); }
  catch (e) { res.ethers = `error: ${e.shortMessage || e.message}`; }
  try { res.viem = await viemVerifyMessage({ address: v.address, message: viemMsg(v.m), signature: v.signature }); }
  catch (e) { res.viem = `error: ${(e.shortMessage || e.message).split("\n")[0]}`; }
  return res;
}
for (const v of variants) pyReq.verify.push({ ...msgFields(v.m), signature: v.signature, address: ethers.getAddress(v.address) });
for (const s of signed) pyReq.verify.push({ ...msgFields(s.m), signature: s.ethers, address: s.address });

const py = JSON.parse(execFileSync(PYTHON, [new URL("./gen_eth_account.py", import.meta.url).pathname], { input: JSON.stringify(pyReq) }).toString());

// ---------------------------------------------------------------- assemble
const vectors = [];
const eip191Hash = (m) => ethers.hashMessage(ethersMsg(m));
const prefixed = (m) => { const b = bytesOf(m); return ethers.hexlify(ethers.concat([ethers.toUtf8Bytes(`\x19Ethereum Signed Message:\n${b.length}`), b])); };
signed.forEach((s, i) => {
  const pySig = py.signatures[i];
  if (pySig.address !== s.address) throw new Error("eth-account address mismatch");
  const all = { "ethers": s.ethers, "viem": s.viem, "eth-account": pySig.signature };
  const agree = new Set(Object.values(all).map((x) => x.toLowerCase())).size === 1;
  if (!agree) throw new Error(`libraries disagree: ${JSON.stringify(all)}`);
  for (const [lib, signature] of Object.entries(all)) {
    vectors.push({
      valid: true, library: lib, address: s.address, ...msgFields(s.m), signature,
      private_key: keys[s.ki], key_label: `sha256("keytree ethereum test key ${s.ki}")`,
      prefixed_message_hex: prefixed(s.m), eip191_hash: eip191Hash(s.m),
      comment: s.m.comment,
    });
  }
});
const pyVerifyOffset = 0;
for (let i = 0; i < variants.length; i++) {
  const v = variants[i];
  const lr = await libResults(v);
  lr["eth-account"] = py.verify[pyVerifyOffset + i].ok ? true : (py.verify[pyVerifyOffset + i].error ? `error: ${py.verify[pyVerifyOffset + i].error}` : false);
  vectors.push({ valid: v.valid, library: "derived (ethers)", address: v.address, ...msgFields(v.m), signature: v.signature, comment: v.comment, library_results: lr });
}
// sanity: every positive vector verifies in every library
for (let i = 0; i < signed.length; i++) if (!py.verify[variants.length + i].ok) throw new Error("eth-account failed to verify " + i);
for (const v of vectors.filter((x) => x.valid && !x.library_results)) {
  const r = await libResults({ address: v.address, m: v.message_hex !== undefined ? { message_hex: v.message_hex } : { message: v.message }, signature: v.signature });
  if (r.ethers !== true || r.viem !== true) throw new Error("self-check failed " + JSON.stringify(r));
}

const library_versions = { ethers: ver("ethers"), viem: ver("viem"), "eth-account": py.version, node: process.version };
writeFileSync(new URL("eip191.json", OUT), JSON.stringify({ generator: "tests/vectors/ethereum/gen/gen.mjs (+ gen_eth_account.py)", library_versions, vectors }, null, 2) + "\n");

// ---------------------------------------------------------------- EIP-55
const eip55Spec = [
  // EIP-55 spec examples: all caps, all lower, normal
  "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
  "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
  "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
];
const others = [
  "0x0000000000000000000000000000000000000000", "0xffffffffffffffffffffffffffffffffffffffff",
  "0x000000000000000000000000000000000000dead",
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => new ethers.Wallet(key(i)).address),
  ethers.getAddress("0x" + ethers.keccak256(ethers.toUtf8Bytes("keytree eip55 a")).slice(-40)),
];
const e55 = [];
const probe = (s) => {
  const r = {};
  try { r.ethers_getAddress = ethers.getAddress(s); } catch (e) { r.ethers_getAddress = `error: ${e.shortMessage || e.message}`; }
  r.viem_isAddress_strict = viemIsAddress(s, { strict: true });
  return r;
};
for (const a of [...eip55Spec, ...others]) {
  const cs = ethers.getAddress(a);
  if (viemGetAddress(a) !== cs) throw new Error("viem/ethers checksum mismatch");
  const spec = eip55Spec.includes(a);
  e55.push({ valid: true, lowercase: a.toLowerCase(), checksummed: cs, input: cs, comment: spec ? "EIP-55 specification example" : "checksummed by ethers.getAddress", ...probe(cs) });
}
// invalid checksum variants: flip case of the first letter whose case matters
const flipFirstLetter = (cs, which) => {
  const idx = [...cs].map((c, i) => (i >= 2 && /[a-fA-F]/.test(c) ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return null;
  const i = idx[which % idx.length];
  const c = cs[i];
  return cs.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + cs.slice(i + 1);
};
for (const a of [...eip55Spec.slice(4), eip55Spec[0], eip55Spec[2]]) {
  const cs = ethers.getAddress(a);
  const bad = flipFirstLetter(cs, 0);
  e55.push({ valid: false, input: bad, lowercase: a.toLowerCase(), checksummed: cs, comment: "mixed case with one letter's case flipped: bad EIP-55 checksum", ...probe(bad) });
}
const sp = ethers.getAddress(eip55Spec[4]);
e55.push({ valid: false, input: "0x" + sp.slice(2, 22).toUpperCase() + sp.slice(22).toLowerCase(), lowercase: sp.toLowerCase(), checksummed: sp, comment: "mixed case that is neither all-lower, all-upper nor the checksum", ...probe("0x" + sp.slice(2, 22).toUpperCase() + sp.slice(22).toLowerCase()) });
for (const [input, comment] of [
  [sp.slice(0, -2), "19 bytes (too short)"],
  [sp + "00", "21 bytes (too long)"],
  [sp.slice(0, -1) + "g", "non-hex character"],
  [sp.slice(2), "no 0x prefix (ethers accepts it; a strict parser may not - policy)"],
]) e55.push({ valid: false, input, comment, ...probe(input) });
// lowercase / uppercase inputs (no checksum information): valid as addresses, checksum cannot be checked
for (const a of [eip55Spec[4], eip55Spec[5]]) {
  const cs = ethers.getAddress(a);
  e55.push({ valid: true, input: a.toLowerCase(), lowercase: a.toLowerCase(), checksummed: cs, comment: "all-lowercase input: carries no checksum, accepted by ethers.getAddress", ...probe(a.toLowerCase()) });
  const up = "0x" + a.slice(2).toUpperCase();
  e55.push({ valid: true, input: up, lowercase: a.toLowerCase(), checksummed: cs, comment: "all-uppercase hex input: ethers.getAddress accepts it as no-checksum input, but viem isAddress(strict) rejects it (an all-caps string is only checksum-valid if it equals the EIP-55 form). Policy case", ...probe(up) });
}
writeFileSync(new URL("eip55.json", OUT), JSON.stringify({ generator: "tests/vectors/ethereum/gen/gen.mjs", library_versions: { ethers: ver("ethers"), viem: ver("viem"), node: process.version }, vectors: e55 }, null, 2) + "\n");
console.log(`eip191: ${vectors.length} vectors, eip55: ${e55.length} vectors`);
