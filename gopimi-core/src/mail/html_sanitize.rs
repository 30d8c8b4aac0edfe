//! Sanitized HTML of inbound mail: what an agent's browser may render without running the
//! sender's code or telling the sender that the mail was opened.
//!
//! The policy (ammonia, on top of its conservative defaults):
//! - no scripts, no event handlers, no forms, iframes, objects, embeds, `<style>` or `<link>`
//!   (their content is removed too), no `javascript:` or other unknown URL schemes, no
//!   relative URLs;
//! - images load only from `cid:` (inline parts of the same mail, resolved by the caller) and
//!   `data:image/...` (not SVG); a remote `src` is removed, because remote images are how
//!   senders track opens;
//! - `style` attributes keep only presentational properties, and a declaration that could load
//!   anything (`url(`, `image-set(`, `expression(`, `@import`, escapes) drops the whole
//!   attribute;
//! - links keep `http`, `https`, `mailto` and `tel` targets and get
//!   `rel="noopener noreferrer"`.

use ammonia::{Builder, UrlRelative};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

/// CSS properties that only change how things look and cannot fetch anything.
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "font-variant",
    "text-align",
    "text-decoration",
    "text-transform",
    "text-indent",
    "line-height",
    "letter-spacing",
    "white-space",
    "vertical-align",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-radius",
    "width",
    "max-width",
    "min-width",
    "height",
    "display",
    "direction",
    "list-style-type",
];

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .url_schemes(HashSet::from([
            "http", "https", "mailto", "tel", "cid", "data",
        ]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .add_generic_attributes(["style", "align", "valign", "bgcolor", "dir"])
        .add_tag_attributes("td", ["width", "height", "colspan", "rowspan"])
        .add_tag_attributes("th", ["width", "height", "colspan", "rowspan"])
        .add_tag_attributes("table", ["width", "cellpadding", "cellspacing", "border"])
        .add_tags(["font", "center"])
        .add_tag_attributes("font", ["color", "size", "face"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
        .attribute_filter(filter_attribute);
    builder
});

fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        ("img", "src") => {
            let lower = value.trim_start().to_ascii_lowercase();
            let allowed = lower.starts_with("cid:")
                || (lower.starts_with("data:image/") && !lower.starts_with("data:image/svg"));
            allowed.then_some(Cow::Borrowed(value))
        }
        (_, "href") => {
            let lower = value.trim_start().to_ascii_lowercase();
            (!lower.starts_with("data:") && !lower.starts_with("cid:"))
                .then_some(Cow::Borrowed(value))
        }
        (_, "style") => {
            let lower = value.to_ascii_lowercase();
            let loads = [
                "url(",
                "image-set(",
                "expression(",
                "@import",
                "\\",
                "javascript:",
            ]
            .iter()
            .any(|needle| lower.contains(needle));
            (!loads).then_some(Cow::Borrowed(value))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// The sanitized form of a message's HTML body.
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_handlers_and_javascript_links() {
        let out = sanitize_html(
            r#"<p onclick="steal()">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)>"#,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("Hi"));
    }

    #[test]
    fn blocks_remote_loading_but_keeps_inline_images_and_links() {
        let out = sanitize_html(
            r#"<img src="https://track.example/p.gif"><img src="cid:logo@x"><img src="data:image/png;base64,AAAA"><img src="data:image/svg+xml;base64,AAAA"><a href="https://example.com/">site</a><div style="color: red; background: url(https://t.example/x)">a</div><p style="color: blue">b</p><iframe src="https://x"></iframe><form action="https://x"><input></form><style>body{background:url(https://x)}</style><link rel=stylesheet href="https://x/s.css">"#,
        );
        assert!(!out.contains("track.example"), "{out}");
        assert!(out.contains(r#"src="cid:logo@x""#), "{out}");
        assert!(out.contains("data:image/png"), "{out}");
        assert!(!out.contains("svg"), "{out}");
        assert!(
            out.contains(r#"<a href="https://example.com/" rel="noopener noreferrer">site</a>"#),
            "{out}"
        );
        assert!(!out.contains("t.example"), "{out}");
        assert!(out.contains("color:blue"), "{out}");
        assert!(!out.contains("iframe"), "{out}");
        assert!(!out.contains("form"), "{out}");
        assert!(!out.contains("input"), "{out}");
        assert!(!out.contains("s.css"), "{out}");
        assert!(!out.contains("background"), "{out}");
    }
}
