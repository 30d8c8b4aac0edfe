//! Query semantics against the reference: the same rows go into the engine and into
//! `MemoryStore`, then hundreds of random queries (filters of every kind, including NULL and
//! values of another type; sorts in both directions over columns with NULLs, ties and
//! non-ASCII text; offsets; keyset cursors; searches; totals) must return the same rows in the
//! same order on both. Seeded, so a failure names a query that can be replayed.

#[macro_use]
mod common;

mod cases {
    use crate::common::rec::*;
    use gopimi_core::store::{
        Batch, Cursor, FieldType, Filter, Kind, MemoryStore, Op, Query, Record, SortKey, Store,
        Value,
    };
    use rand::rngs::StdRng;
    use rand::seq::IndexedRandom;
    use rand::{Rng, SeedableRng};
    use std::collections::HashMap;
    use std::sync::Arc;
    use uuid::Uuid;

    const STATUSES: [&str; 6] = ["open", "pending", "closed", "ÉTÉ", "Zed", "a"];
    const SUBJECTS: [&str; 9] = [
        "alpha",
        "Alpha",
        "ähm",
        "zeta",
        "",
        "z",
        "é",
        "e",
        "alpha beta",
    ];
    const WORDS: [&str; 16] = [
        "café",
        "cafe",
        "caff",
        "über",
        "uber",
        "invoice",
        "invoices",
        "inv2024",
        "x1y2",
        "hello",
        "help",
        "straße",
        "東京都",
        "naïve",
        "the",
        "com",
    ];
    const SEARCHES: [&str; 15] = [
        "caf", "cafe", "café", "übe", "inv", "invoice", "x1y", "hel", "help", "東京", "stra",
        "the", "zzz", "naï", "com",
    ];

    struct Pools {
        uuids: Vec<Uuid>,
        times: Vec<Value>,
        tags: Vec<Uuid>,
    }

    fn pools() -> Pools {
        Pools {
            uuids: (0..3).map(|_| Uuid::now_v7()).collect(),
            times: [
                0,
                1,
                1_000_000,
                1_000_001,
                -5,
                86_400_000_000,
                4_000_000_000_000_000,
            ]
            .iter()
            .map(|m| Value::Time(t(*m)))
            .collect(),
            tags: (0..4).map(|_| Uuid::now_v7()).collect(),
        }
    }

    fn random_value(rng: &mut StdRng, p: &Pools, name: &str, ty: FieldType) -> Value {
        if rng.random_bool(0.15) {
            return Value::Null;
        }
        match ty {
            FieldType::Bool => Value::Bool(rng.random_bool(0.5)),
            FieldType::Int => Value::Int(rng.random_range(-2..4)),
            FieldType::Text if name == "subject_sort" => {
                Value::from(*SUBJECTS.choose(rng).expect("s"))
            }
            FieldType::Text => Value::from(*STATUSES.choose(rng).expect("s")),
            FieldType::Uuid => Value::Uuid(*p.uuids.choose(rng).expect("u")),
            FieldType::Time => p.times.choose(rng).expect("t").clone(),
        }
    }

    fn random_ticket(rng: &mut StdRng, p: &Pools, ws: Uuid, number: i64) -> Record {
        let schema = Kind::Ticket.schema();
        let mut r = record(Kind::Ticket, Some(ws), Uuid::now_v7(), &[]);
        for (i, f) in schema.fields.iter().enumerate() {
            r.fields[i] = random_value(rng, p, f.name, f.ty);
        }
        // Unique per workspace, or NULL.
        set_field(
            &mut r,
            "number",
            if rng.random_bool(0.1) {
                Value::Null
            } else {
                Value::Int(number)
            },
        );
        r.sets = vec![
            p.tags
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.3))
                .collect(),
        ];
        r.sets[0].sort();
        r.search_text = if rng.random_bool(0.1) {
            None
        } else {
            let n = rng.random_range(1..5);
            Some(
                (0..n)
                    .map(|_| *WORDS.choose(rng).expect("w"))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        };
        r.body = format!("{{\"n\":{number}}}");
        r
    }

    fn random_filter(rng: &mut StdRng, p: &Pools) -> Filter {
        let schema = Kind::Ticket.schema();
        let f = schema.fields.choose(rng).expect("field");
        let value = |rng: &mut StdRng| {
            if rng.random_bool(0.05) {
                // A value of another type: compares by type rank in the core.
                Value::Text("x".into())
            } else {
                random_value(rng, p, f.name, f.ty)
            }
        };
        match rng.random_range(0..9) {
            0 => Filter::Eq(f.name, value(rng)),
            1 => Filter::Ne(f.name, value(rng)),
            2 => Filter::In(
                f.name,
                (0..rng.random_range(0..4)).map(|_| value(rng)).collect(),
            ),
            3 => Filter::Gte(f.name, value(rng)),
            4 => Filter::Lte(f.name, value(rng)),
            5 => Filter::Lt(f.name, value(rng)),
            6 => Filter::IsNull(f.name),
            7 => Filter::NotNull(f.name),
            _ => Filter::Contains("tag_ids", *p.tags.choose(rng).expect("tag")),
        }
    }

    fn sort_values(r: &Record, sort: &[SortKey]) -> Vec<Value> {
        sort.iter()
            .map(|k| r.field(k.field).cloned().unwrap_or(Value::Null))
            .collect()
    }

    async fn same(sql: &Arc<dyn Store>, mem: &MemoryStore, q: &Query, engine: &str, n: usize) {
        let want = mem.query(q).await.expect("memory query");
        let got = sql
            .query(q)
            .await
            .unwrap_or_else(|e| panic!("{engine} query {n} failed: {e:?}\n{q:#?}"));
        let ids = |rows: &[gopimi_core::store::StoredRecord]| {
            rows.iter().map(|r| r.id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&got.rows),
            ids(&want.rows),
            "{engine}: rows differ for query {n}:\n{q:#?}"
        );
        assert_eq!(
            got.total, want.total,
            "{engine}: totals differ for query {n}:\n{q:#?}"
        );
        assert_eq!(
            got.rows, want.rows,
            "{engine}: versions or bodies differ for query {n}"
        );
    }

    pub async fn queries_match_the_reference(store: Arc<dyn Store>, engine: &str) {
        let mem = MemoryStore::new();
        let mut rng = StdRng::seed_from_u64(0x6f70_696d);
        let p = pools();
        let ws1 = Uuid::now_v7();
        let ws2 = Uuid::now_v7();
        let mut seed = Batch::new();
        seed.push(Op::Insert(workspace(ws1)));
        seed.push(Op::Insert(workspace(ws2)));
        let mut rows: HashMap<Uuid, Record> = HashMap::new();
        for i in 0..240 {
            let ws = if i % 6 == 0 { ws2 } else { ws1 };
            let r = random_ticket(&mut rng, &p, ws, i);
            rows.insert(r.id, r.clone());
            seed.push(Op::Insert(r));
        }
        // Some rows change and some go, on both stores.
        let ids: Vec<Uuid> = {
            let mut v: Vec<Uuid> = rows.keys().copied().collect();
            v.sort();
            v
        };
        for id in ids.iter().step_by(7) {
            let old = rows[id].clone();
            let mut new = random_ticket(&mut rng, &p, old.workspace_id.expect("ws"), 0);
            new.id = old.id;
            new.fields[0] = old.fields[0].clone(); // keep the unique number
            new.version = 2;
            rows.insert(*id, new.clone());
            seed.push(Op::Update {
                record: new,
                expected_version: 1,
            });
        }
        for id in ids.iter().skip(3).step_by(11) {
            let r = rows.remove(id).expect("row");
            seed.push(Op::Delete {
                kind: Kind::Ticket,
                workspace_id: r.workspace_id,
                id: *id,
                expected_version: None,
            });
        }
        mem.apply(seed.clone()).await.expect("memory seed");
        store.apply(seed).await.expect("seed");

        let fields = Kind::Ticket.schema().fields;
        for n in 0..400 {
            let ws = match rng.random_range(0..10) {
                0 => None,
                1 => Some(ws2),
                _ => Some(ws1),
            };
            let mut q = Query::new(Kind::Ticket, ws);
            for _ in 0..rng.random_range(0..3) {
                q.filters.push(random_filter(&mut rng, &p));
            }
            if rng.random_bool(0.3) {
                q.search = (0..rng.random_range(1..3))
                    .map(|_| (*SEARCHES.choose(&mut rng).expect("s")).to_owned())
                    .collect();
            }
            for _ in 0..rng.random_range(0..3) {
                let f = fields.choose(&mut rng).expect("f");
                q.sort.push(SortKey {
                    field: f.name,
                    descending: rng.random_bool(0.5),
                });
            }
            q.limit = rng.random_range(0..25);
            q.offset = if rng.random_bool(0.3) {
                rng.random_range(0..10)
            } else {
                0
            };
            q.count_total = rng.random_bool(0.5);
            if rng.random_bool(0.35) {
                // A cursor at a random row of the full result.
                let mut all = q.clone();
                all.limit = 10_000;
                all.offset = 0;
                let full = mem.query(&all).await.expect("memory");
                if let Some(row) = full.rows.choose(&mut rng) {
                    let r = &rows[&row.id];
                    q.after = Some(Cursor {
                        values: sort_values(r, &q.sort),
                        id: r.id,
                    });
                }
            }
            same(&store, &mem, &q, engine, n).await;
        }

        // Walking a whole list by cursor and by offset gives every row once, in order.
        let mut q = Query::new(Kind::Ticket, Some(ws1))
            .sort(SortKey::desc("subject_sort"))
            .sort(SortKey::asc("created_at"))
            .limit(7);
        let full = {
            let mut all = q.clone();
            all.limit = 10_000;
            mem.query(&all).await.expect("memory").rows
        };
        let mut walked = Vec::new();
        loop {
            let page = store.query(&q).await.expect("page").rows;
            let Some(last) = page.last() else { break };
            let r = &rows[&last.id];
            q.after = Some(Cursor {
                values: sort_values(r, &q.sort),
                id: r.id,
            });
            walked.extend(page.iter().map(|r| r.id));
        }
        assert_eq!(
            walked,
            full.iter().map(|r| r.id).collect::<Vec<_>>(),
            "{engine}: cursor walk"
        );
        let mut by_offset = Vec::new();
        let mut q = q.clone();
        q.after = None;
        loop {
            let page = store.query(&q).await.expect("page").rows;
            if page.is_empty() {
                break;
            }
            by_offset.extend(page.iter().map(|r| r.id));
            q.offset += 7;
        }
        assert_eq!(by_offset, walked, "{engine}: offset walk");
    }
}

per_engine!(queries_match_the_reference);
