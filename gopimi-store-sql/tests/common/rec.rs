//! Raw records for adapter tests: rows of any kind with chosen projected values, written
//! through the port exactly as the core's typed writes would.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use gopimi_core::store::{Batch, Kind, Op, Record, Value};
use uuid::Uuid;

pub fn t(micros: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(1_780_000_000_000_000 + micros)
        .single()
        .expect("time")
}

/// A record of `kind` with every field `Null` except those given by name.
pub fn record(kind: Kind, ws: Option<Uuid>, id: Uuid, set: &[(&str, Value)]) -> Record {
    let schema = kind.schema();
    let mut fields = vec![Value::Null; schema.fields.len()];
    for (name, v) in set {
        let i = schema
            .field_index(name)
            .unwrap_or_else(|| panic!("{} has no field {name}", schema.table));
        fields[i] = v.clone();
    }
    Record {
        kind,
        id,
        workspace_id: ws,
        version: 1,
        fields,
        sets: vec![Vec::new(); schema.sets.len()],
        search_text: None,
        body: serde_json::json!({ "id": id, "kind": schema.table, "n": 0 }).to_string(),
    }
}

pub fn workspace(id: Uuid) -> Record {
    let mut r = record(
        Kind::Workspace,
        None,
        id,
        &[
            ("name_sort", Value::from("acme")),
            ("created_at", t(0).into()),
        ],
    );
    r.search_text = Some("acme support".to_owned());
    r
}

pub fn ticket(ws: Uuid, number: i64, status: &str) -> Record {
    record(
        Kind::Ticket,
        Some(ws),
        Uuid::now_v7(),
        &[
            ("number", Value::Int(number)),
            ("status", Value::from(status)),
            ("created_at", t(number).into()),
        ],
    )
}

pub fn one(op: Op) -> Batch {
    let mut b = Batch::new();
    b.push(op);
    b
}

pub fn batch(ops: impl IntoIterator<Item = Op>) -> Batch {
    let mut b = Batch::new();
    for op in ops {
        b.push(op);
    }
    b
}

/// The same record at the next version, with `f` applied.
pub fn next(r: &Record, f: impl FnOnce(&mut Record)) -> (Record, u64) {
    let mut n = r.clone();
    n.version = r.version + 1;
    f(&mut n);
    (n, r.version)
}

pub fn set_field(r: &mut Record, name: &str, v: Value) {
    let i = r.kind.schema().field_index(name).expect("field");
    r.fields[i] = v;
}
