//! PostgreSQL restarted under load: while it is down `/readyz` says not
//! ready and writes get an error status; once it is back Baton recovers on
//! its own (same process) and every write it acknowledged is there.
//!
//! The test runs a private PostgreSQL cluster of its own (initdb in a temp
//! dir, the Debian binaries under /usr/lib/postgresql, as the `postgres`
//! user, on a free port), never the shared server other tests use. Without
//! those binaries it is skipped with a note, unless `BATON_REQUIRE_POSTGRES`
//! is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::baton;
use crate::crash::{Api, Serve, Shared, check_ledger, seed, set_up, spawn_clients, temp_dir};

/// Phases of the run, under which the clients tally their answers.
const BEFORE: u8 = 0;
const DOWN: u8 = 1;
const AFTER: u8 = 2;

/// Clients writing at once.
const CLIENTS: u64 = 4;

/// A PostgreSQL cluster owned by the test: stopped (immediately) and its
/// directory removed on drop, whatever happened.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

/// The newest PostgreSQL bin directory, if the server binaries and
/// `runuser` are installed.
fn postgres_bin() -> Option<PathBuf> {
    let mut bins: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    bins.sort();
    let runuser = Command::new("runuser")
        .args(["-u", "postgres", "--", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    bins.pop().map(|(_, bin)| bin).filter(|_| runuser)
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `program` from the cluster's bin directory as `postgres`.
fn as_postgres(bin: &Path, program: &str, args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join(program))
        .args(args)
        .output()
        .unwrap()
}

impl Cluster {
    /// initdb in a fresh temp dir and start it on a free port.
    fn create(bin: PathBuf) -> Self {
        let dir = temp_dir("pg-restart");
        let chown = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(chown.success());
        let cluster = Self {
            bin,
            dir,
            port: free_port(),
        };
        let init = as_postgres(
            &cluster.bin,
            "initdb",
            &[
                "-D",
                cluster.data().to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        cluster.start();
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server's URL for database `db`.
    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// pg_ctl, as postgres.
    fn ctl(&self, args: &[&str]) -> std::process::Output {
        let data = self.data();
        let mut all = vec!["-D", data.to_str().unwrap()];
        all.extend_from_slice(args);
        as_postgres(&self.bin, "pg_ctl", &all)
    }

    /// Starts the server and waits until it accepts connections.
    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log");
        let out = self.ctl(&[
            "-o",
            &options,
            "-l",
            log.to_str().unwrap(),
            "-w",
            "-t",
            "60",
            "start",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the server at once, as a crash would (no checkpoint; recovery
    /// replays the WAL at the next start).
    fn stop_immediately(&self) -> bool {
        self.ctl(&["-m", "immediate", "-w", "stop"])
            .status
            .success()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            self.stop_immediately();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls `/readyz` (each answer bounded by the client's timeout) until it
/// answers `want`, for at most `limit`; returns how long that took.
async fn readyz_until(anon: &Api, want: u16, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let got = anon
            .send(reqwest::Method::GET, "/readyz", None)
            .await
            .map(|(s, _)| s);
        if got.as_ref().is_ok_and(|s| *s == want) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "/readyz did not answer {want} within {limit:?}; last {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_load_baton_says_not_ready_then_recovers_and_loses_no_acknowledged_write()
 {
    let Some(bin) = postgres_bin() else {
        assert!(
            std::env::var_os("BATON_REQUIRE_POSTGRES").is_none(),
            "BATON_REQUIRE_POSTGRES is set but the PostgreSQL server binaries \
             (/usr/lib/postgresql/*/bin) are missing or cannot be run as postgres"
        );
        eprintln!(
            "skipping: no PostgreSQL server binaries under /usr/lib/postgresql, \
             or they cannot be run as postgres (runuser needs root)"
        );
        return;
    };
    let cluster = Cluster::create(bin);
    let created = as_postgres(
        &cluster.bin,
        "createdb",
        &["-h", "127.0.0.1", "-p", &cluster.port.to_string(), "baton"],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let url = cluster.url("baton");
    baton(
        &url,
        &[
            "init",
            "--org",
            "Acme",
            "--admin-email",
            "admin@acme.test",
            "--admin-password",
            "correct horse battery",
        ],
    );
    let mut server = Serve::start(&url);
    let anon = Api::new(&server.base);
    let shared = Shared::new();
    let who = set_up(&server.base, &shared, 8).await;
    let mut rng = StdRng::seed_from_u64(seed("PostgreSQL restart"));
    let clients = spawn_clients(
        &server.base,
        &who,
        &shared,
        "pgr",
        CLIENTS as usize,
        &mut rng,
    );

    // Load is running: take PostgreSQL away.
    let at_setup = shared.ledger.lock().unwrap().acked;
    shared.wait_for_acks(30, Duration::from_secs(60)).await;
    assert!(cluster.stop_immediately(), "pg_ctl stop -m immediate");
    let down_at = Instant::now();
    shared.phase.store(DOWN, Ordering::SeqCst);
    let not_ready_after = readyz_until(&anon, 503, Duration::from_secs(60)).await;
    // A probe gets its answer in time, not after the pool's acquire timeout.
    assert!(
        not_ready_after < Duration::from_secs(5),
        "/readyz took {not_ready_after:?} to say not ready"
    );
    // Keep it down until writes sent while it is down were refused: each
    // client has at most one write in flight at the stop, so 8 refusals
    // after it mean at least 4 writes were both sent and refused while down.
    let deadline = Instant::now() + Duration::from_secs(120);
    while shared.tally.lock().unwrap().refused_in(usize::from(DOWN)) < 2 * CLIENTS {
        assert!(
            Instant::now() < deadline,
            "writes were not refused while PostgreSQL was down"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let down_for = down_at.elapsed();
    // From here on an answer may come from the restarted server.
    shared.phase.store(AFTER, Ordering::SeqCst);
    cluster.start();
    let started_at = Instant::now();
    let ready_after = readyz_until(&anon, 200, Duration::from_secs(60)).await;
    // Writes succeed again, in the same process.
    let acked_when_back = shared.acks_now();
    shared
        .wait_for_acks(acked_when_back + 1, Duration::from_secs(60))
        .await;
    let writing_after = started_at.elapsed();
    shared
        .wait_for_acks(acked_when_back + 30, Duration::from_secs(60))
        .await;
    shared.stop();
    for c in clients {
        c.await.unwrap();
    }
    assert!(server.running(), "baton serve exited");
    let checked = check_ledger(&server.base, &who, &shared).await;
    let tally = shared.tally.lock().unwrap().clone();
    // An unreachable database is a retryable 503, not an internal error.
    assert!(
        tally.refused[usize::from(DOWN)].keys().all(|s| *s == 503),
        "writes while down: {:?}",
        tally.refused[usize::from(DOWN)]
    );
    println!(
        "PostgreSQL restart: writes acknowledged before {} / while down {} / after {}; \
         refused while down {:?} (during the stop: {:?}); cut {:?}; \
         /readyz not ready {:.1} s after the stop; down {:.1} s; ready {:.1} s and a write acknowledged {:.1} s after the start; \
         {checked} acknowledged writes checked ({at_setup} at set-up)",
        tally.acked[usize::from(BEFORE)],
        tally.acked[usize::from(DOWN)],
        tally.acked[usize::from(AFTER)],
        tally.refused[usize::from(DOWN)],
        tally.refused[usize::from(BEFORE)],
        tally.cut,
        not_ready_after.as_secs_f64(),
        down_for.as_secs_f64(),
        ready_after.as_secs_f64(),
        writing_after.as_secs_f64(),
    );
    // Between the stop and the start nothing can be stored: a 2xx answered
    // then would be an acknowledgement of a write that is lost.
    assert_eq!(tally.acked[usize::from(DOWN)], 0, "{tally:?}");
    assert!(tally.acked[usize::from(AFTER)] >= 30, "{tally:?}");
    assert_eq!(tally.cut, [0; 3], "the server never went away");
    drop(server);
    drop(cluster);
}
