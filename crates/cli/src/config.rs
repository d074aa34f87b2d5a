//! `--config FILE`: every setting a flag or variable sets may also come from
//! a TOML file, under one rule: a flag beats its variable, the variable
//! beats the file, the file beats the default.
//!
//! The file mirrors the command line: top-level keys are the global flags
//! (`database_url`, `log`, `log_format`, `secret_key`), and a table per
//! command holds that command's flags (`[serve] bind = "0.0.0.0:8080"`,
//! `[import.events] org = "Acme"`), each named as its flag without the
//! dashes (`--max-body-bytes` is `max_body_bytes`). The settings a file
//! gives are added to the command line as the flags they stand for, so clap
//! checks them exactly as it checks typed flags; an error in one names the
//! file, the line and the key.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue};
use clap::{Arg, ArgAction, Command};
use toml::de::{DeTable, DeValue};

/// The variable naming the config file when `--config` does not.
pub const CONFIG_ENV: &str = "BATON_CONFIG";

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Something in the file is wrong: where and what.
    #[error("{path}:{line}: {message}")]
    At {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One setting the file gives, as the flag it stands for.
#[derive(Debug, Clone)]
struct Setting {
    /// `serve.bind`, as written in the file.
    key: String,
    /// Its line in the file.
    line: usize,
    /// The flags it adds to the command line (none for a `false` switch).
    flags: Vec<OsString>,
    /// The flag's long name, to tell its errors from others.
    long: String,
}

/// The command line with the config file's settings added where no flag
/// or variable gave them. `args` is the whole command line, program first;
/// `env` reads a variable. Without `--config` or [`CONFIG_ENV`] it is
/// `args` unchanged.
pub fn with_file_settings(
    command: &Command,
    args: Vec<OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Vec<OsString>, ConfigError> {
    let Some(path) = config_path(&args).or_else(|| env(CONFIG_ENV).map(PathBuf::from)) else {
        return Ok(args);
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let settings = settings(command, &path, &text)?;
    let used = commands_used(command, &args);
    let given = given_flags(&args);
    let mut out = args;
    for (scope, wanted) in settings {
        if !used.contains(&scope) {
            continue;
        }
        for s in wanted {
            let arg = find_arg(command, &scope, &s.long);
            let from_env = arg
                .and_then(Arg::get_env)
                .and_then(|name| name.to_str())
                .and_then(env)
                .is_some_and(|v| !v.is_empty());
            if !given.contains(&s.long) && !from_env {
                out.extend(s.flags);
            }
        }
    }
    Ok(out)
}

/// Names the file, line and key of a clap error about a flag the config
/// file added; any other error is left as clap wrote it.
pub fn explain(
    command: &Command,
    args: &[OsString],
    env: &dyn Fn(&str) -> Option<OsString>,
    error: &clap::Error,
) -> Option<ConfigError> {
    let path = config_path(args).or_else(|| env(CONFIG_ENV).map(PathBuf::from))?;
    let text = std::fs::read_to_string(&path).ok()?;
    let settings = settings(command, &path, &text).ok()?;
    let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let given = given_flags(args);
    let used = commands_used(command, args);
    let setting = settings
        .iter()
        .filter(|(scope, _)| used.contains(scope))
        .flat_map(|(_, wanted)| wanted)
        .find(|s| {
            !given.contains(&s.long)
                && invalid.split([' ', '=']).next() == Some(&format!("--{}", s.long))
        })?;
    let said = error.to_string();
    let first = said.lines().next().unwrap_or_default();
    Some(ConfigError::At {
        path,
        line: setting.line,
        message: format!("`{}`: {}", setting.key, first.trim_start_matches("error: ")),
    })
}

/// The file `--config FILE` or `--config=FILE` names, if any.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let Some(a) = a.to_str() else {
            continue;
        };
        if a == "--" {
            return None;
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(p));
        }
    }
    None
}

/// The long names of the flags typed on the command line.
fn given_flags(args: &[OsString]) -> Vec<String> {
    args.iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .take_while(|a| *a != "--")
        .filter_map(|a| a.strip_prefix("--"))
        .map(|a| a.split('=').next().unwrap_or(a).to_owned())
        .collect()
}

/// The commands the command line runs, outermost first, as paths from the
/// top: `""`, `"import"`, `"import.events"`.
fn commands_used(command: &Command, args: &[OsString]) -> Vec<String> {
    let mut used = vec![String::new()];
    let mut current = command;
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if let Some(flag) = a.strip_prefix("--") {
            // A flag's separate value is not a command name.
            if !flag.contains('=')
                && all_args(command, &used)
                    .find(|arg| arg.get_long() == Some(flag))
                    .is_some_and(|arg| arg.get_action().takes_values())
            {
                it.next();
            }
            continue;
        }
        if let Some(sub) = current.find_subcommand(a) {
            let parent = used.last().cloned().unwrap_or_default();
            used.push(join(&parent, sub.get_name()));
            current = sub;
        }
    }
    used
}

/// The flags of the commands on `path` (globals are defined at the top).
fn all_args<'c>(command: &'c Command, used: &[String]) -> impl Iterator<Item = &'c Arg> {
    used.iter()
        .filter_map(move |p| subcommand(command, p))
        .flat_map(Command::get_arguments)
}

/// The command at `path` (`""` is the top).
fn subcommand<'c>(command: &'c Command, path: &str) -> Option<&'c Command> {
    if path.is_empty() {
        return Some(command);
    }
    path.split('.')
        .try_fold(command, |c, name| c.find_subcommand(name))
}

/// The flag `long` of the command at `scope`.
fn find_arg<'c>(command: &'c Command, scope: &str, long: &str) -> Option<&'c Arg> {
    subcommand(command, scope)?
        .get_arguments()
        .find(|a| a.get_long() == Some(long))
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// The flags a file may set for a command: those with a long name that
/// stand for a value or a switch, not `--help`, `--version` or `--config`.
fn settable(command: &Command) -> impl Iterator<Item = &Arg> {
    command.get_arguments().filter(|a| {
        a.get_long().is_some_and(|l| l != "config")
            && !matches!(
                a.get_action(),
                ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
            )
    })
}

/// The file being read: where errors point.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    /// The line (from 1) holding byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.text
            .get(..offset.min(self.text.len()))
            .map_or(1, |before| before.matches('\n').count() + 1)
    }

    fn error(&self, offset: usize, message: String) -> ConfigError {
        ConfigError::At {
            path: self.path.to_owned(),
            line: self.line(offset),
            message,
        }
    }
}

/// Every setting of the file, by the command it belongs to; an unknown
/// key, a table that is not a command and a value of the wrong shape are
/// errors naming their line.
fn settings(
    command: &Command,
    path: &Path,
    text: &str,
) -> Result<BTreeMap<String, Vec<Setting>>, ConfigError> {
    let source = Source { path, text };
    let doc = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or_default();
        source.error(offset, e.message().trim().to_owned())
    })?;
    let mut out = BTreeMap::new();
    walk(command, "", doc.get_ref(), &source, &mut out)?;
    Ok(out)
}

fn walk(
    command: &Command,
    scope: &str,
    table: &DeTable<'_>,
    source: &Source<'_>,
    out: &mut BTreeMap<String, Vec<Setting>>,
) -> Result<(), ConfigError> {
    for (key, value) in table {
        let name = key.get_ref().as_ref();
        let path = join(scope, name);
        let offset = key.span().start;
        if let DeValue::Table(inner) = value.get_ref() {
            let Some(sub) = command.find_subcommand(name) else {
                return Err(source.error(
                    offset,
                    format!(
                        "unknown table `[{path}]`: tables are commands ({})",
                        names(command.get_subcommands().map(|c| c.get_name()))
                    ),
                ));
            };
            walk(sub, &path, inner, source, out)?;
            continue;
        }
        let long = name.replace('_', "-");
        let Some(arg) = settable(command).find(|a| a.get_long() == Some(long.as_str())) else {
            let known =
                names(settable(command).filter_map(|a| a.get_long().map(|l| l.replace('-', "_"))));
            let scope_name = if scope.is_empty() {
                "the top level"
            } else {
                scope
            };
            return Err(source.error(
                offset,
                format!("unknown setting `{path}`; {scope_name} has: {known}"),
            ));
        };
        let flags = flags(&long, arg, value.get_ref())
            .map_err(|why| source.error(value.span().start, format!("`{path}`: {why}")))?;
        out.entry(scope.to_owned()).or_default().push(Setting {
            key: path,
            line: source.line(offset),
            flags,
            long,
        });
    }
    Ok(())
}

fn names<S: AsRef<str>>(it: impl Iterator<Item = S>) -> String {
    let all: Vec<String> = it.map(|s| s.as_ref().to_owned()).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}

/// The flags that say what `value` says for `arg`.
fn flags(long: &str, arg: &Arg, value: &DeValue<'_>) -> Result<Vec<OsString>, String> {
    let flag = |v: String| OsString::from(format!("--{long}={v}"));
    match (arg.get_action(), value) {
        (ArgAction::SetTrue, DeValue::Boolean(on)) => Ok(if *on {
            vec![OsString::from(format!("--{long}"))]
        } else {
            vec![]
        }),
        (ArgAction::SetTrue | ArgAction::SetFalse, _) => Err("expected true or false".into()),
        (ArgAction::Append, DeValue::Array(items)) => items
            .iter()
            .map(|v| scalar(v.get_ref()).map(flag))
            .collect(),
        (_, v) => scalar(v).map(|s| vec![flag(s)]),
    }
}

/// A single value as the text a flag would be given.
fn scalar(value: &DeValue<'_>) -> Result<String, String> {
    match value {
        DeValue::String(s) => Ok(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(|n| n.to_string())
            .map_err(|e| format!("not a whole number ({e})")),
        DeValue::Float(f) => Ok(f.as_str().to_owned()),
        DeValue::Boolean(b) => Ok(b.to_string()),
        DeValue::Datetime(d) => Ok(d.to_string()),
        DeValue::Array(_) => Err("expected one value, not a list".into()),
        DeValue::Table(_) => Err("expected a value, not a table".into()),
    }
}
