//! A decoded webhook form, independent of any web framework.
//!
//! Mailgun posts route webhooks as `application/x-www-form-urlencoded`, or `multipart/form-data`
//! when files are attached. Keys can repeat (several `body-html`, sometimes a duplicated
//! `token`), so fields are kept as an ordered list of pairs, never a map. The HTTP crate adapts
//! its framework's form or multipart stream into a [`WebhookForm`]; everything here reads it.

/// An uploaded file of a multipart form (`attachment-1`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFile {
    /// The form field name, e.g. `attachment-1`.
    pub field: String,
    /// The file name the sender gave, if any.
    pub filename: Option<String>,
    /// The part's content type, if any.
    pub content_type: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The fields and files of one webhook POST, in the order received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookForm {
    /// Text fields, in order, repeats kept.
    pub fields: Vec<(String, String)>,
    /// File parts, in order.
    pub files: Vec<FormFile>,
}

impl WebhookForm {
    /// An empty form.
    pub fn new() -> Self {
        WebhookForm::default()
    }

    /// Decodes an `application/x-www-form-urlencoded` body.
    pub fn from_urlencoded(body: &[u8]) -> Self {
        WebhookForm {
            fields: url::form_urlencoded::parse(body).into_owned().collect(),
            files: Vec::new(),
        }
    }

    /// Adds a text field.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Adds a file part.
    pub fn push_file(&mut self, file: FormFile) -> &mut Self {
        self.files.push(file);
        self
    }

    /// The last value of a field (exact name). Mailgun's signing fields are read this way, as
    /// django-anymail does, when a key repeats.
    pub fn last(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of a field, matching its name case-insensitively (MIME header fields
    /// arrive as `Message-Id` or `message-id`).
    pub fn last_ci(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a field is present.
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// The file uploaded under a field name.
    pub fn file(&self, field: &str) -> Option<&FormFile> {
        self.files.iter().find(|f| f.field == field)
    }

    /// The signing fields, last value of each.
    pub fn signed_fields(&self) -> crate::signature::SignedFields<'_> {
        crate::signature::SignedFields {
            timestamp: self.last("timestamp"),
            token: self.last("token"),
            signature: self.last("signature"),
        }
    }

    /// Encodes the text fields as `application/x-www-form-urlencoded` (for stand-ins and tests).
    pub fn to_urlencoded(&self) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.fields {
            ser.append_pair(k, v);
        }
        ser.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_kept_and_the_last_wins_for_signing() {
        let f = WebhookForm::from_urlencoded(
            b"token=first&timestamp=1&body-html=%3Cp%3Ea%3C%2Fp%3E&token=second&body-html=b&signature=s",
        );
        assert_eq!(f.last("token"), Some("second"));
        assert_eq!(f.all("body-html").collect::<Vec<_>>(), ["<p>a</p>", "b"]);
        assert_eq!(f.signed_fields().token, Some("second"));
        assert_eq!(f.last_ci("TOKEN"), Some("second"));
        assert_eq!(
            WebhookForm::from_urlencoded(f.to_urlencoded().as_bytes()),
            f
        );
    }
}
