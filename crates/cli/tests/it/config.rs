//! `--config FILE`: one precedence rule (flag > variable > file > default),
//! a table per command, and errors naming the file, the line and the key;
//! shell completions and the man pages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use baton_testkit::TestDb;

use super::init_acme;

/// A directory of this test's own, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "baton-config-{name}-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `baton` in `dir` with only the variables given (none of the
/// caller's `BATON_*`).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    for (k, _) in std::env::vars() {
        if k.starts_with("BATON_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The error of a run that must fail with a usage error (exit code 2).
fn usage_error(out: &Output) -> String {
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

#[tokio::test]
async fn a_flag_beats_its_variable_which_beats_the_file_which_beats_the_default() {
    let dir = Dir::new("precedence");
    let url = |name: &str| format!("sqlite://{}", dir.0.join(name).display());
    let file = dir.write(
        "baton.toml",
        &format!("database_url = \"{}\"\n", url("file.db")),
    );
    let file = file.to_str().unwrap();

    let default = stdout(&run(&dir.0, &["migrate"], &[]));
    assert!(default.contains("sqlite://baton.db"), "{default}");

    let from_file = stdout(&run(&dir.0, &["--config", file, "migrate"], &[]));
    assert!(from_file.contains(&url("file.db")), "{from_file}");

    // The file may also be named by BATON_CONFIG, and the flag after the
    // command.
    let named = stdout(&run(&dir.0, &["migrate"], &[("BATON_CONFIG", file)]));
    assert!(named.contains(&url("file.db")), "{named}");

    let env = [("BATON_DATABASE_URL", url("env.db"))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let from_env = stdout(&run(&dir.0, &["migrate", "--config", file], &env));
    assert!(from_env.contains(&url("env.db")), "{from_env}");

    let flag = url("flag.db");
    let from_flag = stdout(&run(
        &dir.0,
        &["--config", file, "--database-url", &flag, "migrate"],
        &env,
    ));
    assert!(from_flag.contains(&flag), "{from_flag}");
}

#[tokio::test]
async fn a_table_per_command_sets_that_commands_flags() {
    let db = TestDb::sqlite().await;
    init_acme(&db.url);
    let dir = Dir::new("table");
    let file = dir.write(
        "baton.toml",
        &format!(
            "# where the data is\ndatabase_url = \"{}\"\n\n[scorecard]\nformat = \"json\"\n\n[serve]\nbind = \"127.0.0.1:0\"\n",
            db.url
        ),
    );
    let file = file.to_str().unwrap();
    let json = stdout(&run(&dir.0, &["--config", file, "scorecard"], &[]));
    let card: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(card.is_object(), "{json}");
    // A flag typed on the command line wins over the file's.
    let table = stdout(&run(
        &dir.0,
        &["--config", file, "scorecard", "--format", "csv"],
        &[],
    ));
    assert!(table.starts_with("contract"), "{table}");
}

#[tokio::test]
async fn an_unknown_key_a_bad_value_or_bad_toml_names_the_file_and_line() {
    let dir = Dir::new("errors");
    let cases = [
        (
            "[serve]\nbind = \"127.0.0.1:0\"\nbnd = \"0.0.0.0:8080\"\n",
            ":3: unknown setting `serve.bnd`; serve has: bind, demo, max_body_bytes",
        ),
        (
            "database_url = \"sqlite://x.db\"\ndatabse = 1\n",
            ":2: unknown setting `databse`; the top level has: database_url, log, log_format, secret_key",
        ),
        (
            "\n[srve]\nbind = \"x\"\n",
            ":2: unknown table `[srve]`: tables are commands (serve, init,",
        ),
        (
            "[serve]\n\njobs_interval = \"soon\"\n",
            ":3: `serve.jobs_interval`: invalid value 'soon' for '--jobs-interval",
        ),
        (
            "[serve]\nsecure_cookies = \"yes\"\n",
            ":2: `serve.secure_cookies`: expected true or false",
        ),
        (
            "log_format = \"xml\"\n",
            ":1: `log_format`: invalid value 'xml'",
        ),
        ("[serve\nbind = 1\n", ":1: "),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let file = dir.write(&format!("bad{i}.toml"), text);
        let file = file.to_str().unwrap();
        let err = usage_error(&run(&dir.0, &["--config", file, "serve"], &[]));
        assert!(
            err.starts_with(&format!("error: {file}{want}")),
            "{text:?} → {err}"
        );
        assert!(
            !dir.0.join("baton.db").exists(),
            "nothing was created: {err}"
        );
    }
    let missing = dir.0.join("missing.toml");
    let err = String::from_utf8(
        run(
            &dir.0,
            &["--config", missing.to_str().unwrap(), "status"],
            &[],
        )
        .stderr,
    )
    .unwrap();
    assert!(
        err.contains("cannot read the config file") && err.contains("missing.toml"),
        "{err}"
    );
}

#[test]
fn completions_load_in_bash_and_name_the_commands() {
    let dir = Dir::new("completions");
    let bash = stdout(&run(&dir.0, &["completions", "bash"], &[]));
    assert!(
        bash.contains("serve") && bash.contains("--database-url"),
        "{bash}"
    );
    let script = dir.write("baton.bash", &bash);
    // Bash completes a command and a flag of it from the script.
    let complete = |words: &str, cword: usize| {
        let out = Command::new("bash")
            .args([
                "-c",
                &format!(
                    "source {} && COMP_WORDS=({words}) && COMP_CWORD={cword} && \
                     _baton baton \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\" && \
                     echo \"${{COMPREPLY[@]}}\"",
                    script.display()
                ),
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(complete("baton ser", 1), "serve");
    assert_eq!(complete("baton serve --bi", 2), "--bind");
    let zsh = stdout(&run(&dir.0, &["completions", "zsh"], &[]));
    assert!(zsh.starts_with("#compdef baton"), "{zsh}");
    let fish = stdout(&run(&dir.0, &["completions", "fish"], &[]));
    assert!(fish.contains("complete -c baton"), "{fish}");
    let err = usage_error(&run(&dir.0, &["completions", "tcsh"], &[]));
    assert!(
        err.contains("bash") && err.contains("zsh") && err.contains("fish"),
        "{err}"
    );
}

#[test]
fn the_man_pages_render_and_cover_every_command() {
    let dir = Dir::new("man");
    let page = stdout(&run(&dir.0, &["man"], &[]));
    assert!(
        page.starts_with(".ie"),
        "roff: {}",
        &page[..80.min(page.len())]
    );
    assert!(page.contains(".TH baton 1"), "{page}");
    let out = dir.0.join("pages");
    stdout(&run(&dir.0, &["man", "--dir", out.to_str().unwrap()], &[]));
    for name in [
        "baton.1",
        "baton-serve.1",
        "baton-import-events.1",
        "baton-completions.1",
    ] {
        assert!(out.join(name).exists(), "{name}");
    }
    // man itself reads it (when the machine has man).
    if let Ok(read) = Command::new("man")
        .args(["-l", out.join("baton-serve.1").to_str().unwrap()])
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output()
    {
        let text = String::from_utf8_lossy(&read.stdout);
        assert!(text.contains("--bind"), "{text}");
    }
}
