//! Plain text from an HTML body, for mail that has no text part.
//!
//! Block elements become line breaks, list items get a dash, and `<blockquote>` content is
//! prefixed with `> ` per level, so quoted history in HTML-only replies reads (and is detected)
//! like quoted history in plain-text mail. `<head>`, `<style>`, `<script>` and `<title>` are
//! skipped; entities are decoded; whitespace is collapsed outside `<pre>`.

/// Elements whose start and end break the line.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "tr",
    "table",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "center",
    "dl",
    "dt",
    "dd",
    "form",
    "fieldset",
    "tbody",
    "thead",
    "tfoot",
    "main",
    "nav",
    "aside",
    "figure",
    "figcaption",
];

/// Elements whose content is not text.
const SKIP_TAGS: &[&str] = &[
    "head", "style", "script", "title", "template", "noscript", "xml",
];

struct Writer {
    out: String,
    line: String,
    quote_depth: usize,
    line_quote_depth: usize,
    pending_space: bool,
    blank_lines: usize,
}

impl Writer {
    fn new(capacity: usize) -> Self {
        Writer {
            out: String::with_capacity(capacity),
            line: String::new(),
            quote_depth: 0,
            line_quote_depth: 0,
            pending_space: false,
            blank_lines: 0,
        }
    }

    fn text(&mut self, s: &str, preformatted: bool) {
        if preformatted {
            for (i, piece) in s.split('\n').enumerate() {
                if i > 0 {
                    self.newline(true);
                }
                self.push_word(piece);
            }
            return;
        }
        for (i, word) in s
            .split(|c: char| c.is_whitespace() && c != '\u{a0}')
            .enumerate()
        {
            if i > 0 {
                self.pending_space = true;
            }
            if !word.is_empty() {
                if self.pending_space && !self.line.is_empty() {
                    self.line.push(' ');
                }
                self.pending_space = false;
                self.push_word(word);
            }
        }
    }

    fn push_word(&mut self, word: &str) {
        if self.line.is_empty() {
            self.line_quote_depth = self.quote_depth;
        }
        self.line.push_str(&word.replace('\u{a0}', " "));
    }

    /// Ends the current line. A hard break (`<br>`) always emits a line; a soft one (block
    /// boundary) only when text is pending, so nested blocks do not pile up blank lines.
    fn newline(&mut self, hard: bool) {
        let line = self.line.trim_end();
        if line.trim().is_empty() {
            if hard {
                self.emit_blank();
            }
        } else {
            let depth = self.line_quote_depth;
            for _ in 0..depth {
                self.out.push('>');
            }
            if depth > 0 {
                self.out.push(' ');
            }
            self.out.push_str(line.trim_start());
            self.out.push('\n');
            self.blank_lines = 0;
        }
        self.line.clear();
        self.pending_space = false;
    }

    fn emit_blank(&mut self) {
        if self.blank_lines < 1 && !self.out.is_empty() {
            for _ in 0..self.quote_depth {
                self.out.push('>');
            }
            self.out.push('\n');
            self.blank_lines += 1;
        }
    }

    fn paragraph_break(&mut self) {
        self.newline(false);
        self.emit_blank();
    }

    fn finish(mut self) -> String {
        self.newline(false);
        let mut out = self.out.trim_end().to_string();
        // Blank quoted lines left at the end by closing blockquotes.
        loop {
            let last_start = out.rfind('\n').map_or(0, |p| p + 1);
            let last = &out[last_start..];
            if last.is_empty() || !last.chars().all(|c| c == '>') {
                break;
            }
            out.truncate(last_start);
            let trimmed = out.trim_end().len();
            out.truncate(trimmed);
        }
        out.trim_start_matches('\n').to_string()
    }
}

/// The text of an HTML document.
pub fn html_to_text(html: &str) -> String {
    let mut w = Writer::new(html.len() / 2);
    let mut skip_depth: Vec<String> = Vec::new();
    let mut pre_depth = 0usize;
    let mut rest = html;

    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip_depth.is_empty() {
                w.text(&decode_entities(rest), pre_depth > 0);
            }
            break;
        };
        if lt > 0 && skip_depth.is_empty() {
            w.text(&decode_entities(&rest[..lt]), pre_depth > 0);
        }
        rest = &rest[lt..];

        // "a < b": a "<" that does not start a tag is text.
        let starts_tag = rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !starts_tag {
            if skip_depth.is_empty() {
                w.text("<", pre_depth > 0);
            }
            rest = &rest[1..];
            continue;
        }

        if let Some(after) = rest.strip_prefix("<!--") {
            rest = match after.find("-->") {
                Some(end) => &after[end + 3..],
                None => "",
            };
            continue;
        }
        let Some(gt) = find_tag_end(rest) else {
            // An unterminated tag: the rest is not text.
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];

        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            continue; // <!DOCTYPE>, <?xml?>, stray "<"
        }

        if SKIP_TAGS.contains(&name.as_str()) {
            if closing {
                if let Some(pos) = skip_depth.iter().rposition(|t| *t == name) {
                    skip_depth.truncate(pos);
                }
            } else if !tag.ends_with('/') {
                skip_depth.push(name);
            }
            continue;
        }
        if !skip_depth.is_empty() {
            continue;
        }

        match name.as_str() {
            "br" => w.newline(true),
            "blockquote" => {
                if closing {
                    w.newline(false);
                    w.quote_depth = w.quote_depth.saturating_sub(1);
                    w.emit_blank();
                } else {
                    w.paragraph_break();
                    w.quote_depth += 1;
                }
            }
            "li" => {
                w.newline(false);
                if !closing {
                    w.push_word("- ");
                    w.pending_space = false;
                }
            }
            "td" | "th" if !closing => w.pending_space = true,
            "p" => w.paragraph_break(),
            "pre" => {
                w.newline(false);
                if closing {
                    pre_depth = pre_depth.saturating_sub(1);
                } else {
                    pre_depth += 1;
                }
            }
            n if BLOCK_TAGS.contains(&n) => w.newline(false),
            _ => {}
        }
    }
    w.finish()
}

/// The end of a tag starting at `s[0] == '<'`, skipping `>` inside quoted attribute values.
fn find_tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, b) in s.bytes().enumerate().skip(1) {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Decodes character references (`&amp;`, `&#233;`, `&#x20AC;`, named entities).
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let semi = tail
            .char_indices()
            .take(34)
            .find(|(_, c)| *c == ';' || c.is_whitespace())
            .filter(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        match semi {
            Some(end)
                if end > 1
                    && tail[1..end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '#') =>
            {
                // mail-parser knows the entity table; it pushes the token unchanged when the
                // entity is unknown.
                mail_parser::decoders::html::add_html_token(
                    &mut out,
                    &tail.as_bytes()[..=end],
                    false,
                );
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_breaks_and_entities() {
        let text = html_to_text(
            "<html><head><title>T</title><style>p{}</style></head><body><p>Hello &amp; welcome,</p><div>line&nbsp;two<br>three</div><ul><li>a</li><li>b</li></ul><script>x()</script>&#233;&euro;</body></html>",
        );
        assert_eq!(text, "Hello & welcome,\n\nline two\nthree\n- a\n- b\né€");
    }

    #[test]
    fn blockquotes_become_quoted_lines() {
        let text = html_to_text(
            "<div>Thanks!</div><div class=gmail_quote>On Mon, Bob wrote:<blockquote>Is it fixed?<br>Please check.</blockquote></div>",
        );
        assert_eq!(
            text,
            "Thanks!\nOn Mon, Bob wrote:\n\n> Is it fixed?\n> Please check."
        );
    }

    #[test]
    fn survives_broken_markup() {
        assert_eq!(html_to_text("a < b and <b>c"), "a < b and c");
        assert_eq!(html_to_text("x <b unterminated"), "x");
        assert_eq!(html_to_text("x <!-- never closed"), "x");
        assert_eq!(html_to_text("&bogus; & &#xZZ;"), "&bogus; & &#xZZ;");
        assert_eq!(html_to_text("<a title='>'>link</a>"), "link");
        assert_eq!(
            html_to_text("write to &lt;a@b.example&gt;"),
            "write to <a@b.example>"
        );
    }
}
