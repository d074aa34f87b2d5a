//! A real SMTP server for tests: aiosmtpd (PyPI), started on 127.0.0.1 by
//! the test, keeping every message it takes in a directory of its own.
//!
//! The Python with aiosmtpd is `BATON_TEST_SMTPD_PYTHON` (`.ci/run` makes a
//! virtualenv and sets it), else `python3` if it can import aiosmtpd.
//! Without either the mail tests are skipped, unless `BATON_REQUIRE_SMTP`
//! is set (CI sets it): then a missing server is a failure.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const SCRIPT: &str = include_str!("smtp_keep.py");

/// A running SMTP server that keeps mail.
pub struct SmtpServer {
    child: Option<Child>,
    python: String,
    /// The port it listens on (kept across a restart).
    pub port: u16,
    dir: PathBuf,
}

/// One message as the server kept it.
#[derive(Debug, Clone)]
pub struct KeptMail {
    /// The envelope's recipients.
    pub to: Vec<String>,
    /// The Subject header.
    pub subject: String,
    /// The Message-ID header.
    pub message_id: String,
    /// The From header.
    pub from: String,
    /// The text/plain part, decoded.
    pub text: String,
    /// The text/html part, decoded.
    pub html: String,
}

fn python() -> Option<String> {
    if let Ok(p) = std::env::var("BATON_TEST_SMTPD_PYTHON")
        && !p.is_empty()
    {
        return Some(p);
    }
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some("python3".into());
    }
    assert!(
        std::env::var_os("BATON_REQUIRE_SMTP").is_none(),
        "BATON_REQUIRE_SMTP is set but no Python with aiosmtpd was found (set BATON_TEST_SMTPD_PYTHON)"
    );
    eprintln!("skipping: no Python with aiosmtpd (set BATON_TEST_SMTPD_PYTHON)");
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpServer {
    /// Starts one on a free port, or `None` when no aiosmtpd is available
    /// and none is required.
    pub fn start() -> Option<Self> {
        let python = python()?;
        let dir =
            std::env::temp_dir().join(format!("baton-smtp-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("mail dir");
        let mut s = Self {
            child: None,
            python,
            port: 0,
            dir,
        };
        // Another process may take a port between our probe and the
        // server's bind: try a few.
        let started = (0..5).any(|_| {
            s.port = free_port();
            s.spawn()
        });
        assert!(started, "the SMTP server did not start");
        Some(s)
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) -> bool {
        let mut child = Command::new(&self.python)
            .args(["-c", SCRIPT])
            .arg(&self.dir)
            .arg(self.port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let ready = crate::ready(&mut child);
        if ready {
            self.child = Some(child);
        } else {
            let _ = child.kill();
            let _ = child.wait();
        }
        ready
    }

    /// Stops it: connections to its port are then refused.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if let Some(mut stdin) = c.stdin.take() {
                let _ = stdin.flush();
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port, keeping what it has.
    pub fn restart(&mut self) {
        self.stop();
        assert!(self.spawn(), "the SMTP server did not start again");
    }

    /// Every message kept so far, oldest first.
    pub fn mails(&self) -> Vec<KeptMail> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&self.dir)
            .expect("mail dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .map(|p| {
                let t = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (t, p)
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, p)| parse(&std::fs::read_to_string(&p).expect("a kept mail")))
            .collect()
    }

    /// The messages kept for `to`.
    pub fn mails_to(&self, to: &str) -> Vec<KeptMail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Headers (unfolded, names lowercased) and the body after them.
fn split(raw: &str) -> (Vec<(String, String)>, &str) {
    let raw_norm = raw;
    let (head, body) = raw_norm
        .split_once("\r\n\r\n")
        .or_else(|| raw_norm.split_once("\n\n"))
        .unwrap_or((raw_norm, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Decodes a quoted-printable or base64 part (7bit/8bit as it is).
fn decode(encoding: &str, body: &str) -> String {
    match encoding.to_ascii_lowercase().as_str() {
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "").replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'='
                    && i + 2 < bytes.len()
                    && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
                {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).replace("\r\n", "\n")
        }
        "base64" => {
            let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            String::from_utf8_lossy(&base64_decode(&clean)).replace("\r\n", "\n")
        }
        _ => body.replace("\r\n", "\n"),
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(v) = A.iter().position(|&a| a == c) else {
            continue;
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

fn parse(raw: &str) -> KeptMail {
    let (headers, body) = split(raw);
    let mut mail = KeptMail {
        to: header(&headers, "x-rcpt-to")
            .split(',')
            .map(str::to_string)
            .collect(),
        subject: header(&headers, "subject").to_string(),
        message_id: header(&headers, "message-id").to_string(),
        from: header(&headers, "from").to_string(),
        text: String::new(),
        html: String::new(),
    };
    let ctype = header(&headers, "content-type");
    let boundary = ctype
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"').to_string());
    let parts: Vec<&str> = match &boundary {
        Some(b) => body.split(&format!("--{b}")).collect(),
        None => vec![raw],
    };
    for part in parts {
        let part = part.trim_start_matches(['\r', '\n']);
        let (h, b) = split(part);
        let t = header(&h, "content-type");
        let text = decode(header(&h, "content-transfer-encoding"), b);
        if t.starts_with("text/plain") {
            mail.text = text;
        } else if t.starts_with("text/html") {
            mail.html = text;
        }
    }
    mail
}
