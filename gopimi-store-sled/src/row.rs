//! How a row is stored: our own versioned binary layout around the core's JSON body.
//!
//! Layout of format 1 (every row value in a kind's row tree):
//!
//! ```text
//! 0x01                        format version
//! version                     u64 big-endian
//! workspace                   0x00, or 0x01 + 16 bytes
//! fields                      varint count, then each value in the codec's tagged encoding
//! sets                        varint count, then per set: varint count + 16 bytes per member
//! search tokens               varint count, then per token: varint length + UTF-8 bytes
//! body                        the rest: the JSON body exactly as the core wrote it
//! ```
//!
//! Why this and not serde/bincode: the layout is a handful of lines we own, decodes without a
//! dependency whose format could drift, and the projected values reuse the index encoding. The
//! body stays the core's JSON, so moving off sled later is a data migration (read rows, write
//! `Record`s), not a rewrite. The row keeps its distinct search tokens (not the whole text) so an
//! update or delete can remove exactly the token-index entries it wrote.

use crate::codec::{Reader, put_value, put_varint};
use gopimi_core::store::{Record, StoredRecord, Value};
use gopimi_core::{Error, Result};
use uuid::Uuid;

/// The row format this build writes and the newest it reads.
pub const ROW_FORMAT: u8 = 1;

/// A decoded row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The id (from the key, not the value).
    pub id: Uuid,
    /// The stored version.
    pub version: u64,
    /// The owning workspace.
    pub workspace_id: Option<Uuid>,
    /// Projected values, in schema order.
    pub fields: Vec<Value>,
    /// Set values, in schema order, each sorted.
    pub sets: Vec<Vec<Uuid>>,
    /// The distinct words of the search text, sorted; empty when the row has none.
    pub tokens: Vec<String>,
    /// The JSON body.
    pub body: String,
}

/// The distinct words of a search text as the query contract splits it (on single spaces, so
/// an empty word is kept when the text has one).
pub fn tokens_of(text: Option<&str>) -> Vec<String> {
    let Some(text) = text else {
        return Vec::new();
    };
    let mut t: Vec<String> = text.split(' ').map(str::to_owned).collect();
    t.sort();
    t.dedup();
    t
}

impl Row {
    /// The row a record becomes.
    pub fn from_record(r: Record) -> Row {
        let mut sets = r.sets;
        for s in &mut sets {
            s.sort();
            s.dedup();
        }
        Row {
            id: r.id,
            version: r.version,
            workspace_id: r.workspace_id,
            fields: r.fields,
            sets,
            tokens: tokens_of(r.search_text.as_deref()),
            body: r.body,
        }
    }

    /// The value of field `i` (`Null` when out of range).
    pub fn field(&self, i: usize) -> &Value {
        self.fields.get(i).unwrap_or(&Value::Null)
    }

    /// What a read returns.
    pub fn stored(&self) -> StoredRecord {
        StoredRecord {
            id: self.id,
            version: self.version,
            body: self.body.clone(),
        }
    }

    /// Encodes the row value.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.body.len());
        out.push(ROW_FORMAT);
        out.extend_from_slice(&self.version.to_be_bytes());
        match self.workspace_id {
            None => out.push(0),
            Some(ws) => {
                out.push(1);
                out.extend_from_slice(ws.as_bytes());
            }
        }
        put_varint(&mut out, self.fields.len() as u64);
        for v in &self.fields {
            put_value(&mut out, v);
        }
        put_varint(&mut out, self.sets.len() as u64);
        for s in &self.sets {
            put_varint(&mut out, s.len() as u64);
            for id in s {
                out.extend_from_slice(id.as_bytes());
            }
        }
        put_varint(&mut out, self.tokens.len() as u64);
        for t in &self.tokens {
            put_varint(&mut out, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
        }
        out.extend_from_slice(self.body.as_bytes());
        out
    }

    /// Decodes a row value stored under `id`.
    pub fn decode(id: Uuid, bytes: &[u8]) -> Result<Row> {
        let mut r = Reader::new(bytes);
        let format = r.byte()?;
        if format != ROW_FORMAT {
            return Err(Error::internal_msg(format!(
                "sled store: row {id} has format {format}, this build reads format {ROW_FORMAT}"
            )));
        }
        let version = u64::from_be_bytes(r.array()?);
        let workspace_id = match r.byte()? {
            0 => None,
            _ => Some(r.uuid()?),
        };
        let n = r.length()?;
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            fields.push(r.value()?);
        }
        let n = r.length()?;
        let mut sets = Vec::with_capacity(n);
        for _ in 0..n {
            let m = r.length()?;
            let mut s = Vec::with_capacity(m);
            for _ in 0..m {
                s.push(r.uuid()?);
            }
            sets.push(s);
        }
        let n = r.length()?;
        let mut tokens = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.length()?;
            let t = std::str::from_utf8(r.take(len)?).map_err(|_| {
                Error::internal_msg(format!("sled store: row {id} token not UTF-8"))
            })?;
            tokens.push(t.to_owned());
        }
        let body = std::str::from_utf8(r.rest())
            .map_err(|_| Error::internal_msg(format!("sled store: row {id} body not UTF-8")))?
            .to_owned();
        Ok(Row {
            id,
            version,
            workspace_id,
            fields,
            sets,
            tokens,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gopimi_core::store::Kind;

    fn record() -> Record {
        Record {
            kind: Kind::Ticket,
            id: Uuid::from_u128(7),
            workspace_id: Some(Uuid::from_u128(9)),
            version: 3,
            fields: vec![Value::Int(12), Value::Null, Value::Text("open".into())],
            sets: vec![vec![
                Uuid::from_u128(2),
                Uuid::from_u128(1),
                Uuid::from_u128(2),
            ]],
            search_text: Some("printer  broken printer".into()),
            body: r#"{"subject":"Printer broken ✓"}"#.into(),
        }
    }

    #[test]
    fn a_row_round_trips_with_sorted_sets_and_distinct_tokens() {
        let row = Row::from_record(record());
        assert_eq!(row.sets, vec![vec![Uuid::from_u128(1), Uuid::from_u128(2)]]);
        assert_eq!(row.tokens, vec!["", "broken", "printer"]);
        let back = Row::decode(row.id, &row.encode()).expect("decodes");
        assert_eq!(back, row);
        assert_eq!(back.stored().body, record().body);
    }

    #[test]
    fn a_damaged_or_newer_row_is_an_error() {
        let bytes = Row::from_record(record()).encode();
        for cut in 0..30 {
            assert!(
                Row::decode(Uuid::nil(), &bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut newer = bytes.clone();
        newer[0] = ROW_FORMAT + 1;
        let err = Row::decode(Uuid::nil(), &newer).expect_err("newer format refused");
        assert!(err.to_string().contains("format"), "{err}");
    }
}
