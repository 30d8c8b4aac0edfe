//! Verifying that a webhook really comes from Mailgun.
//!
//! Mailgun signs `timestamp + token` (concatenated as received, no separator) with HMAC-SHA256
//! under the account's HTTP webhook signing key, and sends the lower-case hex digest. The
//! signature does not cover the body, so a captured request could be replayed with another
//! body: that is why a verified request must also be *fresh* (timestamp within a window of our
//! clock) and *new* (its token never accepted before, see [`crate::replay`]).
//!
//! The checks run cheapest-and-unforgeable first: the HMAC before the clock, and the clock
//! before the replay guard, so a forger can neither fill the replay cache nor learn anything
//! from timing (the digest is compared with `hmac`'s constant-time `verify_slice`).

use crate::config::Secret;
use crate::replay::ReplayGuard;
use chrono::{DateTime, TimeZone, Utc};
use gopimi_core::clock::Clock;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// `timestamp`, `token` or `signature` is absent or empty.
    #[error("webhook signature field `{0}` is missing")]
    Missing(&'static str),
    /// The HMAC does not match (wrong key, or a forged or altered request).
    #[error("webhook signature does not match")]
    BadSignature,
    /// The timestamp is not a number of seconds since the epoch.
    #[error("webhook timestamp is not a unix time")]
    BadTimestamp,
    /// The timestamp is further from now than the window allows.
    #[error("webhook timestamp is {age_secs}s away from now (window {window_secs}s)")]
    Stale {
        /// Distance from now, in seconds (either direction).
        age_secs: i64,
        /// The allowed window.
        window_secs: u64,
    },
    /// The token was already accepted once.
    #[error("webhook token was already used")]
    Replayed,
    /// The replay guard could not be consulted (its store is down); retrying later may work.
    #[error("replay guard unavailable: {0}")]
    Unavailable(gopimi_core::Error),
}

impl SignatureError {
    /// Whether Mailgun should retry the webhook later (only when our side was down).
    pub fn is_transient(&self) -> bool {
        matches!(self, SignatureError::Unavailable(_))
    }
}

impl From<SignatureError> for gopimi_core::Error {
    fn from(e: SignatureError) -> Self {
        match e {
            SignatureError::Unavailable(inner) => inner,
            other => gopimi_core::Error::Unauthenticated {
                reason: other.to_string(),
            },
        }
    }
}

/// The three signature fields of one webhook, as received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignedFields<'a> {
    /// Unix seconds, as a string.
    pub timestamp: Option<&'a str>,
    /// Random 50-character string.
    pub token: Option<&'a str>,
    /// Hex HMAC-SHA256 of `timestamp + token`.
    pub signature: Option<&'a str>,
}

/// What a successful verification vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The signed token (unique per webhook call; usable as an event id).
    pub token: String,
    /// The signed time.
    pub timestamp: DateTime<Utc>,
}

/// Computes Mailgun's signature of `timestamp + token` under `key` (lower-case hex). Exposed
/// so tests and stand-ins can sign payloads exactly as Mailgun does.
pub fn sign(key: &str, timestamp: &str, token: &str) -> String {
    hex::encode(mac(key, timestamp, token).finalize().into_bytes())
}

fn mac(key: &str, timestamp: &str, token: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(timestamp.as_bytes());
    mac.update(token.as_bytes());
    mac
}

/// Checks signature, freshness and novelty of webhooks.
#[derive(Clone)]
pub struct WebhookVerifier {
    key: Secret,
    window: Duration,
    clock: Arc<dyn Clock>,
    guard: Arc<dyn ReplayGuard>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("key", &self.key)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    /// A verifier with the HTTP webhook signing key, a 5-minute window, a clock and a replay
    /// guard (use [`crate::replay::StoreReplayGuard`] when several processes serve webhooks).
    pub fn new(
        signing_key: impl Into<Secret>,
        clock: Arc<dyn Clock>,
        guard: Arc<dyn ReplayGuard>,
    ) -> Self {
        WebhookVerifier {
            key: signing_key.into(),
            window: Duration::from_secs(5 * 60),
            clock,
            guard,
        }
    }

    /// Sets how far a timestamp may be from now, either way.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The window in use.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Verifies one webhook's fields: signature, then freshness, then novelty (recording the
    /// token so it is refused next time).
    pub async fn verify(&self, fields: SignedFields<'_>) -> Result<Verified, SignatureError> {
        let present = |v: Option<&'_ str>, name| match v.map(str::trim) {
            Some(s) if !s.is_empty() => Ok(s.to_owned()),
            _ => Err(SignatureError::Missing(name)),
        };
        // Exact strings as received: Mailgun signed these bytes.
        let timestamp = fields
            .timestamp
            .filter(|s| !s.trim().is_empty())
            .ok_or(SignatureError::Missing("timestamp"))?;
        let token = fields
            .token
            .filter(|s| !s.trim().is_empty())
            .ok_or(SignatureError::Missing("token"))?;
        let signature = present(fields.signature, "signature")?;

        let given = hex::decode(signature.to_ascii_lowercase())
            .map_err(|_| SignatureError::BadSignature)?;
        mac(self.key.expose(), timestamp, token)
            .verify_slice(&given)
            .map_err(|_| SignatureError::BadSignature)?;

        let signed_at = parse_timestamp(timestamp)?;
        let now = self.clock.now();
        let age = (now - signed_at).num_seconds().abs();
        let window_secs = self.window.as_secs();
        if age > i64::try_from(window_secs).unwrap_or(i64::MAX) {
            return Err(SignatureError::Stale {
                age_secs: age,
                window_secs,
            });
        }

        // A replay must carry the same timestamp (it is signed), so it is refused as stale once
        // `signed_at + window` has passed: the guard need remember the token only that long.
        let window = chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX);
        let expires_at = signed_at
            .checked_add_signed(window)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let first = self
            .guard
            .first_use(token, now, expires_at)
            .await
            .map_err(SignatureError::Unavailable)?;
        if !first {
            return Err(SignatureError::Replayed);
        }
        Ok(Verified {
            token: token.to_owned(),
            timestamp: signed_at,
        })
    }
}

impl WebhookVerifier {
    /// Forgets a verified token (see [`ReplayGuard::forget`]): the caller could not process
    /// the request, and Mailgun's retry of it must not be refused as a replay. Best effort:
    /// if the guard cannot be reached either, the retry is refused and logged.
    pub async fn release(&self, token: &str) {
        if let Err(e) = self.guard.forget(token).await {
            tracing::warn!(error = %e, "could not forget a webhook token; Mailgun's retry will be refused");
        }
    }
}

/// Reads Mailgun's timestamp: integer seconds, tolerating a fractional part.
fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, SignatureError> {
    let t = s.trim();
    if let Ok(secs) = t.parse::<i64>() {
        return Utc
            .timestamp_opt(secs, 0)
            .single()
            .ok_or(SignatureError::BadTimestamp);
    }
    let f: f64 = t.parse().map_err(|_| SignatureError::BadTimestamp)?;
    if !f.is_finite() {
        return Err(SignatureError::BadTimestamp);
    }
    let micros = (f * 1_000_000.0).round();
    if micros.abs() > 9.0e15 {
        return Err(SignatureError::BadTimestamp);
    }
    Utc.timestamp_micros(micros as i64)
        .single()
        .ok_or(SignatureError::BadTimestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::MemoryReplayGuard;
    use gopimi_core::clock::ManualClock;

    const KEY: &str = "key-7f2c3b1e9a";

    fn verifier(now_secs: i64) -> (WebhookVerifier, ManualClock) {
        let clock = ManualClock::new(Utc.timestamp_opt(now_secs, 0).single().expect("time"));
        let v = WebhookVerifier::new(
            KEY,
            Arc::new(clock.clone()),
            Arc::new(MemoryReplayGuard::new()),
        );
        (v, clock)
    }

    fn fields<'a>(ts: &'a str, token: &'a str, sig: &'a str) -> SignedFields<'a> {
        SignedFields {
            timestamp: Some(ts),
            token: Some(token),
            signature: Some(sig),
        }
    }

    #[test]
    fn signature_matches_an_independent_hmac_of_timestamp_then_token() {
        // RFC 4231-style check: HMAC over the concatenation, computed in two updates here and
        // in one there.
        let mut m = HmacSha256::new_from_slice(b"k").expect("key");
        m.update(b"1700000000abc");
        assert_eq!(
            sign("k", "1700000000", "abc"),
            hex::encode(m.finalize().into_bytes())
        );
        assert_eq!(sign("k", "1700000000", "abc").len(), 64);
    }

    #[tokio::test]
    async fn a_valid_signature_passes_once() {
        let (v, _) = verifier(1_700_000_100);
        let token = "a".repeat(50);
        let sig = sign(KEY, "1700000000", &token);
        let ok = v
            .verify(fields("1700000000", &token, &sig))
            .await
            .expect("valid");
        assert_eq!(ok.token, token);
        assert_eq!(ok.timestamp.timestamp(), 1_700_000_000);
        assert!(matches!(
            v.verify(fields("1700000000", &token, &sig)).await,
            Err(SignatureError::Replayed)
        ));
    }

    #[tokio::test]
    async fn upper_case_hex_is_accepted() {
        let (v, _) = verifier(1_700_000_000);
        let sig = sign(KEY, "1700000000", "tok").to_ascii_uppercase();
        v.verify(fields("1700000000", "tok", &sig))
            .await
            .expect("hex case does not matter");
    }

    #[tokio::test]
    async fn wrong_key_or_altered_fields_fail() {
        let (v, _) = verifier(1_700_000_000);
        let sig = sign("another-key", "1700000000", "tok");
        assert!(matches!(
            v.verify(fields("1700000000", "tok", &sig)).await,
            Err(SignatureError::BadSignature)
        ));
        let sig = sign(KEY, "1700000000", "tok");
        assert!(matches!(
            v.verify(fields("1700000001", "tok", &sig)).await,
            Err(SignatureError::BadSignature)
        ));
        assert!(matches!(
            v.verify(fields("1700000000", "tok", "not hex")).await,
            Err(SignatureError::BadSignature)
        ));
        assert!(matches!(
            v.verify(fields("1700000000", "tok", &sig[..62])).await,
            Err(SignatureError::BadSignature)
        ));
    }

    #[tokio::test]
    async fn a_forged_request_does_not_burn_the_token() {
        let (v, _) = verifier(1_700_000_000);
        let bad = sign("another-key", "1700000000", "tok");
        assert!(v.verify(fields("1700000000", "tok", &bad)).await.is_err());
        let good = sign(KEY, "1700000000", "tok");
        v.verify(fields("1700000000", "tok", &good))
            .await
            .expect("the real one still passes");
    }

    #[tokio::test]
    async fn stale_and_future_timestamps_fail() {
        let (v, clock) = verifier(1_700_000_000);
        let sig = sign(KEY, "1699999600", "old");
        assert!(matches!(
            v.verify(fields("1699999600", "old", &sig)).await,
            Err(SignatureError::Stale { age_secs: 400, .. })
        ));
        let sig = sign(KEY, "1700000400", "future");
        assert!(matches!(
            v.verify(fields("1700000400", "future", &sig)).await,
            Err(SignatureError::Stale { .. })
        ));
        // Exactly at the edge of the window passes.
        clock.set(Utc.timestamp_opt(1_700_000_300, 0).single().expect("time"));
        let sig = sign(KEY, "1700000000", "edge");
        v.verify(fields("1700000000", "edge", &sig))
            .await
            .expect("300s is inside a 300s window");
    }

    #[tokio::test]
    async fn the_window_is_configurable() {
        let (v, _) = verifier(1_700_000_100);
        let v = v.with_window(Duration::from_secs(60));
        let sig = sign(KEY, "1700000000", "tok");
        assert!(matches!(
            v.verify(fields("1700000000", "tok", &sig)).await,
            Err(SignatureError::Stale {
                window_secs: 60,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn missing_fields_are_named() {
        let (v, _) = verifier(1_700_000_000);
        let sig = sign(KEY, "1700000000", "tok");
        let cases = [
            (
                SignedFields {
                    timestamp: None,
                    ..fields("", "tok", &sig)
                },
                "timestamp",
            ),
            (
                SignedFields {
                    token: None,
                    ..fields("1700000000", "", &sig)
                },
                "token",
            ),
            (fields("1700000000", "tok", ""), "signature"),
            (fields("1700000000", "  ", &sig), "token"),
        ];
        for (f, name) in cases {
            match v.verify(f).await {
                Err(SignatureError::Missing(n)) => assert_eq!(n, name),
                other => panic!("expected missing {name}, got {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_non_numeric_timestamp_is_refused_even_if_signed() {
        let (v, _) = verifier(1_700_000_000);
        let sig = sign(KEY, "yesterday", "tok");
        assert!(matches!(
            v.verify(fields("yesterday", "tok", &sig)).await,
            Err(SignatureError::BadTimestamp)
        ));
    }
}
