//! Helpers shared by the integration test modules.

#![allow(dead_code)]

use std::path::PathBuf;

use keytree::{ClientKey, Context, ContextId, Delegation, OpKind, Permissions, RootKey};

/// The project's own vectors: `tests/vectors/<area>/`.
pub fn vectors_dir(area: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(area)
}

/// The published third-party vectors in `../shared/vectors/<area>/`.
///
/// Returns `None` (and says so) when the folder is absent on a user's
/// machine; under `CI=true` a missing folder fails the test instead.
pub fn shared_vectors(area: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vectors")
        .join(area);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "shared vectors missing at {} (required under CI=true)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: shared vectors not found at {}; conformance checks for {area} did not run",
        dir.display()
    );
    None
}

pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", path.display()))
}

pub fn perms(names: &[&str]) -> Permissions {
    Permissions::parse(names).unwrap()
}

/// A root, a context with that root as sole admin, and a helper to add members.
pub struct Fixture {
    pub root: RootKey,
    pub ctx: Context,
    pub now: u64,
}

impl Fixture {
    pub fn new(seed: u8) -> Self {
        let root = RootKey::from_bytes(&[seed; 32]);
        let id = ContextId::from_bytes([seed.wrapping_add(100); 32]);
        let now = 1_700_000_000;
        let ctx = Context::builder(id).create(&root, now).unwrap();
        Self { root, ctx, now }
    }

    pub fn id(&self) -> ContextId {
        *self.ctx.id()
    }

    /// Derives client key `index`, delegates `names` to it, adds it as a member.
    pub fn add_member(&mut self, index: u32, names: &[&str]) -> (ClientKey, Delegation) {
        let client = self.root.derive_client_key(&self.id(), index);
        let d = Delegation::builder(client.public_key(), self.id(), perms(names))
            .valid_for(self.now - 10, 86_400)
            .sign_as_root(&self.root)
            .unwrap();
        let op = self
            .ctx
            .propose(
                OpKind::AddMember {
                    chain: vec![d.clone()],
                },
                self.now,
            )
            .sign(&self.root);
        self.ctx.apply(op).unwrap();
        (client, d)
    }

    /// Applies an op signed by the root alone.
    pub fn apply(&mut self, kind: OpKind) -> keytree::Result<()> {
        let op = self.ctx.propose(kind, self.now).sign(&self.root);
        self.ctx.apply(op)
    }
}

/// Plain Ed25519 over bytes a test names, made with ed25519-dalek from the
/// key's seed. keytree's key types offer no such method (every signature
/// they make is over tagged bytes); tests use this to play a wallet or an
/// attacker that signs whatever it likes.
pub trait DalekSign {
    /// Ed25519 over `message`, as given.
    fn dalek_sign(&self, message: &[u8]) -> keytree::Signature;
}

fn dalek_sign_seed(seed: &[u8; 32], message: &[u8]) -> keytree::Signature {
    use ed25519_dalek::Signer as _;
    let key = ed25519_dalek::SigningKey::from_bytes(seed);
    keytree::Signature::from_bytes(&key.sign(message).to_bytes())
}

impl DalekSign for RootKey {
    fn dalek_sign(&self, message: &[u8]) -> keytree::Signature {
        dalek_sign_seed(&self.to_bytes(), message)
    }
}

impl DalekSign for ClientKey {
    fn dalek_sign(&self, message: &[u8]) -> keytree::Signature {
        dalek_sign_seed(&self.to_bytes(), message)
    }
}

/// Drives a future that is ready at its first poll (the memory stores and
/// keytree's own async calls over them never wait), with no runtime.
///
/// # Panics
/// If the future is not ready at once: a test that needs a runtime uses one.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the memory store never pends"),
    }
}
