// Generates strkey_kinds.json for keytree with @stellar/stellar-base: every
// SEP-23 strkey kind (G, S, M, T, X, P, C, L, B), valid and invalid.
// Usage: copy gen/ to a scratch dir, `npm ci` there, then
//   node gen_kinds.mjs /path/to/tests/vectors/stellar
import { writeFileSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { StrKey, SignerKey, Address, Keypair, xdr } from "@stellar/stellar-base";

const OUT = (process.argv[2] || new URL("../", import.meta.url).pathname).replace(/\/?$/, "/");
const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const sha256 = (b) => createHash("sha256").update(b).digest();
const hex = (b) => Buffer.from(b).toString("hex");
const bytesOf = (label) => sha256(Buffer.from(`keytree stellar strkey ${label}`));
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// The strictest check stellar-base offers for each kind.
const ok = (f) => { try { return f() !== false; } catch { return false; } };
const signer = (s) => ok(() => SignerKey.decodeAddress(s));
const judge = {
  G: (s) => StrKey.isValidEd25519PublicKey(s),
  S: (s) => StrKey.isValidEd25519SecretSeed(s),
  M: (s) => StrKey.isValidMed25519PublicKey(s),
  T: (s) => ok(() => StrKey.decodePreAuthTx(s).length === 32) && signer(s),
  X: (s) => ok(() => StrKey.decodeSha256Hash(s).length === 32) && signer(s),
  P: (s) => StrKey.isValidSignedPayload(s) && signer(s),
  C: (s) => StrKey.isValidContract(s) && ok(() => Address.fromString(s)),
  L: (s) => StrKey.isValidLiquidityPool(s),
  B: (s) => StrKey.isValidClaimableBalance(s),
};
const how = {
  G: "StrKey.isValidEd25519PublicKey", S: "StrKey.isValidEd25519SecretSeed", M: "StrKey.isValidMed25519PublicKey",
  T: "StrKey.decodePreAuthTx (32 bytes) and SignerKey.decodeAddress", X: "StrKey.decodeSha256Hash (32 bytes) and SignerKey.decodeAddress",
  P: "StrKey.isValidSignedPayload and SignerKey.decodeAddress (XDR)", C: "StrKey.isValidContract and Address.fromString",
  L: "StrKey.isValidLiquidityPool", B: "StrKey.isValidClaimableBalance",
};
const versionByte = { G: 6 << 3, S: 18 << 3, M: 12 << 3, T: 19 << 3, X: 23 << 3, P: 15 << 3, C: 2 << 3, L: 11 << 3, B: 1 << 3 };

// CRC16-XModem, little-endian, computed here only to build invalid strings
// that keep a *valid* checksum (so the other rule is what refuses them).
const crc16 = (buf) => { let c = 0; for (const b of buf) { c ^= b << 8; for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff; } return Buffer.from([c & 0xff, c >> 8]); };
const b32 = (buf) => { let out = "", acc = 0, bits = 0; for (const b of buf) { acc = (acc << 8) | b; bits += 8; while (bits >= 5) { bits -= 5; out += B32[(acc >> bits) & 31]; } acc &= 0xff; } if (bits) out += B32[(acc << (5 - bits)) & 31]; return out; };
const frame = (v, payload) => { const body = Buffer.concat([Buffer.from([v]), payload]); return b32(Buffer.concat([body, crc16(body)])); };
const bump = (s, i) => s.slice(0, i) + B32[(B32.indexOf(s[i]) + 1) % 32] + s.slice(i + 1);

const vectors = [];
const valid = (kind, strkey, raw, extra, comment) => {
  if (!judge[kind](strkey)) throw new Error(`stellar-base refused valid ${kind} ${strkey}`);
  if (frame(versionByte[kind], raw) !== strkey) throw new Error(`framing disagrees for ${strkey}`);
  vectors.push({ valid: true, kind, strkey, version_byte: versionByte[kind], raw_hex: hex(raw), ...extra, comment, stellar_base: { check: how[kind], accepts: true } });
};
const invalid = (kind, strkey, comment) => {
  const accepts = judge[kind](strkey);
  vectors.push({ valid: false, kind, strkey, comment, stellar_base: { check: how[kind], accepts } });
};

// ------------------------------------------------------------- valid
for (let i = 0; i < 3; i++) {
  const kp = Keypair.fromRawEd25519Seed(bytesOf(`seed ${i}`));
  const g = kp.rawPublicKey();
  valid("G", StrKey.encodeEd25519PublicKey(g), g, {}, `account for seed sha256("keytree stellar strkey seed ${i}")`);
  const t = bytesOf(`pre-auth tx ${i}`);
  const T = StrKey.encodePreAuthTx(t);
  if (SignerKey.encodeSignerKey(xdr.SignerKey.signerKeyTypePreAuthTx(t)) !== T) throw new Error("SignerKey T");
  valid("T", T, t, {}, "pre-auth transaction hash; also SignerKey.encodeSignerKey");
  const x = bytesOf(`hash-x ${i}`);
  const X = StrKey.encodeSha256Hash(x);
  if (SignerKey.encodeSignerKey(xdr.SignerKey.signerKeyTypeHashX(x)) !== X) throw new Error("SignerKey X");
  valid("X", X, x, {}, "sha256 hash-x signer; also SignerKey.encodeSignerKey");
  const c = bytesOf(`contract ${i}`);
  const C = StrKey.encodeContract(c);
  if (Address.contract(c).toString() !== C || hex(Address.fromString(C).toBuffer()) !== hex(c)) throw new Error("Address C");
  valid("C", C, c, {}, "contract id; also Address.contract / Address.fromString");
  const l = bytesOf(`liquidity pool ${i}`);
  valid("L", StrKey.encodeLiquidityPool(l), l, {}, "liquidity pool id");
  const bal = bytesOf(`claimable balance ${i}`);
  const braw = Buffer.concat([Buffer.from([0]), bal]);
  valid("B", StrKey.encodeClaimableBalance(braw), braw, { balance_id_hex: hex(bal) }, "claimable balance V0: raw = type 0x00 || 32-byte id");
  // Signed payloads of every padding remainder and both bounds.
  for (const n of i === 0 ? [1, 2, 3, 4, 5, 29, 32, 63, 64] : [7 + i]) {
    const payload = Buffer.alloc(n); for (let j = 0; j < n; j++) payload[j] = (j * 29 + i + 1) & 0xff;
    const sp = new xdr.SignerKeyEd25519SignedPayload({ ed25519: g, payload });
    const raw = sp.toXDR();
    const P = StrKey.encodeSignedPayload(raw);
    if (SignerKey.encodeSignerKey(xdr.SignerKey.signerKeyTypeEd25519SignedPayload(sp)) !== P) throw new Error("SignerKey P");
    const back = SignerKey.decodeAddress(P).ed25519SignedPayload();
    if (hex(back.payload()) !== hex(payload) || hex(back.ed25519()) !== hex(g)) throw new Error("P round trip");
    valid("P", P, raw, { ed25519_hex: hex(g), payload_hex: hex(payload) }, `signed payload of ${n} bytes (XDR: key || u32 len || payload || zero padding)`);
  }
}
// SEP-23 specification valid test cases of the new kinds.
for (const [kind, s] of [
  ["P", "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAQACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IBZGM"],
  ["P", "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUAAAAFGBU"],
  ["C", "CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA"],
  ["L", "LA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUPJN"],
  ["B", "BAAD6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGR4TU"],
]) {
  const decode = { P: StrKey.decodeSignedPayload, C: StrKey.decodeContract, L: StrKey.decodeLiquidityPool, B: StrKey.decodeClaimableBalance }[kind];
  valid(kind, s, decode(s), {}, "SEP-23 specification valid test case");
}

// ------------------------------------------------------------- invalid
const k0 = Keypair.fromRawEd25519Seed(bytesOf("seed 0")).rawPublicKey();
const one = Object.fromEntries(vectors.filter((v) => v.valid).map((v) => [v.kind, v]).reverse());
for (const kind of ["T", "X", "C", "L", "B", "P"]) {
  const v = vectors.find((w) => w.valid && w.kind === kind);
  const s = v.strkey;
  const raw = Buffer.from(v.raw_hex, "hex");
  invalid(kind, bump(s, s.length - 2), "bad checksum: a checksum character changed");
  invalid(kind, bump(s, 10), "bad checksum: a payload character changed");
  invalid(kind, s.toLowerCase(), "lowercase");
  invalid(kind, s + "=", "padding '=' is not allowed");
  invalid(kind, s.slice(0, -1), "truncated by one character (impossible length or trailing bits)");
  if (kind !== "P") {
    invalid(kind, frame(versionByte[kind], raw.subarray(0, raw.length - 1)), "payload one byte short (valid checksum)");
    invalid(kind, frame(versionByte[kind], Buffer.concat([raw, Buffer.from([0])])), "payload one byte long (valid checksum)");
  }
  invalid(kind, frame(versionByte[kind] | 7, raw), "wrong version byte: low 3 bits (algorithm) are 7 (valid checksum)");
  invalid(kind, frame(30 << 3, raw), "unknown version byte 30 << 3 (valid checksum)");
}
// Non-canonical trailing bits: B (36 bytes -> 58 symbols) has 2 spare bits.
{
  const s = one.B.strkey;
  const last = B32.indexOf(s[s.length - 1]);
  for (const extra of [1, 2, 3]) invalid("B", s.slice(0, -1) + B32[last | extra], `non-zero unused trailing bits (${extra})`);
  invalid("B", frame(versionByte.B, Buffer.concat([Buffer.from([1]), Buffer.from(one.B.balance_id_hex, "hex")])), "claimable balance type 1 (only V0 = 0 exists; valid checksum)");
}
// Signed payloads: XDR structure.
{
  const P5 = vectors.find((w) => w.valid && w.kind === "P" && w.payload_hex && w.payload_hex.length === 10);
  const raw = Buffer.from(P5.raw_hex, "hex"); // 32 + 4 + 5 + 3 padding
  const withPad = Buffer.from(raw); withPad[raw.length - 1] = 1;
  invalid("P", frame(versionByte.P, withPad), "non-zero XDR padding (valid checksum)");
  const noPad = raw.subarray(0, raw.length - 3);
  invalid("P", frame(versionByte.P, noPad), "XDR padding missing (valid checksum)");
  const lenShort = Buffer.from(raw); lenShort.writeUInt32BE(4, 32);
  invalid("P", frame(versionByte.P, lenShort), "length prefix 4 shorter than the 5-byte payload (valid checksum)");
  const lenLong = Buffer.from(raw); lenLong.writeUInt32BE(9, 32);
  invalid("P", frame(versionByte.P, lenLong), "length prefix 9 longer than the bytes present (valid checksum)");
  const zero = Buffer.concat([k0, Buffer.from([0, 0, 0, 0])]);
  invalid("P", frame(versionByte.P, zero), "empty payload (valid checksum)");
  const big = Buffer.concat([k0, Buffer.from([0, 0, 0, 65]), Buffer.alloc(68)]);
  invalid("P", frame(versionByte.P, big), "65-byte payload: over the 64-byte maximum (valid checksum)");
  const s = P5.strkey; // 44 bytes -> 71 symbols, 3 spare bits
  const last = B32.indexOf(s[s.length - 1]);
  invalid("P", s.slice(0, -1) + B32[last | 1], "non-zero unused trailing bit");
}
// A C address is not an account.
invalid("G", one.C.strkey, "contract C... given where an account G... is expected");

const doc = {
  generator: "tests/vectors/stellar/gen/gen_kinds.mjs",
  library: { "@stellar/stellar-base": ver("@stellar/stellar-base"), node: process.version },
  description: "Every SEP-23 strkey kind. valid: decodes to raw_hex (the bytes between version byte and checksum) and re-encodes to the same text. invalid: must be refused; stellar_base.accepts records what the strictest stellar-base check said.",
  vectors,
};
writeFileSync(`${OUT}strkey_kinds.json`, JSON.stringify(doc, null, 1) + "\n");
const lax = vectors.filter((v) => !v.valid && v.stellar_base.accepts);
console.log(`${vectors.length} vectors (${vectors.filter((v) => v.valid).length} valid); stellar-base accepted ${lax.length} invalid:`);
for (const v of lax) console.log("  ", v.kind, v.comment);
