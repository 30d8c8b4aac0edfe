//! Signatures in the Standard Webhooks style.
//!
//! A request carries `webhook-id` (the event id), `webhook-timestamp` (Unix seconds) and
//! `webhook-signature`: `v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">`. The secret is
//! `whsec_` + base64; the decoded bytes are the HMAC key. During a rotation's grace period both
//! the new and the old secret sign, their signatures separated by a space, so a receiver that
//! still holds the old secret keeps accepting requests.

use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A fresh secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The HMAC key of a secret (its decoded bytes).
pub fn secret_key(secret: &str) -> Result<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(b64)
        .map_err(|e| Error::internal("webhook secret is not base64", e))
}

/// The signature of one request with one secret: `v1,<base64>`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let key = secret_key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|e| Error::internal("webhook secret cannot key an HMAC", e))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header value: one signature per secret, space-separated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let sigs = secrets
        .iter()
        .map(|s| sign(s, id, timestamp, body))
        .collect::<Result<Vec<_>>>()?;
    Ok(sigs.join(" "))
}

/// What a receiver does: whether any `v1` signature in `header` matches `secret` (compared in
/// constant time). Timestamp tolerance is the receiver's choice and not checked here.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Ok(key) = secret_key(secret) else {
        return false;
    };
    header.split(' ').any(|part| {
        let Some(b64) = part.strip_prefix("v1,") else {
            return false;
        };
        let Ok(sig) = STANDARD.decode(b64) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
            return false;
        };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac.verify_slice(&sig).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn matches_the_standard_webhooks_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let ts = 1614265330;
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(secret, id, ts, body).expect("sign");
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(secret, id, ts, body, &sig));
        assert!(!verify(secret, id, ts + 1, body, &sig));
    }

    #[test]
    fn a_rotation_sends_both_signatures() {
        let old = generate_secret();
        let new = generate_secret();
        assert!(new.starts_with(SECRET_PREFIX));
        assert_eq!(secret_key(&new).expect("key").len(), 32);
        let header = signature_header(&[&new, &old], "evt_1", 5, b"{}").expect("header");
        assert_eq!(header.split(' ').count(), 2);
        assert!(verify(&old, "evt_1", 5, b"{}", &header));
        assert!(verify(&new, "evt_1", 5, b"{}", &header));
        assert!(!verify(&generate_secret(), "evt_1", 5, b"{}", &header));
    }
}
