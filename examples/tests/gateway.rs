//! Issue 10, the example gateway (`examples/gateway.rs`, compiled into this
//! test binary as `gateway_app`): served on loopback by axum and driven
//! over HTTP/1.1 by an Ethereum wallet (k256, EIP-191 `personal_sign` of
//! the SIWE text): challenge, sign, verify, replay refused, whoami,
//! refresh, old refresh refused, logout, refresh refused, API key works
//! then is revoked, log out everywhere; and multi-wallet linking (link,
//! log in as the same member, list, 409 for another member's account,
//! unlink, revoke the member with its linked accounts). On memory stores
//! (one instance), and on two instances sharing a real redis-server (every
//! step alternates between them).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "../gateway.rs"]
mod gateway_app;
#[path = "../../tests/suite/redis_server.rs"]
mod redis_server;

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SECRET: [u8; 32] = [0x5e; 32];

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Sends `req` as is; the status and JSON body of the answer.
async fn raw(addr: SocketAddr, req: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let json = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json)
}

/// One HTTP/1.1 request (`Connection: close`); the status and JSON body.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some((name, value)) = auth {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    raw(addr, &req).await
}

fn bearer(token: &Value) -> Option<(&'static str, String)> {
    Some((
        "Authorization",
        format!("Bearer {}", token.as_str().unwrap()),
    ))
}

async fn get(addr: SocketAddr, path: &str, auth: Option<(&str, String)>) -> (u16, Value) {
    call(
        addr,
        "GET",
        path,
        auth.as_ref().map(|(n, v)| (*n, v.as_str())),
        None,
    )
    .await
}

async fn post(
    addr: SocketAddr,
    path: &str,
    auth: Option<(&str, String)>,
    body: Value,
) -> (u16, Value) {
    let auth = auth.as_ref().map(|(n, v)| (*n, v.as_str()));
    call(addr, "POST", path, auth, Some(body)).await
}

fn assert_error(reply: &(u16, Value), status: u16, kind: &str) {
    assert_eq!(reply.0, status, "{reply:?}");
    assert_eq!(reply.1["error"], kind, "{reply:?}");
    assert!(reply.1["message"].as_str().is_some_and(|m| !m.is_empty()));
}

struct Wallet {
    key: k256::ecdsa::SigningKey,
    /// The bare `0x…` address (EIP-55).
    address: String,
}

impl Wallet {
    fn new(seed: u8) -> Self {
        let key = k256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let address = keytree::eip55_encode(&keytree::ethereum_address_of(key.verifying_key()));
        Self { key, address }
    }

    fn caip10(&self) -> String {
        format!("eip155:1:{}", self.address)
    }

    /// `personal_sign` of `text`: 65-byte `r ‖ s ‖ v` hex, `v` ∈ {27, 28}.
    fn personal_sign(&self, text: &str) -> String {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(&keytree::eip191_hash(text.as_bytes()));
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(27 + recid.to_byte());
        format!("0x{}", keytree::hex_encode(&bytes))
    }
}

/// Challenge on `a` (with the bare address), sign, verify on `a`; the
/// verify body (for replays) and the login reply.
async fn login(a: SocketAddr, wallet: &Wallet) -> (Value, Value) {
    let (status, challenge) = post(
        a,
        "/v1/auth/challenge",
        None,
        json!({"wallet": wallet.address}),
    )
    .await;
    assert_eq!(status, 200, "{challenge}");
    assert_eq!(challenge["wallet"], wallet.caip10());
    assert_eq!(challenge["domain"], gateway_app::DOMAIN);
    let text = challenge["message"].as_str().unwrap();
    let verify = json!({
        "wallet": wallet.caip10(),
        "nonce": challenge["nonce"],
        "signature": wallet.personal_sign(text),
    });
    let (status, tokens) = post(a, "/v1/auth/verify", None, verify.clone()).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["wallet"], wallet.caip10());
    assert!(tokens["expires_in"].as_u64().unwrap() > 0);
    assert!(tokens["refresh_expires_in"].as_u64().unwrap() > 0);
    (verify, tokens)
}

/// The full cycle; every step after a login runs on the other instance
/// (`a == b` for one instance).
async fn full_cycle(a: SocketAddr, b: SocketAddr) {
    let wallet = Wallet::new(0x11);

    // Health and keys.
    let (status, health) = get(a, "/health", None).await;
    assert_eq!((status, &health["status"]), (200, &json!("ok")));
    let (status, jwks) = get(b, "/v1/auth/jwks", None).await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["alg"], "EdDSA");
    assert_eq!(get(a, "/.well-known/jwks.json", None).await.1, jwks);

    // The `{chain, address}` form of the challenge request.
    let (status, parts) = post(
        b,
        "/v1/auth/challenge",
        None,
        json!({"chain": "ethereum", "address": wallet.address}),
    )
    .await;
    assert_eq!((status, &parts["wallet"]), (200, &json!(wallet.caip10())));
    // A bad checksum is a bad request, not a bad signature.
    let bad = wallet.address.to_lowercase().replacen('a', "A", 1);
    if bad != wallet.address {
        let reply = post(a, "/v1/auth/challenge", None, json!({"wallet": bad})).await;
        assert_error(&reply, 400, "bad_request");
    }

    // Session 1: login on A; replay refused on B; whoami on B.
    let (verify, s1) = login(a, &wallet).await;
    let replay = post(b, "/v1/auth/verify", None, verify).await;
    assert_eq!(replay.0, 401, "{replay:?}");
    let (status, me) = get(b, "/v1/auth/whoami", bearer(&s1["access_token"])).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["wallet"], wallet.caip10());
    assert_eq!(me["permissions"], json!(gateway_app::MEMBER_PERMISSIONS));
    assert!(me["context"].as_str().is_some_and(|c| !c.is_empty()));
    let sid = me["session"].clone();
    assert!(sid.as_str().is_some_and(|s| s.len() == 32), "{me}");

    // Refresh on B, and again on A (the successor used); the old refresh
    // token is then refused.
    let (status, s1b) = post(
        b,
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": s1["refresh_token"]}),
    )
    .await;
    assert_eq!(status, 200, "{s1b}");
    assert_ne!(s1b["refresh_token"], s1["refresh_token"]);
    let (_, me) = get(a, "/v1/auth/whoami", bearer(&s1b["access_token"])).await;
    assert_eq!(me["session"], sid, "a refresh stays in its session");
    let (status, s1c) = post(
        a,
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": s1b["refresh_token"]}),
    )
    .await;
    assert_eq!(status, 200, "{s1c}");
    let old = post(
        a,
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": s1["refresh_token"]}),
    )
    .await;
    assert_error(&old, 401, "unauthorized");

    // Session 2: API key made on B works on A (both headers), then is
    // revoked; logout on B; its refresh and access tokens are refused on A.
    let (_, s2) = login(a, &wallet).await;
    let (status, key) = post(
        b,
        "/v1/auth/api-key",
        bearer(&s2["access_token"]),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{key}");
    assert_eq!(key["permissions"], json!(gateway_app::MEMBER_PERMISSIONS));
    let api_key = key["api_key"].as_str().unwrap().to_owned();
    let (status, me) = get(a, "/v1/auth/whoami", Some(("X-API-Key", api_key.clone()))).await;
    assert_eq!(
        (status, &me["wallet"]),
        (200, &json!(wallet.caip10())),
        "{me}"
    );
    assert_eq!(me["session"], Value::Null);
    let (status, _) = get(a, "/v1/auth/whoami", bearer(&json!(api_key))).await;
    assert_eq!(status, 200);
    // An API key cannot make API keys; two credentials at once are refused.
    let reply = post(b, "/v1/auth/api-key", bearer(&json!(api_key)), json!({})).await;
    assert_error(&reply, 400, "bad_request");
    let mut req = format!(
        "GET /v1/auth/whoami HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\nX-API-Key: {api_key}\r\n"
    );
    req.push_str(&format!("Authorization: Bearer {api_key}\r\n\r\n"));
    assert_error(&raw(a, &req).await, 400, "bad_request");
    let (status, listed) = get(b, "/v1/auth/api-key", bearer(&s2["access_token"])).await;
    assert_eq!(status, 200, "{listed}");
    let entry = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key["id"])
        .unwrap_or_else(|| panic!("key not listed: {listed}"));
    assert_eq!(entry["expires_at"], key["expires_at"]);
    assert_eq!(
        entry["api_key"],
        Value::Null,
        "a listing never shows the secret"
    );
    let path = format!("/v1/auth/api-key/{}", key["id"].as_str().unwrap());
    let auth = bearer(&s2["access_token"]).unwrap();
    let (status, revoked) = call(b, "DELETE", &path, Some((auth.0, &auth.1)), None).await;
    assert_eq!((status, &revoked["revoked"]), (200, &json!(true)));
    let gone = get(a, "/v1/auth/whoami", Some(("X-API-Key", api_key))).await;
    assert_error(&gone, 401, "unauthorized");
    let (_, listed) = get(a, "/v1/auth/api-key", bearer(&s2["access_token"])).await;
    assert_eq!(listed["keys"], json!([]), "a revoked key is not listed");

    let (status, out) = post(
        b,
        "/v1/auth/logout",
        None,
        json!({"refresh_token": s2["refresh_token"]}),
    )
    .await;
    assert_eq!((status, &out["sessions_revoked"]), (200, &json!(1)));
    let refused = post(
        a,
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": s2["refresh_token"]}),
    )
    .await;
    assert_error(&refused, 401, "unauthorized");
    let refused = get(a, "/v1/auth/whoami", bearer(&s2["access_token"])).await;
    assert_error(&refused, 401, "unauthorized");

    // Session 3 and 4: log out everywhere from B ends both on A.
    let (_, s3) = login(a, &wallet).await;
    let (_, s4) = login(b, &wallet).await;
    let (status, out) = post(
        b,
        "/v1/auth/logout",
        bearer(&s4["access_token"]),
        json!({"all": true}),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert!(out["sessions_revoked"].as_u64().unwrap() >= 2, "{out}");
    for s in [&s3, &s4] {
        let refused = get(a, "/v1/auth/whoami", bearer(&s["access_token"])).await;
        assert_error(&refused, 401, "unauthorized");
    }

    // Bad requests are JSON errors too.
    let reply = get(a, "/v1/auth/whoami", None).await;
    assert_error(&reply, 400, "bad_request");
    let reply = call(a, "POST", "/v1/auth/verify", None, None).await;
    assert_error(&reply, 400, "bad_request");
}

/// The challenge and signed proof of `wallet` at `path` (the login or the
/// link challenge), with the bearer `auth`.
async fn proof(a: SocketAddr, path: &str, auth: Option<(&str, String)>, wallet: &Wallet) -> Value {
    let (status, challenge) = post(a, path, auth, json!({"wallet": wallet.address})).await;
    assert_eq!(status, 200, "{challenge}");
    json!({
        "wallet": challenge["wallet"],
        "nonce": challenge["nonce"],
        "signature": wallet.personal_sign(challenge["message"].as_str().unwrap()),
    })
}

/// Multi-wallet linking: link a second wallet to a member (proved by a
/// link challenge redeemed with the member's bearer token), log in with it
/// as the same member, list, refuse another member's account (409) and a
/// login challenge's signature, unlink, and revoke the member with every
/// linked account. Steps alternate between `a` and `b`.
async fn link_cycle<S: gateway_app::Stores>(
    a: SocketAddr,
    b: SocketAddr,
    gw: &gateway_app::Gateway<S>,
) {
    let (w1, w2, w3, w4) = (
        Wallet::new(0x31),
        Wallet::new(0x32),
        Wallet::new(0x33),
        Wallet::new(0x34),
    );
    let (_, s1) = login(a, &w1).await;
    let auth1 = || bearer(&s1["access_token"]);

    // A link challenge needs the member's bearer token and says what it is for.
    let reply = post(
        b,
        "/v1/auth/link/challenge",
        None,
        json!({"wallet": w2.address}),
    )
    .await;
    assert_error(&reply, 400, "bad_request");
    let (status, challenge) = post(
        b,
        "/v1/auth/link/challenge",
        auth1(),
        json!({"wallet": w2.address}),
    )
    .await;
    assert_eq!(status, 200, "{challenge}");
    let text = challenge["message"].as_str().unwrap();
    assert!(text.contains(gateway_app::LINK_STATEMENT), "{text}");
    let link = json!({
        "wallet": challenge["wallet"],
        "nonce": challenge["nonce"],
        "signature": w2.personal_sign(text),
    });
    let (status, linked) = post(b, "/v1/auth/link", auth1(), link.clone()).await;
    assert_eq!(status, 200, "{linked}");
    assert_eq!(linked["member"], w1.caip10());
    assert_eq!(linked["linked"], w2.caip10());
    let replay = post(a, "/v1/auth/link", auth1(), link).await;
    assert_error(&replay, 401, "unauthorized");

    // The linked wallet logs in as the member: same identity, permissions
    // and context, its own session.
    let (_, s2) = login(a, &w2).await;
    let (status, me2) = get(b, "/v1/auth/whoami", bearer(&s2["access_token"])).await;
    assert_eq!(status, 200, "{me2}");
    let (_, me1) = get(b, "/v1/auth/whoami", auth1()).await;
    assert_eq!(me2["wallet"], w1.caip10());
    assert_eq!(me2["wallet"], me1["wallet"]);
    assert_eq!(me2["permissions"], me1["permissions"]);
    assert_ne!(me2["session"], me1["session"]);
    for auth in [auth1(), bearer(&s2["access_token"])] {
        let (status, list) = get(a, "/v1/auth/accounts", auth).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(
            list,
            json!({"member": w1.caip10(), "linked": [w2.caip10()]})
        );
    }

    // Another member's account, or an account linked to another member,
    // cannot be linked (409); a login challenge's signature cannot link.
    let (_, s3) = login(b, &w3).await;
    let body = proof(a, "/v1/auth/link/challenge", auth1(), &w3).await;
    let reply = post(a, "/v1/auth/link", auth1(), body).await;
    assert_error(&reply, 409, "conflict");
    let auth3 = || bearer(&s3["access_token"]);
    let body = proof(b, "/v1/auth/link/challenge", auth3(), &w2).await;
    let reply = post(b, "/v1/auth/link", auth3(), body).await;
    assert_error(&reply, 409, "conflict");
    let body = proof(a, "/v1/auth/challenge", None, &w4).await;
    let reply = post(a, "/v1/auth/link", auth1(), body).await;
    assert_error(&reply, 401, "unauthorized");

    // Only the member unlinks its accounts; its primary account is not a link.
    let path = format!("/v1/auth/accounts/{}", w2.caip10());
    let auth = auth3().unwrap();
    let reply = call(b, "DELETE", &path, Some((auth.0, &auth.1)), None).await;
    assert_error(&reply, 400, "bad_request");
    let auth = auth1().unwrap();
    let own = format!("/v1/auth/accounts/{}", w1.caip10());
    let reply = call(b, "DELETE", &own, Some((auth.0, &auth.1)), None).await;
    assert_error(&reply, 400, "bad_request");
    let (status, out) = call(b, "DELETE", &path, Some((auth.0, &auth.1)), None).await;
    assert_eq!(
        (status, &out["unlinked"]),
        (200, &json!(w2.caip10())),
        "{out}"
    );
    // A hears of the unlink made on B by following the log (milliseconds):
    // asked until it lists no link, for at most two seconds.
    let mut list = get(a, "/v1/auth/accounts", auth1()).await.1;
    for _ in 0..200 {
        if list["linked"] == json!([]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        list = get(a, "/v1/auth/accounts", auth1()).await.1;
    }
    assert_eq!(list["linked"], json!([]), "{list}");
    // The session opened by logging in with the linked wallet ends with the
    // link: its access token and its refresh token are refused at once.
    alias_session_ended(b, &s2).await;
    let (status, me1) = get(a, "/v1/auth/whoami", auth1()).await;
    assert_eq!(status, 200, "{me1}");
    // Unlinked, the wallet logs in as a member of its own.
    let (_, s2b) = login(a, &w2).await;
    let (_, me) = get(b, "/v1/auth/whoami", bearer(&s2b["access_token"])).await;
    assert_eq!(me["wallet"], w2.caip10());

    // Revoking the member revokes every account linked to it.
    let body = proof(a, "/v1/auth/link/challenge", auth1(), &w4).await;
    assert_eq!(post(b, "/v1/auth/link", auth1(), body).await.0, 200);
    gw.revoke_account(&w1.caip10().parse().unwrap())
        .await
        .unwrap();
    // The revocation is an op on A's replica; B's follower hears of it
    // within milliseconds (the propagation the fleet example measures), so
    // B is asked until it refuses, for at most two seconds.
    let mut refused = get(b, "/v1/auth/whoami", auth1()).await;
    for _ in 0..200 {
        if refused.0 != 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        refused = get(b, "/v1/auth/whoami", auth1()).await;
    }
    assert_error(&refused, 401, "unauthorized");
    let body = proof(a, "/v1/auth/challenge", None, &w4).await;
    let refused = post(b, "/v1/auth/verify", None, body).await;
    assert_error(&refused, 403, "forbidden");
}

/// `session` (logged in with a linked wallet since unlinked): whoami on
/// `b` with its access token is `401`, and its refresh token is refused.
async fn alias_session_ended(b: SocketAddr, session: &Value) {
    let reply = get(b, "/v1/auth/whoami", bearer(&session["access_token"])).await;
    assert_error(&reply, 401, "unauthorized");
    // The library refuses the refresh (the alias is no member now, so the
    // session has ended: `401`, as for a revoked session) and revokes the
    // session, so the token stays refused.
    let body = json!({"refresh_token": session["refresh_token"]});
    let reply = post(b, "/v1/auth/refresh", None, body.clone()).await;
    assert_error(&reply, 401, "unauthorized");
    let reply = post(b, "/v1/auth/refresh", None, body).await;
    assert_error(&reply, 401, "unauthorized");
}

/// Log in with a wallet linked to another member, unlink it: that session
/// (a member's session obtained through the alias) ends, the member's own
/// does not. Without the token cache, so every whoami verifies afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_memory_alias_session_ends_on_unlink() {
    let gw = gateway_app::memory("solo", &SECRET, 0).await.unwrap();
    let a = serve(gateway_app::router(gw)).await;
    let (w1, w2) = (Wallet::new(0x41), Wallet::new(0x42));
    let (_, s1) = login(a, &w1).await;
    let body = proof(
        a,
        "/v1/auth/link/challenge",
        bearer(&s1["access_token"]),
        &w2,
    )
    .await;
    let (status, linked) = post(a, "/v1/auth/link", bearer(&s1["access_token"]), body).await;
    assert_eq!(status, 200, "{linked}");
    let (_, s2) = login(a, &w2).await;
    let (status, me) = get(a, "/v1/auth/whoami", bearer(&s2["access_token"])).await;
    assert_eq!((status, &me["wallet"]), (200, &json!(w1.caip10())), "{me}");
    let auth = bearer(&s1["access_token"]).unwrap();
    let path = format!("/v1/auth/accounts/{}", w2.caip10());
    let (status, out) = call(a, "DELETE", &path, Some((auth.0, &auth.1)), None).await;
    assert_eq!(status, 200, "{out}");
    alias_session_ended(a, &s2).await;
    let (status, me) = get(a, "/v1/auth/whoami", bearer(&s1["access_token"])).await;
    assert_eq!(status, 200, "{me}");
    let body = json!({"refresh_token": s1["refresh_token"]});
    assert_eq!(post(a, "/v1/auth/refresh", None, body).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_memory_full_cycle() {
    let gw = gateway_app::memory("solo", &SECRET, gateway_app::TOKEN_CACHE)
        .await
        .unwrap();
    let addr = serve(gateway_app::router(gw)).await;
    full_cycle(addr, addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_memory_link_accounts() {
    let gw = gateway_app::memory("solo", &SECRET, gateway_app::TOKEN_CACHE)
        .await
        .unwrap();
    let addr = serve(gateway_app::router(gw.clone())).await;
    link_cycle(addr, addr, &gw).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_memory_full_cycle_without_token_cache() {
    let gw = gateway_app::memory("solo", &SECRET, 0).await.unwrap();
    let addr = serve(gateway_app::router(gw)).await;
    full_cycle(addr, addr).await;
}

#[test]
fn gateway_redis_two_instances() {
    let Some(server) = crate::redis_server::RedisServer::start("gateway_redis_two_instances")
    else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = server.url();
        let a = gateway_app::redis("a", &SECRET, &url, "gw-test:", gateway_app::TOKEN_CACHE)
            .await
            .unwrap();
        let b = gateway_app::redis("b", &SECRET, &url, "gw-test:", gateway_app::TOKEN_CACHE)
            .await
            .unwrap();
        let gw_a = a.clone();
        let (a, b) = (
            serve(gateway_app::router(a)).await,
            serve(gateway_app::router(b)).await,
        );
        full_cycle(a, b).await;
        link_cycle(a, b, &gw_a).await;
        // Both instances follow one context log.
        let (_, ha) = get(a, "/health", None).await;
        let (_, hb) = get(b, "/health", None).await;
        assert_eq!(ha["instance"], "a");
        assert_eq!(hb["instance"], "b");
        assert!(ha["context_head"].as_u64().unwrap() >= 1, "{ha}");

        // An instance started later (a restart: it holds nothing of its
        // own) serves a session begun on A.
        let (_, s) = login(a, &Wallet::new(0x22)).await;
        let c = gateway_app::redis("c", &SECRET, &url, "gw-test:", gateway_app::TOKEN_CACHE)
            .await
            .unwrap();
        let c = serve(gateway_app::router(c)).await;
        let (status, me) = get(c, "/v1/auth/whoami", bearer(&s["access_token"])).await;
        assert_eq!(
            (status, &me["wallet"]),
            (200, &json!(Wallet::new(0x22).caip10()))
        );
        let body = json!({"refresh_token": s["refresh_token"]});
        assert_eq!(post(c, "/v1/auth/refresh", None, body).await.0, 200);

        // Another fleet secret is another gateway: A's tokens mean nothing there.
        let other =
            gateway_app::redis("x", &[0x77; 32], &url, "gw-test:", gateway_app::TOKEN_CACHE)
                .await
                .unwrap();
        let other = serve(gateway_app::router(other)).await;
        let refused = get(other, "/v1/auth/whoami", bearer(&s["access_token"])).await;
        assert_eq!(refused.0, 401, "{refused:?}");
    });
}

/// The issue's command line, with no `KEYTREE_GATEWAY_SECRET`: two
/// instances on one redis-server agree on the fleet secret the first one
/// stored there (login on A, whoami and refresh on B), and it is the
/// secret under `keytree-gateway:fleet-secret`.
#[test]
fn gateway_cli_redis_without_env_secret_shares_one() {
    if std::env::var_os("KEYTREE_GATEWAY_SECRET").is_some() {
        eprintln!("SKIPPED: KEYTREE_GATEWAY_SECRET is set in this environment");
        return;
    }
    let Some(server) =
        crate::redis_server::RedisServer::start("gateway_cli_redis_without_env_secret")
    else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = server.url();
        let args = |instance: &str| -> Vec<String> {
            ["gateway", "--redis", url.as_str(), "--instance", instance]
                .map(String::from)
                .to_vec()
        };
        let a = serve(gateway_app::app(&args("a")).await.unwrap()).await;
        let b = serve(gateway_app::app(&args("b")).await.unwrap()).await;
        let wallet = Wallet::new(0x51);
        let (_, s) = login(a, &wallet).await;
        let (status, me) = get(b, "/v1/auth/whoami", bearer(&s["access_token"])).await;
        assert_eq!(
            (status, &me["wallet"]),
            (200, &json!(wallet.caip10())),
            "{me}"
        );
        let body = json!({"refresh_token": s["refresh_token"]});
        assert_eq!(post(b, "/v1/auth/refresh", None, body).await.0, 200);

        // The secret both use is the one in Redis: a gateway given it
        // explicitly accepts A's token too.
        let mut redis = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let key = format!("{}fleet-secret", gateway_app::PREFIX);
        let hex: String = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        let secret: [u8; 32] = keytree::hex_decode(&hex, "secret")
            .unwrap()
            .try_into()
            .unwrap();
        let c = gateway_app::redis("c", &secret, &url, gateway_app::PREFIX, 0)
            .await
            .unwrap();
        let c = serve(gateway_app::router(c)).await;
        let (status, me) = get(c, "/v1/auth/whoami", bearer(&s["access_token"])).await;
        assert_eq!(status, 200, "{me}");
    });
}

// ---------------------------------------------------------------------------
// An attacker's requests (redteam2): each refused cleanly, none mixes
// identities.

/// Sends `req` as is (write errors ignored: the server may answer and close
/// before reading a large body); the status and body text.
async fn raw_text(addr: SocketAddr, req: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(req).await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

/// A request with any extra header lines (each `Name: value`, sent as bytes).
async fn with_headers(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[&[u8]],
    body: &[u8],
) -> (u16, String) {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for h in headers {
        req.extend_from_slice(h);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    raw_text(addr, &req).await
}

/// A link proof is bound to the member whose bearer token asked for the
/// link challenge: another member who gets hold of the signed proof
/// (intercepted, logged, or a wallet owner talked into signing a challenge
/// fetched by someone else) cannot link that wallet to itself with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_link_proof_is_bound_to_the_member_who_asked() {
    let gw = gateway_app::memory("solo", &SECRET, gateway_app::TOKEN_CACHE)
        .await
        .unwrap();
    let a = serve(gateway_app::router(gw)).await;
    let (w1, w2, w3) = (Wallet::new(0x41), Wallet::new(0x42), Wallet::new(0x43));
    let (_, s1) = login(a, &w1).await;
    let (_, s3) = login(a, &w3).await;
    let (auth1, auth3) = (
        || bearer(&s1["access_token"]),
        || bearer(&s3["access_token"]),
    );
    // Member 1 asks to link w2 and w2 signs; member 3 redeems the proof first.
    let body = proof(a, "/v1/auth/link/challenge", auth1(), &w2).await;
    let stolen = post(a, "/v1/auth/link", auth3(), body.clone()).await;
    assert_error(&stolen, 401, "unauthorized");
    let (_, list3) = get(a, "/v1/auth/accounts", auth3()).await;
    assert_eq!(list3["linked"], json!([]), "{list3}");
    // The member who asked still links it with the same proof.
    let (status, linked) = post(a, "/v1/auth/link", auth1(), body).await;
    assert_eq!(status, 200, "{linked}");
    assert_eq!(linked["member"], w1.caip10());
    // And a challenge member 3 fetched cannot be redeemed by member 1.
    let w4 = Wallet::new(0x44);
    let body = proof(a, "/v1/auth/link/challenge", auth3(), &w4).await;
    assert_error(
        &post(a, "/v1/auth/link", auth1(), body).await,
        401,
        "unauthorized",
    );
}

/// Malformed and hostile HTTP requests get a clean 4xx (never a 500, never
/// another caller's identity): bodies over the gateway's limit, malformed
/// JSON, odd `Authorization` forms, both credential headers, a repeated or
/// unreadable credential header, an API key where a session's token is
/// needed, and encoded or foreign paths on the unlink route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_hostile_requests_are_refused_cleanly() {
    let gw = gateway_app::memory("solo", &SECRET, gateway_app::TOKEN_CACHE)
        .await
        .unwrap();
    let a = serve(gateway_app::router(gw)).await;
    let (w1, w2, w3) = (Wallet::new(0x51), Wallet::new(0x52), Wallet::new(0x53));
    let (_, s1) = login(a, &w1).await;
    let (_, s3) = login(a, &w3).await;
    let token1 = s1["access_token"].as_str().unwrap().to_owned();
    let token3 = s3["access_token"].as_str().unwrap().to_owned();
    let body = proof(
        a,
        "/v1/auth/link/challenge",
        bearer(&s1["access_token"]),
        &w2,
    )
    .await;
    assert_eq!(
        post(a, "/v1/auth/link", bearer(&s1["access_token"]), body)
            .await
            .0,
        200
    );
    let (status, key) = post(
        a,
        "/v1/auth/api-key",
        bearer(&s1["access_token"]),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{key}");
    let api_key = key["api_key"].as_str().unwrap().to_owned();

    // Bodies: the gateway's requests are small; a large one is refused
    // before it is read whole (413), malformed JSON is a bad request.
    let big = format!(
        r#"{{"wallet": "{}", "pad": "{}"}}"#,
        w1.address,
        "x".repeat(gateway_app::MAX_BODY)
    );
    let (status, text) = with_headers(a, "POST", "/v1/auth/challenge", &[], big.as_bytes()).await;
    assert_eq!(status, 413, "{text}");
    for bad in [&b"{"[..], b"null", b"[]", b"{\"wallet\": 5}", b"\xff\xfe"] {
        let (status, text) = with_headers(a, "POST", "/v1/auth/challenge", &[], bad).await;
        assert_eq!(status, 400, "{text}");
    }

    // Authorization forms: the scheme in any case works; others are 400.
    let me = |h: Vec<u8>| async move {
        with_headers(a, "GET", "/v1/auth/whoami", &[h.as_slice()], b"").await
    };
    for ok in [
        format!("Authorization: bearer {token1}"),
        format!("Authorization: BEARER    {token1}  "),
    ] {
        let (status, text) = me(ok.into_bytes()).await;
        assert_eq!(status, 200, "{text}");
        assert!(text.contains(&w1.caip10()), "{text}");
    }
    for bad in [
        format!("Authorization: Basic {token1}"),
        format!("Authorization: Bearer{token1}"),
        format!("Authorization: Bearer {token1} {token3}"),
        format!("Authorization: Bearer\t{token1}"),
        "Authorization: Bearer".to_owned(),
        "X-API-Key: ".to_owned(),
    ] {
        let (status, text) = me(bad.clone().into_bytes()).await;
        assert_eq!(status, 400, "{bad}: {text}");
    }
    // A token that is not one: 400 or 401, whatever its length.
    let (status, text) =
        me(format!("Authorization: Bearer {}", "e".repeat(20_000)).into_bytes()).await;
    assert!(status == 400 || status == 401, "{text}");

    // Two credentials: refused, whichever pair (never one caller's
    // identity with the other's key).
    let auth1 = format!("Authorization: Bearer {token1}");
    let auth3 = format!("Authorization: Bearer {token3}");
    let xkey = format!("X-API-Key: {api_key}");
    for pair in [
        [auth3.as_bytes(), xkey.as_bytes()],
        [auth1.as_bytes(), auth3.as_bytes()],
        [xkey.as_bytes(), xkey.as_bytes()],
    ] {
        let (status, text) = with_headers(a, "GET", "/v1/auth/whoami", &pair, b"").await;
        let names = pair.map(|h| String::from_utf8_lossy(&h[..16]).into_owned());
        assert_eq!(status, 400, "{names:?}: {text}");
    }
    // An Authorization header that is not text does not vanish (letting
    // X-API-Key through alone): it is refused.
    let mut unreadable = b"Authorization: Bearer ".to_vec();
    unreadable.extend_from_slice(&[0xff, 0xfe]);
    let (status, text) = with_headers(
        a,
        "GET",
        "/v1/auth/whoami",
        &[unreadable.as_slice(), xkey.as_bytes()],
        b"",
    )
    .await;
    assert_eq!(status, 400, "{text}");

    // An API key (in either header) where a session's token is needed.
    let unlink_path = format!("/v1/auth/accounts/{}", w2.caip10());
    for cred in [xkey.clone(), format!("Authorization: Bearer {api_key}")] {
        for (method, path, body) in [
            (
                "POST",
                "/v1/auth/link/challenge",
                format!(r#"{{"wallet": "{}"}}"#, w3.address),
            ),
            ("POST", "/v1/auth/link", "{}".to_owned()),
            ("GET", "/v1/auth/accounts", String::new()),
            ("DELETE", unlink_path.as_str(), String::new()),
            ("POST", "/v1/auth/api-key", "{}".to_owned()),
        ] {
            let (status, text) =
                with_headers(a, method, path, &[cred.as_bytes()], body.as_bytes()).await;
            assert_eq!(status, 400, "{method} {path} with {cred}: {text}");
        }
    }

    // Unlink paths: another member's linked account (percent-encoded or
    // not), traversal, and junk are refused; the link stays.
    let enc = w2.caip10().replace(':', "%3A");
    let enc_lower = format!("eip155%3a1%3a{}", w2.address.to_lowercase());
    for path in [
        format!("/v1/auth/accounts/{enc}"),
        format!("/v1/auth/accounts/{enc_lower}"),
        format!("/v1/auth/accounts/{}", w2.address),
    ] {
        let (status, text) = with_headers(a, "DELETE", &path, &[auth3.as_bytes()], b"").await;
        assert_eq!(status, 400, "{path}: {text}");
    }
    for path in [
        "/v1/auth/accounts/..%2F..%2Fapi-key".to_owned(),
        "/v1/auth/accounts/%00".to_owned(),
        format!("/v1/auth/accounts/{enc}%2Fx"),
    ] {
        let (status, text) = with_headers(a, "DELETE", &path, &[auth1.as_bytes()], b"").await;
        assert!((400..500).contains(&status), "{path}: {text}");
    }
    let (_, list) = get(a, "/v1/auth/accounts", bearer(&s1["access_token"])).await;
    assert_eq!(list["linked"], json!([w2.caip10()]), "{list}");
    // The member itself unlinks it with the percent-encoded form.
    let (status, text) = with_headers(
        a,
        "DELETE",
        &format!("/v1/auth/accounts/{enc}"),
        &[auth1.as_bytes()],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{text}");
}

/// Two instances (one shared context log) link one wallet to two members
/// at the same moment: one wins, the other gets 409, and both instances
/// then agree on which member holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_racing_links_of_one_wallet_one_wins() {
    use keytree::{MemoryApiKeyStore, MemoryContextStore, MemoryNonceStore, MemoryRefreshStore};
    let log = MemoryContextStore::new();
    let start = |name: &'static str| {
        let log = log.clone();
        async move {
            gateway_app::Gateway::<gateway_app::Memory>::start(
                name,
                &SECRET,
                MemoryNonceStore::new(),
                MemoryNonceStore::new(),
                MemoryRefreshStore::new(),
                MemoryApiKeyStore::new(),
                log,
                gateway_app::TOKEN_CACHE,
            )
            .await
            .unwrap()
        }
    };
    let (ga, gb) = (start("a").await, start("b").await);
    let (a, b) = (
        serve(gateway_app::router(ga)).await,
        serve(gateway_app::router(gb)).await,
    );
    for round in 0..4u8 {
        let (m1, m2, w) = (
            Wallet::new(0x60 + 3 * round),
            Wallet::new(0x61 + 3 * round),
            Wallet::new(0x62 + 3 * round),
        );
        let (_, s1) = login(a, &m1).await;
        let (_, s2) = login(b, &m2).await;
        let p1 = proof(
            a,
            "/v1/auth/link/challenge",
            bearer(&s1["access_token"]),
            &w,
        )
        .await;
        let p2 = proof(
            b,
            "/v1/auth/link/challenge",
            bearer(&s2["access_token"]),
            &w,
        )
        .await;
        let (r1, r2) = tokio::join!(
            post(a, "/v1/auth/link", bearer(&s1["access_token"]), p1),
            post(b, "/v1/auth/link", bearer(&s2["access_token"]), p2),
        );
        let mut statuses = [r1.0, r2.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{r1:?} {r2:?}");
        let winner = if r1.0 == 200 {
            m1.caip10()
        } else {
            m2.caip10()
        };
        // The wallet logs in as the winner on either instance.
        for at in [a, b] {
            let (_, s) = login(at, &w).await;
            let (status, me) = get(at, "/v1/auth/whoami", bearer(&s["access_token"])).await;
            assert_eq!((status, &me["wallet"]), (200, &json!(winner)), "{me}");
        }
    }
}
