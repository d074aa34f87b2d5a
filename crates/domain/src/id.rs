//! Identifiers: small string newtypes that can only be built by parsing, so a
//! value of one of these types is always well formed.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Longest identifier accepted anywhere, so ids stay indexable and printable.
pub const MAX_ID_LEN: usize = 200;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a value, naming what is wrong with it when it is not valid.
            pub fn parse(raw: impl Into<String>) -> Result<Self, DomainError> {
                let raw: String = raw.into();
                let check: fn(&str) -> Result<(), String> = $check;
                basic_check(&raw)
                    .and_then(|()| check(&raw))
                    .map_err(|why| DomainError::InvalidId { what: $what, value: raw.clone(), why })?;
                Ok(Self(raw))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        // Lets maps keyed by ids be read with a plain `&str`; ordering and
        // hashing are those of the inner string, as `Borrow` requires.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

fn basic_check(raw: &str) -> Result<(), String> {
    if raw.is_empty() {
        return Err("must not be empty".into());
    }
    if raw.len() > MAX_ID_LEN {
        return Err(format!("is longer than {MAX_ID_LEN} characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err("contains a control character".into());
    }
    if raw.trim() != raw {
        return Err("has leading or trailing spaces".into());
    }
    Ok(())
}

/// Keys are what people type in URLs and files: lowercase letters, digits,
/// `-` and `_`, starting with a letter.
fn key_check(raw: &str) -> Result<(), String> {
    let mut chars = raw.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if first_ok
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err("must be lowercase letters, digits, '-' or '_', starting with a letter".into())
    }
}

fn any_text(_: &str) -> Result<(), String> {
    Ok(())
}

fn email_check(raw: &str) -> Result<(), String> {
    match raw.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !raw.contains(char::is_whitespace) =>
        {
            if raw.chars().any(|c| c.is_uppercase()) {
                Err("must be lowercase".into())
            } else {
                Ok(())
            }
        }
        _ => Err("is not an email address".into()),
    }
}

string_id!(
    /// A tenant's id. Every row of data belongs to exactly one org.
    OrgId, "org id", key_check
);
string_id!(
    /// A team's key, e.g. `ae` or `motion-a`.
    TeamKey, "team key", key_check
);
string_id!(
    /// A user's email address, lowercase; users are named by it in events.
    Email, "email", email_check
);
string_id!(
    /// An account's id: the CRM's external id, as the CRM spells it.
    AccountId, "account id", any_text
);
string_id!(
    /// A handoff's id: the source system's id for history, generated otherwise.
    HandoffId, "handoff id", any_text
);
string_id!(
    /// A deal's id: the CRM's opportunity or deal id, unique within an org.
    DealId, "deal id", any_text
);
string_id!(
    /// A contract's key, e.g. `ae-to-onboarding`.
    ContractKey, "contract key", key_check
);
string_id!(
    /// A field's key within a contract, e.g. `success_criteria`.
    FieldKey, "field key", key_check
);

impl Email {
    /// Parses an address after lowercasing it, for input typed by people.
    pub fn parse_lenient(raw: &str) -> Result<Self, DomainError> {
        Self::parse(raw.trim().to_lowercase())
    }
}

/// Whether a name or text says something: at least one character that is
/// neither a space (any Unicode space, U+0085 included) nor a control
/// character. `"  "` and `"\u{19}"` say nothing.
pub fn has_words(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_control_only_texts_say_nothing() {
        assert!(has_words("Acme"));
        assert!(!has_words("  \u{85}\t"));
        assert!(!has_words("\u{19}"));
        assert!(has_words(" a "));
    }

    #[test]
    fn keys_are_lowercase_words() {
        assert!(ContractKey::parse("ae-to-onboarding").is_ok());
        assert!(ContractKey::parse("AE").is_err());
        assert!(ContractKey::parse("1abc").is_err());
        assert!(FieldKey::parse("year1_success_criteria").is_ok());
        assert!(FieldKey::parse("").is_err());
    }

    #[test]
    fn ids_reject_control_characters_and_padding() {
        assert!(AccountId::parse("A-1").is_ok());
        assert!(AccountId::parse("A\n1").is_err());
        assert!(AccountId::parse(" A-1").is_err());
        assert!(AccountId::parse("x".repeat(MAX_ID_LEN + 1)).is_err());
    }

    #[test]
    fn emails_must_look_like_addresses() {
        assert!(Email::parse("ae1@acme.test").is_ok());
        assert!(Email::parse("ae1").is_err());
        assert!(Email::parse("Ae1@acme.test").is_err());
        assert_eq!(
            Email::parse_lenient(" Ae1@Acme.test ")
                .map(|e| e.to_string())
                .ok(),
            Some("ae1@acme.test".to_string())
        );
    }

    #[test]
    fn the_error_names_the_value_and_why() {
        let err = TeamKey::parse("Sales Team").unwrap_err().to_string();
        assert!(err.contains("team key"), "{err}");
        assert!(err.contains("Sales Team"), "{err}");
    }
}
