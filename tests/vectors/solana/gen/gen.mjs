// Generates messages.json, siws.json and addresses.json for keytree with @solana/web3.js (v1,
// Keypair/PublicKey), tweetnacl (ed25519 detached signatures) and @solana/wallet-standard-util
// (createSignInMessageText / parseSignInMessageText / verifySignIn / verifyMessageSignature).
// Usage: copy gen/ to a scratch dir, `npm ci` there, then  node gen.mjs /path/to/tests/vectors/solana
import { writeFileSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { Keypair, PublicKey } from "@solana/web3.js";
import nacl from "tweetnacl";
import bs58 from "bs58";
import { createSignInMessageText, parseSignInMessageText, verifySignIn, verifyMessageSignature } from "@solana/wallet-standard-util";

const OUT = (process.argv[2] || new URL("../", import.meta.url).pathname).replace(/\/?$/, "/");
const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const sha256 = (b) => createHash("sha256").update(b).digest();
const hex = (b) => Buffer.from(b).toString("hex");
const b64 = (b) => Buffer.from(b).toString("base64");
const library_versions = { "@solana/web3.js": ver("@solana/web3.js"), tweetnacl: ver("tweetnacl"), "@solana/wallet-standard-util": ver("@solana/wallet-standard-util"), bs58: ver("bs58"), node: process.version };

const kps = [0, 1, 2].map((i) => {
  const seed = sha256(Buffer.from(`keytree solana test key ${i}`));
  const kp = Keypair.fromSeed(seed);
  const naclKp = nacl.sign.keyPair.fromSeed(seed);
  if (hex(naclKp.publicKey) !== hex(kp.publicKey.toBytes())) throw new Error("nacl/web3 pubkey mismatch");
  return { i, seed, kp };
});
const sigFields = (sig) => ({ signature_base58: bs58.encode(sig), signature_base64: b64(sig), signature_hex: hex(sig) });
const keyFields = ({ i, seed, kp }) => ({ address: kp.publicKey.toBase58(), public_key_hex: hex(kp.publicKey.toBytes()), seed_hex: hex(seed), secret_key_base58: bs58.encode(kp.secretKey), key_label: `seed = sha256("keytree solana test key ${i}")` });
const sign = (kp, msg) => nacl.sign.detached(msg, kp.secretKey);
const libVerify = (pubBytes, msg, sig) => {
  const r = {};
  try { r.tweetnacl = nacl.sign.detached.verify(msg, sig, pubBytes); } catch (e) { r.tweetnacl = `error: ${e.message}`; }
  try { r.wallet_standard_verifyMessageSignature = verifyMessageSignature({ message: msg, signedMessage: msg, signature: sig, publicKey: pubBytes }); } catch (e) { r.wallet_standard_verifyMessageSignature = `error: ${e.message}`; }
  return r;
};

// ----------------------------------------------------------------- plain signMessage
const messages = [];
const msgs = [
  [0, "Hello, Solana!", "ascii"], [0, "", "empty message"], [1, "héllo 🌞 ソラナ", "unicode"], [1, "line1\nline2\n", "newlines"],
  [2, "x".repeat(300), "300-byte message"],
];
for (const [k, m, comment] of msgs) {
  const key = kps[k]; const bytes = Buffer.from(m, "utf8"); const sig = sign(key.kp, bytes);
  const lv = libVerify(key.kp.publicKey.toBytes(), bytes, sig);
  if (lv.tweetnacl !== true || lv.wallet_standard_verifyMessageSignature !== true) throw new Error("self verify");
  messages.push({ valid: true, ...keyFields(key), message: m, message_hex: hex(bytes), ...sigFields(sig), comment: `${comment}; signature = ed25519 over the raw UTF-8 bytes (what wallets' signMessage does)` });
}
{ // binary message
  const key = kps[2]; const bytes = Buffer.from("00ff01fe" + hex(sha256(Buffer.from("bin"))), "hex"); const sig = sign(key.kp, bytes);
  messages.push({ valid: true, ...keyFields(key), message: null, message_hex: hex(bytes), ...sigFields(sig), comment: "binary (non-UTF-8) message; use message_hex" });
}
const base = messages[0]; const baseSig = Buffer.from(base.signature_hex, "hex"); const pub0 = kps[0].kp.publicKey.toBytes();
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const inv = (comment, pubBytes, msg, sig, tweetnaclMayAccept = false) => {
  const lv = libVerify(pubBytes, msg, sig);
  if (lv.tweetnacl === true && !tweetnaclMayAccept) throw new Error("expected failure " + comment);
  if (lv.tweetnacl === true) comment += " NOTE: tweetnacl's verify does NOT check S < L and ACCEPTS this; noble-curves (used by @solana/wallet-standard-util) rejects it";
  messages.push({ valid: false, address: bs58.encode(pubBytes), public_key_hex: hex(pubBytes), message: Buffer.from(msg).toString("utf8"), message_hex: hex(msg), ...sigFields(sig), comment, library_results: lv });
};
inv("tampered message", pub0, Buffer.from("Hello, Solana?"), baseSig);
inv("wrong address (test key 1)", kps[1].kp.publicKey.toBytes(), Buffer.from(base.message), baseSig);
{ const s = Buffer.from(baseSig); s[0] ^= 0x80; inv("bit flipped in R", pub0, Buffer.from(base.message), s); }
inv("truncated signature (63 bytes)", pub0, Buffer.from(base.message), baseSig.subarray(0, 63));
{
  const s = Buffer.from(baseSig); let S = 0n; for (let i = 31; i >= 0; i--) S = (S << 8n) | BigInt(s[32 + i]);
  const S2 = S + L; for (let i = 0; i < 32; i++) s[32 + i] = Number((S2 >> BigInt(8 * i)) & 0xffn);
  inv("non-canonical S (S + L, malleated): must be rejected (RFC 8032 requires S < L).", pub0, Buffer.from(base.message), s, true);
}
inv("signature over sha256(message) instead of the message (Solana wallets sign the raw bytes)", pub0, Buffer.from(base.message), sign(kps[0].kp, sha256(Buffer.from(base.message))));
writeFileSync(OUT + "messages.json", JSON.stringify({ generator: "tests/vectors/solana/gen/gen.mjs", library_versions,
  encoding_note: "signature_base58 is what Phantom/Solflare-style APIs and most servers exchange; signature_base64 and signature_hex are the same 64 bytes", vectors: messages }, null, 2) + "\n");

// ----------------------------------------------------------------- SIWS
const siws = [];
const siwsInputs = [
  { key: 0, comment: "all fields", input: { domain: "example.com", statement: "Sign in to Example with your Solana account.", uri: "https://example.com/login", version: "1", chainId: "mainnet", nonce: "oBbLoEldZs", issuedAt: "2025-01-15T12:00:00.000Z", expirationTime: "2025-01-15T12:10:00.000Z", notBefore: "2025-01-15T11:59:00.000Z", requestId: "req-1", resources: ["https://example.com/terms", "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"] } },
  { key: 1, comment: "minimal: domain and address only (every other field is optional in SIWS)", input: { domain: "example.com" } },
  { key: 2, comment: "domain with port, chain id in CAIP-2 style 'solana:mainnet', statement with unicode", input: { domain: "localhost:3000", statement: "Connexion à l'app ✓", uri: "http://localhost:3000", version: "1", chainId: "solana:mainnet", nonce: "12345678", issuedAt: "2025-01-15T12:00:00Z" } },
  { key: 0, comment: "devnet, nonce + issuedAt only", input: { domain: "app.example.org", uri: "https://app.example.org", version: "1", chainId: "devnet", nonce: "abcDEF123", issuedAt: "2025-01-15T12:00:00Z" } },
];
for (const c of siwsInputs) {
  const key = kps[c.key];
  const input = { ...c.input, address: key.kp.publicKey.toBase58() };
  const text = createSignInMessageText(input);
  const bytes = Buffer.from(text, "utf8");
  const sig = sign(key.kp, bytes);
  const parsed = parseSignInMessageText(text);
  const output = { account: { publicKey: key.kp.publicKey.toBytes(), address: input.address }, signedMessage: bytes, signature: sig };
  const ok = verifySignIn(input, output);
  if (!ok) throw new Error("verifySignIn failed " + c.comment);
  siws.push({ valid: true, comment: c.comment, input, message: text, ...keyFields(key), ...sigFields(sig), parsed, verifySignIn: ok });
}
{
  const v = siws[0]; const sig = Buffer.from(v.signature_hex, "hex");
  const pub = kps[0].kp.publicKey.toBytes();
  const check = (comment, input, text, sigB, pubB = pub) => {
    const output = { account: { publicKey: pubB, address: bs58.encode(pubB) }, signedMessage: Buffer.from(text, "utf8"), signature: sigB };
    let ok; try { ok = verifySignIn(input, output); } catch (e) { ok = `error: ${e.message}`; }
    if (ok === true) throw new Error("expected failure " + comment);
    siws.push({ valid: false, comment, input, message: text, address: bs58.encode(pubB), ...sigFields(sigB), parsed: parseSignInMessageText(text), verifySignIn: ok });
  };
  check("tampered message (nonce changed after signing)", { ...v.input, nonce: "oBbLoEldZX" }, v.message.replace("Nonce: oBbLoEldZs", "Nonce: oBbLoEldZX"), sig);
  check("message signed by test key 0 but presented with test key 1's account", { ...v.input, address: kps[1].kp.publicKey.toBase58() }, v.message.replace(v.input.address, kps[1].kp.publicKey.toBase58()), sig, kps[1].kp.publicKey.toBytes());
  check("requested input differs from what was signed (dApp asked for domain evil.com)", { ...v.input, domain: "evil.com" }, v.message, sig);
  check("signed message is a different sign-in message than the request (request asked for statement 'X')", { ...v.input, statement: "X" }, v.message, sig);
  const bad = "example.com wants you to sign in with your Ethereum account:\n" + v.input.address;
  check("not a SIWS message (Ethereum header): parseSignInMessageText returns null", { domain: "example.com", address: v.input.address }, bad, sign(kps[0].kp, Buffer.from(bad)));
}
writeFileSync(OUT + "siws.json", JSON.stringify({ generator: "tests/vectors/solana/gen/gen.mjs", library_versions,
  note: "message = createSignInMessageText(input) from @solana/wallet-standard-util; signature = ed25519 (tweetnacl) over the UTF-8 bytes of message; verifySignIn(input, output) re-derives the text from the signed bytes, compares it field by field with the request, then checks the signature",
  vectors: siws }, null, 2) + "\n");

// ----------------------------------------------------------------- addresses
const addrs = [];
const tryPk = (s) => { try { const p = new PublicKey(s); return { ok: true, hex: hex(p.toBytes()), on_curve: PublicKey.isOnCurve(p.toBytes()) }; } catch (e) { return { ok: false, error: e.message }; } };
for (const k of kps) { const a = k.kp.publicKey.toBase58(); addrs.push({ valid: true, address: a, public_key_hex: hex(k.kp.publicKey.toBytes()), comment: "test key address", web3js: tryPk(a) }); }
for (const [a, comment] of [["11111111111111111111111111111111", "system program: 32 zero bytes (leading-zero bytes encode as '1')"], ["So11111111111111111111111111111111111111112", "wrapped SOL mint"], ["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "SPL token program"]]) {
  addrs.push({ valid: true, address: a, public_key_hex: hex(bs58.decode(a)), comment, web3js: tryPk(a) });
}
{
  const [pda, bump] = PublicKey.findProgramAddressSync([Buffer.from("keytree")], new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"));
  addrs.push({ valid: true, address: pda.toBase58(), public_key_hex: hex(pda.toBytes()), comment: `program-derived address (seeds ["keytree"], token program, bump ${bump}): a valid address but OFF the ed25519 curve, so no signature can ever verify for it`, web3js: tryPk(pda.toBase58()) });
}
const a0 = kps[0].kp.publicKey.toBase58();
for (const [a, comment] of [
  [a0.slice(0, -1), "one character short (decodes to 31 bytes or an invalid length)"],
  [bs58.encode(Buffer.concat([Buffer.from(kps[0].kp.publicKey.toBytes()), Buffer.from([0])])), "33 bytes"],
  [a0.slice(0, 5) + "0" + a0.slice(6), "contains '0' (not in the base58 alphabet)"],
  [a0.slice(0, 5) + "l" + a0.slice(6), "contains 'l' (not in the base58 alphabet)"],
  ["", "empty string"],
]) {
  const r = tryPk(a);
  addrs.push({ valid: false, address: a, comment: comment + (r.ok ? " (NOTE: web3.js PublicKey accepted it)" : ""), web3js: r });
}
writeFileSync(OUT + "addresses.json", JSON.stringify({ generator: "tests/vectors/solana/gen/gen.mjs", library_versions, vectors: addrs }, null, 2) + "\n");
console.log(`messages: ${messages.length}, siws: ${siws.length}, addresses: ${addrs.length}`);
