//! Two login servers sharing one Redis and one nonce-sealing key: a
//! challenge issued by one (which stores nothing) is redeemed on the other,
//! and once spent it is refused everywhere.
//!
//! Start a Redis first, then run:
//!
//! ```text
//! redis-server --port 6379 --save '' --appendonly no     # or: docker run -p 6379:6379 redis:7
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --example cluster --features redis
//! ```
//!
//! Exits non-zero (and says how to start Redis) when it cannot connect.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

use keytree::{
    AccountId, ChallengeError, ChallengeIssuer, ChallengeKey, ChallengeMessage, Error,
    EthereumProof, RedisStore,
};

fn main() -> ExitCode {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    // A plain runtime rather than `#[tokio::main]`: tokio's macros would be
    // one more proc-macro crate in every example's first build.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start a tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&url)) {
        Ok(()) => {
            println!("\ncluster: all steps passed");
            ExitCode::SUCCESS
        }
        Err(Error::StoreUnavailable(why)) => {
            eprintln!("\ncannot use Redis at {url}: {why}");
            eprintln!("start one, e.g.: redis-server --port 6379 --save '' --appendonly no");
            eprintln!("(Debian/Ubuntu: apt-get install -y redis-server), or set REDIS_URL");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("\ncluster FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str) -> Result<(), Error> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let prefix = format!("keytree-example:{now}:");

    println!("1. two server instances, each with its own connection to {url}");
    // Every instance holds the same nonce-sealing key, from the fleet's
    // configuration (KEYTREE_CHALLENGE_KEY: 64 hex digits); a random one
    // stands in for it here. Never print it.
    let key_bytes: [u8; 32] = match std::env::var("KEYTREE_CHALLENGE_KEY") {
        Ok(hex) => keytree::hex_decode(&hex, "KEYTREE_CHALLENGE_KEY")?
            .try_into()
            .map_err(|_| {
                Error::Challenge(ChallengeError::InvalidSettings(
                    "challenge key must be 32 bytes",
                ))
            })?,
        Err(_) => *ChallengeKey::generate(&mut rand::rng()).to_bytes(),
    };
    let server_a = ChallengeIssuer::new(
        "login.example.com",
        ChallengeKey::from_bytes(&key_bytes),
        RedisStore::builder(url).prefix(&prefix).connect().await?,
    )?;
    let server_b = ChallengeIssuer::new(
        "login.example.com",
        ChallengeKey::from_bytes(&key_bytes),
        RedisStore::builder(url).prefix(&prefix).connect().await?,
    )?;

    println!("2. server A issues a challenge for an Ethereum test wallet");
    let wallet = k256::ecdsa::SigningKey::from_slice(&[0x11; 32]).expect("test key");
    let address = keytree::ethereum_address_of(wallet.verifying_key());
    let account: AccountId = format!("eip155:1:{}", keytree::eip55_encode(&address)).parse()?;
    let challenge = server_a.issue(&account, now).await?;
    let ChallengeMessage::Siwe(text) = challenge.message() else {
        unreachable!("ethereum accounts get SIWE")
    };
    println!("---\n{text}\n---");

    println!("3. the wallet signs it (EIP-191 personal_sign)");
    let (sig, recid) = wallet.sign_prehash_recoverable(&keytree::eip191_hash(text.as_bytes()));
    let mut bytes = sig.to_bytes().to_vec();
    bytes.push(27 + recid.to_byte());
    let proof = EthereumProof::siwe(text, &keytree::hex_encode(&bytes))?.into();

    println!("4. server B redeems it");
    let who = server_b.redeem(&proof, now + 1).await?;
    println!("   signed in: {}", who.account);

    println!("5. replaying the same proof on server A is refused");
    match server_a.redeem(&proof, now + 2).await {
        Err(Error::Challenge(ChallengeError::AlreadySpent)) => {
            println!("   refused: challenge already spent");
            Ok(())
        }
        Ok(_) => Err(Error::Challenge(ChallengeError::InvalidSettings(
            "a spent nonce was accepted twice",
        ))),
        Err(e) => Err(e),
    }
}
