//! Load figures for the example gateway (issue 10): requests per second and
//! p50/p99 latency of `whoami` with and without the verified-token cache,
//! and of a whole Ethereum login (challenge, `personal_sign`, verify).
//! Loopback only, bounded in time and count, stops by itself.
//!
//! ```text
//! cargo build --release --features redis --example gateway --example gateway_load
//! taskset -c 1 target/release/examples/gateway_load [--seconds 5] [--connections 16]
//! ```
//!
//! It starts the gateway binary beside it (`gateway` in the same folder)
//! on `127.0.0.1:0` pinned to core 0 with `taskset -c 0` (memory stores;
//! once with the token cache, once with `--no-token-cache`), drives it from
//! this process (one thread: pin it to the other core as above) over
//! `--connections` keep-alive HTTP/1.1 connections, and stops it. Every
//! phase runs one second of warm-up, then `--seconds` (at most 60) or
//! 2 000 000 requests, whichever comes first.
//!
//! Each line gives requests (or logins) per second, the p50 and p99 latency
//! seen by the client, and the gateway's own CPU time per request, read from
//! `/proc/PID/task/*/schedstat`: on a busy machine the first three depend on
//! what else runs on core 0, the last does not. Measured on the 2-core
//! development VM (2026-11-30, load average 4.3-4.9 from other builds;
//! three runs, the median, release build, memory stores):
//!
//! | phase | req/s | p99 | gateway CPU |
//! |---|---|---|---|
//! | `whoami`, token cache | 18 552 | 5.2 ms | 16.2 µs/req |
//! | `whoami`, no token cache | 6 808 | 11.5 ms | 54.7 µs/req |
//! | login (challenge + `personal_sign` + verify) | 2 751 logins | 23.9 ms | 131 µs/login |
//!
//! The cache saves about 38 µs of CPU per `whoami` (the signature check);
//! one free core would serve about 1 / CPU-time: some 60 000 cached
//! `whoami`/s, 18 000 uncached and 7 600 logins/s.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

const MAX_REQUESTS: u64 = 2_000_000;
const WARM_UP: Duration = Duration::from_secs(1);

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Fallible<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
            host: addr.to_string(),
        })
    }

    /// One request; the status and the body.
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Fallible<(u16, Vec<u8>)> {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        if let Some(token) = auth {
            req.push_str("Authorization: Bearer ");
            req.push_str(token);
            req.push_str("\r\n");
        }
        req.push_str("\r\n");
        req.push_str(&body);
        self.stream.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line.get(9..12).ok_or("no status line")?.parse()?;
        let mut length = 0;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse()?;
            }
        }
        let mut out = vec![0; length];
        self.stream.read_exact(&mut out).await?;
        Ok((status, out))
    }

    async fn json(
        &mut self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Fallible<Value> {
        let (status, out) = self.call(method, path, auth, body).await?;
        let value: Value = serde_json::from_slice(&out)?;
        if status != 200 {
            return Err(format!("{method} {path}: {status} {value}").into());
        }
        Ok(value)
    }
}

/// An Ethereum wallet (k256), `personal_sign` as a wallet does it.
struct Wallet {
    key: k256::ecdsa::SigningKey,
    address: String,
}

impl Wallet {
    fn new(seed: u64) -> Fallible<Self> {
        let mut bytes = [0x42; 32];
        bytes[24..].copy_from_slice(&seed.to_be_bytes());
        let key = k256::ecdsa::SigningKey::from_slice(&bytes)?;
        let address = keytree::eip55_encode(&keytree::ethereum_address_of(key.verifying_key()));
        Ok(Self { key, address })
    }

    fn personal_sign(&self, text: &str) -> String {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(&keytree::eip191_hash(text.as_bytes()));
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(27 + recid.to_byte());
        format!("0x{}", keytree::hex_encode(&bytes))
    }

    /// Challenge, sign, verify: the token reply.
    async fn login(&self, conn: &mut Conn) -> Fallible<Value> {
        let challenge = conn
            .json(
                "POST",
                "/v1/auth/challenge",
                None,
                Some(&json!({"wallet": self.address})),
            )
            .await?;
        let text = challenge["message"].as_str().ok_or("no message")?;
        let body = json!({
            "wallet": challenge["wallet"],
            "nonce": challenge["nonce"],
            "signature": self.personal_sign(text),
        });
        conn.json("POST", "/v1/auth/verify", None, Some(&body))
            .await
    }
}

/// The gateway binary beside this one, pinned to core 0; stopped on drop.
struct Gateway {
    child: Child,
    addr: SocketAddr,
}

impl Gateway {
    fn start(extra: &[&str]) -> Fallible<Self> {
        let me = std::env::current_exe()?;
        let binary = me.with_file_name("gateway");
        let mut child = Command::new("taskset")
            .arg("-c")
            .arg("0")
            .arg(&binary)
            .args(["--listen", "127.0.0.1:0", "--instance", "load"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("taskset -c 0 {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .ok_or("no address")?
            .parse()
            .map_err(|_| format!("gateway said: {line:?}"))?;
        Ok(Self { child, addr })
    }
}

impl Gateway {
    /// The CPU time the gateway's threads have run so far (Linux
    /// `/proc/PID/task/*/schedstat`, nanoseconds): the cost per request,
    /// whatever else the machine runs.
    fn cpu(&self) -> Fallible<Duration> {
        let mut ns = 0u64;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.child.id()))? {
            let stat = std::fs::read_to_string(task?.path().join("schedstat"))?;
            ns += stat.split(' ').next().ok_or("schedstat")?.parse::<u64>()?;
        }
        Ok(Duration::from_nanos(ns))
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one phase measured.
struct Figures {
    requests: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// The gateway's CPU time while measuring.
    cpu: Duration,
}

impl Figures {
    fn line(&mut self, what: &str, unit: &str) -> String {
        self.latencies.sort_unstable();
        let at = |q: f64| {
            let i = ((self.latencies.len() as f64) * q) as usize;
            self.latencies
                .get(i.min(self.latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        let requests = self.requests.max(1) as f64;
        format!(
            "{what:<30} {:>7.0} {unit}/s  p50 {:>6.3} ms  p99 {:>6.3} ms  \
             gateway CPU {:>5.1} us/{unit} ({} in {:.1} s)",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            at(0.50),
            at(0.99),
            self.cpu.as_secs_f64() * 1e6 / requests,
            self.requests,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Runs `op` on every connection until the time or count is up; warm-up
/// first, unmeasured.
async fn phase<F, Fut>(
    gateway: &Gateway,
    conns: Vec<Conn>,
    seconds: u64,
    op: F,
) -> Fallible<Figures>
where
    F: Fn(Conn, u64) -> Fut + 'static,
    Fut: std::future::Future<Output = Fallible<Conn>> + 'static,
{
    let op = Rc::new(op);
    let start = Instant::now();
    let measure_from = start + WARM_UP;
    let stop_at = measure_from + Duration::from_secs(seconds);
    let counter = Rc::new(std::cell::Cell::new(0u64));
    let mut tasks = Vec::new();
    for (n, conn) in conns.into_iter().enumerate() {
        let op = op.clone();
        let counter = counter.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let mut conn = conn;
            let mut latencies = Vec::new();
            let mut i = n as u64 * 1_000_000;
            loop {
                let t0 = Instant::now();
                if t0 >= stop_at || counter.get() >= MAX_REQUESTS {
                    break;
                }
                conn = op(conn, i).await?;
                i += 1;
                if t0 >= measure_from {
                    latencies.push(t0.elapsed());
                    counter.set(counter.get() + 1);
                }
            }
            Ok::<_, Box<dyn std::error::Error>>(latencies)
        }));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu_before = gateway.cpu()?;
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = Instant::now()
        .min(stop_at)
        .saturating_duration_since(measure_from);
    let cpu = gateway.cpu()?.saturating_sub(cpu_before);
    Ok(Figures {
        requests: latencies.len() as u64,
        elapsed,
        latencies,
        cpu,
    })
}

async fn connect(addr: SocketAddr, n: usize) -> Fallible<Vec<Conn>> {
    let mut conns = Vec::new();
    for _ in 0..n {
        conns.push(Conn::open(addr).await?);
    }
    Ok(conns)
}

async fn whoami(gateway: &Gateway, connections: usize, seconds: u64) -> Fallible<Figures> {
    let mut conns = connect(gateway.addr, connections).await?;
    let first = conns.first_mut().ok_or("no connection")?;
    let token = Wallet::new(1)?.login(first).await?;
    let token: Rc<str> = token["access_token"].as_str().ok_or("no token")?.into();
    phase(gateway, conns, seconds, move |mut conn, _| {
        let token = token.clone();
        async move {
            let (status, _) = conn
                .call("GET", "/v1/auth/whoami", Some(&token), None)
                .await?;
            if status != 200 {
                return Err(format!("whoami: {status}").into());
            }
            Ok(conn)
        }
    })
    .await
}

async fn logins(gateway: &Gateway, connections: usize, seconds: u64) -> Fallible<Figures> {
    // One wallet per connection: each is added as a member on its first
    // login (in the warm-up), then logs in again and again.
    let wallets: Rc<Vec<Wallet>> = Rc::new(
        (0..connections as u64)
            .map(|i| Wallet::new(100 + i))
            .collect::<Fallible<_>>()?,
    );
    let conns = connect(gateway.addr, connections).await?;
    phase(gateway, conns, seconds, move |mut conn, i| {
        let wallets = wallets.clone();
        async move {
            let n = (i / 1_000_000) as usize % wallets.len();
            let wallet = wallets.get(n).ok_or("no wallet")?;
            wallet.login(&mut conn).await?;
            Ok(conn)
        }
    })
    .await
}

fn arg(args: &[String], name: &str, default: u64) -> Fallible<u64> {
    match args.iter().position(|a| a == name) {
        Some(i) => Ok(args.get(i + 1).ok_or("missing value")?.parse()?),
        None => Ok(default),
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let result = runtime
        .map_err(Into::into)
        .and_then(|rt| tokio::task::LocalSet::new().block_on(&rt, run(&args)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gateway_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Fallible<()> {
    let seconds = arg(args, "--seconds", 5)?.clamp(1, 60);
    let connections = usize::try_from(arg(args, "--connections", 16)?.clamp(1, 256))?;
    println!(
        "gateway pinned to core 0 (taskset -c 0), {connections} keep-alive connections, \
         {seconds} s per phase after 1 s of warm-up; memory stores"
    );
    {
        let gateway = Gateway::start(&[])?;
        let mut f = whoami(&gateway, connections, seconds).await?;
        println!("{}", f.line("whoami (token cache)", "req"));
        let mut f = logins(&gateway, connections, seconds).await?;
        println!("{}", f.line("login: challenge+sign+verify", "login"));
    }
    {
        let gateway = Gateway::start(&["--no-token-cache"])?;
        let mut f = whoami(&gateway, connections, seconds).await?;
        println!("{}", f.line("whoami (no token cache)", "req"));
    }
    Ok(())
}
