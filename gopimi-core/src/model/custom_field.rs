//! Custom fields on contacts: definitions and values. Values are validated per type by the
//! contact service; stored values are already normalized (numbers as JSON numbers, dates as
//! `YYYY-MM-DD`, multi-select as an array).

use crate::ids::{ContactId, CustomFieldId, CustomFieldValueId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// The seven field types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldType {
    Text,
    Number,
    Date,
    Select,
    Boolean,
    Url,
    Email,
}

impl CustomFieldType {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomFieldType::Text => "text",
            CustomFieldType::Number => "number",
            CustomFieldType::Date => "date",
            CustomFieldType::Select => "select",
            CustomFieldType::Boolean => "boolean",
            CustomFieldType::Url => "url",
            CustomFieldType::Email => "email",
        }
    }
}

impl FromStr for CustomFieldType {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "text" => CustomFieldType::Text,
            "number" => CustomFieldType::Number,
            "date" => CustomFieldType::Date,
            "select" => CustomFieldType::Select,
            "boolean" => CustomFieldType::Boolean,
            "url" => CustomFieldType::Url,
            "email" => CustomFieldType::Email,
            other => {
                return Err(crate::Error::validation(
                    "type",
                    format!(
                        "unknown field type '{other}' (expected text, number, date, select, boolean, url or email)"
                    ),
                ));
            }
        })
    }
}

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: CustomFieldId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub field_type: CustomFieldType,
    /// Allowed options for `select`.
    #[serde(default)]
    pub options: Vec<String>,
    /// Allows several values (select only).
    #[serde(default)]
    pub multiple: bool,
    /// Shown on ticket and conversation sidebars.
    #[serde(default)]
    pub featured: bool,
    #[serde(default)]
    pub position: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for CustomField {
    const KIND: Kind = Kind::CustomField;
    const NAME: &'static str = "custom field";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            search::sort_key(&self.name).into(),
            self.field_type.as_str().into(),
            self.featured.into(),
            self.position.into(),
            self.created_at.into(),
        ]
    }
}

/// A contact's value for one custom field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValue {
    pub id: CustomFieldValueId,
    pub workspace_id: WorkspaceId,
    pub contact_id: ContactId,
    pub field_id: CustomFieldId,
    /// The normalized value.
    pub value: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for CustomFieldValue {
    const KIND: Kind = Kind::CustomFieldValue;
    const NAME: &'static str = "custom field value";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.contact_id.0.into(),
            self.field_id.0.into(),
            self.created_at.into(),
        ]
    }
}
