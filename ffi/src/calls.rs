//! Every call into `keytree`, in safe Rust, one small function per job.
//!
//! The `extern "C"` functions only check and convert arguments, then call
//! one of these. When the core API changes, this file is the one to adapt.
//! The JSON shapes the C ABI accepts are defined here too (strict: unknown
//! fields are refused).

use std::future::Future;
use std::pin::pin;
use std::sync::LazyLock;
use std::task::{Poll, Waker};

use keytree::{
    AccountId, Chain, ChallengeIssuer, ChallengeKey, ChallengeMessage, ClientKey, Context,
    ContextId, ContextOp, Delegation, EthereumProof, Expectations, IcpProof, Jwks,
    MemoryNonceStore, NearProof, Nep413Payload, OpKind, Permission, Permissions, PublicKey,
    RawKeyProof, RootKey, SolanaProof, StellarProof, TokenIssuer, TokenRequest, TokenSigningKey,
    TokenValidator, ValidatedToken, VerifiedAccount, WalletProof, WalletRegistry,
};
use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

use crate::error::{FfiError, FfiResult, KT_ERR_ARGUMENT, KT_ERR_STORE};

fn parse_json<'a, T: Deserialize<'a>>(json: &'a str, what: &str) -> FfiResult<T> {
    serde_json::from_str(json).map_err(|e| FfiError::json(what, &e))
}

fn to_json(value: &serde_json::Value) -> String {
    value.to_string()
}

fn seed32(seed: &[u8], what: &str) -> FfiResult<Zeroizing<[u8; 32]>> {
    let mut out = Zeroizing::new([0u8; 32]);
    if seed.len() != out.len() {
        return Err(FfiError::new(
            KT_ERR_ARGUMENT,
            format!("{what}: expected 32 bytes, got {}", seed.len()),
        ));
    }
    out.copy_from_slice(seed);
    Ok(out)
}

fn public_key(text: &str) -> FfiResult<PublicKey> {
    Ok(text.parse::<PublicKey>()?)
}

fn context_id(text: &str) -> FfiResult<ContextId> {
    Ok(text.parse::<ContextId>()?)
}

// ---- keys --------------------------------------------------------------

pub(crate) fn root_from_seed(seed: &[u8]) -> FfiResult<RootKey> {
    let seed = seed32(seed, "root key seed")?;
    Ok(RootKey::from_bytes(&seed))
}

pub(crate) fn root_generate() -> RootKey {
    RootKey::generate(&mut rand::rng())
}

pub(crate) fn root_seed(root: &RootKey) -> Zeroizing<[u8; 32]> {
    root.to_bytes()
}

pub(crate) fn root_public_key(root: &RootKey) -> String {
    root.public_key().to_string()
}

pub(crate) fn derive_client_key(root: &RootKey, context: &str, index: u32) -> FfiResult<ClientKey> {
    Ok(root.derive_client_key(&context_id(context)?, index))
}

pub(crate) fn client_public_key(key: &ClientKey) -> String {
    key.public_key().to_string()
}

pub(crate) fn context_id_generate() -> String {
    ContextId::generate(&mut rand::rng()).to_string()
}

// ---- delegations ---------------------------------------------------------

/// `kt_delegation_sign`'s request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelegationRequest {
    subject: String,
    context_id: String,
    permissions: Vec<String>,
    not_before: u64,
    expires_at: u64,
}

pub(crate) fn delegation_sign(root: &RootKey, request: &str) -> FfiResult<String> {
    let r: DelegationRequest = parse_json(request, "delegation request")?;
    let delegation = Delegation::builder(
        public_key(&r.subject)?,
        context_id(&r.context_id)?,
        Permissions::parse(&r.permissions)?,
    )
    .valid_between(r.not_before, r.expires_at)
    .sign_as_root(root)?;
    serde_json::to_string(&delegation).map_err(|e| FfiError::json("delegation", &e))
}

static WALLETS: LazyLock<WalletRegistry> = LazyLock::new(WalletRegistry::with_defaults);

pub(crate) fn delegation_verify(json: &str, now: u64) -> FfiResult<String> {
    // Decoding a `Delegation` verifies a native issuer's signature; the
    // registry check covers wallet issuers; `now` checks the window.
    let delegation: Delegation = parse_json(json, "delegation")?;
    delegation.verify_with_wallets(&WALLETS, now)?;
    Ok(to_json(&json!({
        "id": delegation.id().to_string(),
        "issuer": delegation.issuer().to_string(),
        "subject": delegation.subject().to_string(),
        "context_id": delegation.context().to_string(),
        "permissions": delegation.permissions(),
        "not_before": delegation.not_before(),
        "expires_at": delegation.expires_at(),
    })))
}

// ---- contexts ------------------------------------------------------------

pub(crate) fn context_create(root: &RootKey, id: &str, now: u64) -> FfiResult<Context> {
    Ok(Context::builder(context_id(id)?).create(root, now)?)
}

pub(crate) fn context_propose(
    context: &Context,
    signer: &RootKey,
    kind: &str,
    timestamp: u64,
) -> FfiResult<String> {
    let kind: OpKind = parse_json(kind, "op kind")?;
    let op = context.propose(kind, timestamp).sign(signer);
    serde_json::to_string(&op).map_err(|e| FfiError::json("context op", &e))
}

pub(crate) fn context_apply(context: &mut Context, op: &str) -> FfiResult<()> {
    let op: ContextOp = parse_json(op, "context op")?;
    Ok(context.apply(op)?)
}

pub(crate) fn context_export(context: &Context) -> FfiResult<String> {
    Ok(context.export_json()?)
}

pub(crate) fn context_import(log: &str) -> FfiResult<Context> {
    Ok(Context::import_json(log)?)
}

pub(crate) fn context_head_seq(context: &Context) -> u64 {
    context.head_seq()
}

pub(crate) fn context_authorize(
    context: &Context,
    key: &str,
    permission: &str,
    now: u64,
) -> FfiResult<()> {
    let key = public_key(key)?;
    let permission: Permission = permission.parse()?;
    // The current state (the log head) at the caller's time `now`.
    Ok(context.authorize(&key, &permission, context.head_seq(), now)?)
}

pub(crate) fn context_authorize_account(
    context: &Context,
    account_text: &str,
    permission: &str,
    now: u64,
) -> FfiResult<()> {
    let account = account(account_text)?;
    let permission: Permission = permission.parse()?;
    // The current state (the log head) at the caller's time `now`.
    Ok(context.authorize_account(&account, &permission, context.head_seq(), now)?)
}

// ---- tokens --------------------------------------------------------------

pub(crate) fn token_issuer_new(issuer: &str, seed: &[u8]) -> FfiResult<TokenIssuer> {
    let seed = seed32(seed, "token signing key seed")?;
    let key = TokenSigningKey::from_bytes(&seed);
    Ok(TokenIssuer::new(issuer, key))
}

/// `kt_token_issuer_mint`'s request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintRequest {
    executor: String,
    audience: String,
    #[serde(default)]
    permissions: Option<Vec<String>>,
    #[serde(default)]
    ttl: Option<u64>,
    #[serde(default)]
    subject: Option<String>,
}

pub(crate) fn token_mint(
    issuer: &TokenIssuer,
    context: &Context,
    request: &str,
    now: u64,
) -> FfiResult<String> {
    let r: MintRequest = parse_json(request, "mint request")?;
    let mut request = TokenRequest::new(public_key(&r.executor)?, r.audience);
    if let Some(p) = r.permissions {
        request = request.permissions(Permissions::parse(&p)?);
    }
    if let Some(ttl) = r.ttl {
        request = request.ttl(ttl);
    }
    if let Some(subject) = r.subject {
        request = request.subject(subject);
    }
    Ok(issuer.mint(context, &request, now)?)
}

/// `kt_token_issuer_mint_account`'s request. No `subject`: a wallet-account
/// member's `sub` is always its primary account.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintAccountRequest {
    account: String,
    audience: String,
    #[serde(default)]
    permissions: Option<Vec<String>>,
    #[serde(default)]
    ttl: Option<u64>,
}

pub(crate) fn token_mint_account(
    issuer: &TokenIssuer,
    context: &Context,
    request: &str,
    now: u64,
) -> FfiResult<String> {
    let r: MintAccountRequest = parse_json(request, "account mint request")?;
    let mut request = TokenRequest::for_account(account(&r.account)?, r.audience);
    if let Some(p) = r.permissions {
        request = request.permissions(Permissions::parse(&p)?);
    }
    if let Some(ttl) = r.ttl {
        request = request.ttl(ttl);
    }
    Ok(issuer.mint(context, &request, now)?)
}

pub(crate) fn token_jwks(issuer: &TokenIssuer, now: u64) -> String {
    issuer.jwks(now).to_json()
}

pub(crate) fn validator_new(
    issuer: &str,
    audience: &str,
    jwks: &str,
    leeway: u64,
) -> FfiResult<TokenValidator> {
    let jwks = Jwks::from_json(jwks)?;
    Ok(TokenValidator::builder(issuer, audience)
        .jwks(&jwks)
        .leeway(leeway)
        .build()?)
}

pub(crate) fn validate(
    validator: &TokenValidator,
    token: &str,
    now: u64,
) -> FfiResult<ValidatedToken> {
    Ok(validator.validate(token, now)?)
}

pub(crate) fn validate_for(
    validator: &TokenValidator,
    context: &Context,
    token: &str,
    now: u64,
) -> FfiResult<ValidatedToken> {
    Ok(validator.validate_for(context, token, now)?)
}

/// The claims as `kt_validator_validate*` return them.
#[derive(serde::Serialize)]
struct ClaimsOut<'a> {
    iss: &'a str,
    sub: &'a str,
    /// A wallet-account member's primary account (canonical CAIP-10, equal
    /// to `sub`); absent for a key member's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    /// The linked account a wallet-account member logged in with; absent
    /// when the primary account did, and for a key member's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<String>,
    aud: &'a str,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: &'a str,
    token_type: keytree::TokenType,
    context_id: String,
    /// Absent for a wallet-account member's token (its `sub` is the account).
    #[serde(skip_serializing_if = "Option::is_none")]
    executor_public_key: Option<String>,
    permissions: &'a Permissions,
}

pub(crate) fn claims_json(token: &ValidatedToken) -> FfiResult<String> {
    let c = token.claims();
    let claims = ClaimsOut {
        iss: c.issuer(),
        sub: c.subject(),
        account: c.account().map(ToString::to_string),
        via: c.via().map(ToString::to_string),
        aud: c.audience(),
        exp: c.expires_at(),
        nbf: c.not_before(),
        iat: c.issued_at(),
        jti: c.jti(),
        token_type: c.token_type(),
        context_id: c.context_id().to_string(),
        // The key's text form (`ed25519:<base58>`) from its bytes: an
        // encoding, with no need to decompress the point again.
        executor_public_key: c
            .executor_key_bytes()
            .map(|k| format!("ed25519:{}", keytree::base58_encode(k))),
        permissions: c.permissions(),
    };
    serde_json::to_string(&claims).map_err(|e| FfiError::json("claims", &e))
}

// ---- wallets -------------------------------------------------------------

/// A wallet proof as JSON. `message` is UTF-8 text, or `message_hex` raw
/// bytes (exactly one of them where a message is needed).
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ProofJson {
    EthereumPersonalSign {
        account: String,
        #[serde(flatten)]
        message: MessageJson,
        signature: String,
    },
    EthereumSiwe {
        message: String,
        signature: String,
    },
    Near {
        account: String,
        public_key: String,
        message: String,
        nonce_hex: String,
        recipient: String,
        #[serde(default)]
        callback_url: Option<String>,
        signature: String,
    },
    Stellar {
        account: String,
        #[serde(flatten)]
        message: MessageJson,
        signature: String,
    },
    SolanaMessage {
        account: String,
        #[serde(flatten)]
        message: MessageJson,
        signature: String,
    },
    SolanaSiws {
        message: String,
        signature: String,
    },
    RawEd25519 {
        public_key: String,
        #[serde(flatten)]
        message: MessageJson,
        signature: String,
    },
    RawSecp256k1 {
        public_key: String,
        #[serde(flatten)]
        message: MessageJson,
        signature: String,
    },
    Icp {
        account: String,
        /// The identity's DER public key (hex), when it signed directly.
        #[serde(default)]
        public_key_der_hex: Option<String>,
        /// A `DelegationChain.toJSON()` object, when a session key signed.
        #[serde(default)]
        delegation_chain: Option<serde_json::Value>,
        #[serde(flatten)]
        message: MessageJson,
        signature_hex: String,
    },
}

#[derive(Deserialize)]
struct MessageJson {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    message_hex: Option<String>,
}

impl MessageJson {
    fn into_bytes(self) -> FfiResult<Vec<u8>> {
        match (self.message, self.message_hex) {
            (Some(text), None) => Ok(text.into_bytes()),
            (None, Some(hex)) => Ok(keytree::hex_decode(
                hex.trim_start_matches("0x"),
                "message",
            )?),
            _ => Err(FfiError::new(
                crate::error::KT_ERR_JSON,
                "invalid wallet proof JSON: exactly one of `message` and `message_hex` is required",
            )),
        }
    }
}

fn account(text: &str) -> FfiResult<AccountId> {
    Ok(text.parse::<AccountId>()?)
}

fn nonce32(hex: &str) -> FfiResult<[u8; 32]> {
    let bytes = keytree::hex_decode(hex, "nep413 nonce")?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        FfiError::from(keytree::Error::Decode {
            what: "nep413 nonce",
            reason: keytree::DecodeReason::Length {
                expected: 32,
                got: b.len(),
            },
        })
    })
}

fn wallet_proof(json: &str) -> FfiResult<WalletProof> {
    let proof: ProofJson = parse_json(json, "wallet proof")?;
    Ok(match proof {
        ProofJson::EthereumPersonalSign {
            account: a,
            message,
            signature,
        } => EthereumProof::personal_sign(account(&a)?, message.into_bytes()?, &signature)?.into(),
        ProofJson::EthereumSiwe { message, signature } => {
            EthereumProof::siwe(&message, &signature)?.into()
        }
        ProofJson::Near {
            account: a,
            public_key,
            message,
            nonce_hex,
            recipient,
            callback_url,
            signature,
        } => {
            let payload =
                Nep413Payload::new(message, nonce32(&nonce_hex)?, recipient, callback_url);
            NearProof::new(account(&a)?, &public_key, payload, &signature)?.into()
        }
        ProofJson::Stellar {
            account: a,
            message,
            signature,
        } => StellarProof::new(account(&a)?, message.into_bytes()?, &signature)?.into(),
        ProofJson::SolanaMessage {
            account: a,
            message,
            signature,
        } => SolanaProof::message(account(&a)?, message.into_bytes()?, &signature)?.into(),
        ProofJson::SolanaSiws { message, signature } => {
            SolanaProof::sign_in(&message, &signature)?.into()
        }
        ProofJson::RawEd25519 {
            public_key,
            message,
            signature,
        } => RawKeyProof::ed25519_hex(&public_key, message.into_bytes()?, &signature)?.into(),
        ProofJson::RawSecp256k1 {
            public_key,
            message,
            signature,
        } => RawKeyProof::secp256k1_hex(&public_key, message.into_bytes()?, &signature)?.into(),
        ProofJson::Icp {
            account: a,
            public_key_der_hex,
            delegation_chain,
            message,
            signature_hex,
        } => {
            let signature = keytree::hex_decode(&signature_hex, "icp signature")?;
            match (public_key_der_hex, delegation_chain) {
                (Some(der), None) => IcpProof::new(
                    account(&a)?,
                    &keytree::hex_decode(&der, "icp public key")?,
                    message.into_bytes()?,
                    signature,
                )?,
                (None, Some(chain)) => IcpProof::from_delegation_json(
                    account(&a)?,
                    &chain.to_string(),
                    message.into_bytes()?,
                    signature,
                )?,
                _ => {
                    return Err(FfiError::new(
                        crate::error::KT_ERR_JSON,
                        "invalid wallet proof JSON: an icp proof needs exactly one of `public_key_der_hex` and `delegation_chain`",
                    ));
                }
            }
            .into()
        }
    })
}

/// What the server expects of a proof (all optional; a format that needs
/// one refuses the proof without it).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExpectJson {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    message_hex: Option<String>,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    nonce_hex: Option<String>,
    #[serde(default)]
    callback_url: Option<String>,
}

fn account_json(verified: &VerifiedAccount) -> String {
    to_json(&json!({
        "account": verified.account.to_string(),
        "chain": verified.chain.to_string(),
    }))
}

pub(crate) fn wallet_verify(proof: &str, expect: Option<&str>, now: u64) -> FfiResult<String> {
    let proof = wallet_proof(proof)?;
    let e: ExpectJson = match expect {
        Some(json) => parse_json(json, "wallet expectations")?,
        None => ExpectJson::default(),
    };
    let message = match (e.message, e.message_hex) {
        (Some(text), None) => Some(text.into_bytes()),
        (None, Some(hex)) => Some(keytree::hex_decode(
            hex.trim_start_matches("0x"),
            "message",
        )?),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(FfiError::new(
                crate::error::KT_ERR_JSON,
                "invalid wallet expectations JSON: `message` and `message_hex` both given",
            ));
        }
    };
    let nonce = match (e.nonce, e.nonce_hex) {
        (Some(text), None) => Some(text.into_bytes()),
        (None, Some(hex)) => Some(keytree::hex_decode(&hex, "nonce")?),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(FfiError::new(
                crate::error::KT_ERR_JSON,
                "invalid wallet expectations JSON: `nonce` and `nonce_hex` both given",
            ));
        }
    };
    let mut expect = Expectations::at(now);
    if let Some(m) = &message {
        expect = expect.message(m);
    }
    if let Some(d) = &e.domain {
        expect = expect.domain(d);
    }
    if let Some(n) = &nonce {
        expect = expect.nonce(n);
    }
    if let Some(c) = &e.callback_url {
        expect = expect.callback_url(c);
    }
    Ok(account_json(&WALLETS.verify(&proof, &expect)?))
}

// ---- login challenges ------------------------------------------------------

/// Drives a store future to completion on this thread. The memory store
/// never waits on anything, so it is ready at the first poll; a future that
/// pends (it would need a runtime) fails closed instead of blocking.
fn run_sync<F: Future>(future: F) -> FfiResult<F::Output> {
    let mut future = pin!(future);
    let mut cx = std::task::Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Ok(v),
        Poll::Pending => Err(FfiError::new(
            KT_ERR_STORE,
            "store unavailable: the memory store did not complete synchronously",
        )),
    }
}

pub(crate) fn challenge_issuer_new(
    domain: &str,
    key: &[u8],
) -> FfiResult<ChallengeIssuer<MemoryNonceStore>> {
    let key = seed32(key, "challenge key")?;
    let key = ChallengeKey::from_bytes(&key);
    Ok(ChallengeIssuer::new(domain, key, MemoryNonceStore::new())?)
}

pub(crate) fn challenge_issue(
    issuer: &ChallengeIssuer<MemoryNonceStore>,
    account_text: &str,
    now: u64,
) -> FfiResult<String> {
    let challenge = run_sync(issuer.issue(&account(account_text)?, now))??;
    let message = match challenge.message() {
        ChallengeMessage::Siwe(text) => json!({ "format": "siwe", "text": text }),
        ChallengeMessage::Siws(text) => json!({ "format": "siws", "text": text }),
        ChallengeMessage::Nep413(p) => json!({
            "format": "nep413",
            "text": p.message,
            "nonce_hex": keytree::hex_encode(&p.nonce),
            "recipient": p.recipient,
        }),
        ChallengeMessage::Sep53(text) => json!({ "format": "sep53", "text": text }),
        other => {
            // Raw keys and ICP sign the text inside their tagged login
            // wrapper; hand the client the exact bytes.
            let text = other.text();
            let signing_bytes = match challenge.account().chain() {
                Chain::RawEd25519 | Chain::RawSecp256k1 => {
                    Some(RawKeyProof::signing_bytes(text.as_bytes()))
                }
                Chain::Icp => Some(IcpProof::signing_bytes(text.as_bytes())),
                _ => None,
            };
            json!({
                "format": "text",
                "text": text,
                "signing_bytes_hex": signing_bytes.map(|b| keytree::hex_encode(&b)),
            })
        }
    };
    Ok(to_json(&json!({
        "nonce": challenge.nonce().to_string(),
        "account": challenge.account().to_string(),
        "domain": challenge.domain(),
        "issued_at": challenge.issued_at(),
        "expires_at": challenge.expires_at(),
        "message": message,
    })))
}

pub(crate) fn challenge_redeem(
    issuer: &ChallengeIssuer<MemoryNonceStore>,
    proof: &str,
    now: u64,
) -> FfiResult<String> {
    let proof = wallet_proof(proof)?;
    let verified = run_sync(issuer.redeem(&proof, now))??;
    Ok(account_json(&verified))
}
