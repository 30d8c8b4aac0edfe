//! Custom fields on contacts: definitions (seven types; `multiple` only for select; select
//! needs options) and values, validated and normalized per type before they are stored.
//!
//! Values arrive as JSON from the API and as text from CSV imports, so each type accepts its
//! JSON form and a text form: numbers as JSON numbers or decimal text, booleans as JSON booleans
//! or `true/false/yes/no/1/0`, multi-select as an array or `;`-separated text. Stored values are
//! normalized: numbers as JSON numbers, dates as `YYYY-MM-DD`, multi-select as an array. `null`
//! or empty text clears a value. Errors name the field as `fields.<name>`.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use super::retry::{on_unique, unique_violation, with_retry};
use crate::error::{Error, Result};
use crate::ids::{ContactId, CustomFieldId, CustomFieldValueId, WorkspaceId};
use crate::model::mailbox::is_valid_email;
use crate::model::{CustomField, CustomFieldType, CustomFieldValue};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Longest field name.
pub const FIELD_NAME_MAX: usize = 100;
/// Most options of a select field.
pub const MAX_OPTIONS: usize = 100;
/// Longest option.
pub const OPTION_MAX: usize = 100;
/// Most custom fields per workspace.
pub const MAX_FIELDS: u64 = 200;
/// Longest text value.
pub const TEXT_VALUE_MAX: usize = 10_000;

const NAME_TAKEN: &str = "a custom field with this name already exists";

/// A new custom field definition.
#[derive(Debug, Clone, Deserialize)]
pub struct NewCustomField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: CustomFieldType,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub multiple: bool,
    #[serde(default)]
    pub featured: bool,
    #[serde(default)]
    pub position: Option<i64>,
}

impl NewCustomField {
    /// A field of a type with no options.
    pub fn new(name: impl Into<String>, field_type: CustomFieldType) -> Self {
        NewCustomField {
            name: name.into(),
            field_type,
            options: Vec::new(),
            multiple: false,
            featured: false,
            position: None,
        }
    }
}

/// Changes to a definition. The type cannot change: stored values would stop matching it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CustomFieldPatch {
    pub name: Option<String>,
    pub options: Option<Vec<String>>,
    pub multiple: Option<bool>,
    pub featured: Option<bool>,
    pub position: Option<i64>,
}

/// A field and a contact's value for it (`None` when unset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactField {
    pub field: CustomField,
    pub value: Option<Json>,
}

fn check_options(
    field_type: CustomFieldType,
    options: &[String],
    multiple: bool,
) -> Result<Vec<String>> {
    if multiple && field_type != CustomFieldType::Select {
        return Err(Error::validation(
            "multiple",
            "only select fields can hold several values",
        ));
    }
    if field_type != CustomFieldType::Select {
        if !options.is_empty() {
            return Err(Error::validation(
                "options",
                "only select fields have options",
            ));
        }
        return Ok(Vec::new());
    }
    if options.is_empty() {
        return Err(Error::validation(
            "options",
            "a select field needs at least one option",
        ));
    }
    if options.len() > MAX_OPTIONS {
        return Err(Error::validation(
            "options",
            format!("at most {MAX_OPTIONS} options"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(options.len());
    for o in options {
        let o = input::name("options", o, OPTION_MAX)?;
        if out.iter().any(|x| x.eq_ignore_ascii_case(&o)) {
            return Err(Error::validation(
                "options",
                format!("'{o}' is listed twice"),
            ));
        }
        out.push(o);
    }
    Ok(out)
}

/// Checks and normalizes a value for a field; `Ok(None)` clears it.
pub fn validate_value(field: &CustomField, value: &Json) -> Result<Option<Json>> {
    let key = format!("fields.{}", field.name);
    let bad = |msg: String| Error::validation(key.clone(), msg);
    let text = match value {
        Json::Null => return Ok(None),
        Json::String(s) if s.trim().is_empty() => return Ok(None),
        Json::String(s) => Some(s.trim()),
        _ => None,
    };
    match field.field_type {
        CustomFieldType::Text => match text {
            Some(s) => Ok(Some(Json::String(input::bounded(&key, s, TEXT_VALUE_MAX)?))),
            None => Err(bad("must be text".into())),
        },
        CustomFieldType::Number => {
            let n = match (value, text) {
                (Json::Number(n), _) => Some(n.clone()),
                (_, Some(s)) => parse_number(s),
                _ => None,
            };
            n.map(|n| Some(Json::Number(n)))
                .ok_or_else(|| bad(format!("'{}' is not a number", show(value))))
        }
        CustomFieldType::Date => {
            let day = text
                .filter(|s| s.len() == 10)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
            day.map(|d| Some(Json::String(d.format("%Y-%m-%d").to_string())))
                .ok_or_else(|| bad(format!("'{}' is not a date (YYYY-MM-DD)", show(value))))
        }
        CustomFieldType::Boolean => {
            let b = match (value, text.map(str::to_ascii_lowercase).as_deref()) {
                (Json::Bool(b), _) => Some(*b),
                (Json::Number(n), _) => match n.as_i64() {
                    Some(1) => Some(true),
                    Some(0) => Some(false),
                    _ => None,
                },
                (_, Some("true" | "yes" | "1" | "on")) => Some(true),
                (_, Some("false" | "no" | "0" | "off")) => Some(false),
                _ => None,
            };
            b.map(|b| Some(Json::Bool(b)))
                .ok_or_else(|| bad(format!("'{}' is not true or false", show(value))))
        }
        CustomFieldType::Url => {
            let ok = text.filter(|s| {
                url::Url::parse(s).is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https")
                        && u.host_str().is_some_and(|h| !h.is_empty())
                })
            });
            match ok {
                Some(s) if s.len() <= 2048 => Ok(Some(Json::String(s.to_owned()))),
                _ => Err(bad(format!("'{}' is not an http(s) URL", show(value)))),
            }
        }
        CustomFieldType::Email => match text {
            Some(s) if is_valid_email(s) => Ok(Some(Json::String(s.to_owned()))),
            _ => Err(bad(format!("'{}' is not an email address", show(value)))),
        },
        CustomFieldType::Select => {
            let pick = |s: &str| -> Result<String> {
                field
                    .options
                    .iter()
                    .find(|o| o.eq_ignore_ascii_case(s.trim()))
                    .cloned()
                    .ok_or_else(|| {
                        bad(format!(
                            "'{}' is not one of: {}",
                            s.trim(),
                            field.options.join(", ")
                        ))
                    })
            };
            if !field.multiple {
                return match (value, text) {
                    (_, Some(s)) => pick(s).map(|o| Some(Json::String(o))),
                    (Json::Array(_), _) => Err(bad("takes a single value".into())),
                    _ => Err(bad("must be one of the options".into())),
                };
            }
            let parts: Vec<String> = match (value, text) {
                (Json::Array(items), _) => items
                    .iter()
                    .map(|i| match i {
                        Json::String(s) => Ok(s.clone()),
                        other => Err(bad(format!("'{}' is not an option", show(other)))),
                    })
                    .collect::<Result<_>>()?,
                (_, Some(s)) if field.options.iter().any(|o| o.eq_ignore_ascii_case(s)) => {
                    vec![s.to_owned()]
                }
                (_, Some(s)) => s.split(';').map(str::to_owned).collect(),
                _ => return Err(bad("must be a list of options".into())),
            };
            let mut chosen: Vec<String> = Vec::new();
            for p in parts.iter().filter(|p| !p.trim().is_empty()) {
                let o = pick(p)?;
                if !chosen.contains(&o) {
                    chosen.push(o);
                }
            }
            if chosen.is_empty() {
                return Ok(None);
            }
            Ok(Some(Json::Array(
                chosen.into_iter().map(Json::String).collect(),
            )))
        }
    }
}

fn parse_number(s: &str) -> Option<serde_json::Number> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(i.into());
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(serde_json::Number::from_f64)
}

fn show(v: &Json) -> String {
    let s = match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    s.chars().take(60).collect()
}

impl Helpdesk {
    pub(crate) async fn load_custom_field(
        &self,
        acc: &Access,
        id: CustomFieldId,
    ) -> Result<CustomField> {
        self.db().require(acc.scope(), id.0).await
    }

    pub(crate) async fn all_custom_fields(&self, acc: &Access) -> Result<Vec<CustomField>> {
        self.db()
            .find(
                &Query::new(Kind::CustomField, acc.scope())
                    .sort(SortKey::asc("position"))
                    .sort(SortKey::asc("name_sort"))
                    .limit(MAX_FIELDS as u32 + 50),
            )
            .await
    }

    /// Defines a custom field.
    pub async fn create_custom_field(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewCustomField,
    ) -> Result<CustomField> {
        let acc = self.access(caller, workspace_id).await?;
        let name = input::name("name", &new.name, FIELD_NAME_MAX)?;
        let options = check_options(new.field_type, &new.options, new.multiple)?;
        let existing = self
            .db()
            .count(&Query::new(Kind::CustomField, acc.scope()))
            .await?;
        if existing >= MAX_FIELDS {
            return Err(Error::validation(
                "name",
                format!("at most {MAX_FIELDS} custom fields"),
            ));
        }
        let now = self.now();
        let mut field = CustomField {
            id: CustomFieldId::new(),
            workspace_id,
            name,
            field_type: new.field_type,
            options,
            multiple: new.multiple,
            featured: new.featured,
            position: new
                .position
                .unwrap_or(i64::try_from(existing).unwrap_or(i64::MAX)),
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut field)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "custom_field_name", "name", NAME_TAKEN))?;
        Ok(field)
    }

    /// One definition.
    pub async fn custom_field(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: CustomFieldId,
    ) -> Result<CustomField> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_custom_field(&acc, id).await
    }

    /// Every definition, by position then name.
    pub async fn list_custom_fields(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<CustomField>> {
        let acc = self.access(caller, workspace_id).await?;
        self.all_custom_fields(&acc).await
    }

    /// Changes a definition (not its type).
    pub async fn update_custom_field(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: CustomFieldId,
        patch: CustomFieldPatch,
    ) -> Result<CustomField> {
        let acc = self.access(caller, workspace_id).await?;
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, FIELD_NAME_MAX))
            .transpose()?;
        with_retry(|| async {
            let mut f = self.load_custom_field(&acc, id).await?;
            let before = f.clone();
            if let Some(n) = &name {
                f.name = n.clone();
            }
            let multiple = patch.multiple.unwrap_or(f.multiple);
            let options = patch.options.clone().unwrap_or_else(|| f.options.clone());
            f.options = check_options(f.field_type, &options, multiple)?;
            f.multiple = multiple;
            if let Some(x) = patch.featured {
                f.featured = x;
            }
            if let Some(p) = patch.position {
                f.position = p;
            }
            if f == before {
                return Ok(f);
            }
            f.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut f)?;
            w.apply(self.db())
                .await
                .map_err(|e| on_unique(e, "custom_field_name", "name", NAME_TAKEN))?;
            Ok(f)
        })
        .await
    }

    /// Deletes a definition and every value of it.
    pub async fn delete_custom_field(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: CustomFieldId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        let field = self.load_custom_field(&acc, id).await?;
        let values: Vec<CustomFieldValue> = super::listing::fetch_all(
            self.db(),
            Query::new(Kind::CustomFieldValue, acc.scope())
                .filter(Filter::Eq("field_id", field.id.0.into())),
        )
        .await?;
        for chunk in values.chunks(500) {
            let mut w = Writes::new();
            for v in chunk {
                w.delete_id(Kind::CustomFieldValue, acc.scope(), v.id.0);
            }
            w.apply(self.db()).await?;
        }
        let mut w = Writes::new();
        w.delete_id(Kind::CustomField, acc.scope(), field.id.0);
        w.apply(self.db()).await
    }

    async fn values_of(&self, acc: &Access, contact: ContactId) -> Result<Vec<CustomFieldValue>> {
        self.db()
            .find(
                &Query::new(Kind::CustomFieldValue, acc.scope())
                    .filter(Filter::Eq("contact_id", contact.0.into()))
                    .limit(MAX_FIELDS as u32 + 50),
            )
            .await
    }

    /// Every field with the contact's value for it.
    pub async fn contact_fields(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        contact_id: ContactId,
    ) -> Result<Vec<ContactField>> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_contact(&acc, contact_id).await?;
        let fields = self.all_custom_fields(&acc).await?;
        let values = self.values_of(&acc, contact_id).await?;
        Ok(join(fields, &values))
    }

    /// Sets a contact's values, keyed by field id or field name; `null` or empty text clears.
    /// All values are checked first: one bad value changes nothing.
    pub async fn set_contact_fields(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        contact_id: ContactId,
        values: &serde_json::Map<String, Json>,
    ) -> Result<Vec<ContactField>> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_contact(&acc, contact_id).await?;
        let fields = self.all_custom_fields(&acc).await?;
        let mut wanted: Vec<(CustomField, Option<Json>)> = Vec::new();
        for (key, raw) in values {
            let field = find_field(&fields, key)?;
            let v = validate_value(field, raw)?;
            wanted.push((field.clone(), v));
        }
        self.write_contact_values(&acc, contact_id, &wanted).await?;
        let values = self.values_of(&acc, contact_id).await?;
        Ok(join(fields, &values))
    }

    /// Writes already-validated values of one contact in one batch, re-reading on conflicts.
    pub(crate) async fn write_contact_values(
        &self,
        acc: &Access,
        contact_id: ContactId,
        wanted: &[(CustomField, Option<Json>)],
    ) -> Result<()> {
        if wanted.is_empty() {
            return Ok(());
        }
        with_retry(|| async {
            let existing = self.values_of(acc, contact_id).await?;
            let now = self.now();
            let mut w = Writes::new();
            w.require_exists(Kind::Contact, acc.scope(), contact_id.0);
            for (field, value) in wanted {
                w.require_exists(Kind::CustomField, acc.scope(), field.id.0);
                let current = existing.iter().find(|v| v.field_id == field.id);
                match (current, value) {
                    (Some(c), None) => {
                        w.delete(c);
                    }
                    (Some(c), Some(v)) if c.value != *v => {
                        let mut c = c.clone();
                        c.value = v.clone();
                        c.updated_at = now;
                        w.update(&mut c)?;
                    }
                    (None, Some(v)) => {
                        w.insert(&mut CustomFieldValue {
                            id: CustomFieldValueId::new(),
                            workspace_id: acc.ws(),
                            contact_id,
                            field_id: field.id,
                            value: v.clone(),
                            created_at: now,
                            updated_at: now,
                            version: 0,
                        })?;
                    }
                    _ => {}
                }
            }
            // Two writers inserting the first value of a field race on the unique key: the
            // loser re-reads and updates instead.
            w.apply(self.db()).await.map_err(|e| {
                if unique_violation(&e) == Some("custom_field_value") {
                    Error::conflict("custom field value created concurrently")
                } else {
                    e
                }
            })
        })
        .await
    }
}

/// A field by id or by name (case-insensitive); a validation error naming the key otherwise.
pub(crate) fn find_field<'a>(fields: &'a [CustomField], key: &str) -> Result<&'a CustomField> {
    let by_id = key.parse::<CustomFieldId>().ok();
    fields
        .iter()
        .find(|f| Some(f.id) == by_id || f.name.eq_ignore_ascii_case(key.trim()))
        .ok_or_else(|| Error::validation(format!("fields.{key}"), "no such custom field"))
}

fn join(fields: Vec<CustomField>, values: &[CustomFieldValue]) -> Vec<ContactField> {
    fields
        .into_iter()
        .map(|f| ContactField {
            value: values
                .iter()
                .find(|v| v.field_id == f.id)
                .map(|v| v.value.clone()),
            field: f,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(t: CustomFieldType, options: &[&str], multiple: bool) -> CustomField {
        let now = chrono::Utc::now();
        CustomField {
            id: CustomFieldId::new(),
            workspace_id: WorkspaceId::new(),
            name: "Plan".into(),
            field_type: t,
            options: options.iter().map(|s| s.to_string()).collect(),
            multiple,
            featured: false,
            position: 0,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    fn field_error(r: Result<Option<Json>>) -> String {
        match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn each_type_accepts_its_forms_and_rejects_others() {
        let num = field(CustomFieldType::Number, &[], false);
        assert_eq!(
            validate_value(&num, &json!(3.5)).expect("ok"),
            Some(json!(3.5))
        );
        assert_eq!(
            validate_value(&num, &json!(" 42 ")).expect("ok"),
            Some(json!(42))
        );
        assert_eq!(
            field_error(validate_value(&num, &json!("many"))),
            "fields.Plan"
        );
        assert_eq!(validate_value(&num, &json!(null)).expect("ok"), None);

        let date = field(CustomFieldType::Date, &[], false);
        assert_eq!(
            validate_value(&date, &json!("2024-02-29")).expect("ok"),
            Some(json!("2024-02-29"))
        );
        field_error(validate_value(&date, &json!("2023-02-29")));
        field_error(validate_value(&date, &json!("2024-2-9")));
        field_error(validate_value(&date, &json!(20240229)));

        let b = field(CustomFieldType::Boolean, &[], false);
        assert_eq!(
            validate_value(&b, &json!("Yes")).expect("ok"),
            Some(json!(true))
        );
        assert_eq!(
            validate_value(&b, &json!(false)).expect("ok"),
            Some(json!(false))
        );
        field_error(validate_value(&b, &json!("maybe")));

        let u = field(CustomFieldType::Url, &[], false);
        assert!(validate_value(&u, &json!("https://example.com/x")).is_ok());
        field_error(validate_value(&u, &json!("ftp://example.com")));
        field_error(validate_value(&u, &json!("javascript:alert(1)")));

        let e = field(CustomFieldType::Email, &[], false);
        assert!(validate_value(&e, &json!("a@example.com")).is_ok());
        field_error(validate_value(&e, &json!("not-an-address")));

        let t = field(CustomFieldType::Text, &[], false);
        field_error(validate_value(&t, &json!(12)));
    }

    #[test]
    fn select_values_must_be_options() {
        let one = field(CustomFieldType::Select, &["Free", "Paid"], false);
        assert_eq!(
            validate_value(&one, &json!("paid")).expect("ok"),
            Some(json!("Paid"))
        );
        field_error(validate_value(&one, &json!("Gold")));
        field_error(validate_value(&one, &json!(["Free"])));

        let many = field(CustomFieldType::Select, &["A", "B", "C"], true);
        assert_eq!(
            validate_value(&many, &json!(["a", "C", "A"])).expect("ok"),
            Some(json!(["A", "C"]))
        );
        assert_eq!(
            validate_value(&many, &json!("A; B")).expect("ok"),
            Some(json!(["A", "B"]))
        );
        field_error(validate_value(&many, &json!(["A", "Z"])));
    }

    #[test]
    fn definitions_are_checked() {
        assert!(check_options(CustomFieldType::Text, &[], true).is_err());
        assert!(check_options(CustomFieldType::Select, &[], false).is_err());
        assert!(check_options(CustomFieldType::Number, &["x".into()], false).is_err());
        assert!(check_options(CustomFieldType::Select, &["x".into(), "X".into()], false).is_err());
        assert_eq!(
            check_options(CustomFieldType::Select, &[" Gold ".into()], true).expect("ok"),
            vec!["Gold".to_string()]
        );
    }
}
