//! The one webhook signature Baton verifies for senders that sign as
//! Stripe documents it (<https://docs.stripe.com/webhooks#verify-manually>):
//! a header `t=UNIX_SECONDS,v1=HEX[,v1=HEX…]` where each `v1` is
//! HMAC-SHA256 with the endpoint's secret over `"{t}.{raw body}"`. Any one
//! `v1` matching is enough (a sender signs with the old and the new secret
//! while one is being rotated), compared in constant time, and `t` must be
//! within five minutes of Baton's clock so that a captured request cannot
//! be replayed later. Stripe's billing webhook and the survey webhook both
//! verify here.

use baton_domain::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::AppError;

/// How far a signature's time may be from now, as Stripe's libraries
/// default to.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Refuses a request whose signature does not verify; the reason is for
/// the log and the answer, never what the expected signature was.
pub(crate) fn refused(header_name: &str, why: &str) -> AppError {
    AppError::Unauthenticated(format!("the {header_name} does not verify: {why}"))
}

/// Decodes lowercase or uppercase hex.
fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Verifies a signature header (`t=…,v1=…[,v1=…]`, sent as `header_name`)
/// over `body` with `secret` at `now`.
pub fn verify(
    header_name: &str,
    header: &str,
    body: &[u8],
    secret: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let mut t: Option<i64> = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let t = t.ok_or_else(|| refused(header_name, "no timestamp (t=)"))?;
    if signatures.is_empty() {
        return Err(refused(header_name, "no v1 signature"));
    }
    if (now.as_second() - t).abs() > TOLERANCE_SECONDS {
        return Err(refused(
            header_name,
            "its timestamp is more than five minutes from now (a replay, or a clock that is off)",
        ));
    }
    let ok = signatures.iter().filter_map(|s| hex(s)).any(|sig| {
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .map(|mut mac| {
                mac.update(t.to_string().as_bytes());
                mac.update(b".");
                mac.update(body);
                // Constant time, whatever the signature.
                mac.verify_slice(&sig).is_ok()
            })
            .unwrap_or(false)
    });
    if ok {
        Ok(())
    } else {
        Err(refused(
            header_name,
            "no v1 signature matches the signing secret",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(t: i64, body: &str, secret: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!());
        mac.update(format!("{t}.{body}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn the_signature_is_checked_as_stripe_documents_it() {
        let now = Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let t = now.as_second();
        let body = r#"{"id":"evt_1"}"#;
        let good = sign(t, body, "whsec_test");
        let ok = |h: &str| verify("X-Sig", h, body.as_bytes(), "whsec_test", now).is_ok();
        assert!(ok(&format!("t={t},v1={good}")));
        // While a secret rolls, the sender signs with both: any one matching.
        let old = sign(t, body, "whsec_old");
        assert!(ok(&format!("t={t},v1={old},v1={good},v0=ignored")));
        assert!(!ok(&format!("t={t},v1={old}")));
        // A changed body, a stale or future time, a missing part.
        assert!(
            verify(
                "X-Sig",
                &format!("t={t},v1={good}"),
                b"{}",
                "whsec_test",
                now
            )
            .is_err()
        );
        let stale = sign(t - 301, body, "whsec_test");
        assert!(!ok(&format!("t={},v1={stale}", t - 301)));
        let ahead = sign(t + 301, body, "whsec_test");
        assert!(!ok(&format!("t={},v1={ahead}", t + 301)));
        assert!(ok(&format!(
            "t={},v1={}",
            t - 300,
            sign(t - 300, body, "whsec_test")
        )));
        assert!(!ok(&format!("v1={good}")));
        assert!(!ok(&format!("t={t}")));
        assert!(!ok(&format!("t={t},v1=zz")));
        let e = verify("X-Sig", &format!("t={t}"), body.as_bytes(), "s", now).unwrap_err();
        assert!(e.to_string().contains("X-Sig"), "{e}");
    }
}
