//! Password hashing with Argon2id, off the async threads, and the password
//! policy every new password meets (NIST SP 800-63B style: length and
//! obvious guesses, no composition rules).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use baton_domain::Email;

use crate::AppError;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Longest password accepted: long passphrases fit, and no one makes the
/// server hash a megabyte.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Fewest different characters: refuses `aaaaaaaaaa` and `1212121212`.
const MIN_DISTINCT_CHARS: usize = 5;

/// Whether `password` may be `email`'s password; the reason when not.
pub fn check_policy(password: &str, email: &Email) -> Result<(), AppError> {
    let refuse = |why: &str| Err(AppError::Invalid(format!("the password {why}")));
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return refuse(&format!("must have at least {MIN_PASSWORD_LEN} characters"));
    }
    if len > MAX_PASSWORD_LEN {
        return refuse(&format!("must have at most {MAX_PASSWORD_LEN} characters"));
    }
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    if distinct.len() < MIN_DISTINCT_CHARS {
        return refuse(&format!(
            "must use at least {MIN_DISTINCT_CHARS} different characters"
        ));
    }
    let lower = password.trim().to_lowercase();
    let email = email.as_str().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || lower == local {
        return refuse("must not be the email address");
    }
    Ok(())
}

/// Argon2 runs this many at once at most (one per core): each takes
/// ~19 MiB and a core for tens of milliseconds, so a burst of sign-ins
/// queues here instead of taking every core and, measured in the soak,
/// ~800 MiB of RSS that the allocator then keeps.
fn hashing() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// Hashes `email`'s new password (Argon2id, default parameters, random
/// salt) into a PHC string, after checking it against the policy.
pub async fn hash(password: String, email: &Email) -> Result<String, AppError> {
    check_policy(&password, email)?;
    let _permit = hashing()
        .acquire()
        .await
        .map_err(|e| AppError::Invalid(format!("hashing failed: {e}")))?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Invalid(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| AppError::Invalid(format!("hashing failed: {e}")))?
}

/// Spends the time of one verification and fails: a sign-in with an
/// unknown email then takes as long as one with a wrong password, so the
/// answer's timing does not tell whether the email exists.
pub async fn verify_nothing(password: String) -> bool {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let Ok(permit) = hashing().acquire().await else {
        return false;
    };
    let stored = tokio::task::spawn_blocking(|| {
        DUMMY
            .get_or_init(|| {
                Argon2::default()
                    .hash_password(b"no one has this password")
                    .ok()
                    .map(|h| h.to_string())
            })
            .clone()
    })
    .await
    .ok()
    .flatten();
    drop(permit);
    if let Some(stored) = stored {
        verify(password, stored).await;
    }
    false
}

/// Whether `password` matches a stored PHC hash.
pub async fn verify(password: String, stored: String) -> bool {
    let Ok(_permit) = hashing().acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn the_policy_refuses_short_long_repetitive_and_own_email_passwords() {
        let me = email("dana.ortiz@acme.test");
        assert!(check_policy("correct horse battery", &me).is_ok());
        for bad in [
            "short",
            "aaaaaaaaaaaa",
            "1212121212121",
            "dana.ortiz@acme.test",
            "DANA.ORTIZ",
        ] {
            assert!(check_policy(bad, &me).is_err(), "{bad}");
        }
        let long = "correct horse ".repeat(20);
        assert!(check_policy(&long, &me).is_err());
        assert!(check_policy(&long[..MAX_PASSWORD_LEN], &me).is_ok());
    }
}
