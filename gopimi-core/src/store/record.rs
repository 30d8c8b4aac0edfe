//! How a domain value becomes a stored row, and back.

use super::schema::Kind;
use super::value::Value;
use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A domain type that the store keeps. Implemented by every model in [`crate::model`].
///
/// `fields()` must return exactly the projected fields of `Self::KIND`'s schema, in order; the
/// body is the serde JSON of the whole value. The version lives in the value itself so a caller
/// that read a row can write it back with the version it saw.
pub trait Entity: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The stored kind.
    const KIND: Kind;
    /// Human name used in not-found errors ("ticket").
    const NAME: &'static str;

    /// The row id.
    fn id(&self) -> Uuid;
    /// The owning workspace, if any.
    fn workspace_id(&self) -> Option<Uuid>;
    /// The version last read or written (0 before the first insert).
    fn version(&self) -> u64;
    /// Sets the version; used by the repositories around writes.
    fn set_version(&mut self, version: u64);
    /// Projected field values, in schema order.
    fn fields(&self) -> Vec<Value>;
    /// Set-valued fields, in schema order (`KIND.schema().sets`).
    fn sets(&self) -> Vec<Vec<Uuid>> {
        Vec::new()
    }
    /// Text to index for full-text search, already normalized by [`crate::search::normalize`].
    fn search_text(&self) -> Option<String> {
        None
    }
}

/// A row as written: everything a backend needs to store, index and constrain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The kind.
    pub kind: Kind,
    /// The id (primary key within the kind).
    pub id: Uuid,
    /// The owning workspace.
    pub workspace_id: Option<Uuid>,
    /// The version this row will have once written (1 on insert).
    pub version: u64,
    /// Projected values, in schema order.
    pub fields: Vec<Value>,
    /// Set values, in schema order of `sets`.
    pub sets: Vec<Vec<Uuid>>,
    /// Normalized search text, for searchable kinds.
    pub search_text: Option<String>,
    /// The JSON encoding of the whole value (including `version`).
    pub body: String,
}

impl Record {
    /// Encodes an entity whose version is already set to the version it will be stored with.
    pub fn encode<E: Entity>(entity: &E) -> Result<Record> {
        let schema = E::KIND.schema();
        let fields = entity.fields();
        if fields.len() != schema.fields.len() {
            return Err(Error::internal_msg(format!(
                "{} projects {} fields, schema declares {}",
                schema.table,
                fields.len(),
                schema.fields.len()
            )));
        }
        let mut sets = entity.sets();
        sets.resize(schema.sets.len(), Vec::new());
        for s in &mut sets {
            s.sort();
            s.dedup();
        }
        Ok(Record {
            kind: E::KIND,
            id: entity.id(),
            workspace_id: entity.workspace_id(),
            version: entity.version(),
            fields,
            sets,
            search_text: if schema.searchable {
                entity.search_text()
            } else {
                None
            },
            body: serde_json::to_string(entity)?,
        })
    }

    /// The projected value of a field, by name.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.kind
            .schema()
            .field_index(name)
            .and_then(|i| self.fields.get(i))
    }
}

/// A row as read back: its version and body. Backends return only this; the core decodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The id.
    pub id: Uuid,
    /// The stored version.
    pub version: u64,
    /// The JSON body as written.
    pub body: String,
}

impl StoredRecord {
    /// Decodes the body into its entity, with the stored version.
    pub fn decode<E: Entity>(&self) -> Result<E> {
        let mut e: E = serde_json::from_str(&self.body).map_err(|err| {
            Error::internal(
                format!("stored {} {} could not be decoded", E::NAME, self.id),
                err,
            )
        })?;
        e.set_version(self.version);
        Ok(e)
    }
}
