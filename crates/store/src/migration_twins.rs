//! The two migration folders are one schema written twice, once per
//! dialect, and must not drift: the same files, and the same statements
//! once integer spellings (`INTEGER` and `BIGINT`: SQLite's INTEGER is
//! 64-bit, PostgreSQL's is not) and comments are set aside. What only one
//! dialect can say sits between `-- dialect: sqlite|postgres` and
//! `-- end dialect` lines, which the comparison skips.

use std::collections::BTreeSet;
use std::path::Path;

/// Files written before the markers existed, whose dialect-only
/// statements (the append-only triggers) are told apart by what they are.
/// Applied migrations are never edited, so they are named here instead.
const BEFORE_MARKERS: &[&str] = &["0001_init.sql"];

/// The last migration written before new ones had to be portable: from the
/// next one on, PostgreSQL columns are 64-bit (`BIGINT`) like SQLite's.
const LAST_UNPORTABLE: u32 = 30;

/// A migration's number, from its name (`0031_….sql`).
fn number(name: &str) -> u32 {
    name.split('_')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Where a dialect-only definition (in a file from before the markers)
/// ends.
#[derive(Debug, Clone, Copy)]
enum Definition {
    /// A PostgreSQL function: at its closing `$$;`.
    Dollar,
    /// A SQLite trigger body: at `END;`.
    Begin,
    /// A statement that may open a body: at its `;`, or `BEGIN`.
    Statement,
}

fn dir(dialect: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect)
}

fn files(dialect: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir(dialect))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect()
        })
        .unwrap_or_default()
}

/// Drops marked dialect blocks; in a file from before the markers, the
/// trigger and function definitions.
fn portable_lines(name: &str, sql: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut definition: Option<Definition> = None;
    let old = BEFORE_MARKERS.contains(&name);
    for (no, raw) in sql.lines().enumerate() {
        let line = raw.trim();
        if let Some(d) = line.strip_prefix("-- dialect:") {
            if in_block {
                return Err(format!("{name}:{}: a dialect block inside another", no + 1));
            }
            if !matches!(d.trim(), "sqlite" | "postgres") {
                return Err(format!("{name}:{}: unknown dialect '{}'", no + 1, d.trim()));
            }
            in_block = true;
            continue;
        }
        if line == "-- end dialect" {
            if !in_block {
                return Err(format!("{name}:{}: an end without a dialect block", no + 1));
            }
            in_block = false;
            continue;
        }
        if in_block {
            continue;
        }
        let code = line.split("--").next().unwrap_or_default().trim();
        if code.is_empty() {
            continue;
        }
        let upper = code.to_uppercase();
        if old
            && definition.is_none()
            && (upper.starts_with("CREATE TRIGGER") || upper.starts_with("CREATE FUNCTION"))
        {
            definition = Some(if upper.contains("$$") {
                Definition::Dollar
            } else {
                Definition::Statement
            });
            if upper.ends_with(';') && !upper.contains("$$") {
                definition = None;
            }
            continue;
        }
        if let Some(d) = definition {
            definition = match (d, upper.as_str()) {
                (Definition::Dollar, "$$;") | (Definition::Begin, "END;") => None,
                (Definition::Statement, "BEGIN") => Some(Definition::Begin),
                (Definition::Statement, l) if l.ends_with(';') => None,
                (d, _) => Some(d),
            };
            continue;
        }
        out.push(
            upper
                .split_whitespace()
                .map(|w| match w.trim_end_matches([',', ')', ';']) {
                    "INTEGER" | "BIGINT" => {
                        w.replacen(w.trim_end_matches([',', ')', ';']), "INT", 1)
                    }
                    _ => w.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    if in_block {
        return Err(format!("{name}: a dialect block is not closed"));
    }
    Ok(out)
}

#[test]
fn both_folders_hold_the_same_migrations() {
    let (sqlite, postgres) = (files("sqlite"), files("postgres"));
    assert!(
        !sqlite.is_empty(),
        "no migrations read from {}",
        dir("sqlite").display()
    );
    let only: Vec<_> = sqlite.symmetric_difference(&postgres).collect();
    assert!(only.is_empty(), "in one folder only: {only:?}");
}

#[test]
fn twin_migrations_say_the_same_outside_their_dialect_blocks() {
    for name in files("sqlite") {
        let read = |d: &str| std::fs::read_to_string(dir(d).join(&name)).unwrap_or_default();
        let a = portable_lines(&name, &read("sqlite"));
        let b = portable_lines(&name, &read("postgres"));
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => panic!("{e}"),
        };
        if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            panic!(
                "{name} drifts at statement line {}: sqlite {:?}, postgres {:?}",
                i + 1,
                a.get(i),
                b.get(i)
            );
        }
    }
}

#[test]
fn new_postgres_migrations_use_64_bit_integers() {
    for name in files("postgres")
        .into_iter()
        .filter(|n| number(n) > LAST_UNPORTABLE)
    {
        let sql = std::fs::read_to_string(dir("postgres").join(&name)).unwrap_or_default();
        for (no, line) in sql.lines().enumerate() {
            let code = line.split("--").next().unwrap_or_default().to_uppercase();
            assert!(
                !code
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == "INTEGER" || w == "INT" || w == "INT4"),
                "{name}:{}: a 32-bit column; use BIGINT: {line}",
                no + 1
            );
        }
    }
}

#[test]
fn the_comparison_sees_a_drift_and_skips_a_marked_block() {
    let a = "CREATE TABLE t (n INTEGER NOT NULL);\n-- dialect: sqlite\nSELECT 1;\n-- end dialect\n";
    let b = "CREATE TABLE t (n BIGINT NOT NULL); -- why\n-- dialect: postgres\nALTER TABLE t ALTER COLUMN n TYPE BIGINT;\n-- end dialect\n";
    assert_eq!(portable_lines("x.sql", a), portable_lines("x.sql", b));
    let drifted = "CREATE TABLE t (n BIGINT NOT NULL, m TEXT);\n";
    assert_ne!(portable_lines("x.sql", a), portable_lines("x.sql", drifted));
    assert!(portable_lines("x.sql", "-- dialect: oracle\n").is_err());
    assert!(portable_lines("x.sql", "-- dialect: sqlite\nSELECT 1;\n").is_err());
}
