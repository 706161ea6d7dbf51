// Generates principals.json, identities.json and delegations.json for keytree with the
// @dfinity JS libraries (principal, identity, identity-secp256k1, agent).
// Usage: copy gen/ to a scratch dir, `npm ci` there, then  node gen.mjs /path/to/tests/vectors/icp
import { writeFileSync, readFileSync } from "node:fs";
import crypto, { createHash, createECDH, webcrypto } from "node:crypto";
import { Principal } from "@dfinity/principal";
import { Ed25519KeyIdentity, ECDSAKeyIdentity, DelegationChain } from "@dfinity/identity";
import { Secp256k1KeyIdentity } from "@dfinity/identity-secp256k1";
import { requestIdOf, IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR } from "@dfinity/agent";

const OUT = (process.argv[2] || new URL("../", import.meta.url).pathname).replace(/\/?$/, "/");
const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const sha256 = (b) => new Uint8Array(createHash("sha256").update(b).digest());
const hex = (b) => Buffer.from(b).toString("hex");
const seed = (label) => sha256(Buffer.from(label));
const library_versions = {
  "@dfinity/principal": ver("@dfinity/principal"), "@dfinity/identity": ver("@dfinity/identity"),
  "@dfinity/identity-secp256k1": ver("@dfinity/identity-secp256k1"), "@dfinity/agent": ver("@dfinity/agent"), node: process.version,
};

// independent verification with node:crypto (OpenSSL), from the SPKI DER
function nodeVerify(kind, derHex, msg, sig) {
  try {
    const key = crypto.createPublicKey({ key: Buffer.from(derHex, "hex"), format: "der", type: "spki" });
    if (kind === "ed25519") return crypto.verify(null, Buffer.from(msg), key, Buffer.from(sig));
    return crypto.verify("sha256", Buffer.from(msg), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig));
  } catch (e) { return `error: ${e.message}`; }
}

// ----------------------------------------------------------------- identities
async function p256Identity(d) {
  const ecdh = createECDH("prime256v1"); ecdh.setPrivateKey(Buffer.from(d));
  const pub = ecdh.getPublicKey(); // 04 || x || y
  const b64u = (b) => Buffer.from(b).toString("base64url");
  const jwk = { kty: "EC", crv: "P-256", x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)), d: b64u(d) };
  const { d: _d, ...pubJwk } = jwk;
  const privateKey = await webcrypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
  const publicKey = await webcrypto.subtle.importKey("jwk", pubJwk, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
  return ECDSAKeyIdentity.fromKeyPair({ privateKey, publicKey });
}
const N_P256 = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const N_K1 = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

const MESSAGES = [Buffer.from("keytree icp test message"), Buffer.from("")];
const ids = {};
const identities = [];
for (let i = 0; i < 2; i++) {
  const s = seed(`keytree icp ed25519 test key ${i}`);
  ids[`ed25519_${i}`] = { kind: "ed25519", id: Ed25519KeyIdentity.fromSecretKey(s), secret_hex: hex(s), label: `sha256("keytree icp ed25519 test key ${i}")` };
}
for (let i = 0; i < 2; i++) {
  const s = seed(`keytree icp secp256k1 test key ${i}`);
  ids[`secp256k1_${i}`] = { kind: "secp256k1", id: Secp256k1KeyIdentity.fromSecretKey(s), secret_hex: hex(s), label: `sha256("keytree icp secp256k1 test key ${i}")` };
}
for (let i = 0; i < 2; i++) {
  const s = seed(`keytree icp p256 test key ${i}`);
  ids[`p256_${i}`] = { kind: "p256", id: await p256Identity(s), secret_hex: hex(s), label: `sha256("keytree icp p256 test key ${i}")` };
}
const SIGNED = {
  ed25519: "Ed25519KeyIdentity.sign(m) = Ed25519 (RFC 8032) signature over the raw message bytes m (no pre-hash); deterministic",
  secp256k1: "Secp256k1KeyIdentity.sign(m) = ECDSA/secp256k1 over sha256(m), noble-curves RFC 6979 deterministic nonce, low-S normalised; 64-byte r||s (compact, no recovery id)",
  p256: "ECDSAKeyIdentity.sign(m) = WebCrypto ECDSA {P-256, SHA-256}: ECDSA over sha256(m); 64-byte r||s (IEEE P1363); RANDOMISED nonce (signature differs per run, any of them verifies) and NOT low-S normalised",
};
const derOf = (k) => hex(ids[k].id.getPublicKey().toDer());
for (const [name, { kind, id, secret_hex, label }] of Object.entries(ids)) {
  const der = hex(id.getPublicKey().toDer());
  const principal = id.getPrincipal().toText();
  if (Principal.selfAuthenticating(id.getPublicKey().toDer()).toText() !== principal) throw new Error("principal mismatch");
  const sigs = [];
  for (const m of MESSAGES) {
    const sig = await id.sign(m);
    const nv = nodeVerify(kind, der, m, sig);
    if (nv !== true) throw new Error(`node:crypto failed to verify ${name}: ${nv}`);
    const S = BigInt("0x" + (hex(sig.slice(32)) || "0"));
    sigs.push({ message_hex: hex(m), message_utf8: m.toString("utf8"), signature_hex: hex(sig), signature_len: sig.length,
      ...(kind !== "ed25519" ? { s_is_low: S <= (kind === "p256" ? N_P256 : N_K1) / 2n } : {}), node_crypto_verify: nv });
  }
  identities.push({
    valid: true, name, key_type: kind, secret_key_hex: secret_hex, key_label: label,
    public_key_der_hex: der, public_key_raw_hex: kind === "p256" ? null : hex(id.getPublicKey().toRaw()),
    principal, principal_bytes_hex: hex(id.getPrincipal().toUint8Array()),
    what_is_signed: SIGNED[kind], signatures: sigs,
    comment: kind === "p256" ? "P-256 key imported into node's WebCrypto from the fixed scalar d = secret_key_hex; public key raw form is not exposed by the library (see DER)" : "",
  });
}
// invalid signature cases on the identity level
const invalidSigs = [];
{
  const base = identities.find((x) => x.name === "ed25519_0"), s0 = base.signatures[0];
  const other = identities.find((x) => x.name === "ed25519_1");
  const flip = (h, i) => { const b = Buffer.from(h, "hex"); b[i] ^= 1; return hex(b); };
  const cases = [
    ["ed25519", base.public_key_der_hex, hex(Buffer.from("keytree icp test message!")), s0.signature_hex, "ed25519: tampered message"],
    ["ed25519", other.public_key_der_hex, s0.message_hex, s0.signature_hex, "ed25519: wrong public key"],
    ["ed25519", base.public_key_der_hex, s0.message_hex, flip(s0.signature_hex, 5), "ed25519: bit flipped in signature"],
    ["ed25519", base.public_key_der_hex, hex(sha256(Buffer.from(s0.message_hex, "hex"))), s0.signature_hex, "ed25519: verifying against sha256(message): Ed25519KeyIdentity signs the RAW message, not a hash"],
  ];
  for (const k of ["secp256k1_0", "p256_0"]) {
    const b = identities.find((x) => x.name === k), s = b.signatures[0];
    const kind = b.key_type, n = kind === "p256" ? N_P256 : N_K1;
    const r = s.signature_hex.slice(0, 64), S = BigInt("0x" + s.signature_hex.slice(64));
    cases.push([kind, b.public_key_der_hex, hex(Buffer.from("keytree icp test message!")), s.signature_hex, `${kind}: tampered message`]);
    cases.push([kind, b.public_key_der_hex, hex(sha256(Buffer.from(s.message_hex, "hex"))), s.signature_hex, `${kind}: verifying against sha256(message) as if it were the message (double hash): the library signs sha256(m) once`]);
    cases.push([kind, b.public_key_der_hex, s.message_hex, s.signature_hex.slice(0, 126), `${kind}: truncated signature (63 bytes)`]);
    const highS = r + (n - S).toString(16).padStart(64, "0");
    const nv = nodeVerify(kind, b.public_key_der_hex, Buffer.from(s.message_hex, "hex"), Buffer.from(highS, "hex"));
    invalidSigs.push({ valid: kind === "p256", key_type: kind, public_key_der_hex: b.public_key_der_hex, message_hex: s.message_hex, signature_hex: highS, node_crypto_verify: nv,
      comment: kind === "secp256k1"
        ? "secp256k1: malleated s' = n - s. Mathematically verifies (node:crypto/OpenSSL accepts it), but Secp256k1KeyIdentity only ever produces low-S; marked invalid as a keytree policy (reject high-S secp256k1, as libsecp256k1/k256 verify do by default). Not checked against the IC replica"
        : "p256: malleated s' = n - s. WebCrypto ECDSA does not normalise S, so genuine ECDSAKeyIdentity signatures have high S about half the time; both forms verify (node:crypto). Marked valid: a verifier must NOT require low-S for P-256" });
  }
  for (const [kind, der, mh, sh, comment] of cases) {
    const nv = nodeVerify(kind, der, Buffer.from(mh, "hex"), Buffer.from(sh, "hex"));
    if (nv === true) throw new Error("expected failure " + comment);
    invalidSigs.push({ valid: false, key_type: kind, public_key_der_hex: der, message_hex: mh, signature_hex: sh, node_crypto_verify: nv, comment });
  }
}
writeFileSync(OUT + "identities.json", JSON.stringify({ generator: "tests/vectors/icp/gen/gen.mjs", library_versions, vectors: identities, signature_checks: invalidSigs }, null, 2) + "\n");

// ----------------------------------------------------------------- principals
const principals = [];
const tryText = (t) => { try { const p = Principal.fromText(t); return { ok: true, bytes_hex: hex(p.toUint8Array()) }; } catch (e) { return { ok: false, error: e.message }; } };
const addP = (bytes, comment) => {
  const p = Principal.fromUint8Array(new Uint8Array(bytes));
  const text = p.toText();
  const back = tryText(text);
  if (!back.ok || back.bytes_hex !== hex(bytes)) throw new Error("round trip " + comment);
  principals.push({ valid: true, text, bytes_hex: hex(bytes), comment });
};
addP([4], "anonymous principal (Principal.anonymous())");
if (Principal.anonymous().toText() !== "2vxsx-fae") throw new Error("anonymous");
addP([], "management canister aaaaa-aa (empty byte string)");
if (Principal.managementCanister().toText() !== "aaaaa-aa") throw new Error("mgmt");
addP(Buffer.from("00000000000000010101", "hex"), "canister id (opaque id, suffix 0x01): rrkah-fqaaa-aaaaa-aaaaq-cai");
addP(Buffer.from("00000000000000020101", "hex"), "canister id of the ICP ledger: ryjl3-tyaaa-aaaaa-aaaba-cai");
for (const x of identities) addP(Buffer.from(x.principal_bytes_hex, "hex"), `self-authenticating (sha224(DER public key) || 0x02) for ${x.name}`);
addP(Buffer.alloc(29, 0xab), "29 bytes: maximum principal length");
addP([0x00], "one byte 0x00");
// invalid texts
const good = principals.find((p) => p.comment.includes("ed25519_0")).text;
const b32 = "abcdefghijklmnopqrstuvwxyz234567";
const bumpAt = (s, i) => s.slice(0, i) + b32[(b32.indexOf(s[i]) + 1) % 32] + s.slice(i + 1);
const tooLong = Principal.fromUint8Array(new Uint8Array(30).fill(0xab)).toText();
const invalidP = [
  [bumpAt(good, 0), "bad checksum: first character changed"],
  [bumpAt(good, good.length - 1), "last character changed"],
  [good.replace(/-/g, ""), "no dashes"],
  [good.slice(0, 4) + "-" + good.slice(4).replace("-", ""), "wrong dash grouping (groups must be 5 characters)"],
  [good.toUpperCase(), "uppercase"],
  ["2VXSX-FAE", "uppercase anonymous principal"],
  [tooLong, "30 bytes (> 29) with a correct checksum and grouping: too long per the IC spec"],
  ["", "empty string"],
  ["2vxsx-fae-", "trailing dash"],
  ["2vxsx-fa0", "non-base32 character '0'"],
  [" 2vxsx-fae", "leading space"],
];
for (const [text, comment] of invalidP) {
  const r = tryText(text);
  principals.push({ valid: false, text, comment: comment + (r.ok ? " (NOTE: @dfinity/principal Principal.fromText ACCEPTS this)" : ""), fromText_accepts: r.ok, fromText_error: r.ok ? null : r.error, ...(r.ok ? { fromText_bytes_hex: r.bytes_hex } : {}) });
}
writeFileSync(OUT + "principals.json", JSON.stringify({ generator: "tests/vectors/icp/gen/gen.mjs", library_versions, vectors: principals }, null, 2) + "\n");

// ----------------------------------------------------------------- delegations
// Independent re-implementation of the representation-independent hash used for checking.
const leb = (n) => { const out = []; n = BigInt(n); do { let b = Number(n & 0x7fn); n >>= 7n; if (n) b |= 0x80; out.push(b); } while (n); return Uint8Array.from(out); };
function rihDelegation(pubkey, expirationNs, targets) {
  const entries = [["pubkey", sha256(pubkey)], ["expiration", sha256(leb(expirationNs))]];
  if (targets) entries.push(["targets", sha256(Buffer.concat(targets.map((t) => sha256(t.toUint8Array()))))]);
  const hashed = entries.map(([k, v]) => [sha256(Buffer.from(k)), v]).sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  return sha256(Buffer.concat(hashed.flatMap(([k, v]) => [k, v])));
}
const EXP1 = new Date(Date.UTC(2030, 0, 1, 0, 0, 0));
const EXP2 = new Date(Date.UTC(2029, 5, 30, 12, 34, 56, 789));
const T = [Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai"), Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai")];
const session = Ed25519KeyIdentity.fromSecretKey(seed("keytree icp session key 0"));
const session2 = Ed25519KeyIdentity.fromSecretKey(seed("keytree icp session key 1"));
const chains = [];
const describe = async (comment, chain, signers) => {
  const json = chain.toJSON();
  const links = chain.delegations.map((sd, i) => {
    const d = sd.delegation;
    const rid = new Uint8Array(requestIdOf({ ...d }));
    const mine = rihDelegation(d.pubkey, d.expiration, d.targets);
    if (hex(rid) !== hex(mine)) throw new Error("representation-independent hash mismatch");
    const signed = new Uint8Array([...IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, ...rid]);
    const signer = signers[i];
    const nv = nodeVerify(signer.kind, derOf(signer.name), signed, sd.signature);
    if (nv !== true) throw new Error("delegation signature does not verify: " + nv);
    return {
      signer: signer.name, signer_key_type: signer.kind, signer_public_key_der_hex: derOf(signer.name),
      delegated_public_key_der_hex: hex(d.pubkey), expiration_ns: d.expiration.toString(), expiration_ns_hex: d.expiration.toString(16),
      targets: d.targets ? d.targets.map((t) => t.toText()) : null, targets_bytes_hex: d.targets ? d.targets.map((t) => hex(t.toUint8Array())) : null,
      representation_independent_hash_hex: hex(rid), signed_bytes_hex: hex(signed), signature_hex: hex(sd.signature), node_crypto_verify: nv,
    };
  });
  const rootDer = hex(chain.publicKey);
  chains.push({ valid: true, comment, root_public_key_der_hex: rootDer, root_principal: Principal.selfAuthenticating(chain.publicKey).toText(),
    session_public_key_der_hex: links[links.length - 1].delegated_public_key_der_hex, links, chain_json: json });
};
const e0 = { name: "ed25519_0", kind: "ed25519" }, k0 = { name: "secp256k1_0", kind: "secp256k1" }, p0 = { name: "p256_0", kind: "p256" }, e1 = { name: "ed25519_1", kind: "ed25519" };
await describe("1 link: Ed25519 root -> Ed25519 session key, no targets", await DelegationChain.create(ids.ed25519_0.id, session.getPublicKey(), EXP1), [e0]);
await describe("1 link: Ed25519 root -> session key, with targets (2 canisters), expiration with milliseconds", await DelegationChain.create(ids.ed25519_0.id, session.getPublicKey(), EXP2, { targets: T }), [e0]);
await describe("1 link: secp256k1 root -> Ed25519 session key", await DelegationChain.create(ids.secp256k1_0.id, session.getPublicKey(), EXP1), [k0]);
await describe("1 link: P-256 (ECDSAKeyIdentity) root -> Ed25519 session key (signature randomised)", await DelegationChain.create(ids.p256_0.id, session.getPublicKey(), EXP1), [p0]);
{
  const c1 = await DelegationChain.create(ids.secp256k1_0.id, ids.ed25519_1.id.getPublicKey(), EXP1);
  const c2 = await DelegationChain.create(ids.ed25519_1.id, session2.getPublicKey(), EXP2, { previous: c1, targets: [T[0]] });
  await describe("2 links: secp256k1 root -> Ed25519 middle (ed25519_1) -> Ed25519 session key; second link has targets. Effective expiration = min over links", c2, [k0, e1]);
}
{
  const c1 = await DelegationChain.create(ids.ed25519_0.id, ids.p256_1.id.getPublicKey(), EXP2);
  const c2 = await DelegationChain.create(ids.p256_1.id, session.getPublicKey(), EXP1, { previous: c1 });
  await describe("2 links: Ed25519 root -> P-256 middle (p256_1) -> Ed25519 session key", c2, [e0, { name: "p256_1", kind: "p256" }]);
}
// invalid: tampered chains (derived from chain 0 / chain 4)
const clone = (x) => JSON.parse(JSON.stringify(x));
const invalidChains = [];
{
  const c = clone(chains[0]); c.valid = false; c.comment = "tampered expiration (+1 ns) after signing: signature no longer matches"; c.links[0].expiration_ns = (BigInt(c.links[0].expiration_ns) + 1n).toString(); c.links[0].expiration_ns_hex = BigInt(c.links[0].expiration_ns).toString(16);
  c.chain_json.delegations[0].delegation.expiration = c.links[0].expiration_ns_hex; invalidChains.push(c);
  const c2 = clone(chains[0]); c2.valid = false; c2.comment = "delegated public key swapped for another key (session key 1): signature no longer matches"; c2.links[0].delegated_public_key_der_hex = hex(session2.getPublicKey().toDer()); c2.session_public_key_der_hex = c2.links[0].delegated_public_key_der_hex;
  c2.chain_json.delegations[0].delegation.pubkey = c2.links[0].delegated_public_key_der_hex; invalidChains.push(c2);
  const c3 = clone(chains[1]); c3.valid = false; c3.comment = "targets removed after signing: signature no longer matches"; c3.links[0].targets = null; c3.links[0].targets_bytes_hex = null; delete c3.chain_json.delegations[0].delegation.targets; invalidChains.push(c3);
  const c4 = clone(chains[4]); c4.valid = false; c4.comment = "2-link chain with the links in the wrong order"; c4.links.reverse(); c4.chain_json.delegations.reverse(); invalidChains.push(c4);
  const c5 = clone(chains[4]); c5.valid = false; c5.comment = "2-link chain with the first link dropped: the second link was signed by ed25519_1, not by the root"; c5.links.shift(); c5.chain_json.delegations.shift(); invalidChains.push(c5);
  const c6 = clone(chains[0]); c6.valid = false; c6.comment = "root public key replaced (ed25519_1): the delegation was signed by ed25519_0"; c6.root_public_key_der_hex = derOf("ed25519_1"); c6.root_principal = identities.find((x) => x.name === "ed25519_1").principal; c6.chain_json.publicKey = c6.root_public_key_der_hex; invalidChains.push(c6);
}
for (const c of invalidChains) {
  // recompute and check the chain really fails under independent verification
  let prevDer = c.root_public_key_der_hex, ok = true;
  for (const l of c.links) {
    const d = { pubkey: Buffer.from(l.delegated_public_key_der_hex, "hex"), expiration: BigInt(l.expiration_ns), targets: l.targets ? l.targets.map((t) => Principal.fromText(t)) : undefined };
    const signed = Buffer.concat([Buffer.from(IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR), Buffer.from(rihDelegation(d.pubkey, d.expiration, d.targets))]);
    const kind = prevDer.startsWith("302a300506032b6570") ? "ed25519" : (prevDer.includes("2a8648ce3d030107") ? "p256" : "secp256k1");
    if (nodeVerify(kind, prevDer, signed, Buffer.from(l.signature_hex, "hex")) !== true) ok = false;
    prevDer = l.delegated_public_key_der_hex;
  }
  if (ok) throw new Error("tampered chain still verifies: " + c.comment);
  c.independent_verify = false;
}
writeFileSync(OUT + "delegations.json", JSON.stringify({ generator: "tests/vectors/icp/gen/gen.mjs", library_versions,
  domain_separator_hex: hex(IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR), vectors: [...chains, ...invalidChains] }, null, 2) + "\n");
console.log(`identities: ${identities.length} (+${invalidSigs.length} checks), principals: ${principals.length}, delegations: ${chains.length + invalidChains.length}`);
