//! Turning Mailgun's *parsed* delivery back into one MIME message.
//!
//! The core parses every inbound mail with one parser, so an adapter that receives parsed
//! fields rebuilds the message rather than inventing a second path. What is kept, and how:
//! - every original header, in order, from `message-headers` (so `Received` chains,
//!   `Message-Id`, `In-Reply-To`, `References`, `Date`, `From`, `To`, `Cc`, `Reply-To`,
//!   `X-Mailgun-*` all survive), except the ones describing the original body structure
//!   (`Content-Type`, `Content-Transfer-Encoding`, `MIME-Version`, ...), which the rebuilt body
//!   replaces. Values are written as received (RFC 6532 allows UTF-8); an unstructured `Subject`
//!   with non-ASCII text is RFC 2047-encoded. Line breaks inside values are unfolded, so a
//!   value can never inject a header;
//! - `body-plain` and `body-html` as `multipart/alternative`;
//! - files referenced by `content-id-map` as inline parts with their `Content-ID`, grouped with
//!   the HTML in `multipart/related`; other files as attachments, in `multipart/mixed`.
//!
//! No header is invented: a mail without `Message-ID` or `Date` stays without one, so that the
//! core (not a random id here) decides how to deduplicate it.

use mail_builder::headers::Header;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
use mail_builder::mime::{BodyPart, MimePart};
use std::io::Write;

/// A file to put back into the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuiltPart {
    /// File name, if known.
    pub filename: Option<String>,
    /// Content type; `application/octet-stream` when unknown or malformed.
    pub content_type: Option<String>,
    /// Content-ID (without angle brackets) when the part is inline.
    pub content_id: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The pieces of a parsed delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedMessage {
    /// Top-level headers, in order.
    pub headers: Vec<(String, String)>,
    /// Text body.
    pub text: Option<String>,
    /// HTML body.
    pub html: Option<String>,
    /// Inline parts and attachments, in order.
    pub parts: Vec<RebuiltPart>,
}

/// Headers describing the original body's structure, replaced by the rebuilt one.
const STRUCTURAL: [&str; 6] = [
    "content-type",
    "content-transfer-encoding",
    "mime-version",
    "content-disposition",
    "content-id",
    "content-length",
];

/// Writes the message as RFC 5322 bytes (CRLF line endings).
pub fn rebuild(msg: &ParsedMessage) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(
        msg.text.as_ref().map_or(0, String::len)
            + msg.html.as_ref().map_or(0, String::len)
            + msg
                .parts
                .iter()
                .map(|p| p.data.len() * 4 / 3)
                .sum::<usize>()
            + 4096,
    );
    for (name, value) in &msg.headers {
        if !valid_header_name(name) || STRUCTURAL.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let value = unfold(value);
        out.write_all(name.as_bytes())?;
        out.write_all(b": ")?;
        if name.eq_ignore_ascii_case("subject") && !value.is_ascii() {
            Text::new(value).write_header(&mut out, name.len() + 2)?;
        } else if value.is_empty() {
            out.write_all(b"\r\n")?;
        } else {
            Raw::new(value).write_header(&mut out, name.len() + 2)?;
        }
    }
    out.write_all(b"MIME-Version: 1.0\r\n")?;
    body(msg).write_part(&mut out)?;
    Ok(out)
}

fn body(msg: &ParsedMessage) -> MimePart<'_> {
    let text = msg.text.as_deref().map(|t| MimePart::new("text/plain", t));
    let html = msg.html.as_deref().map(|h| MimePart::new("text/html", h));
    let mut content = match (text, html) {
        (Some(t), Some(h)) => MimePart::new("multipart/alternative", vec![t, h]),
        (Some(t), None) => t,
        (None, Some(h)) => h,
        (None, None) => MimePart::new("text/plain", ""),
    };

    let (inline, attached): (Vec<_>, Vec<_>) =
        msg.parts.iter().partition(|p| p.content_id.is_some());
    if !inline.is_empty() {
        let mut related = vec![content];
        related.extend(inline.into_iter().map(file_part));
        content = MimePart::new("multipart/related", related);
    }
    if attached.is_empty() {
        content
    } else {
        let mut mixed = vec![content];
        mixed.extend(attached.into_iter().map(file_part));
        MimePart::new("multipart/mixed", mixed)
    }
}

fn file_part(p: &RebuiltPart) -> MimePart<'_> {
    let ct = p
        .content_type
        .as_deref()
        .and_then(clean_content_type)
        .unwrap_or("application/octet-stream");
    let part = MimePart::new(
        ContentType::new(ct),
        BodyPart::Binary(p.data.as_slice().into()),
    );
    let disposition = if p.content_id.is_some() {
        "inline"
    } else {
        "attachment"
    };
    let mut cd = ContentType::new(disposition);
    if let Some(name) = p
        .filename
        .as_deref()
        .map(base_name)
        .filter(|n| !n.is_empty())
    {
        cd = cd.attribute("filename", unfold(name));
    }
    let part = part.header("Content-Disposition", cd);
    match &p.content_id {
        Some(cid) => part.cid(unfold(cid)),
        None => part,
    }
}

/// `type/subtype`, parameters dropped, or `None` if it is not one.
fn clean_content_type(ct: &str) -> Option<&str> {
    let essence = ct.split(';').next()?.trim();
    let (ty, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(ty) && token(sub)).then_some(essence)
}

/// The last path segment of an uploaded file name (`C:\share\mail\a.msg` → `a.msg`).
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim()
}

/// A header name is printable ASCII without a colon or space (RFC 5322 §2.2).
fn valid_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

/// Joins folded or multi-line values into one line.
fn unfold(value: &str) -> String {
    if !value.contains(['\r', '\n']) {
        return value.trim().to_owned();
    }
    value
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    fn msg() -> ParsedMessage {
        ParsedMessage {
            headers: vec![
                ("Received".into(), "by mx1".into()),
                ("Received".into(), "by mx2".into()),
                ("From".into(), "Bob <bob@example.org>".into()),
                ("To".into(), "Alice <alice@example.com>".into()),
                ("Subject".into(), "Grüße\r\n aus Köln".into()),
                ("Message-Id".into(), "<m1@example.org>".into()),
                (
                    "Content-Type".into(),
                    "multipart/mixed; boundary=\"orig\"".into(),
                ),
                ("X-Evil".into(), "a\r\nBcc: victim@example.net".into()),
                ("Bad Name".into(), "x".into()),
            ],
            text: Some("Hello\nworld".into()),
            html: Some("<p>Hello <img src=\"cid:logo@x\"></p>".into()),
            parts: vec![
                RebuiltPart {
                    filename: Some("logo.png".into()),
                    content_type: Some("image/png".into()),
                    content_id: Some("logo@x".into()),
                    data: vec![0x89, b'P', b'N', b'G', 0, 1, 2],
                },
                RebuiltPart {
                    filename: Some("C:\\share\\report.pdf".into()),
                    content_type: Some("application/pdf\r\nX-Injected: 1".into()),
                    content_id: None,
                    data: b"%PDF-1.4 ...".to_vec(),
                },
            ],
        }
    }

    #[test]
    fn the_rebuilt_message_parses_back_to_its_parts() {
        let raw = rebuild(&msg()).expect("write");
        let m = MessageParser::default().parse(&raw).expect("parses");
        assert_eq!(m.subject(), Some("Grüße aus Köln"));
        assert_eq!(m.message_id(), Some("m1@example.org"));
        assert_eq!(
            m.from().and_then(|a| a.first()).and_then(|a| a.address()),
            Some("bob@example.org")
        );
        assert_eq!(m.header_values("Received").count(), 2);
        // Line ends become CRLF on the wire, as MIME requires.
        assert_eq!(m.body_text(0).as_deref(), Some("Hello\r\nworld"));
        assert!(m.body_html(0).expect("html").contains("cid:logo@x"));
        // One inline image with its Content-ID, one attachment with a clean name and type.
        let parts: Vec<_> = m.attachments().collect();
        assert_eq!(parts.len(), 2, "{}", String::from_utf8_lossy(&raw));
        let logo = parts
            .iter()
            .find(|p| p.content_id() == Some("logo@x"))
            .expect("inline");
        assert_eq!(logo.contents(), [0x89, b'P', b'N', b'G', 0, 1, 2]);
        let pdf = parts
            .iter()
            .find(|p| p.attachment_name() == Some("report.pdf"))
            .expect("pdf");
        assert_eq!(
            pdf.content_type().map(|c| c.subtype()),
            Some(Some("octet-stream"))
        );
        assert_eq!(pdf.contents(), b"%PDF-1.4 ...");
        // The original structure headers and invalid names are gone; nothing was injected.
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("boundary=\"orig\""));
        assert!(!text.contains("Bad Name"));
        assert!(m.header("Bcc").is_none());
        assert!(!text.contains("\r\nX-Injected"));
    }

    #[test]
    fn no_message_id_or_date_is_invented() {
        let raw = rebuild(&ParsedMessage {
            headers: vec![("From".into(), "a@example.org".into())],
            text: Some("x".into()),
            ..ParsedMessage::default()
        })
        .expect("write");
        let m = MessageParser::default().parse(&raw).expect("parses");
        assert_eq!(m.message_id(), None);
        assert_eq!(m.date(), None);
    }
}
