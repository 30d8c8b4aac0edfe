//! Recovering a body from damaged MIME.
//!
//! A common breakage: a `multipart/*` part whose `boundary` parameter was lost, typically
//! because a client folded its Content-Type header without indenting the continuation line.
//! mail-parser then cannot split the part and hands it over as one opaque text. When that
//! leaves a message without a body, the boundary is recovered from the first `--` delimiter
//! line inside the part and the part is parsed again.

use mail_parser::{Message, MimeHeaders, PartType};

/// A body recovered from a damaged multipart part.
#[derive(Debug)]
pub(crate) struct RepairedBody {
    /// Index of the damaged part in the message's parts.
    pub part_index: usize,
    pub text: Option<String>,
    pub html: Option<String>,
}

/// The first multipart part without usable boundary, parsed with the boundary its content
/// reveals.
pub(crate) fn repair_multipart(message: &Message<'_>) -> Option<RepairedBody> {
    for (index, part) in message.parts.iter().enumerate() {
        let Some(ct) = part.content_type() else {
            continue;
        };
        if !ct.ctype().eq_ignore_ascii_case("multipart") {
            continue;
        }
        let content = match &part.body {
            PartType::Text(t) => t.clone(),
            PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b),
            _ => continue,
        };
        let Some(boundary) = content.lines().find_map(|l| {
            let b = l.trim_end().strip_prefix("--")?;
            let b = b.strip_suffix("--").unwrap_or(b);
            (!b.is_empty() && b.len() <= 200 && !b.contains('"')).then_some(b)
        }) else {
            continue;
        };
        let subtype = ct.subtype().unwrap_or("mixed");
        let synthetic =
            format!("Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n{content}");
        let Some(inner) = super::parse::message_parser().parse(synthetic.as_bytes()) else {
            continue;
        };
        let text = inner
            .text_body
            .iter()
            .filter_map(|id| match inner.parts.get(*id as usize).map(|p| &p.body) {
                Some(PartType::Text(t)) => Some(t.to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let html = inner
            .html_body
            .iter()
            .filter_map(|id| match inner.parts.get(*id as usize).map(|p| &p.body) {
                Some(PartType::Html(h)) => Some(h.to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n");
        if text.trim().is_empty() && html.trim().is_empty() {
            continue;
        }
        return Some(RepairedBody {
            part_index: index,
            text: (!text.trim().is_empty()).then_some(text),
            html: (!html.trim().is_empty()).then_some(html),
        });
    }
    None
}
