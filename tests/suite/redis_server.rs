//! A throwaway `redis-server` for the Redis tests: a free loopback port,
//! persistence off, killed on drop.
//!
//! Without `redis-server` on the PATH the tests say so and return; under
//! `CI=true` they fail instead (CI installs the Debian package
//! `redis-server`).

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    /// Extra arguments (kept for restarts on the same port).
    args: Vec<String>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether `redis-server` runs here; `None` after saying why (panics under CI).
pub fn redis_server_available(test: &str) -> bool {
    let ok = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    let msg = format!(
        "{test}: the Redis tests need `redis-server` on the PATH \
         (Debian/Ubuntu: apt-get install -y redis-server)"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}; required under CI=true");
    }
    eprintln!("SKIPPED: {msg}");
    false
}

impl RedisServer {
    /// Starts a server on a free port, or returns `None` (see the module docs).
    pub fn start(test: &str) -> Option<Self> {
        if !redis_server_available(test) {
            return None;
        }
        Some(Self::start_on(free_port()))
    }

    /// Starts a durable server on a free port (AOF on, `appendfsync always`,
    /// files in `dir`), or returns `None` (see the module docs).
    pub fn start_durable(test: &str, dir: &std::path::Path) -> Option<Self> {
        if !redis_server_available(test) {
            return None;
        }
        let args = [
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            dir.to_str().unwrap(),
        ];
        Some(Self::start_with(
            free_port(),
            args.iter().map(|a| a.to_string()).collect(),
        ))
    }

    /// Starts a server on `port` and waits until it accepts connections.
    pub fn start_on(port: u16) -> Self {
        Self::start_with(port, Vec::new())
    }

    /// Starts a server on `port` with `args` after the defaults (later
    /// arguments win) and waits until it accepts connections.
    pub fn start_with(port: u16, args: Vec<String>) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
            ])
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let server = Self {
            child: Some(child),
            port,
            args,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server with SIGKILL (`kill -9`): without AOF its data is
    /// gone; with AOF, what was fsynced survives a restart.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A new server on the same port (and the same arguments).
    pub fn restart(&mut self) {
        self.stop();
        let fresh = Self::start_with(self.port, std::mem::take(&mut self.args));
        *self = fresh;
    }

    /// Starts the server again on the same port after [`Self::stop`].
    pub fn start_again(&mut self) {
        self.restart();
    }

    /// The server's count of calls of `command` (`INFO commandstats`).
    pub fn command_calls(&self, command: &str) -> u64 {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "INFO", "commandstats"])
            .output();
        let Ok(out) = out else { return 0 };
        let text = String::from_utf8_lossy(&out.stdout);
        let prefix = format!("cmdstat_{}:calls=", command.to_lowercase());
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
