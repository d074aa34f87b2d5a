//! The JSON body extractor: axum's `Json`, with every rejection turned into
//! a problem+json that says what is wrong and where (malformed JSON with its
//! line and column, a wrong type with its path, an oversized body).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body of type `T`.
#[derive(Debug, Clone)]
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(rejected(rejection)),
        }
    }
}

/// A JSON body that may be left out entirely (then `T::default()`).
#[derive(Debug, Clone)]
pub struct OptionalBody<T>(pub T);

impl<T, S> FromRequest<S> for OptionalBody<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || (req
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .is_none()
                && req
                    .headers()
                    .get(axum::http::header::CONTENT_LENGTH)
                    .is_none()
                && req
                    .headers()
                    .get(axum::http::header::TRANSFER_ENCODING)
                    .is_none());
        if empty {
            return Ok(Self(T::default()));
        }
        Body::<T>::from_request(req, state)
            .await
            .map(|Body(v)| Self(v))
    }
}

fn rejected(r: JsonRejection) -> ApiError {
    let detail = r.body_text();
    match r {
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request("malformed-json", detail),
        JsonRejection::JsonDataError(_) => {
            // axum words it "Failed to deserialize the JSON body into the
            // target type: PATH: WHAT"; keep the path as the field.
            let what = detail
                .split_once("target type: ")
                .map_or(detail.as_str(), |(_, w)| w);
            let (field, message) = match what.split_once(": ") {
                Some((path, msg)) if !path.contains(' ') => (path.to_string(), msg.to_string()),
                _ => ("body".to_string(), what.to_string()),
            };
            let mut e = ApiError::invalid_field(field, message);
            e.kind = "urn:baton:problem:invalid-body".into();
            e.title = "Invalid body".into();
            e
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as JSON with Content-Type: application/json",
        ),
        other => {
            let status = other.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    status,
                    "body-too-large",
                    "Body too large",
                    "the request body is larger than this server accepts (1 MiB by default; see `baton serve --max-body-bytes`)",
                )
            } else {
                ApiError::new(status, "unreadable-body", "Unreadable body", detail)
            }
        }
    }
}

/// Query-string parameters of type `T`, with problem+json rejections.
#[derive(Debug, Clone)]
pub struct Params<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(r) => {
                let detail = r.body_text();
                let what = detail
                    .split_once("string: ")
                    .map_or(detail.as_str(), |(_, w)| w);
                Err(ApiError::invalid_field("query", what))
            }
        }
    }
}

/// Integers as JSON Schema counts them: a number with no fractional part is
/// an integer, so `3.0` is read as `3` (serde alone refuses it), within the
/// range of the target type. Query-string text is read the same way. Use
/// with `#[serde(deserialize_with = "integral::exact")]` or, on an optional
/// field, `#[serde(default, deserialize_with = "integral::option")]`.
pub mod integral {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Deserialize, Deserializer, Error, Visitor};

    struct Integral<T>(T);

    struct Seen<T>(PhantomData<T>);

    impl<T: TryFrom<i128>> Seen<T> {
        fn fit<E: Error>(n: i128) -> Result<Integral<T>, E> {
            T::try_from(n)
                .map(Integral)
                .map_err(|_| E::custom(format!("{n} is out of range")))
        }

        fn float<E: Error>(f: f64) -> Result<Integral<T>, E> {
            // JSON numbers reach here as floats when written with a fraction
            // or beyond 64 bits. Past 2^53 a float no longer holds every
            // integer, so the number written may not be the one read (e.g.
            // -2^63 - 1 reads as i64::MIN): refuse it rather than round it.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if !f.is_finite() || f.fract() != 0.0 {
                Err(E::custom(format!("{f} is not an integer")))
            } else if f.abs() >= EXACT {
                Err(E::custom(format!("{f} is out of range")))
            } else {
                // A whole number below 2^53 converts exactly.
                Self::fit(f as i128)
            }
        }
    }

    impl<T: TryFrom<i128>> Visitor<'_> for Seen<T> {
        type Value = Integral<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer")
        }

        fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
            Self::fit(i128::from(v))
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
            Self::fit(i128::from(v))
        }

        fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
            Self::float(v)
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
            match (v.parse::<i128>(), v.parse::<f64>()) {
                (Ok(n), _) => Self::fit(n),
                (_, Ok(f)) => Self::float(f),
                _ => Err(E::custom(format!("'{v}' is not an integer"))),
            }
        }
    }

    impl<'de, T: TryFrom<i128>> Deserialize<'de> for Integral<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Seen(PhantomData))
        }
    }

    /// A required integer.
    pub fn exact<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D) -> Result<T, D::Error> {
        Integral::<T>::deserialize(d).map(|i| i.0)
    }

    /// An optional integer.
    pub fn option<'de, D: Deserializer<'de>, T: TryFrom<i128>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<Integral<T>>::deserialize(d).map(|o| o.map(|i| i.0))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Amount {
        #[serde(deserialize_with = "super::integral::exact")]
        minor: i64,
        #[serde(default, deserialize_with = "super::integral::option")]
        score: Option<u8>,
    }

    fn read(json: &str) -> Result<Amount, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let a = read(r#"{"minor": -103600.0, "score": 3.0}"#).ok();
        assert_eq!(a.map(|a| (a.minor, a.score)), Some((-103_600, Some(3))));
    }

    #[test]
    fn an_integer_beyond_its_type_is_refused_never_rounded_into_it() {
        // JSON reads -2^63 - 1 as a float that rounds to i64::MIN.
        assert!(read(r#"{"minor": -9223372036854775809}"#).is_err());
        assert!(read(r#"{"minor": 9223372036854775808}"#).is_err());
        assert!(read(r#"{"minor": 1, "score": 256}"#).is_err());
        assert!(read(r#"{"minor": 1.5}"#).is_err());
        assert!(read(r#"{"minor": 1e400}"#).is_err());
    }
}
