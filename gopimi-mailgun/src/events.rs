//! Mailgun event webhooks (`delivered`, `failed`, `complained`) as clean delivery events.
//!
//! Current webhooks are JSON: `{"signature": {timestamp, token, signature}, "event-data":
//! {...}}`. Legacy (pre-2018) webhooks were form-encoded with the signing fields at the top
//! level and events named `delivered`, `bounced`, `dropped`, `complained`; they are read too,
//! since it costs little. Only the events that change a message's delivery state are
//! returned; every other event (`accepted`, `opened`, `clicked`, ...) parses to `None`, so the
//! caller answers 200 and Mailgun stops sending it.
//!
//! Message ids are given in our stored form, **without angle brackets** (Mailgun's
//! `message-id` has none; legacy `Message-Id` fields do). Applying an event to the store is
//! the core's job; this module only reads.

use crate::fields::strip_angle;
use crate::form::WebhookForm;
use crate::signature::SignedFields;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

/// What happened to one recipient of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryEventKind {
    /// The recipient's server accepted it.
    Delivered,
    /// Delivery failed for now; Mailgun keeps trying.
    TemporaryFailure,
    /// Delivery failed for good (hard bounce, suppressed address).
    PermanentFailure,
    /// The recipient marked it as spam.
    Complained,
}

/// One delivery event.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryEvent {
    /// The webhook's signed token: unique per event webhook, so usable to deduplicate
    /// redeliveries of the same event (Mailgun's own `id` is unique only within a day).
    pub event_id: String,
    /// The Message-ID of the message, without angle brackets; `None` when Mailgun did not say
    /// (some legacy `dropped` events).
    pub message_id: Option<String>,
    /// The recipient the event is about.
    pub recipient: String,
    /// What happened.
    pub kind: DeliveryEventKind,
    /// Human-readable detail (the remote server's answer or Mailgun's description).
    pub reason: Option<String>,
    /// Mailgun's reason code for failures (`bounce`, `suppress-bounce`, `generic`, ...).
    pub provider_reason: Option<String>,
    /// The SMTP (or Mailgun 6xx) code, when given.
    pub code: Option<i64>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl DeliveryEvent {
    /// The event in the core's terms, to apply with
    /// [`gopimi_core::pipeline::apply_delivery_report`]; `None` when Mailgun did not name the
    /// message (nothing to apply it to).
    pub fn report(&self) -> Option<gopimi_core::pipeline::DeliveryReport> {
        use gopimi_core::pipeline::{DeliveryReport, ReportKind};
        let message_id = self
            .message_id
            .as_deref()
            .filter(|m| !m.trim().is_empty())?;
        let reason = match (&self.reason, self.code) {
            (Some(r), Some(code)) if !r.contains(&code.to_string()) => Some(format!("{code} {r}")),
            (Some(r), _) => Some(r.clone()),
            (None, Some(code)) => Some(code.to_string()),
            (None, None) => self.provider_reason.clone(),
        };
        Some(DeliveryReport {
            message_id: message_id.to_owned(),
            recipient: self.recipient.clone(),
            kind: match self.kind {
                DeliveryEventKind::Delivered => ReportKind::Delivered,
                DeliveryEventKind::TemporaryFailure => ReportKind::Deferred,
                DeliveryEventKind::PermanentFailure => ReportKind::Failed,
                DeliveryEventKind::Complained => ReportKind::Complained,
            },
            reason,
            at: self.at,
        })
    }
}

/// Why an event webhook could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The body is not the JSON Mailgun sends.
    #[error("event webhook is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field the event needs is absent.
    #[error("event field `{0}` is missing")]
    Missing(&'static str),
}

/// An event webhook read but not yet verified: its signing fields and the event, if it is one
/// that matters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    /// Signing fields.
    pub timestamp: Option<String>,
    /// Signing fields.
    pub token: Option<String>,
    /// Signing fields.
    pub signature: Option<String>,
    /// Mailgun's event name (`delivered`, `failed`, `opened`, ...).
    pub name: String,
    /// The delivery event, or `None` for events that do not change delivery state.
    pub event: Option<DeliveryEvent>,
}

impl ParsedEvent {
    /// The signing fields, for [`crate::signature::WebhookVerifier::verify`].
    pub fn signed_fields(&self) -> SignedFields<'_> {
        SignedFields {
            timestamp: self.timestamp.as_deref(),
            token: self.token.as_deref(),
            signature: self.signature.as_deref(),
        }
    }
}

/// Reads a JSON event webhook body.
pub fn parse_json(body: &[u8]) -> Result<ParsedEvent, EventError> {
    let v: Value = serde_json::from_slice(body)?;
    let sig = &v["signature"];
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let timestamp = text(&sig["timestamp"]);
    let token = text(&sig["token"]);
    let data = &v["event-data"];
    if !data.is_object() {
        return Err(EventError::Missing("event-data"));
    }
    let name = data["event"]
        .as_str()
        .ok_or(EventError::Missing("event"))?
        .to_owned();
    let kind = match (name.as_str(), data["severity"].as_str()) {
        ("delivered", _) => Some(DeliveryEventKind::Delivered),
        ("failed", Some("temporary")) => Some(DeliveryEventKind::TemporaryFailure),
        // `failed` without a severity is treated as final: Mailgun only omits it on
        // permanent drops.
        ("failed", _) => Some(DeliveryEventKind::PermanentFailure),
        ("complained", _) => Some(DeliveryEventKind::Complained),
        _ => None,
    };
    let event = match kind {
        None => None,
        Some(kind) => {
            let status = &data["delivery-status"];
            let reason = [&status["message"], &status["description"]]
                .into_iter()
                .filter_map(|v| v.as_str())
                .map(str::trim)
                .find(|s| !s.is_empty())
                .map(str::to_owned);
            let at = data["timestamp"]
                .as_f64()
                .and_then(from_unix_f64)
                .or_else(|| timestamp.as_deref().and_then(from_unix_str))
                .ok_or(EventError::Missing("timestamp"))?;
            Some(DeliveryEvent {
                event_id: token.clone().unwrap_or_default(),
                message_id: data["message"]["headers"]["message-id"]
                    .as_str()
                    .map(|m| strip_angle(m).to_owned())
                    .filter(|m| !m.is_empty()),
                recipient: data["recipient"]
                    .as_str()
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .ok_or(EventError::Missing("recipient"))?,
                kind,
                reason,
                provider_reason: data["reason"].as_str().map(str::to_owned),
                code: status["code"].as_i64(),
                at,
            })
        }
    };
    Ok(ParsedEvent {
        timestamp,
        token,
        signature: text(&sig["signature"]),
        name,
        event,
    })
}

/// Reads a legacy form-encoded event webhook.
pub fn parse_legacy(form: &WebhookForm) -> Result<ParsedEvent, EventError> {
    let name = form
        .last("event")
        .ok_or(EventError::Missing("event"))?
        .to_owned();
    let kind = match name.as_str() {
        "delivered" => Some(DeliveryEventKind::Delivered),
        "bounced" | "dropped" => Some(DeliveryEventKind::PermanentFailure),
        "complained" => Some(DeliveryEventKind::Complained),
        _ => None,
    };
    let field = |n: &str| {
        form.last(n)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let event = match kind {
        None => None,
        Some(kind) => Some(DeliveryEvent {
            event_id: field("token").unwrap_or_default(),
            message_id: form
                .last_ci("Message-Id")
                .map(|m| strip_angle(m).to_owned())
                .filter(|m| !m.is_empty()),
            recipient: field("recipient").ok_or(EventError::Missing("recipient"))?,
            kind,
            reason: field("error").or_else(|| field("description")),
            provider_reason: field("reason"),
            code: field("code").and_then(|c| c.parse().ok()),
            at: field("timestamp")
                .as_deref()
                .and_then(from_unix_str)
                .ok_or(EventError::Missing("timestamp"))?,
        }),
    };
    Ok(ParsedEvent {
        timestamp: form.last("timestamp").map(str::to_owned),
        token: form.last("token").map(str::to_owned),
        signature: form.last("signature").map(str::to_owned),
        name,
        event,
    })
}

fn from_unix_f64(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() || secs.abs() > 9.0e9 {
        return None;
    }
    Utc.timestamp_micros((secs * 1_000_000.0).round() as i64)
        .single()
}

fn from_unix_str(s: &str) -> Option<DateTime<Utc>> {
    s.trim().parse::<f64>().ok().and_then(from_unix_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(event_data: &str) -> Vec<u8> {
        format!(
            r#"{{"signature": {{"timestamp": "1529006854", "token": "tok-1", "signature": "abc"}}, "event-data": {event_data}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn failed_severity_decides_temporary_or_permanent() {
        let temp = parse_json(&wrap(
            r#"{"event": "failed", "severity": "temporary", "reason": "generic", "timestamp": 1534111899.659519, "recipient": "x@nomx.example.com", "message": {"headers": {"message-id": "m1@example.org"}}, "delivery-status": {"code": 498, "message": "No MX for nomx.example.com", "description": "No MX"}}"#,
        ))
        .expect("parses");
        let e = temp.event.clone().expect("an event");
        assert_eq!(e.kind, DeliveryEventKind::TemporaryFailure);
        assert_eq!(e.reason.as_deref(), Some("No MX for nomx.example.com"));
        assert_eq!(e.code, Some(498));
        assert_eq!(e.event_id, "tok-1");
        assert_eq!(e.at.timestamp_micros(), 1_534_111_899_659_519);
        assert_eq!(temp.signed_fields().timestamp, Some("1529006854"));
    }

    #[test]
    fn other_events_are_not_delivery_events() {
        let p = parse_json(&wrap(
            r#"{"event": "opened", "timestamp": 1.0, "recipient": "a@b"}"#,
        ))
        .expect("parses");
        assert_eq!(p.name, "opened");
        assert!(p.event.is_none());
        assert!(matches!(
            parse_json(br#"{"signature": {}}"#),
            Err(EventError::Missing("event-data"))
        ));
        assert!(parse_json(b"event=delivered").is_err());
    }

    #[test]
    fn legacy_bounces_and_drops_are_permanent() {
        let mut f = WebhookForm::new();
        f.push("event", "dropped")
            .push("Message-Id", "<20160421180324.70521@example.com>")
            .push("recipient", "bounce@example.com")
            .push("reason", "hardfail")
            .push("code", "605")
            .push(
                "description",
                "Not delivering to previously bounced address",
            )
            .push("timestamp", "1461261330")
            .push("token", "t")
            .push("signature", "s");
        let e = parse_legacy(&f).expect("parses").event.expect("event");
        assert_eq!(e.kind, DeliveryEventKind::PermanentFailure);
        assert_eq!(
            e.message_id.as_deref(),
            Some("20160421180324.70521@example.com")
        );
        assert_eq!(e.provider_reason.as_deref(), Some("hardfail"));
        assert_eq!(e.code, Some(605));
    }
}
