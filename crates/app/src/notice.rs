//! A notice as a person reads it, whichever way it reaches them: a mail
//! (`mail.rs`) or a Slack direct message (`slack.rs`). A value of its own,
//! so the two channels share it without depending on each other.

/// One notice, as a person reads it.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// The mail's subject.
    pub(crate) subject: String,
    /// The one line that says what happened.
    pub(crate) headline: String,
    /// What the person needs to act, label and value.
    pub(crate) facts: Vec<(String, String)>,
    /// What the link lets them do.
    pub(crate) action: String,
    /// Where they act.
    pub(crate) link: String,
}
