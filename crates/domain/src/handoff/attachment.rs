//! Context that travels with a handoff's record, as a value events carry.
//! A leaf of the domain.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Context that travels with the record: a call recording, a thread, a doc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// `recording`, `thread`, `document`, `note` or `link`.
    pub kind: String,
    /// What it is.
    pub title: String,
    /// Where it lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Attachment kinds Baton knows.
pub const ATTACHMENT_KINDS: &[&str] = &["recording", "thread", "document", "note", "link"];

impl Attachment {
    /// Checks kind, title and link.
    pub fn validate(&self) -> Result<(), DomainError> {
        if !ATTACHMENT_KINDS.contains(&self.kind.as_str()) {
            return Err(DomainError::value(
                "attachment kind",
                format!(
                    "'{}' is not one of: {}",
                    self.kind,
                    ATTACHMENT_KINDS.join(", ")
                ),
            ));
        }
        if self.title.trim().is_empty() {
            return Err(DomainError::value("attachment title", "must not be empty"));
        }
        if let Some(url) = &self.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(DomainError::value(
                "attachment url",
                format!("'{url}' is not an http(s) link"),
            ));
        }
        if self.url.is_none() && self.kind != "note" {
            return Err(DomainError::value(
                "attachment url",
                format!("a {} needs a url", self.kind),
            ));
        }
        Ok(())
    }
}
