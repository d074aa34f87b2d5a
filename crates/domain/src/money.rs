//! Money as integer minor units plus an ISO 4217 currency code: never floats.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// An ISO 4217 currency code such as `USD`: three uppercase ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a three-letter uppercase code.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(DomainError::InvalidValue {
                what: "currency".into(),
                why: format!("'{raw}' is not a three-letter ISO 4217 code such as USD"),
            }),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // The bytes were checked to be ASCII letters on construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl TryFrom<String> for Currency {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money in minor units (cents for USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// The amount in the currency's minor unit.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount, refusing negative values (ARR and losses are never negative).
    pub fn non_negative(minor: i64, currency: Currency) -> Result<Self, DomainError> {
        if minor < 0 {
            return Err(DomainError::InvalidValue {
                what: "amount".into(),
                why: format!("{minor} is negative"),
            });
        }
        Ok(Self { minor, currency })
    }

    /// Parses the text form `48000.00 USD` (or `USD 48000`).
    pub fn parse_text(raw: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::InvalidValue {
            what: "money".into(),
            why: format!("'{raw}' is not an amount such as '48000.00 USD'"),
        };
        let parts: Vec<&str> = raw.split_whitespace().collect();
        let (amount, code) = match parts.as_slice() {
            [a, c] if Currency::parse(c).is_ok() => (*a, *c),
            [c, a] if Currency::parse(c).is_ok() => (*a, *c),
            _ => return Err(bad()),
        };
        let amount = amount.replace(',', "");
        let (whole, frac) = amount.split_once('.').unwrap_or((&amount, ""));
        if whole.is_empty() || frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        if !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        Self::non_negative(minor, Currency::parse(code)?)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // On the magnitude, so that -0.01 keeps its sign.
        let sign = if self.minor < 0 { "-" } else { "" };
        let m = self.minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", m / 100, m % 100, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_uppercase_letters() {
        assert!(Currency::parse("USD").is_ok());
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("US").is_err());
    }

    #[test]
    fn a_negative_amount_shows_its_sign() {
        let usd = Currency::parse("USD").unwrap();
        let show = |minor| {
            Money {
                minor,
                currency: usd,
            }
            .to_string()
        };
        assert_eq!(show(-1), "-0.01 USD");
        assert_eq!(show(-150), "-1.50 USD");
        assert_eq!(show(i64::MIN), "-92233720368547758.08 USD");
    }

    #[test]
    fn money_text_form_round_trips() {
        let m = Money::parse_text("48,000.50 USD").unwrap();
        assert_eq!(m.minor, 4_800_050);
        assert_eq!(m.to_string(), "48000.50 USD");
        assert_eq!(Money::parse_text("EUR 12").unwrap().minor, 1200);
        assert!(Money::parse_text("12.345 USD").is_err());
        assert!(Money::parse_text("-5 USD").is_err());
        assert!(Money::parse_text("lots").is_err());
    }
}
