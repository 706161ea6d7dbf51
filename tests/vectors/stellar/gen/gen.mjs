// Generates strkeys.json and sep53.json for keytree with @stellar/stellar-base.
// Usage: copy gen/ to a scratch dir, `npm ci` there, then  node gen.mjs /path/to/tests/vectors/stellar
import { writeFileSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { StrKey, Keypair, MuxedAccount, Account } from "@stellar/stellar-base";

const OUT = (process.argv[2] || new URL("../", import.meta.url).pathname).replace(/\/?$/, "/");
const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const sha256 = (b) => createHash("sha256").update(b).digest();
const hex = (b) => Buffer.from(b).toString("hex");
const seedOf = (i) => sha256(Buffer.from(`keytree stellar test key ${i}`));

const check = (s) => {
  const r = {};
  for (const [k, f] of [["G", "isValidEd25519PublicKey"], ["S", "isValidEd25519SecretSeed"], ["M", "isValidMed25519PublicKey"]]) r[k] = StrKey[f](s);
  return { isValidEd25519PublicKey: r.G, isValidEd25519SecretSeed: r.S, isValidMed25519PublicKey: r.M };
};

// ----------------------------------------------------------------- strkeys
const strkeys = [];
const muxIds = ["0", "1", "1234567890", "9223372036854775807", "9223372036854775808", "18446744073709551615"];
for (let i = 0; i < 4; i++) {
  const seed = seedOf(i);
  const kp = Keypair.fromRawEd25519Seed(seed);
  const G = StrKey.encodeEd25519PublicKey(kp.rawPublicKey());
  const S = StrKey.encodeEd25519SecretSeed(seed);
  if (G !== kp.publicKey() || S !== kp.secret()) throw new Error("keypair/strkey mismatch");
  strkeys.push({ valid: true, kind: "ed25519_public_key", strkey: G, raw_hex: hex(kp.rawPublicKey()), version_byte: 6 << 3, comment: `account for seed sha256("keytree stellar test key ${i}")`, ...check(G) });
  strkeys.push({ valid: true, kind: "ed25519_secret_seed", strkey: S, raw_hex: hex(seed), version_byte: 18 << 3, public_key: G, comment: `secret seed; public key ${G}`, ...check(S) });
  for (const id of (i === 0 ? muxIds : [muxIds[i]])) {
    const idBytes = Buffer.alloc(8); idBytes.writeBigUInt64BE(BigInt(id));
    const raw = Buffer.concat([kp.rawPublicKey(), idBytes]);
    const M = StrKey.encodeMed25519PublicKey(raw);
    const viaMux = new MuxedAccount(new Account(G, "0"), id).accountId();
    if (viaMux !== M) throw new Error("MuxedAccount disagrees with encodeMed25519PublicKey");
    const back = MuxedAccount.fromAddress(M, "0");
    if (back.id() !== id || back.baseAccount().accountId() !== G) throw new Error("MuxedAccount.fromAddress round trip");
    strkeys.push({ valid: true, kind: "med25519_public_key", strkey: M, raw_hex: hex(raw), version_byte: 12 << 3, base_account: G, id, comment: "muxed account: raw = ed25519 public key (32) || id as u64 big-endian (8)", ...check(M) });
  }
}
// SEP-23 specification test cases (G / M / S related ones; P, C, L, B kinds are recorded with kind only)
const sep23Valid = [
  ["ed25519_public_key", "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ", {}],
  ["med25519_public_key", "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ", { id: "0", base_account: "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ" }],
  ["med25519_public_key", "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK", { id: "9223372036854775808", base_account: "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ" }],
];
for (const [kind, s, extra] of sep23Valid) {
  const raw = kind === "ed25519_public_key" ? StrKey.decodeEd25519PublicKey(s) : StrKey.decodeMed25519PublicKey(s);
  if (kind === "med25519_public_key") {
    const m = MuxedAccount.fromAddress(s, "0");
    if (m.id() !== extra.id || m.baseAccount().accountId() !== extra.base_account) throw new Error("sep23 mux mismatch");
  }
  strkeys.push({ valid: true, kind, strkey: s, raw_hex: hex(raw), ...extra, comment: "SEP-23 specification valid test case", ...check(s) });
}
const sep23Invalid = [
  ["GAAAAAAAACGC6", "SEP-23: invalid length (Ed25519 should be 32 bytes, not 5)"],
  ["MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUR", "SEP-23: unused trailing bit of the last symbol must be zero"],
  ["GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZA", "SEP-23: invalid length (congruent to 1 mod 8)"],
  ["GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUACUSI", "SEP-23: invalid length (decodes to 36 bytes, not 35)"],
  ["G47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVP2I", "SEP-23: invalid algorithm (low 3 bits of version byte are 7)"],
  ["MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLKA", "SEP-23: invalid length (congruent to 6 mod 8)"],
  ["MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAAV75I", "SEP-23: invalid length (decodes to 44 bytes, not 43)"],
  ["M47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ", "SEP-23: invalid algorithm (low 3 bits of version byte are 7)"],
  ["MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUK===", "SEP-23: padding '=' not allowed"],
  ["MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUO", "SEP-23: invalid checksum"],
];
for (const [s, comment] of sep23Invalid) {
  const c = check(s);
  if (c.isValidEd25519PublicKey || c.isValidMed25519PublicKey || c.isValidEd25519SecretSeed) throw new Error("stellar-base accepted SEP-23 invalid " + s);
  strkeys.push({ valid: false, kind: s[0] === "G" ? "ed25519_public_key" : "med25519_public_key", strkey: s, comment, ...c });
}
// Our own invalid variants derived from test key 0
const G0 = strkeys[0].strkey, S0 = strkeys[1].strkey, M0 = strkeys.find((v) => v.kind === "med25519_public_key").strkey;
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const bump = (s, i) => s.slice(0, i) + B32[(B32.indexOf(s[i]) + 1) % 32] + s.slice(i + 1);
const mine = [
  ["ed25519_public_key", bump(G0, 55), "bad checksum: last character changed"],
  ["ed25519_public_key", bump(G0, 20), "bad checksum: a payload character changed"],
  ["ed25519_public_key", S0, "secret seed (version byte S) given where an account G... is expected"],
  ["ed25519_public_key", M0, "muxed M... given where a plain account G... is expected"],
  ["ed25519_public_key", StrKey.encodeContract(StrKey.decodeEd25519PublicKey(G0)), "contract C... strkey of the same 32 bytes: wrong version byte"],
  ["ed25519_public_key", G0.toLowerCase(), "lowercase (strkeys are upper-case base32 only)"],
  ["ed25519_public_key", G0.slice(0, 55), "wrong length: 55 chars"],
  ["ed25519_public_key", G0 + "A", "wrong length: 57 chars"],
  ["ed25519_public_key", G0.slice(0, 10) + "0" + G0.slice(11), "non-base32 character '0'"],
  ["ed25519_public_key", ` ${G0}`, "leading whitespace"],
  ["ed25519_public_key", "", "empty string"],
  ["ed25519_secret_seed", bump(S0, 55), "secret seed with bad checksum"],
  ["ed25519_secret_seed", G0, "account G... given where a secret seed S... is expected"],
  ["med25519_public_key", bump(M0, 68), "muxed with bad checksum / nonzero unused bit"],
  ["med25519_public_key", G0, "plain G... given where a muxed M... is expected"],
];
for (const [kind, s, comment] of mine) {
  const c = check(s);
  const accepted = { ed25519_public_key: c.isValidEd25519PublicKey, ed25519_secret_seed: c.isValidEd25519SecretSeed, med25519_public_key: c.isValidMed25519PublicKey }[kind];
  if (accepted) throw new Error("stellar-base accepted invalid " + comment);
  strkeys.push({ valid: false, kind, strkey: s, comment, ...c });
}

// ----------------------------------------------------------------- SEP-53
const PREFIX = Buffer.from("Stellar Signed Message:\n", "utf8");
const sep53 = [];
const hasSignMessage = typeof Keypair.prototype.signMessage === "function";
const signSep53 = (kp, msgBytes) => {
  const hash = sha256(Buffer.concat([PREFIX, msgBytes]));
  return { hash, signature: kp.sign(hash) };
};
const specSeed = "SAKICEVQLYWGSOJS4WW7HZJWAHZVEEBS527LHK5V4MLJALYKICQCJXMW";
const specCases = [
  { message: "Hello, World!", sig: "fO5dbYhXUhBMhe6kId/cuVq/AfEnHRHEvsP8vXh03M1uLpi5e46yO2Q8rEBzu3feXQewcQE5GArp88u6ePK6BA==" },
  { message: "こんにちは、世界！", sig: "CDU265Xs8y3OWbB/56H9jPgUss5G9A0qFuTqH2zs2YDgTm+++dIfmAEceFqB7bhfN3am59lCtDXrCtwH2k1GBA==" },
  { message_base64: "2zZDP1sa1BVBfLP7TeeMk3sUbaxAkUhBhDiNdrksaFo=", sig: "VA1+7hefNwv2NKScH6n+Sljj15kLAge+M2wE7fzFOf+L0MMbssA1mwfJZRyyrhBORQRle10X1Dxpx+UOI4EbDQ==" },
];
const msgFields = (c, bytes) => (c.message !== undefined ? { message: c.message } : { message_hex: hex(bytes), message_base64: bytes.toString("base64") });
const bytesOf = (c) => (c.message !== undefined ? Buffer.from(c.message, "utf8") : c.message_base64 !== undefined ? Buffer.from(c.message_base64, "base64") : Buffer.from(c.message_hex, "hex"));
{
  const kp = Keypair.fromSecret(specSeed);
  if (kp.publicKey() !== "GBXFXNDLV4LSWA4VB7YIL5GBD7BVNR22SGBTDKMO2SBZZHDXSKZYCP7L") throw new Error("spec address mismatch");
  for (const c of specCases) {
    const b = bytesOf(c);
    const { hash, signature } = signSep53(kp, b);
    if (signature.toString("base64") !== c.sig) throw new Error("SEP-53 spec signature mismatch for " + JSON.stringify(c));
    sep53.push({ valid: true, account: kp.publicKey(), secret_seed: specSeed, ...msgFields(c, b), hash_hex: hex(hash), signature: c.sig, signature_hex: hex(Buffer.from(c.sig, "base64")),
      comment: "SEP-53 specification test case (expected signature copied from the spec; reproduced byte-for-byte by stellar-base Keypair.sign)" });
  }
}
const ours = [
  { key: 0, message: "keytree sign-in" },
  { key: 0, message: "" },
  { key: 1, message: "multi\nline\nmessage with emoji 🚀" },
  { key: 1, message_hex: "00ff10" + "80".repeat(5) },
  { key: 2, message_hex: hex(sha256(Buffer.from("keytree stellar binary"))) },
];
const baseRows = [];
for (const c of ours) {
  const kp = Keypair.fromRawEd25519Seed(seedOf(c.key));
  const b = bytesOf(c);
  const { hash, signature } = signSep53(kp, b);
  if (!kp.verify(hash, signature)) throw new Error("self verify");
  const row = { valid: true, account: kp.publicKey(), secret_seed: kp.secret(), ...msgFields(c, b), hash_hex: hex(hash), signature: signature.toString("base64"), signature_hex: hex(signature),
    comment: `seed sha256("keytree stellar test key ${c.key}")` + (c.message === "" ? "; empty message" : "") };
  sep53.push(row); baseRows.push({ row, kp, b });
}
// invalid
const inv = (comment, account, msgB, sigB, asText = true) => {
  const hash = sha256(Buffer.concat([PREFIX, msgB]));
  let ok; try { ok = Keypair.fromPublicKey(account).verify(hash, sigB); } catch (e) { ok = `error: ${e.message}`; }
  if (ok === true) throw new Error("expected failure: " + comment);
  sep53.push({ valid: false, account, ...(asText ? { message: msgB.toString("utf8") } : { message_hex: hex(msgB), message_base64: msgB.toString("base64") }), hash_hex: hex(hash), signature: Buffer.from(sigB).toString("base64"), signature_hex: hex(sigB), comment, stellar_base_verify: ok });
};
const r0 = baseRows[0], sig0 = Buffer.from(r0.row.signature, "base64");
inv("tampered message", r0.row.account, Buffer.from("keytree sign-in!"), sig0);
inv("wrong account (signature by test key 0, account is test key 1)", baseRows[2].row.account, r0.b, sig0);
{ const s = Buffer.from(sig0); s[63] ^= 0x01; inv("signature with one bit flipped in S", r0.row.account, r0.b, s); }
inv("truncated signature (63 bytes)", r0.row.account, r0.b, sig0.subarray(0, 63));
{ const kp = r0.kp; inv("signature over sha256(message) WITHOUT the \"Stellar Signed Message:\\n\" prefix", r0.row.account, r0.b, kp.sign(sha256(r0.b))); }
{ const kp = r0.kp; inv("signature over prefix||message directly (no sha256 step)", r0.row.account, r0.b, kp.sign(Buffer.concat([PREFIX, r0.b]))); }

const lv = { "@stellar/stellar-base": ver("@stellar/stellar-base"), node: process.version };
writeFileSync(OUT + "strkeys.json", JSON.stringify({ generator: "tests/vectors/stellar/gen/gen.mjs", library_versions: lv, vectors: strkeys }, null, 2) + "\n");
writeFileSync(OUT + "sep53.json", JSON.stringify({ generator: "tests/vectors/stellar/gen/gen.mjs", library_versions: lv, keypair_signMessage_available: hasSignMessage,
  note: hasSignMessage ? "Keypair.signMessage exists" : "this @stellar/stellar-base version has no Keypair.signMessage; SEP-53 was computed as Keypair.sign(sha256(\"Stellar Signed Message:\\n\" || message_bytes)) and checked against the SEP-53 spec's own test cases", vectors: sep53 }, null, 2) + "\n");
console.log(`strkeys: ${strkeys.length}, sep53: ${sep53.length}, signMessage: ${hasSignMessage}`);
