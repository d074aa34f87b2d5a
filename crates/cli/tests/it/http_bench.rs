//! `baton bench http` against a real `baton serve` on 127.0.0.1: the bare
//! route and the write path are answered, with no errors. Speed is
//! reported by the benchmark, never asserted here.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use baton_app::{Clock, SystemClock};
use serde_json::Value;

use crate::baton;

/// A `baton serve` child and its address, stopped (SIGTERM, then waited
/// for) on drop.
struct Serve {
    child: Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Starts `baton serve` on a free port; returns once it listens.
fn serve(url: &str) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--database-url", url, "serve", "--bind", "127.0.0.1:0"])
        .env("BATON_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.strip_prefix("Baton is serving ") {
            break rest.split('/').take(3).collect::<Vec<_>>().join("/");
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Serve { child, base }
}

/// One run of `baton bench http … --json`, parsed.
fn bench(base: &str, scenario: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["bench", "http", "--url", base, "--scenario", scenario])
        .args(["--connections", "2", "--duration", "1", "--warmup", "0"])
        .args(["--login", "ae1@demo.test", "--receiver-login"])
        .arg("onboarding1@demo.test")
        .args(["--max-accounts", "5", "--json"])
        .env("BATON_BENCH_PASSWORD", "baton-demo-password")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bench http {scenario}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_http_bench_gets_answers_from_a_real_server_for_the_bare_route_and_the_write_path() {
    let dir = std::env::temp_dir().join(format!(
        "baton-http-bench-{}-{}",
        std::process::id(),
        SystemClock.now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    // A small demo org: its logins send and receive ae-to-onboarding.
    baton(&url, &["demo", "--accounts", "50", "--months", "2"]);
    let server = serve(&url);
    let bare = bench(&server.base, "bare");
    assert!(bare["requests"].as_u64().unwrap() > 0, "{bare}");
    assert_eq!(bare["errors"], 0, "{bare}");
    let write = bench(&server.base, "write");
    assert!(write["iterations"].as_u64().unwrap() > 0, "{write}");
    assert!(write["accept"]["requests"].as_u64().unwrap() > 0, "{write}");
    assert_eq!(write["errors"], 0, "{write}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
