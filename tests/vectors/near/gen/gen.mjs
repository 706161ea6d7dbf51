// Generates nep413.json (NEAR NEP-413 signMessage) for keytree.
// Payload built with the `borsh` npm package, hashed with sha256 (node:crypto), signed with
// @near-js/crypto KeyPair (ed25519) and cross-checked against near-api-js's own
// KeyPairSigner.signNep413Message.
// Usage: copy gen/ to a scratch dir, `npm ci` there, then  node gen.mjs /path/to/tests/vectors/near
import { writeFileSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { serialize } from "borsh";
import { KeyPairEd25519, PublicKey, keyToImplicitAddress } from "@near-js/crypto";
import * as nearApi from "near-api-js";
import bs58 from "bs58";

const OUT = (process.argv[2] || new URL("../", import.meta.url).pathname).replace(/\/?$/, "/");
const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const sha256 = (b) => new Uint8Array(createHash("sha256").update(b).digest());
const hex = (b) => Buffer.from(b).toString("hex");
const b64 = (b) => Buffer.from(b).toString("base64");

const TAG = 2147484061; // 2^31 + 413
const SCHEMA = { struct: { message: "string", nonce: { array: { type: "u8", len: 32 } }, recipient: "string", callbackUrl: { option: "string" } } };

function keyPair(i) {
  const seed = sha256(Buffer.from(`keytree near test key ${i}`));
  const tmp = new KeyPairEd25519(bs58.encode(new Uint8Array([...seed, ...new Uint8Array(32)])));
  const pub = tmp.getPublicKey().data;
  const extended = bs58.encode(new Uint8Array([...seed, ...pub]));
  return { seed, extended, kp: new KeyPairEd25519(extended), napi: nearApi.KeyPair.fromString(`ed25519:${extended}`) };
}

function payloadBytes(p) {
  const tag = serialize("u32", TAG);
  const body = serialize(SCHEMA, { message: p.message, nonce: p.nonce, recipient: p.recipient, callbackUrl: p.callbackUrl ?? null });
  return new Uint8Array([...tag, ...body]);
}

const nonceSeq = Uint8Array.from({ length: 32 }, (_, i) => i);
const nonceHash = (s) => sha256(Buffer.from(s));
const cases = [
  { key: 0, account: "implicit", message: "hi", nonce: nonceSeq, recipient: "myapp.com", callbackUrl: "myapp.com/callback",
    comment: "the NEP-413 specification's example payload (message \"hi\", nonce [0..31], recipient \"myapp.com\", callbackUrl \"myapp.com/callback\"); the spec gives no key or expected signature, so this is signed with test key 0" },
  { key: 0, account: "implicit", message: "hi", nonce: nonceSeq, recipient: "myapp.com", callbackUrl: null, comment: "spec example payload without callbackUrl (None)" },
  { key: 0, account: "implicit", message: "Sign in to keytree", nonce: nonceHash("keytree near nonce 1"), recipient: "keytree.example", callbackUrl: null, comment: "callbackUrl None" },
  { key: 1, account: "implicit", message: "Sign in to keytree", nonce: nonceHash("keytree near nonce 2"), recipient: "keytree.example", callbackUrl: "https://keytree.example/auth/callback", comment: "callbackUrl Some" },
  { key: 2, account: "alice.testnet", message: "Login request #42\nfor alice", nonce: nonceHash("keytree near nonce 3"), recipient: "app.near", callbackUrl: null, comment: "named account alice.testnet (account->key binding is on-chain; here we only record the public key)" },
  { key: 2, account: "alice.testnet", message: "héllo 🌍 NEAR", nonce: new Uint8Array(32), recipient: "alice.testnet", callbackUrl: "https://example.com/cb?x=1#frag", comment: "unicode message, all-zero nonce, callbackUrl Some" },
  { key: 1, account: "implicit", message: "", nonce: new Uint8Array(32).fill(0xff), recipient: "", callbackUrl: "", comment: "empty message, empty recipient, callbackUrl Some(\"\") (distinct from None: option tag 1 + u32 length 0)" },
];

const vectors = [];
const signedCases = [];
for (const c of cases) {
  const { kp, napi } = keyPair(c.key);
  const pubB58 = bs58.encode(kp.getPublicKey().data);
  const accountId = c.account === "implicit" ? keyToImplicitAddress(kp.getPublicKey()) : c.account;
  if (c.account === "implicit" && accountId !== hex(kp.getPublicKey().data)) throw new Error("implicit address mismatch");
  const payload = payloadBytes(c);
  const hash = sha256(payload);
  const { signature } = kp.sign(hash);
  // cross-check against near-api-js's own NEP-413 implementation
  const signer = new nearApi.KeyPairSigner(napi);
  const lib = await signer.signNep413Message(accountId, { message: c.message, nonce: c.nonce, recipient: c.recipient, callbackUrl: c.callbackUrl ?? undefined });
  if (hex(lib.signature) !== hex(signature)) throw new Error("near-api-js signNep413Message disagrees: " + c.comment);
  if (lib.publicKey.toString() !== `ed25519:${pubB58}`) throw new Error("pubkey string mismatch");
  if (!kp.verify(hash, signature)) throw new Error("self-verify failed");
  const v = {
    valid: true, comment: c.comment, account_id: accountId, public_key: `ed25519:${pubB58}`, public_key_hex: hex(kp.getPublicKey().data),
    secret_key: `ed25519:${keyPair(c.key).extended}`, seed_hex: hex(keyPair(c.key).seed), key_label: `seed = sha256("keytree near test key ${c.key}")`,
    message: c.message, nonce: b64(c.nonce), nonce_hex: hex(c.nonce), recipient: c.recipient, callback_url: c.callbackUrl,
    payload_borsh_hex: hex(payload), payload_sha256_hex: hex(hash), signature: b64(signature), signature_hex: hex(signature),
  };
  vectors.push(v);
  signedCases.push({ c, v, kp });
}

// ---- invalid cases: verify the signature against a changed payload / key
const verifyAgainst = (pubHex, p, sigBytes, { noHash = false, noTag = false } = {}) => {
  let bytes = payloadBytes(p);
  if (noTag) bytes = bytes.slice(4);
  const msg = noHash ? bytes : sha256(bytes);
  try { return PublicKey.fromString(`ed25519:${bs58.encode(Buffer.from(pubHex, "hex"))}`).verify(msg, sigBytes); } catch (e) { return `error: ${e.message}`; }
};
const base = signedCases[2]; // callbackUrl None case
const baseSome = signedCases[3]; // callbackUrl Some case
const sigOf = (sc) => Buffer.from(sc.v.signature, "base64");
const invalid = (comment, sc, override, sigBytes, extra = {}) => {
  const p = { ...sc.c, ...override };
  const pubHex = extra.pubHex ?? sc.v.public_key_hex;
  const res = verifyAgainst(pubHex, p, sigBytes);
  if (res === true) throw new Error("expected failure: " + comment);
  const { kp: _kp, ...rest } = extra;
  vectors.push({
    valid: false, comment, account_id: extra.account_id ?? sc.v.account_id, public_key: `ed25519:${bs58.encode(Buffer.from(pubHex, "hex"))}`, public_key_hex: pubHex,
    message: p.message, nonce: b64(p.nonce), nonce_hex: hex(p.nonce), recipient: p.recipient, callback_url: p.callbackUrl ?? null,
    payload_borsh_hex: hex(payloadBytes(p)), payload_sha256_hex: hex(sha256(payloadBytes(p))), signature: b64(sigBytes), signature_hex: hex(sigBytes),
    near_js_crypto_verify: res,
  });
};
invalid("tampered message (signature is over \"Sign in to keytree\")", base, { message: "Sign in to keytree!" }, sigOf(base));
invalid("wrong nonce (last byte changed)", base, { nonce: Uint8Array.from([...base.c.nonce.slice(0, 31), base.c.nonce[31] ^ 1]) }, sigOf(base));
invalid("wrong recipient", base, { recipient: "evil.example" }, sigOf(base));
invalid("callbackUrl added: signature was made with callbackUrl None, verified with Some(\"https://keytree.example/auth/callback\")", base, { callbackUrl: "https://keytree.example/auth/callback" }, sigOf(base));
invalid("callbackUrl dropped: signature was made with callbackUrl Some, verified with None", baseSome, { callbackUrl: null }, sigOf(baseSome));
invalid("public key of a different test key (key 2)", base, {}, sigOf(base), { pubHex: signedCases[4].v.public_key_hex });
{ const s = sigOf(base); s[10] ^= 0x01; invalid("signature with one bit flipped in R", base, {}, s); }
{ const s = sigOf(base).slice(0, 63); invalid("truncated signature (63 bytes)", base, {}, s); }
{ // S + L: non-canonical scalar (malleability)
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  const s = sigOf(base);
  let S = 0n; for (let i = 31; i >= 0; i--) S = (S << 8n) | BigInt(s[32 + i]);
  const S2 = S + L; if (S2 >= (1n << 256n)) throw new Error("S+L overflow");
  for (let i = 0; i < 32; i++) s[32 + i] = Number((S2 >> BigInt(8 * i)) & 0xffn);
  invalid("non-canonical S (S + L, malleated): RFC 8032 / ZIP-215 verifiers must reject S >= L", base, {}, s);
}
// signatures made the WRONG way (common implementation bugs), verified the right way
{
  const sc = base; const raw = payloadBytes(sc.c);
  const s1 = sc.kp.sign(raw).signature; // ed25519 over the borsh bytes, no sha256
  invalid("signature over the borsh payload WITHOUT the sha256 step (wallet bug); must not verify as NEP-413", sc, {}, s1);
  const s2 = sc.kp.sign(sha256(raw.slice(4))).signature; // no prefix tag
  invalid("signature over sha256(payload) WITHOUT the 2^31+413 prefix tag; must not verify as NEP-413", sc, {}, s2);
}

const out = {
  generator: "tests/vectors/near/gen/gen.mjs",
  library_versions: { borsh: ver("borsh"), "@near-js/crypto": ver("@near-js/crypto"), "near-api-js": ver("near-api-js"), bs58: ver("bs58"), node: process.version },
  vectors,
};
writeFileSync(OUT + "nep413.json", JSON.stringify(out, null, 2) + "\n");
console.log(`nep413: ${vectors.length} vectors`);
