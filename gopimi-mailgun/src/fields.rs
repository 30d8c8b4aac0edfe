//! Mailgun's JSON-inside-a-form fields: `message-headers`, `content-id-map` and `attachments`.
//!
//! All three are JSON strings posted as form values. They are decoded leniently, because
//! Mailgun's own payloads are not always tidy: legacy webhooks post some header values as JSON
//! arrays (`["Content-Type", ["multipart/alternative", {...}]]`), and a `content-id-map` can
//! carry duplicate or empty keys. Anything unusable is skipped rather than failing the mail.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use std::fmt;

/// Decodes `message-headers`: a JSON array of `[name, value]` pairs, order and repeats kept.
/// Pairs whose value is not a string are skipped. `None` if the field is not a JSON array.
pub fn message_headers(json: &str) -> Option<Vec<(String, String)>> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let items = v.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|pair| {
                let pair = pair.as_array()?;
                match (pair.first()?.as_str(), pair.get(1)?.as_str()) {
                    (Some(name), Some(value)) => Some((name.to_owned(), value.to_owned())),
                    _ => None,
                }
            })
            .collect(),
    )
}

/// Decodes `content-id-map`: a JSON object of `"<cid>"` to `"attachment-N"` (forwards) or to
/// the attachment's `{url, ...}` object (stored messages; the URL is returned), keeping every
/// entry in order even when keys repeat. Content ids are returned without angle brackets;
/// entries with an empty id are dropped (they cannot be referenced). Malformed JSON gives an
/// empty map.
pub fn content_id_map(json: &str) -> Vec<(String, String)> {
    let mut de = serde_json::Deserializer::from_str(json);
    let Ok(Pairs(pairs)) = Pairs::deserialize(&mut de) else {
        return Vec::new();
    };
    pairs
        .into_iter()
        .filter_map(|(cid, field)| {
            let cid = strip_angle(&cid);
            (!cid.is_empty()).then(|| (cid.to_owned(), field))
        })
        .collect()
}

/// One attachment of a `store()` notification, kept on Mailgun's storage.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredAttachment {
    /// Where to download it (with the API key).
    pub url: String,
    /// File name.
    #[serde(default)]
    pub name: Option<String>,
    /// Content type.
    #[serde(default, rename = "content-type")]
    pub content_type: Option<String>,
    /// Declared size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
}

/// Decodes `attachments` (store notify): a JSON list of `{url, name, content-type, size}`.
pub fn stored_attachments(json: &str) -> Result<Vec<StoredAttachment>, serde_json::Error> {
    serde_json::from_str(json)
}

/// `<id>` → `id`, trimmed.
pub fn strip_angle(s: &str) -> &str {
    let t = s.trim();
    let t = t.strip_prefix('<').unwrap_or(t);
    let t = t.strip_suffix('>').unwrap_or(t);
    t.trim()
}

/// A JSON object read as ordered pairs (duplicate keys kept), string values only.
struct Pairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    match v {
                        serde_json::Value::String(s) => out.push((k, s)),
                        // Stored messages map a content id to the attachment object itself.
                        serde_json::Value::Object(o) => {
                            if let Some(serde_json::Value::String(url)) = o.get("url") {
                                out.push((k, url.clone()));
                            }
                        }
                        _ => {}
                    }
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_keep_order_and_repeats_and_skip_structured_values() {
        let h = message_headers(
            r#"[["Received", "a"], ["Received", "b"], ["Content-Type", ["multipart/alternative", {"boundary": "x"}]], ["Subject", "Hi"]]"#,
        )
        .expect("array");
        assert_eq!(
            h,
            [
                ("Received".to_owned(), "a".to_owned()),
                ("Received".to_owned(), "b".to_owned()),
                ("Subject".to_owned(), "Hi".to_owned()),
            ]
        );
        assert_eq!(message_headers("not json"), None);
        assert_eq!(message_headers("[]"), Some(vec![]));
    }

    #[test]
    fn content_id_map_survives_duplicate_and_empty_keys() {
        let m = content_id_map(
            r#"{"": "attachment-1", "": "attachment-2", "<abc>": "attachment-3", "<abc>": "attachment-4"}"#,
        );
        assert_eq!(
            m,
            [
                ("abc".to_owned(), "attachment-3".to_owned()),
                ("abc".to_owned(), "attachment-4".to_owned()),
            ]
        );
        assert!(content_id_map("{broken").is_empty());
    }

    #[test]
    fn stored_attachments_decode_mailgun_names() {
        let a = stored_attachments(
            r#"[{"url": "https://storage.mailgun.net/v3/x/attachments/0", "content-type": "application/pdf", "name": "a.pdf", "size": 20202}]"#,
        )
        .expect("list");
        assert_eq!(a[0].content_type.as_deref(), Some("application/pdf"));
        assert_eq!(a[0].size, Some(20202));
    }
}
