//! Builds every worked example of FORMATS.md from fixed seeds with keytree
//! itself, and checks that the examples in the file are exactly these, so the
//! spec cannot drift from the code.
//!
//! After an intended format change, rewrite the examples with
//! `KEYTREE_BLESS_FORMATS=1 cargo test --all-features --lib formats`.
//!
//! The field-by-field dumps split keytree's *real* output by the widths the
//! spec documents: if the layout moves, the split (and the test) breaks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;

use crate::client_key::ClientKey;
use crate::context::{Context, OpKind};
use crate::delegation::Delegation;
use crate::encoding::{base64url_encode, hex_encode};
use crate::id::ContextId;
use crate::permission::Permissions;
use crate::root::RootKey;
use crate::token::{TokenIssuer, TokenRequest, TokenSigningKey, jwk_thumbprint};
use crate::wallet::AccountId;

/// Splits real bytes into documented fields, one line each.
struct Dump<'a> {
    bytes: &'a [u8],
    pos: usize,
    out: String,
}

impl<'a> Dump<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            out: String::new(),
        }
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let chunk = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        chunk
    }

    fn line(&mut self, label: &str, hex: &str, note: &str) {
        let _ = write!(self.out, "{label:<22} {hex}");
        if !note.is_empty() {
            let _ = write!(self.out, "  {note}");
        }
        self.out.push('\n');
    }

    /// A fixed-width integer (or flag) of `n` bytes.
    fn int(&mut self, label: &str, n: usize) -> &mut Self {
        let chunk = self.take(n);
        let mut v: u128 = 0;
        for b in chunk {
            v = (v << 8) | u128::from(*b);
        }
        let hex = hex_encode(chunk);
        self.line(label, &hex, &format!("= {v}"));
        self
    }

    fn prefixed_raw(&mut self) -> (&'a [u8], &'a [u8]) {
        let len_bytes = self.take(4);
        let len = u32::from_be_bytes(len_bytes.try_into().unwrap()) as usize;
        (len_bytes, self.take(len))
    }

    /// A u32-length-prefixed byte string.
    fn bytes(&mut self, label: &str) -> &mut Self {
        let (len, value) = self.prefixed_raw();
        let hex = format!("{} {}", hex_encode(len), hex_encode(value));
        self.line(label, &hex, "");
        self
    }

    /// A u32-length-prefixed UTF-8 string, shown as text too.
    fn text(&mut self, label: &str) -> &mut Self {
        let (len, value) = self.prefixed_raw();
        let hex = format!("{} {}", hex_encode(len), hex_encode(value));
        let note = format!("= {:?}", std::str::from_utf8(value).unwrap());
        self.line(label, &hex, &note);
        self
    }

    fn finish(&mut self) -> String {
        assert_eq!(self.pos, self.bytes.len(), "undocumented trailing bytes");
        std::mem::take(&mut self.out)
    }
}

/// The fixed inputs every example shares.
struct Fixture {
    root: RootKey,
    context: ContextId,
    client: ClientKey,
    admin: RootKey,
    second_admin: RootKey,
    sub: ClientKey,
}

const T0: u64 = 1_700_000_000;

fn fixture() -> Fixture {
    let root = RootKey::from_bytes(&[0x01; 32]);
    let context = ContextId::from_bytes([0x02; 32]);
    let client = root.derive_client_key(&context, 0);
    Fixture {
        root,
        context,
        client,
        admin: RootKey::from_bytes(&[0x04; 32]),
        second_admin: RootKey::from_bytes(&[0x05; 32]),
        sub: ClientKey::from_bytes(&[0x03; 32]),
    }
}

fn serial() -> [u8; 16] {
    core::array::from_fn(|i| i as u8)
}

fn root_delegation(f: &Fixture) -> Delegation {
    Delegation::builder(
        f.client.public_key(),
        f.context,
        Permissions::parse(["blob", "context:execute"]).unwrap(),
    )
    .valid_between(T0, T0 + 86_400)
    .serial(serial())
    .sign_as_root(&f.root)
    .unwrap()
}

fn child_delegation(f: &Fixture, parent: &Delegation) -> Delegation {
    Delegation::builder(
        f.sub.public_key(),
        f.context,
        Permissions::parse(["blob:read"]).unwrap(),
    )
    .valid_between(T0 + 60, T0 + 3_600)
    .serial([0xff; 16])
    .child_of(parent)
    .sign_as_client(&f.client)
    .unwrap()
}

fn dump_delegation_body(d: &mut Dump<'_>) {
    d.text("domain tag").int("version (u8)", 1);
    let issuer_kind = d.bytes[d.pos];
    d.int("issuer kind (u8)", 1);
    if issuer_kind == 1 {
        d.bytes("issuer key");
    } else {
        d.text("issuer account");
    }
    d.bytes("subject key").bytes("context id");
    let count = u32::from_be_bytes(d.bytes[d.pos..d.pos + 4].try_into().unwrap());
    d.int("permission count", 4);
    for _ in 0..count {
        d.text("permission");
    }
    d.int("not_before (u64)", 8)
        .int("expires_at (u64)", 8)
        .bytes("serial");
    let has_parent = d.bytes[d.pos] == 1;
    d.int("parent present (u8)", 1);
    if has_parent {
        d.bytes("parent id");
    }
}

fn delegation_example(label: &str, dl: &Delegation) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {label}: signed bytes, field by field");
    let signed = dl.signed_bytes().to_vec();
    let mut d = Dump::new(&signed);
    dump_delegation_body(&mut d);
    s.push_str(&d.finish());
    let _ = writeln!(s, "\nsigned bytes (hex)     {}", hex_encode(&signed));
    let _ = writeln!(
        s,
        "id = BLAKE3(signed)    {}",
        hex_encode(dl.id().as_bytes())
    );
    let _ = writeln!(s, "id (base58)            {}", dl.id());
    let _ = writeln!(
        s,
        "signature (hex)        {}",
        hex_encode(dl.signature_bytes())
    );
    let _ = writeln!(s, "binary form (hex)      {}", hex_encode(&dl.to_bytes()));
    let _ = write!(
        s,
        "JSON                   {}",
        serde_json::to_string(dl).unwrap()
    );
    s
}

fn ex_derivation(f: &Fixture) -> String {
    let mut info = f.context.as_bytes().to_vec();
    info.extend_from_slice(&0u32.to_be_bytes());
    let mut s = String::new();
    let _ = writeln!(
        s,
        "root seed (ikm)        {}",
        hex_encode(&*f.root.to_bytes())
    );
    let _ = writeln!(
        s,
        "salt                   {}  = \"keytree/v1/client-key\"",
        hex_encode(crate::client_key::CLIENT_KEY_SALT)
    );
    let _ = writeln!(
        s,
        "context id             {}",
        hex_encode(f.context.as_bytes())
    );
    let _ = writeln!(s, "index (u32)            00000000  = 0");
    let _ = writeln!(s, "info = id ‖ index      {}", hex_encode(&info));
    let _ = writeln!(
        s,
        "client seed (OKM, 32)  {}",
        hex_encode(&*f.client.to_bytes())
    );
    let _ = writeln!(
        s,
        "client public key      {}",
        hex_encode(f.client.public_key().as_bytes())
    );
    let c1 = f.root.derive_client_key(&f.context, 1);
    let _ = write!(s, "index 1: client seed   {}", hex_encode(&*c1.to_bytes()));
    s
}

fn ex_key_texts(f: &Fixture) -> String {
    let key = f.root.public_key();
    let mut multicodec = vec![0xed, 0x01];
    multicodec.extend_from_slice(key.as_bytes());
    let mut s = String::new();
    let _ = writeln!(
        s,
        "root seed              {}",
        hex_encode(&*f.root.to_bytes())
    );
    let _ = writeln!(s, "public key (32)        {}", hex_encode(key.as_bytes()));
    let _ = writeln!(s, "ed25519 text           {key}");
    let _ = writeln!(s, "0xed01 ‖ key           {}", hex_encode(&multicodec));
    let _ = writeln!(s, "did:key text           {}", key.to_did_key());
    let _ = writeln!(
        s,
        "context id (32)        {}",
        hex_encode(f.context.as_bytes())
    );
    let _ = write!(s, "context id text        {}", f.context);
    s
}

/// Builds the example context: genesis, then one op of every kind.
fn example_context(f: &Fixture) -> (Context, Vec<String>, Context) {
    let root_link = root_delegation(f);
    let child = child_delegation(f, &root_link);
    let mut ctx = Context::builder(f.context)
        .admin(f.admin.public_key())
        .threshold(1)
        .max_chain_depth(4)
        .create(&f.root, T0)
        .unwrap();
    let mut names = vec!["op-genesis".to_owned()];
    let add = ctx
        .propose(
            OpKind::AddMember {
                chain: vec![root_link],
            },
            T0 + 10,
        )
        .sign(&f.root);
    ctx.apply(add).unwrap();
    names.push("op-add-member".into());
    let set = ctx
        .propose(
            OpKind::SetPermissions {
                member: f.client.public_key(),
                permissions: Permissions::parse(["context:execute"]).unwrap(),
            },
            T0 + 20,
        )
        .sign(&f.admin);
    ctx.apply(set).unwrap();
    names.push("op-set-permissions".into());
    let snapshot = ctx.clone();
    // Signed by both admins: more than the threshold, in key order.
    let add_admin = ctx
        .propose(
            OpKind::AddAdmin {
                key: f.second_admin.public_key(),
            },
            T0 + 30,
        )
        .sign(&f.root)
        .sign(&f.admin);
    ctx.apply(add_admin).unwrap();
    names.push("op-add-admin".into());
    let remove_admin = ctx
        .propose(
            OpKind::RemoveAdmin {
                key: f.second_admin.public_key(),
            },
            T0 + 40,
        )
        .sign(&f.root);
    ctx.apply(remove_admin).unwrap();
    names.push("op-remove-admin".into());
    let revoke_delegation = ctx
        .propose(OpKind::RevokeDelegation { id: child.id() }, T0 + 50)
        .sign(&f.root);
    ctx.apply(revoke_delegation).unwrap();
    names.push("op-revoke-delegation".into());
    let revoke_key = ctx
        .propose(
            OpKind::RevokeKey {
                key: f.client.public_key(),
            },
            T0 + 60,
        )
        .sign(&f.root);
    ctx.apply(revoke_key).unwrap();
    names.push("op-revoke-key".into());
    (ctx, names, snapshot)
}

/// The accounts of the wallet-member examples (CAIP-10, canonical).
const EXAMPLE_ACCOUNTS: [&str; 4] = [
    "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "near:mainnet:alice.near",
    "stellar:pubnet:GBXFXNDLV4LSWA4VB7YIL5GBD7BVNR22SGBTDKMO2SBZZHDXSKZYCP7L",
    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv",
];

/// Continues the example log (after `op-revoke-key`) with the wallet-member
/// ops 7–11: returns the context and the example name of each op printed
/// (by sequence number).
fn account_context(f: &Fixture, ctx: &Context) -> (Context, Vec<(String, u64)>) {
    let [eth, near, xlm, sol] = EXAMPLE_ACCOUNTS.map(|a| a.parse::<AccountId>().unwrap());
    let mut ctx = ctx.clone();
    let mut names = Vec::new();
    let plan = [
        (
            OpKind::AddAccount {
                account: eth.clone(),
                permissions: Permissions::parse(["blob", "context:execute"]).unwrap(),
                not_before: T0,
                expires_at: T0 + 86_400,
            },
            Some("op-add-account"),
        ),
        (
            OpKind::LinkAccount {
                member: eth.clone(),
                account: near.clone(),
            },
            Some("op-link-account"),
        ),
        (
            OpKind::SetAccountPermissions {
                account: eth,
                permissions: Permissions::parse(["context:execute"]).unwrap(),
            },
            Some("op-set-account-permissions"),
        ),
        (
            OpKind::AddAccount {
                account: xlm.clone(),
                permissions: Permissions::parse(["blob"]).unwrap(),
                not_before: T0 + 100,
                expires_at: T0 + 3_600,
            },
            None,
        ),
        (
            OpKind::LinkAccount {
                member: xlm,
                account: sol.clone(),
            },
            None,
        ),
        (
            OpKind::UnlinkAccount { account: near },
            Some("op-unlink-account"),
        ),
        // Naming the alias revokes the whole member.
        (
            OpKind::RevokeAccount { account: sol },
            Some("op-revoke-account"),
        ),
    ];
    for (i, (kind, name)) in plan.into_iter().enumerate() {
        let t = T0 + 70 + 10 * i as u64;
        let op = ctx.propose(kind, t).sign(&f.root);
        let seq = op.seq();
        ctx.apply(op).unwrap();
        if let Some(name) = name {
            names.push((name.to_owned(), seq));
        }
    }
    (ctx, names)
}

fn dump_op(op: &crate::context::ContextOp) -> String {
    let bytes = op.signing_bytes();
    let mut d = Dump::new(&bytes);
    d.text("domain tag")
        .int("op version (u8)", 1)
        .bytes("context id")
        .int("seq (u64)", 8)
        .bytes("prev op hash")
        .int("timestamp (u64)", 8);
    let kind = d.bytes[d.pos];
    d.int("kind (u8)", 1);
    let count = |d: &Dump<'_>| u32::from_be_bytes(d.bytes[d.pos..d.pos + 4].try_into().unwrap());
    match kind {
        0 => {
            d.bytes("root key");
            let n = count(&d);
            d.int("admin count", 4);
            for _ in 0..n {
                d.bytes("admin key");
            }
            d.int("threshold (u32)", 4).int("max_chain_depth (u32)", 4);
        }
        1 => {
            let n = count(&d);
            d.int("chain length", 4);
            for _ in 0..n {
                d.bytes("delegation (binary)");
            }
        }
        2 => {
            d.bytes("member key");
            let n = count(&d);
            d.int("permission count", 4);
            for _ in 0..n {
                d.text("permission");
            }
        }
        3 | 5 | 6 => {
            d.bytes("key");
        }
        4 => {
            d.bytes("delegation id");
        }
        7 | 8 => {
            d.text("account");
            let n = count(&d);
            d.int("permission count", 4);
            for _ in 0..n {
                d.text("permission");
            }
            if kind == 7 {
                d.int("not_before (u64)", 8).int("expires_at (u64)", 8);
            }
        }
        9 | 11 => {
            d.text("account");
        }
        10 => {
            d.text("member account").text("account");
        }
        other => panic!("unknown kind {other}"),
    }
    let mut s = String::from("# signed bytes, field by field\n");
    s.push_str(&d.finish());
    let _ = writeln!(s, "\nsigned bytes (hex)     {}", hex_encode(&bytes));
    let _ = writeln!(
        s,
        "op hash = BLAKE3       {}",
        hex_encode(op.hash().as_bytes())
    );
    let _ = writeln!(s, "op hash (base58)       {}", op.hash());
    for sig in op.signatures() {
        let _ = writeln!(
            s,
            "signature by           {}\n                       {}",
            sig.signer,
            hex_encode(sig.signature.as_bytes())
        );
    }
    let _ = write!(
        s,
        "JSON                   {}",
        serde_json::to_string(op).unwrap()
    );
    s
}

fn ex_state(ctx: &Context) -> String {
    let bytes = ctx.state_bytes();
    let mut d = Dump::new(&bytes);
    let count = |d: &Dump<'_>| u32::from_be_bytes(d.bytes[d.pos..d.pos + 4].try_into().unwrap());
    d.text("domain tag")
        .bytes("context id")
        .bytes("root key")
        .int("threshold (u32)", 4)
        .int("max_chain_depth (u32)", 4)
        .int("head seq (u64)", 8)
        .bytes("head op hash");
    let admins = count(&d);
    d.int("admin count", 4);
    for _ in 0..admins {
        d.bytes("admin key");
    }
    let members = count(&d);
    d.int("member count", 4);
    for _ in 0..members {
        d.bytes("member key");
        let links = count(&d);
        d.int("  chain length", 4);
        for _ in 0..links {
            d.bytes("  delegation id");
        }
        let entries = count(&d);
        d.int("  history length", 4);
        for _ in 0..entries {
            d.int("  from seq (u64)", 8);
            let perms = count(&d);
            d.int("  permission count", 4);
            for _ in 0..perms {
                d.text("  permission");
            }
        }
        let revoked = d.bytes[d.pos] == 1;
        d.int("  revoked (u8)", 1);
        if revoked {
            d.int("  revoked at seq (u64)", 8);
        }
    }
    for what in ["revoked key", "revoked delegation"] {
        let n = count(&d);
        d.int(&format!("{what} count"), 4);
        for _ in 0..n {
            d.bytes(what);
        }
    }
    // The account sections, present once the log has an `add_account`.
    if d.pos < d.bytes.len() {
        let members = count(&d);
        d.int("account member count", 4);
        for _ in 0..members {
            d.text("account")
                .int("  not_before (u64)", 8)
                .int("  expires_at (u64)", 8);
            let entries = count(&d);
            d.int("  history length", 4);
            for _ in 0..entries {
                d.int("  from seq (u64)", 8);
                let perms = count(&d);
                d.int("  permission count", 4);
                for _ in 0..perms {
                    d.text("  permission");
                }
            }
            let revoked = d.bytes[d.pos] == 1;
            d.int("  revoked (u8)", 1);
            if revoked {
                d.int("  revoked at seq (u64)", 8);
            }
        }
        let links = count(&d);
        d.int("linked account count", 4);
        for _ in 0..links {
            d.text("linked account")
                .text("  member account")
                .int("  linked at seq (u64)", 8);
        }
        let revoked = count(&d);
        d.int("revoked account count", 4);
        for _ in 0..revoked {
            d.text("revoked account");
        }
    }
    let mut s = String::from("# state bytes, field by field\n");
    s.push_str(&d.finish());
    let _ = write!(
        s,
        "\nstate hash = BLAKE3    {}",
        hex_encode(&ctx.state_hash())
    );
    s
}

fn ex_delta(f: &Fixture) -> String {
    let delta = f
        .client
        .sign_delta(&f.context, 2, T0 + 25, b"hello")
        .unwrap();
    let bytes = delta.signing_bytes();
    let mut d = Dump::new(&bytes);
    d.text("domain tag")
        .bytes("context id")
        .bytes("signer key")
        .int("seq (u64)", 8)
        .int("timestamp (u64)", 8)
        .bytes("payload");
    let mut s = String::from("# signed bytes, field by field\n");
    s.push_str(&d.finish());
    let _ = writeln!(s, "\nsigned bytes (hex)     {}", hex_encode(&bytes));
    let _ = writeln!(s, "delta id = BLAKE3      {}", hex_encode(&delta.id()));
    let _ = writeln!(
        s,
        "signature (hex)        {}",
        hex_encode(delta.signature().as_bytes())
    );
    let _ = write!(
        s,
        "JSON                   {}",
        serde_json::to_string(&delta).unwrap()
    );
    s
}

fn ex_token(f: &Fixture, snapshot: &Context) -> String {
    use rand::SeedableRng as _;
    let key = TokenSigningKey::from_bytes(&[0x06; 32]);
    let public = *key.public_key();
    let thumb_input = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        base64url_encode(public.as_bytes())
    );
    let issuer = TokenIssuer::new("https://auth.example.com", key);
    let request = TokenRequest::new(f.client.public_key(), "api.example.com")
        .permissions(Permissions::parse(["context:execute"]).unwrap())
        .ttl(900);
    let mut rng = rand::rngs::StdRng::from_seed([0x07; 32]);
    let token = issuer
        .mint_with_rng(snapshot, &request, T0 + 100, &mut rng)
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let header = crate::encoding::base64url_decode(parts[0], "h").unwrap();
    let claims = crate::encoding::base64url_decode(parts[1], "c").unwrap();
    let sig = crate::encoding::base64url_decode(parts[2], "s").unwrap();
    let mut s = String::new();
    let _ = writeln!(s, "issuer key seed        {}", hex_encode(&[0x06; 32]));
    let _ = writeln!(
        s,
        "issuer public key      {}",
        hex_encode(public.as_bytes())
    );
    let _ = writeln!(s, "thumbprint input       {thumb_input}");
    let _ = writeln!(s, "kid = b64u(SHA-256)    {}", jwk_thumbprint(&public));
    let _ = writeln!(s, "JWKS                   {}", issuer.jwks(T0).to_json());
    let _ = writeln!(
        s,
        "header JSON            {}",
        std::str::from_utf8(&header).unwrap()
    );
    let _ = writeln!(
        s,
        "claims JSON            {}",
        std::str::from_utf8(&claims).unwrap()
    );
    let _ = writeln!(s, "signing input          {}.{}", parts[0], parts[1]);
    let _ = writeln!(s, "signature (hex)        {}", hex_encode(&sig));
    let _ = write!(s, "token                  {token}");
    s
}

/// A wallet-account member's token: the issuer of the `token` example, a
/// context of its own (genesis by the root, then one `AddAccount`).
fn ex_token_account(f: &Fixture) -> String {
    use rand::SeedableRng as _;
    let account: crate::wallet::AccountId = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
        .parse()
        .unwrap();
    let mut ctx = Context::builder(f.context).create(&f.root, T0).unwrap();
    let op = ctx
        .propose(
            OpKind::AddAccount {
                account: account.clone(),
                permissions: Permissions::parse(["context:execute"]).unwrap(),
                not_before: T0,
                expires_at: T0 + 86_400,
            },
            T0 + 10,
        )
        .sign(&f.root);
    ctx.apply(op).unwrap();
    let issuer = TokenIssuer::new(
        "https://auth.example.com",
        TokenSigningKey::from_bytes(&[0x06; 32]),
    );
    let request = TokenRequest::for_account(account.clone(), "api.example.com").ttl(900);
    let mut rng = rand::rngs::StdRng::from_seed([0x08; 32]);
    let token = issuer
        .mint_with_rng(&ctx, &request, T0 + 100, &mut rng)
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let header = crate::encoding::base64url_decode(parts[0], "h").unwrap();
    let claims = crate::encoding::base64url_decode(parts[1], "c").unwrap();
    let sig = crate::encoding::base64url_decode(parts[2], "s").unwrap();
    let mut s = String::new();
    let _ = writeln!(s, "issuer key seed        {}", hex_encode(&[0x06; 32]));
    let _ = writeln!(s, "account (CAIP-10)      {account}");
    let _ = writeln!(s, "iss                    https://auth.example.com");
    let _ = writeln!(s, "aud                    api.example.com");
    let _ = writeln!(s, "context id text        {}", f.context);
    let jti = serde_json::from_slice::<serde_json::Value>(&claims)
        .ok()
        .and_then(|c| c.get("jti").and_then(|j| j.as_str()).map(str::to_owned))
        .and_then(|j| crate::encoding::base64url_decode(&j, "jti").ok())
        .unwrap();
    let _ = writeln!(s, "jti (16 bytes)         {}", hex_encode(&jti));
    let _ = writeln!(
        s,
        "header JSON            {}",
        std::str::from_utf8(&header).unwrap()
    );
    let _ = writeln!(
        s,
        "claims JSON            {}",
        std::str::from_utf8(&claims).unwrap()
    );
    let _ = writeln!(s, "signing input          {}.{}", parts[0], parts[1]);
    let _ = writeln!(s, "signature (hex)        {}", hex_encode(&sig));
    let _ = write!(s, "token                  {token}");
    s
}

#[cfg(feature = "ethereum")]
fn ex_wallet_statement(f: &Fixture) -> String {
    use crate::wallet::{AccountId, WalletRegistry};
    let sk = k256::ecdsa::SigningKey::from_slice(&[0x08; 32]).unwrap();
    let address = crate::wallet::ethereum::ethereum_address_of(sk.verifying_key());
    let account: AccountId = format!("eip155:1:{}", crate::wallet::text::eip55_encode(&address))
        .parse()
        .unwrap();
    let unsigned = Delegation::builder(
        f.client.public_key(),
        f.context,
        Permissions::parse(["blob", "context:execute"]).unwrap(),
    )
    .valid_between(T0, T0 + 86_400)
    .serial(serial())
    .for_wallet(account)
    .unwrap();
    let statement = unsigned.statement();
    let hash = crate::wallet::ethereum::eip191_hash(statement.as_bytes());
    let (sig, recid) = sk.sign_prehash_recoverable(&hash);
    let mut signature = sig.to_bytes().to_vec();
    // A wallet that answers with v ∈ {0, 1}: stored as 27/28.
    signature.push(recid.to_byte());
    let dl = unsigned
        .finish(signature)
        .unwrap()
        .verify_signature_with_wallets(&WalletRegistry::with_defaults())
        .unwrap();
    let mut s = String::new();
    let _ = writeln!(s, "secp256k1 secret       {}", hex_encode(&[0x08; 32]));
    let _ = writeln!(s, "statement (UTF-8, LF line ends, no final LF):");
    for line in statement.split('\n') {
        let _ = writeln!(s, "  | {line}");
    }
    let _ = writeln!(
        s,
        "statement (hex)        {}",
        hex_encode(statement.as_bytes())
    );
    let _ = writeln!(s, "EIP-191 hash           {}", hex_encode(&hash));
    s.push('\n');
    s.push_str(&delegation_example("wallet-issued delegation", &dl));
    s
}

/// The login challenge of every built-in chain, rendered as the issuer
/// renders it (FORMATS.md §14).
fn ex_challenges() -> Vec<(String, String)> {
    use crate::challenge::ChallengeNonce;
    use crate::challenge::render::Render;
    use crate::wallet::AccountId;

    let nonce = ChallengeNonce::from_bytes(core::array::from_fn(|i| i as u8));
    let ed = RootKey::from_bytes(&[0x09; 32]).public_key();
    let mut accounts: Vec<(&str, AccountId)> = Vec::new();
    #[cfg(feature = "ethereum")]
    {
        let sk = k256::ecdsa::SigningKey::from_slice(&[0x08; 32]).unwrap();
        let address = crate::wallet::ethereum::ethereum_address_of(sk.verifying_key());
        let text = format!("eip155:1:{}", crate::wallet::text::eip55_encode(&address));
        accounts.push(("login-siwe", text.parse().unwrap()));
    }
    #[cfg(feature = "solana")]
    accounts.push((
        "login-siws",
        format!(
            "solana:{}:{}",
            crate::wallet::solana::SOLANA_MAINNET,
            crate::encoding::base58_encode(ed.as_bytes())
        )
        .parse()
        .unwrap(),
    ));
    #[cfg(feature = "near")]
    accounts.push(("login-nep413", "near:mainnet:alice.near".parse().unwrap()));
    #[cfg(feature = "stellar")]
    accounts.push((
        "login-sep53",
        format!(
            "stellar:pubnet:{}",
            crate::wallet::stellar::Strkey::Account(ed.to_bytes())
                .encode()
                .as_str()
        )
        .parse()
        .unwrap(),
    ));
    #[cfg(feature = "icp")]
    accounts.push((
        "login-icp",
        crate::wallet::icp::IcpPublicKey::from_ed25519(ed)
            .principal()
            .account_id(),
    ));
    accounts.push(("login-raw-key", AccountId::raw_ed25519(&ed)));

    let mut out = Vec::new();
    for (name, account) in accounts {
        let render = Render {
            domain: "app.example.com",
            uri: "https://app.example.com/login",
            statement: Some("Sign in to Example."),
            account: &account,
            nonce: &nonce,
            issued_at: T0,
            expires_at: T0 + 300,
        };
        let message = render.message().unwrap();
        let mut s = String::new();
        let _ = writeln!(s, "account                {account}");
        let _ = writeln!(s, "text (UTF-8, LF line ends, no final LF):");
        for line in message.text().split('\n') {
            let _ = writeln!(s, "  | {line}");
        }
        match &message {
            #[cfg(feature = "near")]
            crate::challenge::ChallengeMessage::Nep413(payload) => {
                let borsh = payload.to_borsh();
                let mut d = Dump::new(&borsh);
                let tag = d.take(4);
                let value = u32::from_le_bytes(tag.try_into().unwrap());
                d.line("tag (u32 LE)", &hex_encode(tag), &format!("= {value}"));
                let _ = borsh_field(&mut d, "message (u32 LE len)");
                let nonce_bytes = d.take(32);
                d.line("nonce (32 bytes)", &hex_encode(nonce_bytes), "");
                let _ = borsh_field(&mut d, "recipient (u32 LE len)");
                d.int("callback_url (u8)", 1);
                s.push_str("borsh(tag) ‖ borsh(payload), field by field\n");
                s.push_str(&d.finish());
                let _ = writeln!(s, "SHA-256 (signed)       {}", hex_encode(&payload.hash()));
            }
            #[cfg(feature = "stellar")]
            crate::challenge::ChallengeMessage::Sep53(text) => {
                let _ = writeln!(
                    s,
                    "SEP-53 hash (signed)   {}",
                    hex_encode(&crate::wallet::stellar::sep53_hash(text.as_bytes()))
                );
            }
            #[cfg(feature = "ethereum")]
            crate::challenge::ChallengeMessage::Siwe(text) => {
                let _ = writeln!(
                    s,
                    "EIP-191 hash (signed)  {}",
                    hex_encode(&crate::wallet::ethereum::eip191_hash(text.as_bytes()))
                );
            }
            _ => {}
        }
        let wrapper = match account.chain() {
            crate::wallet::Chain::RawEd25519 | crate::wallet::Chain::RawSecp256k1 => Some(
                crate::wallet::raw::RawKeyProof::signing_bytes(message.text().as_bytes()),
            ),
            #[cfg(feature = "icp")]
            crate::wallet::Chain::Icp => Some(crate::wallet::icp::IcpProof::signing_bytes(
                message.text().as_bytes(),
            )),
            _ => None,
        };
        if let Some(wrapper) = wrapper {
            // One labelled line (tag ‖ text), like every other example line.
            let _ = writeln!(s, "wrapper (hex)          {}", hex_encode(&wrapper));
        }
        let _ = write!(
            s,
            "text (hex)             {}",
            hex_encode(message.text().as_bytes())
        );
        out.push((name.to_owned(), s));
    }
    out
}

/// A stateless challenge nonce: its fields and the MAC input.
fn ex_challenge_nonce() -> String {
    use crate::challenge::ChallengeKey;
    use crate::wallet::AccountId;
    let key = ChallengeKey::from_bytes(&[0x0b; 32]);
    let account = AccountId::raw_ed25519(&RootKey::from_bytes(&[0x09; 32]).public_key());
    let random = [0x0c; 8];
    let nonce = key.seal("app.example.com", &account, T0, 300, random);
    let mac_key = blake3::derive_key("keytree/v1 challenge-nonce mac key", &[0x0b; 32]);
    let mut w = crate::encoding::CanonicalWriter::new("keytree/v1/challenge-nonce");
    w.bytes(b"app.example.com")
        .bytes(account.to_string().as_bytes())
        .u64(T0)
        .u64(T0 + 300)
        .bytes(&random);
    let input = w.finish();
    let mac = blake3::keyed_hash(&mac_key, &input);
    assert_eq!(&mac.as_bytes()[..16], &nonce.as_bytes()[16..]);
    let mut s = String::new();
    let _ = writeln!(s, "challenge key          {}", hex_encode(&[0x0b; 32]));
    let _ = writeln!(s, "MAC key = derive_key   {}", hex_encode(&mac_key));
    let _ = writeln!(s, "# MAC input, field by field");
    let mut d = Dump::new(&input);
    d.text("domain tag")
        .text("domain")
        .text("account")
        .int("issued_at (u64)", 8)
        .int("expires_at (u64)", 8)
        .bytes("random");
    s.push_str(&d.finish());
    let _ = writeln!(s, "keyed BLAKE3           {}", hex_encode(mac.as_bytes()));
    let _ = writeln!(s, "# nonce (32 bytes), field by field");
    let mut d = Dump::new(nonce.as_bytes());
    d.int("issued_at (40 bits)", 5)
        .int("ttl (24 bits)", 3)
        .int("random (8)", 8);
    let tag = d.take(16);
    d.line("tag (MAC, first 16)", &hex_encode(tag), "");
    s.push_str(&d.finish());
    let _ = write!(s, "nonce text             {nonce}");
    s
}

/// A borsh string: u32 little-endian length, then the bytes.
#[cfg(feature = "near")]
fn borsh_field(d: &mut Dump<'_>, label: &str) -> usize {
    let len_bytes = d.take(4);
    let len = u32::from_le_bytes(len_bytes.try_into().unwrap()) as usize;
    let value = d.take(len);
    let hex = format!("{} {}", hex_encode(len_bytes), hex_encode(value));
    d.line(label, &hex, "");
    len
}

/// A wallet-issued delegation whose issuer is an ICP Ed25519 identity: the
/// stored signature is the canonical ICP statement signature.
#[cfg(feature = "icp")]
fn ex_icp_statement(f: &Fixture) -> String {
    use crate::wallet::WalletRegistry;
    use crate::wallet::icp::{IcpProof, IcpPublicKey};
    use ed25519_dalek::Signer as _;
    let identity = ed25519_dalek::SigningKey::from_bytes(&[0x09; 32]);
    let public =
        crate::public_key::PublicKey::from_bytes(identity.verifying_key().as_bytes()).unwrap();
    let key = IcpPublicKey::from_ed25519(public);
    let account = key.principal().account_id();
    let unsigned = Delegation::builder(
        f.client.public_key(),
        f.context,
        Permissions::parse(["context:execute"]).unwrap(),
    )
    .valid_between(T0, T0 + 86_400)
    .serial(serial())
    .for_wallet(account.clone())
    .unwrap();
    let statement = unsigned.statement();
    let signature = identity.sign(statement.as_bytes()).to_bytes();
    let stored = IcpProof::statement_signature(&key, &signature);
    let dl = unsigned
        .finish(stored.clone())
        .unwrap()
        .verify_signature_with_wallets(&WalletRegistry::with_defaults())
        .unwrap();
    let mut s = String::new();
    let _ = writeln!(s, "ed25519 identity seed  {}", hex_encode(&[0x09; 32]));
    let _ = writeln!(s, "account                {account}");
    let _ = writeln!(
        s,
        "statement (hex)        {}",
        hex_encode(statement.as_bytes())
    );
    let _ = writeln!(s, "# stored signature, field by field");
    let mut d = Dump::new(&stored);
    d.text("domain tag")
        .bytes("identity key (DER)")
        .bytes("signature");
    s.push_str(&d.finish());
    let _ = write!(s, "delegation id (base58) {}", dl.id());
    s
}

/// Every example, by the name of its marker in FORMATS.md.
fn examples() -> Vec<(String, String)> {
    let f = fixture();
    let root_link = root_delegation(&f);
    let child = child_delegation(&f, &root_link);
    let mut out = vec![
        ("derivation".to_owned(), ex_derivation(&f)),
        ("key-texts".to_owned(), ex_key_texts(&f)),
        (
            "delegation".to_owned(),
            delegation_example("root → client (no parent)", &root_link),
        ),
        (
            "delegation-child".to_owned(),
            delegation_example("client → sub-key (parent set)", &child),
        ),
    ];
    #[cfg(feature = "ethereum")]
    out.push(("wallet-statement".to_owned(), ex_wallet_statement(&f)));
    #[cfg(feature = "icp")]
    out.push(("icp-statement".to_owned(), ex_icp_statement(&f)));
    let (ctx, names, snapshot) = example_context(&f);
    for (name, op) in names.into_iter().zip(ctx.ops()) {
        out.push((name, dump_op(op)));
    }
    out.push(("log-json".to_owned(), ctx.export_json().unwrap()));
    out.push(("delta".to_owned(), ex_delta(&f)));
    out.push(("state-hash".to_owned(), ex_state(&ctx)));
    let (accounts, names) = account_context(&f, &ctx);
    for (name, seq) in names {
        out.push((name, dump_op(&accounts.ops()[seq as usize])));
    }
    out.push(("state-hash-accounts".to_owned(), ex_state(&accounts)));
    out.push(("token".to_owned(), ex_token(&f, &snapshot)));
    out.push(("token-account".to_owned(), ex_token_account(&f)));
    out.extend(ex_challenges());
    out.push(("challenge-nonce".to_owned(), ex_challenge_nonce()));
    out
}

const MARKER: &str = "<!-- example: ";

/// The example blocks of FORMATS.md: name → (start, end) of the body (which
/// ends with a newline when not empty).
fn blocks(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(MARKER) {
        let name_start = from + at + MARKER.len();
        let name_end = name_start + text[name_start..].find(" -->").unwrap();
        let name = text[name_start..name_end].to_owned();
        let fence = name_end + text[name_end..].find("```text\n").unwrap() + "```text\n".len();
        let end = if text[fence..].starts_with("```") {
            fence
        } else {
            fence + text[fence..].find("\n```").unwrap() + 1
        };
        out.push((name, fence, end));
        from = end;
    }
    out
}

#[test]
fn formats_md_examples_are_keytrees_output() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/FORMATS.md");
    let mut text = std::fs::read_to_string(path).unwrap();
    let generated = examples();
    if std::env::var("KEYTREE_BLESS_FORMATS").is_ok_and(|v| v == "1") {
        for (name, body) in &generated {
            let (_, start, end) = blocks(&text)
                .into_iter()
                .find(|(n, _, _)| n == name)
                .unwrap_or_else(|| panic!("FORMATS.md has no example marker {name}"));
            text.replace_range(start..end, &format!("{body}\n"));
        }
        std::fs::write(path, &text).unwrap();
    }
    let found = blocks(&text);
    for (name, body) in &generated {
        let (_, start, end) = found
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("FORMATS.md has no example marker {name}"));
        assert_eq!(
            &text[*start..*end],
            format!("{body}\n"),
            "FORMATS.md example {name} differs from keytree's output \
             (KEYTREE_BLESS_FORMATS=1 rewrites it after an intended change)"
        );
    }
    #[cfg(all(
        feature = "ethereum",
        feature = "near",
        feature = "stellar",
        feature = "solana",
        feature = "icp"
    ))]
    for (name, _, _) in &found {
        assert!(
            generated.iter().any(|(n, _)| n == name),
            "FORMATS.md example {name} is not generated"
        );
    }
}
