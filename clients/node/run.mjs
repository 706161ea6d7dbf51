// Real wallet libraries drive keytree's example gateway over HTTP.
//
//   node run.mjs http://127.0.0.1:PORT_A [http://127.0.0.1:PORT_B]
//
// Each wallet (ethers v6 personal_sign of the SIWE text; @near-js/signers
// NEP-413; @solana/web3.js keys + tweetnacl over the SIWS text;
// @dfinity/identity Ed25519, ECDSA P-256, secp256k1 and a DelegationChain
// signing the tagged "keytree/v1/login/icp\n" wrapper) goes through the full
// cycle: challenge, sign, verify, replay refused, whoami, refresh, old refresh
// refused, an API key (both headers) listed, revoked (and no longer listed)
// and refused, logout, refresh and access token refused after logout. Then an
// Ethereum and a Solana wallet linked to one member log in to the same
// identity. With a second URL every step after a login runs on the other
// instance (two gateways on one Redis).
import { test } from "node:test";
import assert from "node:assert/strict";

import { Wallet } from "ethers";
import { KeyPair } from "@near-js/crypto";
import { KeyPairSigner } from "@near-js/signers";
import { Keypair as SolanaKeypair } from "@solana/web3.js";
import nacl from "tweetnacl";
import bs58 from "bs58";
import { Ed25519KeyIdentity, ECDSAKeyIdentity, DelegationChain } from "@dfinity/identity";
import { Secp256k1KeyIdentity } from "@dfinity/identity-secp256k1";

const A = process.argv[2];
const B = process.argv[3] ?? A;
if (!A) {
  console.error("usage: node run.mjs BASE_URL [SECOND_BASE_URL]");
  process.exit(2);
}

const enc = new TextEncoder();
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const b64 = (bytes) => Buffer.from(bytes).toString("base64");

// ------------------------------------------------------------------- HTTP

async function call(base, method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`${method} ${path}: not JSON (${res.status}): ${text}`);
  }
  return { status: res.status, body: json };
}
const post = (base, path, body, headers) => call(base, "POST", path, { body, headers });
const get = (base, path, headers) => call(base, "GET", path, { headers });
const bearer = (token) => ({ authorization: `Bearer ${token}` });

function ok(reply, what) {
  assert.equal(reply.status, 200, `${what}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

function refused(reply, status, kind, what) {
  assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.error, kind, what);
  assert.ok(typeof reply.body.message === "string" && reply.body.message.length > 0, what);
}

// ---------------------------------------------------------------- wallets
//
// Each wallet: `request` (the challenge request body), and `sign(challenge)`
// returning the verify body's proof fields (signature, public_key?,
// delegation?), made by the wallet library from the challenge as served.

function ethereum() {
  const wallet = Wallet.createRandom();
  return {
    name: "ethereum (ethers v6, EIP-191 personal_sign of SIWE)",
    request: { wallet: wallet.address },
    format: "siwe",
    async sign(ch) {
      // The SIWE text names this address (EIP-55) and the domain.
      assert.ok(ch.message.includes(`\n${wallet.address}\n`), "SIWE text names the address");
      assert.ok(ch.message.startsWith(`${ch.domain} wants you to sign in with your Ethereum account:`));
      return { signature: await wallet.signMessage(ch.message) };
    },
  };
}

function solana() {
  const keypair = SolanaKeypair.generate();
  const address = keypair.publicKey.toBase58();
  return {
    name: "solana (@solana/web3.js + tweetnacl, SIWS signMessage)",
    request: { chain: "solana", address },
    format: "siws",
    async sign(ch) {
      assert.ok(ch.message.startsWith(`${ch.domain} wants you to sign in with your Solana account:\n${address}\n`));
      const signature = nacl.sign.detached(enc.encode(ch.message), keypair.secretKey);
      return { signature: bs58.encode(signature) };
    },
  };
}

function near() {
  const key = KeyPair.fromRandom("ed25519");
  // An implicit account: its id is the hex of its Ed25519 key.
  const accountId = hex(key.getPublicKey().data);
  const signer = new KeyPairSigner(key);
  return {
    name: "near (@near-js/signers, NEP-413 signNep413Message, implicit account)",
    request: { chain: "near", address: accountId },
    format: "nep413",
    async sign(ch) {
      const { message, recipient, nonce } = ch.nep413;
      assert.equal(recipient, ch.domain);
      assert.equal(nonce, ch.nonce, "the NEP-413 nonce is the challenge nonce");
      assert.equal(ch.nep413.callbackUrl, undefined, "no callbackUrl");
      const signed = await signer.signNep413Message(message, accountId, recipient, Buffer.from(nonce, "hex"));
      return { signature: b64(signed.signature), public_key: signed.publicKey.toString() };
    },
  };
}

const ICP_TAG = "keytree/v1/login/icp\n";
const icpSigningBytes = (message) => enc.encode(ICP_TAG + message);

function icpKey(label, identity) {
  const principal = identity.getPrincipal().toText();
  return {
    name: `icp (@dfinity/identity ${label})`,
    request: { chain: "icp", address: principal },
    format: "text",
    async sign(ch) {
      assert.equal(ch.wallet, `icp:mainnet:${principal}`);
      const signature = await identity.sign(icpSigningBytes(ch.message));
      return { signature: hex(signature), public_key: hex(identity.getPublicKey().toDer()) };
    },
  };
}

async function icpDelegated() {
  // The identity (secp256k1 here) delegates to an Ed25519 session key for
  // an hour; the session key signs the login. The account is the
  // identity's principal.
  const identity = Secp256k1KeyIdentity.generate();
  const session = Ed25519KeyIdentity.generate();
  const expiration = new Date(Date.now() + 3600 * 1000);
  const chain = await DelegationChain.create(identity, session.getPublicKey(), expiration);
  const principal = identity.getPrincipal().toText();
  return {
    name: "icp (@dfinity/identity DelegationChain secp256k1 → Ed25519 session key)",
    request: { wallet: `icp:mainnet:${principal}` },
    format: "text",
    async sign(ch) {
      const signature = await session.sign(icpSigningBytes(ch.message));
      // Sent as the object DelegationChain.toJSON() returns.
      return { signature: hex(signature), delegation: chain.toJSON() };
    },
  };
}

// ------------------------------------------------------------------ cycle

/// Challenge on `base`, sign, verify on `base`: [verify body, token reply].
async function login(base, wallet) {
  const ch = ok(await post(base, "/v1/auth/challenge", wallet.request), `${wallet.name}: challenge`);
  assert.match(ch.nonce, /^[0-9a-f]{64}$/);
  assert.equal(ch.format, wallet.format);
  assert.ok(ch.expires_at > ch.issued_at);
  assert.ok(ch.message.includes(`Nonce: ${ch.nonce}`), "the text carries the nonce");
  const verify = { wallet: ch.wallet, nonce: ch.nonce, ...(await wallet.sign(ch)) };
  const tokens = ok(await post(base, "/v1/auth/verify", verify), `${wallet.name}: verify`);
  assert.equal(tokens.token_type, "Bearer");
  assert.equal(tokens.wallet, ch.wallet);
  assert.ok(tokens.expires_in > 0 && tokens.refresh_expires_in > 0);
  assert.equal(typeof tokens.access_token, "string");
  assert.equal(typeof tokens.refresh_token, "string");
  return [verify, tokens];
}

async function fullCycle(wallet) {
  // Session 1: login on A, replay on B refused, whoami on B, refresh on B,
  // the old refresh token refused on A.
  const [verify, s1] = await login(A, wallet);
  refused(await post(B, "/v1/auth/verify", verify), 401, "unauthorized", "replayed signature");
  const me = ok(await get(B, "/v1/auth/whoami", bearer(s1.access_token)), "whoami");
  assert.equal(me.wallet, s1.wallet);
  assert.deepEqual(me.permissions, ["api:read", "api:write"]);
  assert.match(me.session, /^[0-9a-f]{32}$/);
  assert.ok(me.context.length > 0);
  const s1b = ok(await post(B, "/v1/auth/refresh", { refresh_token: s1.refresh_token }), "refresh");
  assert.notEqual(s1b.refresh_token, s1.refresh_token);
  assert.notEqual(s1b.access_token, s1.access_token);
  const again = ok(await get(A, "/v1/auth/whoami", bearer(s1b.access_token)), "whoami after refresh");
  assert.equal(again.session, me.session, "a refresh stays in its session");
  // The successor is used (on A), so a retry of the first token is no
  // longer a lost reply inside the grace window: it is reuse, refused, and
  // the whole family (session) ends.
  const s1c = ok(await post(A, "/v1/auth/refresh", { refresh_token: s1b.refresh_token }), "second refresh");
  refused(await post(A, "/v1/auth/refresh", { refresh_token: s1.refresh_token }), 401, "unauthorized", "old refresh token");
  refused(await post(B, "/v1/auth/refresh", { refresh_token: s1c.refresh_token }), 401, "unauthorized", "family revoked after reuse");
  refused(await get(B, "/v1/auth/whoami", bearer(s1c.access_token)), 401, "unauthorized", "session revoked after reuse");

  // Session 2: an API key made on B works on A with both headers, is listed,
  // revoked on B and refused on A; then logout on B, and A refuses the
  // session's refresh and access tokens.
  const [, s2] = await login(A, wallet);
  const key = ok(await post(B, "/v1/auth/api-key", {}, bearer(s2.access_token)), "api key");
  assert.match(key.api_key, /^kt_/);
  assert.deepEqual(key.permissions, ["api:read", "api:write"]);
  for (const headers of [{ "x-api-key": key.api_key }, bearer(key.api_key)]) {
    const who = ok(await get(A, "/v1/auth/whoami", headers), "whoami with api key");
    assert.equal(who.wallet, s1.wallet);
    assert.equal(who.session, null);
  }
  const listed = ok(await get(B, "/v1/auth/api-key", bearer(s2.access_token)), "api key list");
  const entry = listed.keys.find((k) => k.id === key.id);
  assert.ok(entry, JSON.stringify(listed));
  assert.equal(entry.expires_at, key.expires_at);
  assert.equal(entry.api_key, undefined, "a listing never shows the secret");
  const revoked = ok(await call(B, "DELETE", `/v1/auth/api-key/${key.id}`, { headers: bearer(s2.access_token) }), "revoke");
  assert.equal(revoked.revoked, true);
  refused(await get(A, "/v1/auth/whoami", { "x-api-key": key.api_key }), 401, "unauthorized", "revoked api key");
  refused(await get(A, "/v1/auth/whoami", bearer(key.api_key)), 401, "unauthorized", "revoked api key (bearer)");
  const after = ok(await get(A, "/v1/auth/api-key", bearer(s2.access_token)), "api key list after revoke");
  assert.ok(!after.keys.some((k) => k.id === key.id), `a revoked key is not listed: ${JSON.stringify(after)}`);

  const out = ok(await post(B, "/v1/auth/logout", { refresh_token: s2.refresh_token }), "logout");
  assert.equal(out.sessions_revoked, 1);
  refused(await post(A, "/v1/auth/refresh", { refresh_token: s2.refresh_token }), 401, "unauthorized", "refresh after logout");
  refused(await get(A, "/v1/auth/whoami", bearer(s2.access_token)), 401, "unauthorized", "access token after logout");
}

const wallets = [
  ethereum(),
  solana(),
  near(),
  icpKey("Ed25519KeyIdentity", Ed25519KeyIdentity.generate()),
  icpKey("ECDSAKeyIdentity P-256", await ECDSAKeyIdentity.generate()),
  icpKey("Secp256k1KeyIdentity", Secp256k1KeyIdentity.generate()),
  await icpDelegated(),
];

test("gateway is up", async () => {
  for (const base of new Set([A, B])) {
    const health = ok(await get(base, "/health"), "health");
    assert.equal(health.status, "ok");
  }
});

for (const wallet of wallets) {
  test(`full cycle: ${wallet.name}`, () => fullCycle(wallet));
}

/// Proves `wallet` for the challenge at `path` (login or link): the body
/// for /verify or /link.
async function proof(base, path, wallet, headers) {
  const ch = ok(await post(base, path, wallet.request, headers), `${wallet.name}: ${path}`);
  return [ch, { wallet: ch.wallet, nonce: ch.nonce, ...(await wallet.sign(ch)) }];
}

test("linking: an Ethereum and a Solana wallet log in as one member", async () => {
  const eth = ethereum();
  const sol = solana();
  const [, s1] = await login(A, eth);
  const auth = bearer(s1.access_token);

  // The Ethereum member links the Solana wallet: a link challenge, signed by
  // the Solana key, redeemed with the member's bearer token.
  const [ch, body] = await proof(B, "/v1/auth/link/challenge", sol, auth);
  assert.ok(ch.message.includes("Link this wallet"), ch.message);
  const linked = ok(await post(B, "/v1/auth/link", body, auth), "link");
  assert.deepEqual(linked, { member: s1.wallet, linked: ch.wallet });
  refused(await post(A, "/v1/auth/link", body, auth), 401, "unauthorized", "replayed link");

  // The Solana wallet now logs in to the same identity.
  const [, s2] = await login(A, sol);
  assert.equal(s2.wallet, ch.wallet, "verify names the wallet that signed");
  const me1 = ok(await get(B, "/v1/auth/whoami", auth), "whoami eth");
  const me2 = ok(await get(B, "/v1/auth/whoami", bearer(s2.access_token)), "whoami sol");
  assert.equal(me2.wallet, me1.wallet);
  assert.equal(me1.wallet, s1.wallet);
  assert.deepEqual(me2.permissions, me1.permissions);
  assert.notEqual(me2.session, me1.session);
  const list = ok(await get(A, "/v1/auth/accounts", bearer(s2.access_token)), "accounts");
  assert.deepEqual(list, { member: s1.wallet, linked: [ch.wallet] });

  // Another member cannot take the Solana wallet (409).
  const other = ethereum();
  const [, s3] = await login(B, other);
  const [, steal] = await proof(A, "/v1/auth/link/challenge", sol, bearer(s3.access_token));
  refused(await post(A, "/v1/auth/link", steal, bearer(s3.access_token)), 409, "conflict", "another member's wallet");

  // Unlinked, the Solana wallet is a member of its own.
  const path = `/v1/auth/accounts/${encodeURIComponent(ch.wallet)}`;
  const out = ok(await call(B, "DELETE", path, { headers: auth }), "unlink");
  assert.equal(out.unlinked, ch.wallet);
  const [, s4] = await login(A, sol);
  const me4 = ok(await get(B, "/v1/auth/whoami", bearer(s4.access_token)), "whoami after unlink");
  assert.equal(me4.wallet, ch.wallet);
});

test("a bad signature is refused (ethers key signs another text)", async () => {
  const wallet = Wallet.createRandom();
  const ch = ok(await post(A, "/v1/auth/challenge", { wallet: wallet.address }), "challenge");
  const signature = await wallet.signMessage(ch.message + " ");
  refused(await post(B, "/v1/auth/verify", { wallet: ch.wallet, nonce: ch.nonce, signature }), 401, "unauthorized", "bad signature");
});
