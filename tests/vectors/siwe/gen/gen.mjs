// Generates siwe.json (EIP-4361 Sign-In with Ethereum) with the `siwe` npm package + ethers v6.
// Usage: copy gen/ to a scratch dir, `npm ci` there, then  node gen.mjs /path/to/tests/vectors/siwe
import { writeFileSync, readFileSync } from "node:fs";
import * as ethers from "ethers";
import { SiweMessage } from "siwe";

const OUT = (process.argv[2] || new URL("../", import.meta.url).pathname).replace(/\/?$/, "/");
const ver = (p) => JSON.parse(readFileSync(`${process.cwd()}/node_modules/${p}/package.json`, "utf8")).version;
const key = (i) => ethers.sha256(ethers.toUtf8Bytes(`keytree siwe test key ${i}`));
const wallets = [0, 1].map((i) => new ethers.Wallet(key(i)));
const A = wallets[0].address;
const B = wallets[1].address;
const N = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");

const FIELDS = ["scheme", "domain", "address", "statement", "uri", "version", "chainId", "nonce", "issuedAt", "expirationTime", "notBefore", "requestId", "resources"];
const parsedFields = (m) => Object.fromEntries(FIELDS.map((f) => [f, m[f] === undefined ? null : m[f]]));

// A time inside every message's validity window, used for verify().
const VERIFY_TIME = "2025-01-15T12:00:00.000Z";

const inputs = [
  { comment: "all optional fields (statement, expiration-time, not-before, request-id, resources)", signer: 0, fields: {
    domain: "example.com", address: A, statement: "I accept the ExampleOrg Terms of Service: https://example.com/tos",
    uri: "https://example.com/login", version: "1", chainId: 1, nonce: "32891756abcdEFGH",
    issuedAt: "2025-01-15T11:59:00.000Z", expirationTime: "2025-01-16T00:00:00.000Z", notBefore: "2025-01-15T00:00:00.000Z",
    requestId: "request-7f3a-0001", resources: ["ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/", "https://example.com/my-web2-claim.json"] } },
  { comment: "minimal fields (no statement, no optional fields)", signer: 0, fields: {
    domain: "example.com", address: A, uri: "https://example.com", version: "1", chainId: 1, nonce: "abcdef1234567890", issuedAt: "2025-01-15T11:00:00Z" } },
  { comment: "chain id 137 (Polygon)", signer: 1, fields: {
    domain: "app.example.org", address: B, statement: "Sign in to the Polygon app.", uri: "https://app.example.org/", version: "1", chainId: 137, nonce: "NoNcE137xyzABC12", issuedAt: "2025-01-15T10:00:00.000Z" } },
  { comment: "URI with a port", signer: 0, fields: {
    domain: "service.example.net", address: A, statement: "Log in.", uri: "https://service.example.net:8443/api/auth?x=1", version: "1", chainId: 1, nonce: "portUri00000001", issuedAt: "2025-01-15T09:30:00.000Z" } },
  { comment: "domain with a port (localhost dev server)", signer: 1, fields: {
    domain: "localhost:3000", address: B, uri: "http://localhost:3000", version: "1", chainId: 1, nonce: "localhost3000nonce", issuedAt: "2025-01-15T09:00:00.000Z", expirationTime: "2025-01-15T13:00:00.000Z" } },
  { comment: "explicit scheme (EIP-4361 allows 'scheme://domain wants you to sign in')", signer: 0, fields: {
    scheme: "https", domain: "example.com", address: A, statement: "Scheme-prefixed.", uri: "https://example.com", version: "1", chainId: 1, nonce: "schemeNonce0001", issuedAt: "2025-01-15T08:00:00.000Z" } },
  { comment: "single resource, request-id only, chain id 137, timestamps with +02:00 offset", signer: 1, fields: {
    domain: "example.com", address: B, statement: "Offsets.", uri: "https://example.com", version: "1", chainId: 137, nonce: "offsetNonce0002",
    issuedAt: "2025-01-15T13:00:00+02:00", requestId: "42", resources: ["https://example.com/resource/1"] } },
  { comment: "large chain id and nonce of exactly 8 chars", signer: 0, fields: {
    domain: "example.com", address: A, uri: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", version: "1", chainId: 11155111, nonce: "12345678", issuedAt: "2025-01-15T11:59:59.999Z" } },
];

async function verifyRes(msgObj, params) {
  const r = await msgObj.verify(params, { suppressExceptions: true });
  return r.success ? { success: true } : { success: false, error: r.error?.type || r.error?.message || String(r.error) };
}

const vectors = [];
for (const inp of inputs) {
  const w = wallets[inp.signer];
  const m = new SiweMessage(inp.fields);
  const message = m.prepareMessage();
  const signature = await w.signMessage(message);
  const parsed = new SiweMessage(message);
  if (parsed.prepareMessage() !== message) throw new Error("round trip mismatch");
  const verify = await verifyRes(parsed, { signature, time: VERIFY_TIME });
  if (!verify.success) throw new Error("verify failed: " + JSON.stringify(verify));
  vectors.push({
    valid: true, parses: true, comment: inp.comment, message, signature, address: w.address,
    private_key: key(inp.signer), key_label: `sha256("keytree siwe test key ${inp.signer}")`,
    eip191_hash: ethers.hashMessage(message),
    parsed: parsedFields(parsed), verify_time: VERIFY_TIME, siwe_verify: verify,
  });
}

// ----- signature / binding failures on parseable messages
const full = vectors[0];
const fullMsg = new SiweMessage(full.message);
const sig = ethers.Signature.from(full.signature);
const add = async (comment, message, signature, params, expectParses = true) => {
  let parsed = null, verify, parses = true, parse_error = null;
  try { parsed = new SiweMessage(message); } catch (e) { parses = false; parse_error = String(e.message || e); }
  if (expectParses !== null && parses !== expectParses) throw new Error("unexpected parse result for " + comment);
  if (parsed) verify = await verifyRes(parsed, { signature, ...params });
  vectors.push({ valid: false, parses, comment, message, signature, address: full.address, parsed: parsed ? parsedFields(parsed) : null, parse_error, verify_time: params.time ?? null, verify_params: Object.keys(params).length > 1 ? Object.fromEntries(Object.entries(params).filter(([k]) => k !== "time")) : undefined, siwe_verify: verify ?? null });
};
await add("tampered message: nonce changed after signing", full.message.replace("Nonce: 32891756abcdEFGH", "Nonce: 32891756abcdEFGX"), full.signature, { time: VERIFY_TIME });
await add("signature by a different key (test key 1) for a message naming test key 0's address", full.message, await wallets[1].signMessage(full.message), { time: VERIFY_TIME });
await add("valid signature but verified after Expiration Time", full.message, full.signature, { time: "2025-01-16T00:00:00.000Z" });
await add("valid signature but verified before Not Before", full.message, full.signature, { time: "2025-01-14T23:59:59.000Z" });
await add("valid signature but domain binding mismatch (verifier expects evil.com)", full.message, full.signature, { time: VERIFY_TIME, domain: "evil.com" });
await add("valid signature but nonce binding mismatch", full.message, full.signature, { time: VERIFY_TIME, nonce: "someOtherNonce1" });
await add("malleated high-S signature (s' = n - s, v flipped): ethers v6 rejects non-canonical s, so siwe reports INVALID_SIGNATURE",
  full.message, ethers.hexlify(ethers.concat([sig.r, ethers.toBeHex(N - BigInt(sig.s), 32), new Uint8Array([sig.v === 27 ? 28 : 27])])), { time: VERIFY_TIME });
await add(`truncated signature (first 64 bytes = r||s, v dropped; original v=${sig.v}). NOTE: ethers' verifyMessage (used by siwe) reads any 64-byte signature as EIP-2098 compact (r || yParity<<255|s); ` +
  (sig.v === 27 ? "since v was 27 (yParity 0) this recovers the signer and siwe reports success. A verifier that requires 65-byte r||s||v rejects it; one that supports EIP-2098 accepts it (policy)" : "since v was 28 the top bit is missing and it recovers a different key"), full.message, full.signature.slice(0, 130), { time: VERIFY_TIME });
await add("message with an extra trailing newline; the signature was over the text without it (see parses/parse_error for what siwe's parser did)",
  full.message + "\n", full.signature, { time: VERIFY_TIME }, null);

// ----- messages the siwe parser rejects
const minimal = vectors[1].message;
const rejects = [
  ["missing 'Version' line", minimal.replace("Version: 1\n", "")],
  ["Version: 2", minimal.replace("Version: 1", "Version: 2")],
  ["nonce shorter than 8 characters", minimal.replace("Nonce: abcdef1234567890", "Nonce: 1234567")],
  ["nonce with non-alphanumeric characters", minimal.replace("Nonce: abcdef1234567890", "Nonce: abcd-1234-efgh")],
  ["address not EIP-55 checksummed (all lowercase)", minimal.replace(A, A.toLowerCase())],
  ["address with a bad EIP-55 checksum", minimal.replace(A, A.slice(0, 2) + [...A.slice(2)].map((c) => (/[a-f]/.test(c) ? c.toUpperCase() : /[A-F]/.test(c) ? c.toLowerCase() : c)).join(""))],
  ["Chain ID not a number", minimal.replace("Chain ID: 1", "Chain ID: one")],
  ["Issued At not RFC 3339", minimal.replace("Issued At: 2025-01-15T11:00:00Z", "Issued At: 15/01/2025 11:00")],
  ["Issued At with impossible month", minimal.replace("Issued At: 2025-01-15T11:00:00Z", "Issued At: 2025-13-15T11:00:00Z")],
  ["first line wrong ('wants you to sign in with your Ethereum account' missing)", minimal.replace(" wants you to sign in with your Ethereum account:", " would like you to sign in:")],
  ["missing URI line", minimal.replace("URI: https://example.com\n", "")],
  ["fields out of order (Chain ID before Version)", minimal.replace("Version: 1\nChain ID: 1", "Chain ID: 1\nVersion: 1")],
  ["empty message", ""],
  ["statement line containing no blank line separation (missing blank line after address)", minimal.replace(`${A}\n\n`, `${A}\n`)],
  ["CRLF line endings", minimal.replace(/\n/g, "\r\n")],
];
for (const [comment, message] of rejects) {
  let parses = true, parse_error = null, parsed = null;
  try { parsed = new SiweMessage(message); } catch (e) { parses = false; parse_error = String(e.message || e); }
  const signature = await wallets[0].signMessage(message);
  let verify = null;
  if (parsed) verify = await verifyRes(parsed, { signature, time: VERIFY_TIME });
  vectors.push({ valid: false, parses, comment: comment + (parses ? " (NOTE: siwe's parser accepted this)" : ""), message, signature, address: A, parsed: parsed ? parsedFields(parsed) : null, parse_error, verify_time: VERIFY_TIME, siwe_verify: verify });
}

const out = { generator: "tests/vectors/siwe/gen/gen.mjs", library_versions: { siwe: ver("siwe"), "@spruceid/siwe-parser": ver("@spruceid/siwe-parser"), ethers: ver("ethers"), node: process.version }, vectors };
writeFileSync(OUT + "siwe.json", JSON.stringify(out, null, 2) + "\n");
console.log(`siwe: ${vectors.length} vectors`);
