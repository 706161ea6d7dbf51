//! A wallet-login gateway over HTTP (axum): challenge, verify, refresh,
//! logout, whoami, API keys and the JWK Set, on memory stores or, with
//! `--redis`, on Redis so that several instances behave as one gateway.
//!
//! ```text
//! cargo run --features redis --example gateway -- --listen 127.0.0.1:8080
//! KEYTREE_GATEWAY_SECRET=<64 hex> cargo run --features redis --example gateway -- \
//!     --listen 127.0.0.1:8081 --redis redis://127.0.0.1:6379 --instance a
//! ```
//!
//! `--no-token-cache` turns the verified-token cache off (for the load
//! figures of `examples/gateway_load.rs`).
//!
//! # Routes
//! - `POST /v1/auth/challenge` `{wallet}` (CAIP-10 or bare `0x…`) or
//!   `{chain, address, network?}` → the challenge's serde form.
//! - `POST /v1/auth/verify` `{wallet, nonce, signature, public_key?,
//!   delegation?}` → `{access_token, token_type, expires_in, refresh_token,
//!   refresh_expires_in, wallet}`.
//! - `POST /v1/auth/refresh` `{refresh_token}` → a new token pair.
//! - `POST /v1/auth/logout` `{refresh_token}`, or `{all: true}` with
//!   `Authorization: Bearer <access token>` (every session of the member).
//! - `GET /v1/auth/whoami` with a bearer token or an API key
//!   (`Authorization: Bearer …` or `X-API-Key: …`) → `{wallet, context,
//!   permissions, session}`.
//! - `POST /v1/auth/api-key` (bearer) → `{api_key, id, permissions,
//!   expires_at}`; `GET /v1/auth/api-key` (bearer) → `{keys: [{id, name,
//!   permissions, created_at, expires_at}]}` (the caller's live keys);
//!   `DELETE /v1/auth/api-key/{id}` (bearer) → `{revoked}`.
//! - `POST /v1/auth/link/challenge` `{wallet}` or `{chain, address,
//!   network?}` with the member's bearer token → a link challenge (its
//!   text carries [`LINK_STATEMENT`]); `POST /v1/auth/link` `{wallet,
//!   nonce, signature, public_key?, delegation?}` with the bearer token →
//!   `{member, linked}`: the proved account now logs in as the caller's
//!   member. An account that is a member already, or linked to one, is a
//!   `409 conflict`. A link challenge is bound to the member that asked
//!   for it (`issue_client_bound`): another member's token cannot redeem
//!   its signed proof.
//! - `GET /v1/auth/accounts` (bearer) → `{member, linked}`;
//!   `DELETE /v1/auth/accounts/{wallet}` (bearer) → `{unlinked}` for an
//!   account linked to the caller's member.
//! - `GET /v1/auth/jwks`, `GET /.well-known/jwks.json`, `GET /health`.
//!
//! Errors are `{"error": kind, "message": …}` with the status of
//! [`keytree::Error::kind`]. A body over [`MAX_BODY`] bytes is a `413`; a
//! credential header sent twice, both credential headers, or one that is
//! not text is a `400`.
//!
//! # Fleet secret
//! Every instance of one gateway holds the same 32-byte secret,
//! `KEYTREE_GATEWAY_SECRET` (64 hex digits; required with `--redis`, random
//! per process without it). Five keys are derived from it with BLAKE3
//! `derive_key`, one context string each: the login and the link challenge
//! (nonce-sealing) keys, the token signing seed, the API-key hashing
//! secret, and the root key of the gateway's context (whose id is derived
//! too). Rotate by restarting the fleet with a new secret (every session
//! and API key ends).
//!
//! # Wallets are members
//! A wallet's first login adds its account to the gateway's context as a
//! wallet-account member (`OpKind::AddAccount`, [`MEMBER_PERMISSIONS`] for
//! a year, signed by the context root): no key of its own. Tokens name the
//! member by its primary account (`sub`, CAIP-10), so every wallet linked
//! to it (`OpKind::LinkAccount`) logs in as the same member, with its
//! permissions and its "log out everywhere". Revoking the member
//! ([`Gateway::revoke_account`], an operator's action) revokes every
//! linked account; unlinking (`OpKind::UnlinkAccount`) frees the account,
//! which logs in as a member of its own next time. Sessions opened with a
//! linked wallet are the member's and outlive an unlink (log them out, or
//! everywhere, to end them).
//!
//! # Redis
//! With `--redis`, nonces, refresh families and sessions, API keys
//! (`RedisStore`) and the context log (`RedisContextStore`, followed by a
//! `ContextReplica`) live in Redis under the prefix `keytree-gateway:`.
//!
//! # Glue count (issue 10: handlers hold routing and keytree calls only)
//! Counted over the request path, after `cargo fmt`: the handlers and
//! everything of this file they use per request (the `Gateway` methods
//! other than `start` and the operator's `revoke_account`, `now`,
//! `credential`, `ApiError`, `body`, the body types). Each line is
//! *routing* (a handler's signature, axum's extractors and
//! `Json(…).into_response()` answers, the `Reply`/`Gw` aliases, `router`),
//! a *keytree call* (every line of a statement or match arm whose
//! outermost operation calls keytree: its `let`, arguments, `.await?` and
//! an op built in its closure included), or *glue* (the rest: helper
//! signatures, body and reply shaping, error adaptation, control flow,
//! clones). Blank, comment and closing-delimiter-only lines are not
//! counted.
//!
//! Glue now: 71 lines, 58 of them for the routes the gateway had before
//! linking (84 by this rule before the library took the credential,
//! challenge-request, API-key and submit-as forms; the key listing left
//! out) and 13 for linking (`member` 3, link challenge 2, link 3, accounts
//! 2, unlink 3). Per item: handlers 32 (challenge 1, verify 4, refresh 1,
//! logout 6, whoami 5, link challenge 2, link 3, accounts 2, unlink 3, API
//! key create 1, list 2, revoke 1, health 1); helpers 39 (`now` 4,
//! `ensure_account` 4, `bearer` 4, `caller` 3, `member` 3, `credential` 2,
//! `ApiError` 9, `body` 3, `RefreshBody` 3, `LogoutBody` 4).

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use keytree::{
    AccountId, ApiKeyId, ApiKeyIssuer, ApiKeyRecord, ApiKeyRequest, ApiKeyStore, ChallengeIssuer,
    ChallengeKey, ChallengeRequest, ClientProof, Context, ContextError, ContextId, ContextReplica,
    ContextStore, Credential, Error, MemoryApiKeyStore, MemoryContextStore, MemoryNonceStore,
    MemoryRefreshStore, NonceStore, OpKind, Permissions, RedisContextStore, RedisStore,
    RefreshStore, RootKey, SessionStore, TokenError, TokenIssuer, TokenRequest, TokenSigningKey,
    TokenValidator, ValidatedToken,
};
use serde::Deserialize;
use serde_json::json;

/// The login domain in every challenge.
pub const DOMAIN: &str = "gateway.example";
/// `iss` of tokens and API keys.
pub const ISSUER: &str = "https://gateway.example";
/// `aud` of the tokens the gateway mints and accepts.
pub const AUDIENCE: &str = "gateway.example/api";
/// The statement of link challenges (login challenges have none), so a
/// wallet sees that it links itself to an account, not that it signs in.
pub const LINK_STATEMENT: &str = "Link this wallet to your gateway.example account.";
/// What a wallet's member may do.
pub const MEMBER_PERMISSIONS: [&str; 2] = ["api:read", "api:write"];
/// A wallet member's window lasts a year from its first login.
const MEMBER_TTL: u64 = 365 * 86_400;
/// API keys last 30 days.
const API_KEY_TTL: u64 = 30 * 86_400;
/// The largest request body read (bytes); a larger one is a `413`.
pub const MAX_BODY: usize = 64 * 1024;
/// Entries of the verified-token cache (`--no-token-cache`: none).
pub const TOKEN_CACHE: usize = 100_000;

/// The store types of one deployment.
pub trait Stores: Send + Sync + 'static {
    /// Challenge nonces.
    type Nonces: NonceStore + 'static;
    /// Refresh families and sessions.
    type Sessions: RefreshStore + SessionStore + 'static;
    /// API keys.
    type Keys: ApiKeyStore + 'static;
    /// The context log.
    type Log: ContextStore + Clone + 'static;
}

/// One process, nothing shared.
pub struct Memory;
impl Stores for Memory {
    type Nonces = MemoryNonceStore;
    type Sessions = MemoryRefreshStore;
    type Keys = MemoryApiKeyStore;
    type Log = MemoryContextStore;
}

/// Every instance on one Redis.
pub struct Redis;
impl Stores for Redis {
    type Nonces = RedisStore;
    type Sessions = RedisStore;
    type Keys = RedisStore;
    type Log = RedisContextStore;
}

/// The gateway's state.
pub struct Gateway<S: Stores> {
    instance: String,
    challenges: ChallengeIssuer<S::Nonces>,
    links: ChallengeIssuer<S::Nonces>,
    tokens: TokenIssuer,
    validator: TokenValidator,
    api_keys: ApiKeyIssuer,
    sessions: S::Sessions,
    keys: S::Keys,
    replica: Arc<ContextReplica<S::Log>>,
    root: RootKey,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn derive(secret: &[u8; 32], what: &str) -> [u8; 32] {
    blake3::derive_key(&format!("keytree gateway example 2026 {what}"), secret)
}

impl<S: Stores> Gateway<S> {
    /// Opens (or, the first time, creates) the gateway's context in `log`
    /// and follows it in the background; `token_cache` entries of verified
    /// tokens (0: every validation verifies the signature). Login and link
    /// challenges each have their nonce store.
    ///
    /// # Errors
    /// The stores' errors.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        instance: &str,
        secret: &[u8; 32],
        nonces: S::Nonces,
        link_nonces: S::Nonces,
        sessions: S::Sessions,
        keys: S::Keys,
        log: S::Log,
        token_cache: usize,
    ) -> Result<Arc<Self>, Error> {
        let t = now();
        let root = RootKey::from_bytes(&derive(secret, "context root"));
        let id = ContextId::from_bytes(derive(secret, "context id"));
        let replica = match ContextReplica::open(log.clone(), id, t).await {
            Ok(r) => r,
            Err(_) => {
                let genesis = Context::builder(id).create(&root, t)?;
                match ContextReplica::create(log.clone(), genesis, t).await {
                    Ok(r) => r,
                    // Another instance created it first.
                    Err(_) => ContextReplica::open(log, id, t).await?,
                }
            }
        };
        let replica = Arc::new(replica);
        let follower = replica.clone();
        tokio::spawn(async move {
            loop {
                let e = follower.follow(Duration::from_secs(1)).await;
                eprintln!("gateway: context follower stopped ({e}); restarting");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let challenge_key = ChallengeKey::from_bytes(&derive(secret, "challenge key"));
        let link_key = ChallengeKey::from_bytes(&derive(secret, "link challenge key"));
        let tokens = TokenIssuer::new(
            ISSUER,
            TokenSigningKey::from_bytes(&derive(secret, "token signing seed")),
        );
        let validator = tokens.validator(AUDIENCE, t).cache(token_cache).build()?;
        Ok(Arc::new(Self {
            instance: instance.to_owned(),
            challenges: ChallengeIssuer::new(DOMAIN, challenge_key, nonces)?,
            links: ChallengeIssuer::new(DOMAIN, link_key, link_nonces)?
                .with_statement(LINK_STATEMENT)?,
            tokens,
            validator,
            api_keys: ApiKeyIssuer::new(ISSUER, &derive(secret, "api key secret")),
            sessions,
            keys,
            replica,
            root,
        }))
    }

    /// Adds `account` as a wallet member on its first login, or links it to
    /// the member that holds its key in another account form; a no-op for a
    /// member or a linked account (a revoked one is refused when its token
    /// is issued).
    async fn ensure_account(&self, account: &AccountId) -> Result<bool, Error> {
        let t = now();
        let add = |ctx: &Context| match (ctx.primary_account(account), ctx.key_holder(account)) {
            (Some(_), _) => Ok(None),
            // The same key in another form (another chain id, another chain's
            // address of one Ed25519 key): the same wallet, so the same member.
            (None, Some(holder)) => Ok(Some(OpKind::LinkAccount {
                member: holder.clone(),
                account: account.clone(),
            })),
            (None, None) => Ok(Some(OpKind::AddAccount {
                account: account.clone(),
                permissions: Permissions::parse(MEMBER_PERMISSIONS)?,
                not_before: t.saturating_sub(60),
                expires_at: t.saturating_add(MEMBER_TTL),
            })),
        };
        self.replica.submit_as(&self.root, t, 10, add).await
    }

    /// Revokes the wallet member `account` names (its primary account or a
    /// linked one) with every account linked to it: an operator's action
    /// (the seed's API has no route for it).
    ///
    /// # Errors
    /// [`ContextError::NotMember`] or [`ContextError::Revoked`]; the
    /// context store's errors.
    pub async fn revoke_account(&self, account: &AccountId) -> Result<bool, Error> {
        let revoke = |_: &Context| {
            Ok(Some(OpKind::RevokeAccount {
                account: account.clone(),
            }))
        };
        self.replica.submit_as_now(&self.root, 10, revoke).await
    }

    /// Validates a bearer access token against the live context and its
    /// session; catches up once when the member is unknown here (it may
    /// have been added on another instance a moment ago).
    async fn bearer(&self, token: &str) -> Result<ValidatedToken, Error> {
        let (v, replica) = (&self.validator, &*self.replica);
        match v
            .validate_session_for_now(replica, token, &self.sessions)
            .await
        {
            Err(Error::Token(TokenError::ExecutorRevoked(_))) => {
                replica.catch_up_now().await?;
                v.validate_session_for_now(replica, token, &self.sessions)
                    .await
            }
            other => other,
        }
    }

    /// A bearer token or an API key (`Authorization: Bearer` or `X-API-Key`).
    async fn caller(&self, headers: &HeaderMap) -> Result<ValidatedToken, Error> {
        match credential(headers)? {
            Credential::ApiKey(key) => {
                self.api_keys
                    .validate_for_now(&*self.replica, key, &self.keys)
                    .await
            }
            Credential::AccessToken(token) => self.bearer(token).await,
        }
    }

    /// The wallet member (its primary account) of the caller's access token.
    async fn member(&self, headers: &HeaderMap) -> Result<AccountId, Error> {
        let token = self.bearer(credential(headers)?.access_token()?).await?;
        let account = token.claims().account().cloned();
        account.ok_or_else(|| TokenError::InvalidRequest("not a wallet member").into())
    }
}

fn credential(headers: &HeaderMap) -> Result<Credential<'_>, Error> {
    let values = |name: &str| headers.get_all(name).iter().map(|v| v.as_bytes());
    Credential::from_header_values(values("authorization"), values("x-api-key"))
}

/// An error reply: `{"error": kind, "message": …}`.
pub struct ApiError(Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let kind = self.0.kind();
        let status =
            StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({"error": kind.as_str(), "message": self.0.to_string()});
        (status, Json(body)).into_response()
    }
}

type Reply = Result<Response, ApiError>;
type Gw<S> = State<Arc<Gateway<S>>>;

/// A JSON body, or a `bad_request` error.
fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes)
        .map_err(|_| TokenError::InvalidRequest("malformed JSON body").into())
}

async fn challenge<S: Stores>(State(gw): Gw<S>, bytes: Bytes) -> Reply {
    let request: ChallengeRequest = body(&bytes)?;
    let issued = gw.challenges.issue_client_now(&request).await?;
    Ok(Json(issued).into_response())
}

async fn verify<S: Stores>(State(gw): Gw<S>, bytes: Bytes) -> Reply {
    let proof: ClientProof = body(&bytes)?;
    let who = gw.challenges.redeem_client_now(&proof).await?;
    gw.ensure_account(&who.account).await?;
    let request = TokenRequest::for_account(who.account.clone(), AUDIENCE);
    let pair = gw
        .tokens
        .issue_now(&*gw.replica, &request, &gw.sessions)
        .await?;
    let mut reply = json!(pair);
    reply["wallet"] = json!(who.account);
    Ok(Json(reply).into_response())
}

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: String,
}

#[derive(Deserialize)]
struct LogoutBody {
    refresh_token: Option<String>,
    all: Option<bool>,
}

async fn refresh<S: Stores>(State(gw): Gw<S>, bytes: Bytes) -> Reply {
    let RefreshBody { refresh_token } = body(&bytes)?;
    gw.replica.catch_up_now().await?;
    let pair = gw
        .tokens
        .refresh_now(&*gw.replica, &refresh_token.parse()?, &gw.sessions)
        .await?;
    Ok(Json(pair).into_response())
}

async fn logout<S: Stores>(State(gw): Gw<S>, headers: HeaderMap, bytes: Bytes) -> Reply {
    let LogoutBody { refresh_token, all } = body(&bytes)?;
    let revoked = match (refresh_token, all) {
        (_, Some(true)) => {
            let caller = gw.bearer(credential(&headers)?.access_token()?).await?;
            gw.tokens.logout_everywhere(&caller, &gw.sessions).await?
        }
        (Some(token), _) => gw
            .tokens
            .logout(&token.parse()?, &gw.sessions)
            .await
            .map(|_| 1)?,
        (None, _) => {
            return Err(TokenError::InvalidRequest("send refresh_token or all: true").into());
        }
    };
    Ok(Json(json!({ "sessions_revoked": revoked })).into_response())
}

async fn whoami<S: Stores>(State(gw): Gw<S>, headers: HeaderMap) -> Reply {
    let caller = gw.caller(&headers).await?;
    let claims = caller.claims();
    Ok(Json(json!({
        "wallet": claims.subject(),
        "context": claims.context_id().to_string(),
        "permissions": claims.permissions(),
        "session": claims.session_id().map(ToString::to_string),
    }))
    .into_response())
}

async fn link_challenge<S: Stores>(State(gw): Gw<S>, headers: HeaderMap, bytes: Bytes) -> Reply {
    let member = gw.member(&headers).await?;
    let request: ChallengeRequest = body(&bytes)?;
    // Bound to the member: no other caller can redeem its signed proof.
    let issued = gw
        .links
        .issue_client_bound_now(&request, member.to_string().as_bytes())
        .await?;
    Ok(Json(issued).into_response())
}

async fn link<S: Stores>(State(gw): Gw<S>, headers: HeaderMap, bytes: Bytes) -> Reply {
    let member = gw.member(&headers).await?;
    let proof: ClientProof = body(&bytes)?;
    let who = gw
        .links
        .redeem_client_bound_now(&proof, member.to_string().as_bytes())
        .await?;
    gw.replica
        .submit_as_now(&gw.root, 10, |_| {
            let (member, account) = (member.clone(), who.account.clone());
            Ok(Some(OpKind::LinkAccount { member, account }))
        })
        .await?;
    Ok(Json(json!({ "member": member, "linked": who.account })).into_response())
}

async fn accounts<S: Stores>(State(gw): Gw<S>, headers: HeaderMap) -> Reply {
    let member = gw.member(&headers).await?;
    let ctx = gw.replica.read_now()?;
    let info = ctx
        .account_member(&member)
        .ok_or(ContextError::NotMember(member.to_string()))?;
    let linked: Vec<_> = info.linked().collect();
    Ok(Json(json!({ "member": info.primary(), "linked": linked })).into_response())
}

async fn unlink<S: Stores>(
    State(gw): Gw<S>,
    headers: HeaderMap,
    Path(wallet): Path<String>,
) -> Reply {
    let member = gw.member(&headers).await?;
    let account = AccountId::parse_lenient(&wallet)?;
    gw.replica
        .submit_as_now(&gw.root, 10, |ctx| match ctx.primary_account(&account) {
            Some(m) if *m == member && *m != account => Ok(Some(OpKind::UnlinkAccount {
                account: account.clone(),
            })),
            _ => Err(ContextError::AccountNotLinked(account.to_string()).into()),
        })
        .await?;
    Ok(Json(json!({ "unlinked": account })).into_response())
}

async fn create_api_key<S: Stores>(State(gw): Gw<S>, headers: HeaderMap) -> Reply {
    let owner = gw.bearer(credential(&headers)?.access_token()?).await?;
    let request = ApiKeyRequest::new("gateway", API_KEY_TTL);
    let (key, record) = gw.api_keys.create_now(&owner, &request, &gw.keys).await?;
    Ok(Json(record.info().with_key(&key)).into_response())
}

async fn list_api_keys<S: Stores>(State(gw): Gw<S>, headers: HeaderMap) -> Reply {
    let owner = gw.bearer(credential(&headers)?.access_token()?).await?;
    let keys = gw.api_keys.list(&owner, &gw.keys).await?;
    let keys: Vec<_> = keys.iter().map(ApiKeyRecord::info).collect();
    Ok(Json(json!({ "keys": keys })).into_response())
}

async fn revoke_api_key<S: Stores>(
    State(gw): Gw<S>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    let owner = gw.bearer(credential(&headers)?.access_token()?).await?;
    let revoked = gw
        .api_keys
        .revoke(&owner, &id.parse::<ApiKeyId>()?, &gw.keys)
        .await?;
    Ok(Json(json!({ "revoked": revoked })).into_response())
}

async fn jwks<S: Stores>(State(gw): Gw<S>) -> Response {
    Json(gw.tokens.jwks_now()).into_response()
}

async fn health<S: Stores>(State(gw): Gw<S>) -> Reply {
    let head = gw.replica.read_now()?.head_seq();
    Ok(
        Json(json!({"status": "ok", "instance": gw.instance, "context_head": head}))
            .into_response(),
    )
}

/// The gateway's routes.
pub fn router<S: Stores>(gw: Arc<Gateway<S>>) -> Router {
    Router::new()
        .route("/v1/auth/challenge", post(challenge::<S>))
        .route("/v1/auth/verify", post(verify::<S>))
        .route("/v1/auth/refresh", post(refresh::<S>))
        .route("/v1/auth/logout", post(logout::<S>))
        .route("/v1/auth/whoami", get(whoami::<S>))
        .route("/v1/auth/link/challenge", post(link_challenge::<S>))
        .route("/v1/auth/link", post(link::<S>))
        .route("/v1/auth/accounts", get(accounts::<S>))
        .route("/v1/auth/accounts/{wallet}", delete(unlink::<S>))
        .route(
            "/v1/auth/api-key",
            post(create_api_key::<S>).get(list_api_keys::<S>),
        )
        .route("/v1/auth/api-key/{id}", delete(revoke_api_key::<S>))
        .route("/v1/auth/jwks", get(jwks::<S>))
        .route("/.well-known/jwks.json", get(jwks::<S>))
        .route("/health", get(health::<S>))
        // Every body the gateway reads is a small JSON object.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(gw)
}

/// A gateway on memory stores, with `cache` verified-token cache entries
/// (serve it with [`router`]).
///
/// # Errors
/// As [`Gateway::start`].
pub async fn memory(
    instance: &str,
    secret: &[u8; 32],
    cache: usize,
) -> Result<Arc<Gateway<Memory>>, Error> {
    Gateway::<Memory>::start(
        instance,
        secret,
        MemoryNonceStore::new(),
        MemoryNonceStore::new(),
        MemoryRefreshStore::new(),
        MemoryApiKeyStore::new(),
        MemoryContextStore::new(),
        cache,
    )
    .await
}

/// A gateway on the Redis at `url`, its keys under `prefix`, with `cache`
/// verified-token cache entries.
///
/// # Errors
/// [`Error::StoreUnavailable`] when Redis cannot be reached; as
/// [`Gateway::start`].
pub async fn redis(
    instance: &str,
    secret: &[u8; 32],
    url: &str,
    prefix: &str,
    cache: usize,
) -> Result<Arc<Gateway<Redis>>, Error> {
    let store = RedisStore::builder(url).prefix(prefix).connect().await?;
    let log = RedisContextStore::builder(url)
        .prefix(prefix)
        .connect()
        .await?;
    Gateway::<Redis>::start(
        instance,
        secret,
        store.clone(),
        store.clone(),
        store.clone(),
        store,
        log,
        cache,
    )
    .await
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match serve(&args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gateway: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs the CLI (`--listen`, `--redis`, `--instance`, `--no-token-cache`;
/// see the module docs).
///
/// # Errors
/// Bad arguments, a missing fleet secret with `--redis`, the stores' and
/// the listener's errors.
pub async fn serve(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let listen = arg(args, "--listen").unwrap_or_else(|| "127.0.0.1:8080".into());
    let instance = arg(args, "--instance").unwrap_or_else(|| "gateway".into());
    let secret: [u8; 32] = match std::env::var("KEYTREE_GATEWAY_SECRET") {
        Ok(hex) => keytree::hex_decode(hex.trim(), "KEYTREE_GATEWAY_SECRET")?
            .try_into()
            .map_err(|_| "KEYTREE_GATEWAY_SECRET must be 64 hex digits")?,
        Err(_) if arg(args, "--redis").is_some() => {
            return Err("--redis needs the fleet's KEYTREE_GATEWAY_SECRET (64 hex digits)".into());
        }
        Err(_) => *ChallengeKey::generate(&mut rand::rng()).to_bytes(),
    };
    let cache = match args.iter().any(|a| a == "--no-token-cache") {
        true => 0,
        false => TOKEN_CACHE,
    };
    let app = match arg(args, "--redis") {
        Some(url) => router(redis(&instance, &secret, &url, "keytree-gateway:", cache).await?),
        None => router(memory(&instance, &secret, cache).await?),
    };
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!(
        "gateway {instance} listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
