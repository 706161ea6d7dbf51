//! Two instances of a service share one context through Redis: each keeps
//! a verified replica, a token minted on one validates on the other, and a
//! revocation made on one is refused by the other moments later. Measures
//! that propagation 1,000 times.
//!
//! Start a Redis first, then run:
//!
//! ```text
//! redis-server --port 6379 --save '' --appendonly no     # or: docker run -p 6379:6379 redis:7
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --release --example fleet --features redis
//! ```
//!
//! (Production runs the context store with `--appendonly yes --appendfsync
//! always --maxmemory-policy noeviction`; see the README.) Exits 1 (and says
//! how to start Redis) when it cannot connect. The last line reads
//! `propagation p50=…ms p99=…ms max=…ms`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keytree::{
    Context, ContextId, ContextReplica, Delegation, Error, OpKind, Permissions, RedisContextStore,
    RootKey, TokenIssuer, TokenRequest, TokenSigningKey,
};

const ROUNDS: u32 = 1000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    match run(&url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::StoreUnavailable(why)) => {
            eprintln!("\ncannot use Redis at {url}: {why}");
            eprintln!("start one, e.g.: redis-server --port 6379 --save '' --appendonly no");
            eprintln!("(Debian/Ubuntu: apt-get install -y redis-server), or set REDIS_URL");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("\nfleet FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An op's time: `now`, or the last op's if another instance's clock ran
/// ahead (op times never go backwards).
fn op_time(ctx: &Context, now: u64) -> u64 {
    ctx.ops().last().map_or(now, |op| op.timestamp().max(now))
}

async fn run(url: &str) -> Result<(), Error> {
    let now = unix_now();
    let prefix = format!("keytree-fleet-example:{now}:{}:", std::process::id());

    println!("1. two instances, A and B, each with its own connection to {url}");
    let store_a = RedisContextStore::builder(url)
        .prefix(&prefix)
        .connect()
        .await?;
    let store_b = RedisContextStore::builder(url)
        .prefix(&prefix)
        .connect()
        .await?;

    println!("2. A creates the context; B opens it from the store and follows it");
    let root = Arc::new(RootKey::generate(&mut rand::rng()));
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(&now.to_be_bytes());
    id[8..12].copy_from_slice(&std::process::id().to_be_bytes());
    let id = ContextId::from_bytes(id);
    let a = ContextReplica::create(store_a, Context::builder(id).create(&root, now)?, now).await?;
    let b = Arc::new(ContextReplica::open(store_b, id, now).await?);
    let follower = {
        let b = b.clone();
        tokio::spawn(async move { b.follow(Duration::from_secs(1)).await })
    };

    // Every instance holds the same token-signing key (from the fleet's
    // configuration); a random one stands in for it here.
    let issuer = TokenIssuer::new(
        "https://auth.example",
        TokenSigningKey::generate(&mut rand::rng()),
    );
    let validator = issuer.validator("api.example", now).build()?;
    let permissions = Permissions::parse(["context:execute"])?;

    println!("3. A adds {ROUNDS} members and mints a token for each");
    let mut tokens = Vec::new();
    for index in 0..ROUNDS {
        let client = root.derive_client_key(&id, index);
        let delegation = Delegation::builder(client.public_key(), id, permissions.clone())
            .valid_for(now - 60, 3600)
            .sign_as_root(&root)?;
        let t = unix_now();
        let root = root.clone();
        a.submit_with(t, 10, move |ctx| {
            Ok(ctx
                .propose(
                    OpKind::AddMember {
                        chain: vec![delegation.clone()],
                    },
                    op_time(ctx, t),
                )
                .sign(&*root))
        })
        .await?;
        let token = issuer.mint(
            &*a.read(t)?,
            &TokenRequest::new(client.public_key(), "api.example"),
            t,
        )?;
        tokens.push((client.public_key(), token));
    }

    println!("4. a token minted on A validates on B");
    let head = a.head_seq()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.head_seq()? < head {
        if Instant::now() > deadline {
            return Err(Error::StoreUnavailable("B did not catch up in 10 s".into()));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let (_, first) = &tokens[0];
    let validated = validator.validate_for(&*b.read_now()?, first, unix_now())?;
    println!("   B accepts it: sub {}", validated.claims().subject());

    println!(
        "5. {ROUNDS} times: A revokes a member; time from A's submit until B refuses its token"
    );
    let mut samples = Vec::with_capacity(tokens.len());
    for (key, token) in &tokens {
        let started = Instant::now();
        let t = unix_now();
        let key = *key;
        let root = root.clone();
        a.submit_with(t, 10, move |ctx| {
            Ok(ctx
                .propose(OpKind::RevokeKey { key }, op_time(ctx, t))
                .sign(&*root))
        })
        .await?;
        // Check B every 50 µs from this worker thread, handed over to
        // blocking (`block_in_place`) so B's follower keeps the runtime's
        // other worker: a spinning check would compete with the follower for
        // the CPU and measure the scheduler instead of the propagation.
        tokio::task::block_in_place(|| {
            loop {
                match validator.validate_for(&*b.read_now()?, token, unix_now()) {
                    Ok(_) => std::thread::sleep(Duration::from_micros(50)),
                    Err(_) => return Ok(()),
                }
                if started.elapsed() > Duration::from_secs(10) {
                    return Err(Error::StoreUnavailable(
                        "a revocation took over 10 s to reach B".into(),
                    ));
                }
            }
        })?;
        samples.push(started.elapsed());
    }
    follower.abort();
    println!(
        "   B refused every revoked token; both at head {}",
        b.head_seq()?
    );

    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        ms(samples[i.min(samples.len() - 1)])
    };
    println!(
        "propagation p50={:.2}ms p99={:.2}ms max={:.2}ms",
        at(0.50),
        at(0.99),
        ms(*samples.last().unwrap())
    );
    Ok(())
}
