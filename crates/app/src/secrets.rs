//! Secrets at rest: a CRM connection's credentials are sealed with
//! XChaCha20-Poly1305 under a key from the environment (`BATON_SECRET_KEY`,
//! base64 of 32 random bytes: `openssl rand -base64 32`). Each write draws
//! a fresh random 24-byte nonce (random nonces of that length never
//! collide in practice); the org and connection ids are the associated
//! data, so a sealed blob copied onto another connection does not open.
//!
//! The key is never logged, printed or compared outside the cipher.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use baton_store::Sealed;
use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};

/// The environment variable the key is read from.
pub const SECRET_KEY_ENV: &str = "BATON_SECRET_KEY";

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key given is not base64 of 32 bytes.
    #[error(
        "{SECRET_KEY_ENV} must be the base64 of 32 random bytes (make one with `openssl rand -base64 32`): {0}"
    )]
    BadKey(String),
    /// No key is configured.
    #[error(
        "no {SECRET_KEY_ENV} is set: CRM credentials and billing secrets are stored encrypted with it; set it (`openssl rand -base64 32`) and restart Baton"
    )]
    NoKey,
    /// The sealed secret does not open with this key: the key changed, or
    /// the stored secret was altered.
    #[error(
        "the stored credentials cannot be decrypted with this {SECRET_KEY_ENV} (was the key changed?); reconnect the CRM or restore the previous key"
    )]
    WrongKey,
    /// The system's random source failed.
    #[error("no random nonce could be drawn: {0}")]
    Random(String),
}

/// The key that seals CRM credentials.
#[derive(Clone)]
pub struct SecretKey(Key);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// Reads the key from its base64 text (spaces around it ignored).
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| SecretError::BadKey(format!("not base64 ({e})")))?;
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SecretError::BadKey(format!("{} bytes, not 32", bytes.len())))?;
        Ok(Self(Key::from(key)))
    }

    /// The key a setting gives (`BATON_SECRET_KEY` and its flag), `None`
    /// when unset or blank, an error when set but malformed.
    pub fn from_setting(text: Option<&str>) -> Result<Option<Self>, SecretError> {
        match text {
            Some(v) if !v.trim().is_empty() => Self::from_base64(v).map(Some),
            _ => Ok(None),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0)
    }

    /// Seals `plain`, bound to `aad`.
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> Result<Sealed, SecretError> {
        let nonce = XNonce::try_generate().map_err(|e| SecretError::Random(e.to_string()))?;
        let cipher = self
            .cipher()
            .encrypt(&nonce, Payload { msg: plain, aad })
            .map_err(|_| SecretError::Random("encryption failed".into()))?;
        Ok(Sealed {
            nonce: STANDARD.encode(nonce.as_slice()),
            cipher: STANDARD.encode(cipher),
        })
    }

    /// Opens what [`SecretKey::seal`] sealed with the same `aad`.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>, SecretError> {
        let nonce = STANDARD
            .decode(&sealed.nonce)
            .map_err(|_| SecretError::WrongKey)?;
        let nonce: [u8; 24] = nonce
            .as_slice()
            .try_into()
            .map_err(|_| SecretError::WrongKey)?;
        let cipher = STANDARD
            .decode(&sealed.cipher)
            .map_err(|_| SecretError::WrongKey)?;
        self.cipher()
            .decrypt(&XNonce::from(nonce), Payload { msg: &cipher, aad })
            .map_err(|_| SecretError::WrongKey)
    }
}

/// The associated data binding a connection's secrets to it.
pub fn connection_aad(org: &baton_domain::OrgId, connection: &str) -> Vec<u8> {
    format!("baton/crm-connection/{org}/{connection}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::from_base64(&STANDARD.encode([byte; 32])).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_aad_only() {
        let k = key(7);
        let sealed = k
            .seal(b"pat-na1-secret", b"org/c1")
            .unwrap_or_else(|_| unreachable!());
        assert!(!sealed.cipher.contains("secret"));
        assert_eq!(
            k.open(&sealed, b"org/c1").ok().as_deref(),
            Some(&b"pat-na1-secret"[..])
        );
        assert!(matches!(
            k.open(&sealed, b"org/c2"),
            Err(SecretError::WrongKey)
        ));
        assert!(matches!(
            key(8).open(&sealed, b"org/c1"),
            Err(SecretError::WrongKey)
        ));
    }

    #[test]
    fn each_seal_draws_a_new_nonce() {
        let k = key(1);
        let a = k.seal(b"x", b"a").unwrap_or_else(|_| unreachable!());
        let b = k.seal(b"x", b"a").unwrap_or_else(|_| unreachable!());
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.cipher, b.cipher);
    }

    #[test]
    fn a_malformed_key_is_named_and_the_key_never_printed() {
        let err = SecretKey::from_base64("c2hvcnQ=")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("BATON_SECRET_KEY") && err.contains("5 bytes, not 32"));
        assert!(SecretKey::from_base64("not base64!").is_err());
        assert_eq!(format!("{:?}", key(3)), "SecretKey(…)");
    }
}
