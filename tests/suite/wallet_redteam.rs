//! Red-team tests for wallet-account members (issue 9): identity
//! confusion between account texts, authority after unlink / revoke, and
//! the codecs every account enters through. Each finding has its failing
//! test here; the attacks that held are pinned too, so they keep holding.

use keytree::{
    AccountId, Context, ContextError, ContextOp, Error, MemberId, MemoryRefreshStore, OpKind,
    RefreshRecord, RefreshStore, RefreshToken, TokenError, TokenIssuer, TokenRequest,
    TokenSigningKey,
};

use crate::common::{Fixture, block_on, perms};

const ISS: &str = "https://auth.test";
const AUD: &str = "api";
const ETH: &str = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const ETH_LOWER: &str = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
const SOL: &str =
    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv";
const NEAR: &str = "near:mainnet:alice.near";

fn acct(s: &str) -> AccountId {
    s.parse().unwrap()
}

fn add(f: &mut Fixture, account: &str, names: &[&str]) -> keytree::Result<()> {
    f.apply(OpKind::AddAccount {
        account: acct(account),
        permissions: perms(names),
        not_before: f.now - 10,
        expires_at: f.now + 86_400,
    })
}

fn issuer(seed: u8) -> TokenIssuer {
    TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&[seed; 32]))
}

/// Finding: a session started by logging in with a linked account kept
/// refreshing (for the refresh TTL, 30 days by default) after that account
/// was unlinked, or unlinked and linked to another member: the refresh
/// record named only the primary account. The record now keeps the
/// account the session logged in with, and refreshing re-resolves it.
#[test]
fn alias_session_ends_when_the_alias_is_unlinked_or_moves() {
    for relink in [false, true] {
        let mut f = Fixture::new(150);
        add(&mut f, ETH, &["blob"]).unwrap();
        add(&mut f, NEAR, &["blob"]).unwrap();
        f.apply(OpKind::LinkAccount {
            member: acct(ETH),
            account: acct(SOL),
        })
        .unwrap();
        let issuer = issuer(151);
        let store = MemoryRefreshStore::new();
        let now = f.now;
        let via_alias = block_on(issuer.issue(
            &f.ctx,
            &TokenRequest::for_account(acct(SOL), AUD),
            &store,
            now,
        ))
        .unwrap();
        let direct = block_on(issuer.issue(
            &f.ctx,
            &TokenRequest::for_account(acct(ETH), AUD),
            &store,
            now,
        ))
        .unwrap();
        // While linked, the alias session refreshes (and stays the primary's).
        let via_alias =
            block_on(issuer.refresh(&f.ctx, via_alias.refresh_token(), &store, now + 1)).unwrap();

        f.apply(OpKind::UnlinkAccount { account: acct(SOL) })
            .unwrap();
        if relink {
            f.apply(OpKind::LinkAccount {
                member: acct(NEAR),
                account: acct(SOL),
            })
            .unwrap();
        }
        let err = block_on(issuer.refresh(&f.ctx, via_alias.refresh_token(), &store, now + 2))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Context(ContextError::NotMember(_))
                    | Error::Token(TokenError::RefreshRevoked)
            ),
            "relink={relink}: {err}"
        );
        // The family is revoked: no retry brings it back.
        let err = block_on(issuer.refresh(&f.ctx, via_alias.refresh_token(), &store, now + 3))
            .unwrap_err();
        assert!(matches!(err, Error::Token(_)), "{err}");
        // The primary's own session is untouched by the unlink.
        block_on(issuer.refresh(&f.ctx, direct.refresh_token(), &store, now + 2)).unwrap();
    }
}

/// Finding: an access token and an API key obtained by logging in with a
/// linked account named only the primary (`sub`), so both kept validating
/// after the account was unlinked (or linked to another member): the API
/// key until its own expiry. Such tokens now carry the linked account as
/// `via`, API keys keep it, and `validate_for` requires it to be linked to
/// the `sub` member still.
#[test]
fn alias_access_tokens_and_api_keys_end_when_the_alias_is_unlinked() {
    use keytree::{ApiKeyIssuer, ApiKeyRequest, MemoryApiKeyStore};
    for relink in [false, true] {
        let mut f = Fixture::new(159);
        add(&mut f, ETH, &["blob"]).unwrap();
        add(&mut f, NEAR, &["blob"]).unwrap();
        f.apply(OpKind::LinkAccount {
            member: acct(ETH),
            account: acct(SOL),
        })
        .unwrap();
        let issuer = issuer(160);
        let validator = issuer.validator(AUD, f.now).build().unwrap();
        let now = f.now;
        let via_alias = issuer
            .mint(&f.ctx, &TokenRequest::for_account(acct(SOL), AUD), now)
            .unwrap();
        let direct = issuer
            .mint(&f.ctx, &TokenRequest::for_account(acct(ETH), AUD), now)
            .unwrap();
        let owner = validator.validate_for(&f.ctx, &via_alias, now).unwrap();
        assert_eq!(owner.claims().subject(), ETH);
        assert_eq!(owner.claims().via(), Some(&acct(SOL)));
        let keys = ApiKeyIssuer::new(ISS, &[161; 32]);
        let key_store = MemoryApiKeyStore::new();
        let (key, record) = block_on(keys.create(
            &owner,
            &ApiKeyRequest::new("ci", 30 * 86_400),
            &key_store,
            now,
        ))
        .unwrap();
        assert_eq!(record.via(), Some(&acct(SOL)));
        block_on(keys.validate_for(&f.ctx, key.as_str(), &key_store, now + 1)).unwrap();

        f.apply(OpKind::UnlinkAccount { account: acct(SOL) })
            .unwrap();
        if relink {
            f.apply(OpKind::LinkAccount {
                member: acct(NEAR),
                account: acct(SOL),
            })
            .unwrap();
        }
        let err = validator
            .validate_for(&f.ctx, &via_alias, now + 2)
            .unwrap_err();
        assert!(
            matches!(err, Error::Token(TokenError::ExecutorRevoked(ref a)) if a == SOL),
            "relink={relink}: {err}"
        );
        let err =
            block_on(keys.validate_for(&f.ctx, key.as_str(), &key_store, now + 2)).unwrap_err();
        assert!(
            matches!(err, Error::Token(TokenError::ExecutorRevoked(ref a)) if a == SOL),
            "relink={relink}: {err}"
        );
        // The primary's own token is untouched.
        validator.validate_for(&f.ctx, &direct, now + 2).unwrap();
    }
}

/// The record of an alias login names the primary as its member (so "log
/// out everywhere" of the member finds it) and the alias it came through;
/// a record whose `via` is its own account, or a `via` on a key record, is
/// refused as corrupt.
#[test]
fn alias_login_record_keeps_the_alias() {
    let mut f = Fixture::new(152);
    add(&mut f, ETH, &["blob"]).unwrap();
    f.apply(OpKind::LinkAccount {
        member: acct(ETH),
        account: acct(SOL),
    })
    .unwrap();
    let (client, _) = f.add_member(0, &["blob"]);
    let issuer = issuer(153);
    let store = MemoryRefreshStore::new();
    let record_of = |request: &TokenRequest| -> RefreshRecord {
        let pair = block_on(issuer.issue(&f.ctx, request, &store, f.now)).unwrap();
        let next = RefreshToken::generate(&mut rand::rng());
        block_on(store.consume(&pair.refresh_token().hash(), &next.hash(), f.now, 0)).unwrap()
    };
    let alias = record_of(&TokenRequest::for_account(acct(SOL), AUD));
    assert_eq!(alias.member(), &MemberId::Account(acct(ETH)));
    assert_eq!(alias.via(), Some(&acct(SOL)));
    let json = serde_json::to_value(&alias).unwrap();
    assert_eq!(json["v"], 2);
    assert_eq!(json["account"], ETH);
    assert_eq!(json["via"], SOL);
    assert_eq!(
        serde_json::from_value::<RefreshRecord>(json.clone()).unwrap(),
        alias
    );
    let direct = record_of(&TokenRequest::for_account(acct(ETH), AUD));
    assert_eq!(direct.via(), None);
    assert!(serde_json::to_value(&direct).unwrap().get("via").is_none());
    let mut own = json.clone();
    own["via"] = ETH.into();
    assert!(serde_json::from_value::<RefreshRecord>(own).is_err());
    let mut lower = json;
    lower["via"] = "eip155:137:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359".into();
    assert!(serde_json::from_value::<RefreshRecord>(lower).is_err());
    let mut key =
        serde_json::to_value(record_of(&TokenRequest::new(client.public_key(), AUD))).unwrap();
    key["via"] = SOL.into();
    assert!(serde_json::from_value::<RefreshRecord>(key).is_err());
}

/// `RevokeKey` of a key leaves no account form of that key live: its
/// `rawkey:ed25519` account (main's rule) and, with the key identity rule
/// below, its Solana (or Stellar, NEAR implicit) account too, as a member
/// or as a linked account of one.
#[test]
fn revoke_key_leaves_no_live_account_of_the_key() {
    let mut f = Fixture::new(154);
    let key = f.root.derive_client_key(&f.id(), 7).public_key();
    let raw = AccountId::raw_ed25519(&key);
    add(&mut f, &raw.to_string(), &["blob"]).unwrap();
    f.apply(OpKind::RevokeKey { key }).unwrap();
    assert!(!f.ctx.is_account_member(&raw, f.now));
    assert!(f.ctx.is_account_revoked(&raw));
    // As the Solana account of a member's linked wallet.
    add(&mut f, ETH, &["blob"]).unwrap();
    let key2 = f.root.derive_client_key(&f.id(), 8).public_key();
    let sol2 = acct(&format!(
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{}",
        keytree::base58_encode(key2.as_bytes())
    ));
    f.apply(OpKind::LinkAccount {
        member: acct(ETH),
        account: sol2.clone(),
    })
    .unwrap();
    f.apply(OpKind::RevokeKey { key: key2 }).unwrap();
    assert!(f.ctx.is_account_revoked(&sol2));
    assert!(!f.ctx.is_account_member(&acct(ETH), f.now));
    // Replay agrees.
    let again = Context::import(&f.ctx.export_log()).unwrap();
    assert_eq!(again.state_hash(), f.ctx.state_hash());
}

/// Finding: a key member's token could carry as `sub` (set by
/// `TokenRequest::subject`) the CAIP-10 text of a wallet member, even a
/// revoked one, in any spelling: the same `sub` as that member's own
/// tokens, held by someone else. Minting now refuses a subject naming an
/// account this context knows as a wallet member (live, linked or revoked);
/// other subjects (an account that is no member here) still work.
#[test]
fn key_token_subject_cannot_name_a_wallet_member() {
    let mut f = Fixture::new(155);
    let (client, _) = f.add_member(0, &["blob"]);
    add(&mut f, ETH, &["blob"]).unwrap();
    add(&mut f, NEAR, &["blob"]).unwrap();
    f.apply(OpKind::LinkAccount {
        member: acct(ETH),
        account: acct(SOL),
    })
    .unwrap();
    f.apply(OpKind::RevokeAccount {
        account: acct(NEAR),
    })
    .unwrap();
    let issuer = issuer(156);
    for sub in [ETH, ETH_LOWER, SOL, NEAR] {
        let request = TokenRequest::new(client.public_key(), AUD).subject(sub);
        let err = issuer.mint(&f.ctx, &request, f.now).unwrap_err();
        assert!(
            matches!(err, Error::Token(TokenError::InvalidRequest(_))),
            "{sub}: {err}"
        );
    }
    // Not a member here: the legacy "key per wallet" subject still works.
    let other = "eip155:1:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
    let token = issuer
        .mint(
            &f.ctx,
            &TokenRequest::new(client.public_key(), AUD).subject(other),
            f.now,
        )
        .unwrap();
    let validator = issuer.validator(AUD, f.now).build().unwrap();
    let valid = validator.validate_for(&f.ctx, &token, f.now).unwrap();
    assert_eq!(valid.claims().subject(), other);
    assert_eq!(valid.member().unwrap(), MemberId::Key(client.public_key()));
}

/// Held: every text form of one account is one `AccountId`, printed one
/// way; the op codecs (JSON and the stored binary form) accept only that
/// one text, so no spelling enters the log as a "new" account.
#[test]
fn one_account_one_text_in_every_codec() {
    // Parsing canonicalises or refuses.
    assert_eq!(acct(ETH_LOWER), acct(ETH));
    assert_eq!(
        acct("eip155:1:0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"),
        acct(ETH)
    );
    for bad in [
        "eip155:01:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "eip155:0:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "eip155:1:0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        "EIP155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "near:mainnet:Alice.near",
        "near:Mainnet:alice.near",
        // Solana: a leading zero digit or another case is another key or none.
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:17S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv",
        // Stellar: muxed M… and lowercase strkeys are not accounts.
        "stellar:pubnet:MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ",
        "stellar:pubnet:gbxfxndlv4lswa4vb7yil5gbd7bvnr22sgbtdkmo2sbzzhdxskzycp7l",
        "icp:mainnet:2VXSX-FAE",
        "icp:mainnet:2vxsxfae",
        "rawkey:ed25519:3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29",
        "rawkey:Ed25519:3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
        // Hash-tag and separator characters never reach a Redis key.
        "eip155:1:{0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed}",
        "foo:bar:a{b}c",
        "foo:bar:a:b",
        "foo:b{a}r:ab",
        // A built-in or reserved namespace cannot hide as a custom chain.
        "ed25519:x:abc",
        "did:key:abc",
    ] {
        assert!(bad.parse::<AccountId>().is_err(), "{bad} parsed");
    }
    // JSON and binary op codecs accept only the canonical text.
    let mut f = Fixture::new(157);
    let op = f
        .ctx
        .propose(
            OpKind::AddAccount {
                account: acct(ETH),
                permissions: perms(&["blob"]),
                not_before: f.now,
                expires_at: f.now + 100,
            },
            f.now,
        )
        .sign(&f.root);
    let json = serde_json::to_string(&op).unwrap();
    assert!(serde_json::from_str::<ContextOp>(&json.replace(ETH, ETH_LOWER)).is_err());
    let bytes = op.to_bytes();
    let at = bytes
        .windows(ETH.len())
        .position(|w| w == ETH.as_bytes())
        .unwrap();
    let mut lower = bytes.clone();
    lower[at..at + ETH.len()].copy_from_slice(ETH_LOWER.as_bytes());
    assert!(ContextOp::from_bytes(&lower).is_err());
    // Duplicated or unknown members, a duplicated tag: refused.
    for bad in [
        json.replace(
            "\"type\":\"add_account\"",
            "\"type\":\"add_account\",\"type\":\"add_account\"",
        ),
        json.replace(
            "\"type\":\"add_account\"",
            &format!("\"type\":\"add_account\",\"account\":\"{ETH}\""),
        ),
        json.replace(
            "\"type\":\"add_account\"",
            "\"type\":\"add_account\",\"v\":2",
        ),
    ] {
        assert!(serde_json::from_str::<ContextOp>(&bad).is_err(), "{bad}");
    }
    f.ctx.apply(op).unwrap();
    // A second AddAccount in another spelling is the same account: refused.
    assert!(matches!(
        add(&mut f, ETH_LOWER, &["blob"]),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    // Extra bytes after a valid stored op, and every truncation: refused.
    let last = f.ctx.ops().last().unwrap().to_bytes();
    let mut extra = last.clone();
    extra.push(0);
    assert!(ContextOp::from_bytes(&extra).is_err());
    for cut in 0..last.len() {
        assert!(ContextOp::from_bytes(&last[..cut]).is_err(), "cut {cut}");
    }
}

/// Held: link chains, links to revoked members, revocation through an
/// alias and re-entry of revoked accounts.
#[test]
fn link_rules_hold() {
    let mut f = Fixture::new(158);
    add(&mut f, ETH, &["blob"]).unwrap();
    add(&mut f, NEAR, &["blob"]).unwrap();
    f.apply(OpKind::LinkAccount {
        member: acct(ETH),
        account: acct(SOL),
    })
    .unwrap();
    let xlm = "stellar:pubnet:GBXFXNDLV4LSWA4VB7YIL5GBD7BVNR22SGBTDKMO2SBZZHDXSKZYCP7L";
    // An alias of an alias, and a member linked under another: refused.
    assert!(
        f.apply(OpKind::LinkAccount {
            member: acct(SOL),
            account: acct(xlm),
        })
        .is_err()
    );
    assert!(
        f.apply(OpKind::LinkAccount {
            member: acct(ETH),
            account: acct(NEAR),
        })
        .is_err()
    );
    // Revoked through the alias: the whole member, for good.
    f.apply(OpKind::RevokeAccount { account: acct(SOL) })
        .unwrap();
    for a in [ETH, SOL, ETH_LOWER] {
        assert!(!f.ctx.is_account_member(&acct(a), f.now));
        assert!(add(&mut f, a, &["blob"]).is_err());
        assert!(
            f.apply(OpKind::LinkAccount {
                member: acct(NEAR),
                account: acct(a),
            })
            .is_err()
        );
    }
    // Linking to a revoked member is refused.
    assert!(
        f.apply(OpKind::LinkAccount {
            member: acct(ETH),
            account: acct(xlm),
        })
        .is_err()
    );
    // Replay gives the same state.
    let again = Context::import(&f.ctx.export_log()).unwrap();
    assert_eq!(again.state_hash(), f.ctx.state_hash());
}

/// Writes the seeds of the `context_op_bytes` fuzz target: the stored
/// binary form of every op of the committed JSON seeds (the wallet-member
/// log included), and spoiled copies (another spelling of an account,
/// truncated, one byte too many, an unknown kind). Run by hand when the
/// formats change:
/// `cargo test --all-features --test lib write_context_op_bytes_seeds -- --ignored`.
#[test]
#[ignore = "writes files; run by hand to regenerate seeds"]
fn write_context_op_bytes_seeds() {
    use std::path::Path;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let out = root.join("context_op_bytes");
    std::fs::create_dir_all(&out).unwrap();
    let log: keytree::ContextLog = serde_json::from_slice(
        &std::fs::read(root.join("context_log_json/wallet_members")).unwrap(),
    )
    .unwrap();
    let mut ops = log.ops;
    for entry in std::fs::read_dir(root.join("context_op_json")).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        if let Ok(op) = serde_json::from_slice::<ContextOp>(&data) {
            ops.push(op);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for op in &ops {
        let bytes = op.to_bytes();
        if !seen.insert(bytes.clone()) {
            continue;
        }
        let kind = serde_json::to_value(op).unwrap()["op"]["type"]
            .as_str()
            .unwrap()
            .to_owned();
        let name = format!("seq{}-{kind}", op.seq());
        std::fs::write(out.join(&name), &bytes).unwrap();
        if let OpKind::AddAccount { account, .. } = op.kind() {
            let text = account.to_string();
            let lower = text.to_lowercase();
            if lower != text
                && let Some(at) = bytes.windows(text.len()).position(|w| w == text.as_bytes())
            {
                let mut spoiled = bytes.clone();
                spoiled[at..at + text.len()].copy_from_slice(lower.as_bytes());
                std::fs::write(out.join(format!("{name}-lowercase")), spoiled).unwrap();
            }
        }
    }
    let any = ops.last().unwrap().to_bytes();
    std::fs::write(out.join("truncated"), &any[..any.len() / 2]).unwrap();
    let mut extra = any.clone();
    extra.push(0);
    std::fs::write(out.join("trailing_byte"), extra).unwrap();
    std::fs::write(out.join("empty"), b"").unwrap();
}

/// The `via` claim decodes only on an account token, as another canonical
/// account than `sub`, never `null`; an alias login's token round-trips it.
#[test]
fn via_claim_decoding_is_strict() {
    use keytree::UnverifiedToken;
    let mut f = Fixture::new(162);
    add(&mut f, ETH, &["blob"]).unwrap();
    f.apply(OpKind::LinkAccount {
        member: acct(ETH),
        account: acct(SOL),
    })
    .unwrap();
    let (client, _) = f.add_member(0, &["blob"]);
    let issuer = issuer(163);
    let token = issuer
        .mint(&f.ctx, &TokenRequest::for_account(acct(SOL), AUD), f.now)
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let payload = keytree::base64url_decode(parts[1], "payload").unwrap();
    let text = String::from_utf8(payload).unwrap();
    assert!(
        text.starts_with(&format!(
            r#"{{"iss":"{ISS}","sub":"{ETH}","via":"{SOL}","aud""#
        )),
        "{text}"
    );
    let with = |claims: &str| {
        format!(
            "{}.{}.{}",
            parts[0],
            keytree::base64url_encode(claims.as_bytes()),
            parts[2]
        )
    };
    let decoded = UnverifiedToken::decode(&with(&text)).unwrap();
    assert_eq!(decoded.claims().via(), Some(&acct(SOL)));
    let key_text = client.public_key().to_string();
    for bad in [
        text.replace(&format!(r#""via":"{SOL}""#), r#""via":null"#),
        text.replace(&format!(r#""via":"{SOL}""#), &format!(r#""via":"{ETH}""#)),
        text.replace(
            &format!(r#""via":"{SOL}""#),
            &format!(r#""via":"{ETH_LOWER}""#),
        ),
        text.replace(
            &format!(r#""via":"{SOL}""#),
            &format!(r#""via":"{SOL}","via":"{SOL}""#),
        ),
        // A key member's token with `via`.
        text.replace(
            r#""permissions""#,
            &format!(r#""executor_public_key":"{key_text}","permissions""#),
        ),
    ] {
        assert!(UnverifiedToken::decode(&with(&bad)).is_err(), "{bad}");
    }
    // A context view that does not know links refuses a `via` token.
    struct NoLinks<'a>(&'a Context);
    impl keytree::RevocationView for NoLinks<'_> {
        fn context_id(&self) -> &keytree::ContextId {
            self.0.id()
        }
        fn is_key_revoked(&self, key: &keytree::PublicKey) -> bool {
            keytree::RevocationView::is_key_revoked(self.0, key)
        }
        fn is_delegation_revoked(&self, id: &keytree::DelegationId) -> bool {
            keytree::RevocationView::is_delegation_revoked(self.0, id)
        }
        fn live_permissions_cover(
            &self,
            key: &keytree::PublicKey,
            p: &keytree::Permission,
        ) -> bool {
            keytree::RevocationView::live_permissions_cover(self.0, key, p)
        }
        fn member_window(&self, key: &keytree::PublicKey) -> Option<(u64, u64)> {
            keytree::RevocationView::member_window(self.0, key)
        }
        fn account_window(&self, account: &AccountId) -> Option<(u64, u64)> {
            keytree::RevocationView::account_window(self.0, account)
        }
        fn account_permissions_cover(&self, account: &AccountId, p: &keytree::Permission) -> bool {
            keytree::RevocationView::account_permissions_cover(self.0, account, p)
        }
    }
    let validator = issuer.validator(AUD, f.now).build().unwrap();
    validator.validate_for(&f.ctx, &token, f.now).unwrap();
    assert!(
        validator
            .validate_for(&NoLinks(&f.ctx), &token, f.now)
            .is_err()
    );
}

/// Finding: revocation was permanent for one account *text*, not for the
/// key behind it. A revoked Ethereum account came back as the same address
/// on another chain id (EIP-191 signatures are not bound to a chain, so
/// the same key logs in as either), or as the raw secp256k1 key of that
/// address; a revoked Solana account came back with another network
/// reference, as the Stellar or NEAR implicit account of the same Ed25519
/// key, or as a key member; a revoked key member came back as the Solana
/// account of its key. A gateway that adds wallet members on first login
/// let a banned wallet straight back in. Now every account whose address
/// is a key (or an Ethereum address) is refused once that key or address is
/// revoked in any form, and an Ed25519 key holds one membership whatever
/// form names it.
#[test]
fn revoked_key_cannot_come_back_in_another_account_form() {
    // Secret key 1: address 0x7E5F…5Bdf, compressed key 0279be…1798.
    const EVM1: &str = "eip155:1:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    const EVM137: &str = "eip155:137:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    const SECP: &str =
        "rawkey:secp256k1:0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    const DEVNET: &str = "EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
    let mut f = Fixture::new(164);
    add(&mut f, EVM1, &["blob"]).unwrap();
    f.apply(OpKind::RevokeAccount {
        account: acct(EVM1),
    })
    .unwrap();
    add(&mut f, NEAR, &["blob"]).unwrap();
    for again in [EVM137, SECP] {
        let err = add(&mut f, again, &["blob"]).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::Revoked(_))),
            "{again}: {err}"
        );
        assert!(
            f.apply(OpKind::LinkAccount {
                member: acct(NEAR),
                account: acct(again),
            })
            .is_err(),
            "{again} linked"
        );
    }

    // One Ed25519 key, named as Solana (two networks), Stellar, NEAR
    // implicit, raw key, and as a key member.
    let client = f.root.derive_client_key(&f.id(), 3);
    let key = client.public_key();
    let b58 = keytree::base58_encode(key.as_bytes());
    let hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let sol = format!("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{b58}");
    let forms = [
        format!("solana:{DEVNET}:{b58}"),
        format!("near:mainnet:{hex}"),
        format!("rawkey:ed25519:{hex}"),
    ];
    add(&mut f, &sol, &["blob"]).unwrap();
    // Live: a second form is a second membership of the key: refused.
    for form in &forms {
        assert!(add(&mut f, form, &["blob"]).is_err(), "{form} added");
    }
    let d = keytree::Delegation::builder(key, f.id(), perms(&["blob"]))
        .valid_for(f.now - 10, 86_400)
        .sign_as_root(&f.root)
        .unwrap();
    assert!(
        f.apply(OpKind::AddMember {
            chain: vec![d.clone()]
        })
        .is_err()
    );
    assert!(f.apply(OpKind::AddAdmin { key }).is_err());
    // Revoked: no form comes back.
    f.apply(OpKind::RevokeAccount {
        account: acct(&sol),
    })
    .unwrap();
    for form in &forms {
        let err = add(&mut f, form, &["blob"]).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::Revoked(_))),
            "{form}: {err}"
        );
    }
    assert!(f.apply(OpKind::AddMember { chain: vec![d] }).is_err());
    assert!(f.apply(OpKind::AddAdmin { key }).is_err());

    // A revoked (or live) key member's key does not come back as an account.
    let (member, _) = f.add_member(4, &["blob"]);
    let member_sol = format!(
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{}",
        keytree::base58_encode(member.public_key().as_bytes())
    );
    assert!(add(&mut f, &member_sol, &["blob"]).is_err());
    f.apply(OpKind::RevokeKey {
        key: member.public_key(),
    })
    .unwrap();
    let err = add(&mut f, &member_sol, &["blob"]).unwrap_err();
    assert!(
        matches!(err, Error::Context(ContextError::Revoked(_))),
        "{err}"
    );
    // Replay reaches the same state.
    let again = Context::import(&f.ctx.export_log()).unwrap();
    assert_eq!(again.state_hash(), f.ctx.state_hash());
}

/// The Stellar form of the same key (strkey), with the `stellar` feature.
#[cfg(feature = "stellar")]
#[test]
fn revoked_key_cannot_come_back_as_stellar() {
    let mut f = Fixture::new(165);
    let key = f.root.derive_client_key(&f.id(), 3).public_key();
    let sol = format!(
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{}",
        keytree::base58_encode(key.as_bytes())
    );
    let xlm = format!(
        "stellar:pubnet:{}",
        &*keytree::Strkey::Account(key.to_bytes()).encode()
    );
    add(&mut f, &sol, &["blob"]).unwrap();
    assert!(add(&mut f, &xlm, &["blob"]).is_err());
    f.apply(OpKind::RevokeAccount {
        account: acct(&sol),
    })
    .unwrap();
    let err = add(&mut f, &xlm, &["blob"]).unwrap_err();
    assert!(
        matches!(err, Error::Context(ContextError::Revoked(_))),
        "{err}"
    );
}

/// Another form of a member's own key may be linked to it (the same wallet
/// on another chain id); unlinked, it is still that member's key, so it
/// cannot become a member of its own, and once the member is revoked, no
/// form comes back. Replay agrees.
#[test]
fn another_form_of_a_members_key_links_to_that_member_only() {
    const A1: &str = "eip155:1:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    const A137: &str = "eip155:137:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    const A10: &str = "eip155:10:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    let mut f = Fixture::new(166);
    add(&mut f, A1, &["blob"]).unwrap();
    add(&mut f, NEAR, &["blob"]).unwrap();
    assert!(
        f.apply(OpKind::LinkAccount {
            member: acct(NEAR),
            account: acct(A137),
        })
        .is_err()
    );
    f.apply(OpKind::LinkAccount {
        member: acct(A1),
        account: acct(A137),
    })
    .unwrap();
    f.apply(OpKind::UnlinkAccount {
        account: acct(A137),
    })
    .unwrap();
    assert!(matches!(
        add(&mut f, A137, &["blob"]),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    f.apply(OpKind::LinkAccount {
        member: acct(A1),
        account: acct(A10),
    })
    .unwrap();
    f.apply(OpKind::RevokeAccount { account: acct(A10) })
        .unwrap();
    for form in [A1, A10, A137] {
        assert!(matches!(
            add(&mut f, form, &["blob"]),
            Err(Error::Context(ContextError::Revoked(_)))
        ));
    }
    let again = Context::import(&f.ctx.export_log()).unwrap();
    assert_eq!(again.state_hash(), f.ctx.state_hash());
}

/// An Ed25519 key's ICP form: its self-authenticating principal (an ICP
/// Ed25519 identity of the same key). Revoked as a Solana account, the key
/// does not come back as that principal; revoked as the principal, it does
/// not come back as a Solana account.
#[cfg(feature = "icp")]
#[test]
fn revoked_key_cannot_come_back_as_its_icp_principal() {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    let mut f = Fixture::new(167);
    for (i, first_solana) in [(9u32, true), (10, false)] {
        let key = f.root.derive_client_key(&f.id(), i).public_key();
        der.truncate(12);
        der.extend_from_slice(key.as_bytes());
        let icp = format!(
            "icp:mainnet:{}",
            keytree::Principal::self_authenticating(&der).to_text()
        );
        let sol = format!(
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{}",
            keytree::base58_encode(key.as_bytes())
        );
        let (first, second) = if first_solana { (sol, icp) } else { (icp, sol) };
        add(&mut f, &first, &["blob"]).unwrap();
        assert!(matches!(
            add(&mut f, &second, &["blob"]),
            Err(Error::Context(ContextError::AlreadyMember(_)))
        ));
        f.apply(OpKind::RevokeAccount {
            account: acct(&first),
        })
        .unwrap();
        let err = add(&mut f, &second, &["blob"]).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::Revoked(_))),
            "{second}: {err}"
        );
    }
    // RevokeKey reaches a member that holds the key only as its principal.
    let key = f.root.derive_client_key(&f.id(), 11).public_key();
    der.truncate(12);
    der.extend_from_slice(key.as_bytes());
    let icp = acct(&format!(
        "icp:mainnet:{}",
        keytree::Principal::self_authenticating(&der).to_text()
    ));
    f.apply(OpKind::AddAccount {
        account: icp.clone(),
        permissions: perms(&["blob"]),
        not_before: f.now - 10,
        expires_at: f.now + 86_400,
    })
    .unwrap();
    f.apply(OpKind::RevokeKey { key }).unwrap();
    assert!(f.ctx.is_account_revoked(&icp));
    let again = Context::import(&f.ctx.export_log()).unwrap();
    assert_eq!(again.state_hash(), f.ctx.state_hash());
}

/// `Context::key_holder` names the member that holds an account's key in
/// another form (what a server links instead of a refused `AddAccount`),
/// and nothing for an unrelated account.
#[test]
fn key_holder_names_the_member_of_another_form_of_its_key() {
    const A1: &str = "eip155:1:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    const A137: &str = "eip155:137:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    let mut f = Fixture::new(167);
    add(&mut f, A1, &["blob"]).unwrap();
    assert_eq!(f.ctx.key_holder(&acct(A137)), Some(&acct(A1)));
    assert_eq!(f.ctx.key_holder(&acct(A1)), Some(&acct(A1)));
    assert_eq!(f.ctx.key_holder(&acct(NEAR)), None);
    assert_eq!(f.ctx.primary_account(&acct(A137)), None);
    f.apply(OpKind::LinkAccount {
        member: acct(A1),
        account: acct(A137),
    })
    .unwrap();
    assert_eq!(f.ctx.primary_account(&acct(A137)), Some(&acct(A1)));
}
