//! Money as integer minor units plus an ISO 4217 currency code: never floats.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// An ISO 4217 currency code such as `USD`: three uppercase ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars.
    pub const USD: Self = Self(*b"USD");

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
    /// The largest amount Baton keeps, in minor units: 10 trillion in a
    /// two-decimal currency, beyond any account's ARR, yet small enough that
    /// thousands of them add up in 64 bits, so no total of what was
    /// accepted can fail to add up when read.
    pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

    /// Builds an amount Baton keeps (see [`Money::checked`]).
    pub fn non_negative(minor: i64, currency: Currency) -> Result<Self, DomainError> {
        Self { minor, currency }.checked("amount")
    }

    /// This amount, if Baton keeps it: ARR and losses are never negative,
    /// and never above [`Money::MAX_MINOR`]; the error names `what`.
    pub fn checked(self, what: &str) -> Result<Self, DomainError> {
        if self.minor < 0 {
            return Err(DomainError::value(
                what,
                format!("{} is negative", self.minor),
            ));
        }
        if self.minor > Self::MAX_MINOR {
            return Err(DomainError::value(
                what,
                format!(
                    "{} minor units is more than the largest amount kept ({})",
                    self.minor,
                    Self::MAX_MINOR
                ),
            ));
        }
        Ok(self)
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

/// An exchange rate as an exact decimal: `units / 10^scale`, always above
/// zero, never a float (a float cannot hold 0.92 exactly, and money must add
/// up to the cent). Its text form is the decimal without trailing zeros
/// (`1.085`), which is also its JSON form, so a rate round-trips unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rate {
    units: u64,
    scale: u32,
}

impl Rate {
    /// Most digits after the decimal point.
    pub const MAX_DECIMALS: u32 = 12;

    /// Parses a decimal such as `0.92` or `161.5`: digits, at most one
    /// point, at most [`Rate::MAX_DECIMALS`] significant decimals, above 0.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bad = |why: &str| DomainError::value("rate", format!("'{raw}' {why}"));
        let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || raw.ends_with('.') {
            return Err(bad("is not a decimal number such as 0.92"));
        }
        let frac = frac.trim_end_matches('0');
        let scale = u32::try_from(frac.len()).unwrap_or(u32::MAX);
        if scale > Self::MAX_DECIMALS {
            return Err(bad(&format!(
                "has more than {} decimals",
                Self::MAX_DECIMALS
            )));
        }
        let all = format!("{whole}{frac}");
        let significant = all.trim_start_matches('0');
        let units: u64 = if significant.is_empty() {
            0
        } else {
            significant.parse().map_err(|_| bad("is too large"))?
        };
        if units == 0 {
            return Err(bad("is not above 0"));
        }
        Ok(Self { units, scale })
    }

    /// Whether the rate is above `whole` units.
    pub fn above(self, whole: u64) -> bool {
        u128::from(self.units) > u128::from(whole) * 10_u128.pow(self.scale)
    }

    /// `minor × rate`, rounded to the nearest minor unit (halves away from
    /// zero); `None` when the result does not fit.
    pub fn apply(self, minor: i64) -> Option<i64> {
        let p = i128::from(minor).checked_mul(i128::from(self.units))?;
        let d = 10_i128.checked_pow(self.scale)?;
        let (q, r) = (p / d, p % d);
        let q = if 2 * r.abs() >= d { q + p.signum() } else { q };
        i64::try_from(q).ok()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.units.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return f.write_str(&digits);
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{whole}.{frac}")
    }
}

impl TryFrom<String> for Rate {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Rate> for String {
    fn from(r: Rate) -> String {
        r.to_string()
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
    fn rates_are_exact_decimals_in_one_canonical_form() {
        for (raw, canonical) in [
            ("0.92", "0.92"),
            ("1.0850", "1.085"),
            ("161.5", "161.5"),
            ("1", "1"),
            ("1.000", "1"),
            ("007", "7"),
            ("0.000000000001", "0.000000000001"),
        ] {
            assert_eq!(Rate::parse(raw).unwrap().to_string(), canonical, "{raw}");
        }
        for bad in [
            "0",
            "0.000",
            "-1",
            "1.",
            ".5",
            "1e3",
            "abc",
            "",
            "0.0000000000001",
            "1,5",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn a_rate_converts_minor_units_rounding_halves_away_from_zero() {
        let r = |s| Rate::parse(s).unwrap();
        assert_eq!(r("0.92").apply(500_000), Some(460_000));
        assert_eq!(r("0.0061").apply(5_000_000_000), Some(30_500_000));
        assert_eq!(r("0.5").apply(1), Some(1), "half a cent rounds up");
        assert_eq!(r("0.5").apply(-1), Some(-1), "and away from zero below it");
        assert_eq!(r("0.4").apply(1), Some(0));
        assert_eq!(
            r("1000").apply(i64::MAX),
            None,
            "too large is refused, not wrapped"
        );
    }

    #[test]
    fn amounts_kept_are_between_zero_and_the_largest_and_errors_name_the_field() {
        let usd = Currency::USD;
        let m = |minor| Money {
            minor,
            currency: usd,
        };
        assert_eq!(m(0).checked("arr").unwrap(), m(0));
        assert_eq!(
            m(Money::MAX_MINOR).checked("arr").unwrap(),
            m(Money::MAX_MINOR)
        );
        for bad in [-1, Money::MAX_MINOR + 1, i64::MAX] {
            let e = m(bad).checked("arr_lost").unwrap_err().to_string();
            assert!(e.contains("arr_lost"), "{e}");
        }
        let text = format!("{} USD", Money::MAX_MINOR / 100 + 1);
        assert!(Money::parse_text(&text).is_err(), "{text}");
        // Thousands of the largest still add up.
        assert!(Money::MAX_MINOR.checked_mul(9_000).is_some());
    }

    #[test]
    fn a_rate_compares_with_whole_units_at_any_scale() {
        let r = |s| Rate::parse(s).unwrap();
        assert!(r("1000000.000000000001").above(1_000_000));
        assert!(!r("1000000").above(1_000_000));
        assert!(r("0.000000000001").above(0));
        assert!(r("0.5").above(0) && !r("0.5").above(1));
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
