//! The adapter's own tests of the storage port on every engine: reads, the atomic batch and its
//! preconditions, unique keys, foreign keys, purging a workspace, and claiming jobs.
//! (Query semantics are checked against the reference store in `tests/differential.rs`.)

#[macro_use]
mod common;

mod cases {
    use crate::common::rec::*;
    use chrono::Duration;
    use gopimi_core::Error;
    use gopimi_core::model::{Job, JobStatus};
    use gopimi_core::store::{
        ClaimRequest, Filter, Kind, Op, Query, Store, StoreExt, Value, Writes,
    };
    use std::collections::HashSet;
    use std::sync::Arc;
    use uuid::Uuid;

    fn conflict(e: &Error) -> &str {
        match e {
            Error::Conflict { what } => what,
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    async fn new_workspace(store: &Arc<dyn Store>) -> Uuid {
        let ws = Uuid::now_v7();
        store
            .apply(one(Op::Insert(workspace(ws))))
            .await
            .expect("insert workspace");
        ws
    }

    pub async fn reads_and_versions(store: Arc<dyn Store>, _engine: &str) {
        let ws = new_workspace(&store).await;
        let other = new_workspace(&store).await;
        let tk = ticket(ws, 1, "open");
        store
            .apply(one(Op::Insert(tk.clone())))
            .await
            .expect("insert");

        let got = store
            .get(Kind::Ticket, Some(ws), tk.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(
            (got.id, got.version, got.body.as_str()),
            (tk.id, 1, tk.body.as_str())
        );
        assert!(
            store
                .get(Kind::Ticket, Some(other), tk.id)
                .await
                .expect("get")
                .is_none(),
            "other workspace sees it"
        );
        assert!(
            store
                .get(Kind::Ticket, None, tk.id)
                .await
                .expect("get")
                .is_some()
        );
        assert!(
            store
                .get(Kind::Ticket, Some(ws), Uuid::now_v7())
                .await
                .expect("get")
                .is_none()
        );

        // Update at the read version, then a stale one.
        let (v2, expected) = next(&tk, |r| {
            set_field(r, "status", Value::from("closed"));
            r.body = r#"{"status":"closed"}"#.to_owned();
        });
        store
            .apply(one(Op::Update {
                record: v2.clone(),
                expected_version: expected,
            }))
            .await
            .expect("update");
        let got = store
            .get(Kind::Ticket, Some(ws), tk.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(
            (got.version, got.body.as_str()),
            (2, r#"{"status":"closed"}"#)
        );
        let err = store
            .apply(one(Op::Update {
                record: v2.clone(),
                expected_version: 1,
            }))
            .await
            .expect_err("stale");
        assert!(conflict(&err).contains("changed"), "{err}");

        // An update naming another workspace, or a missing row, is not found.
        let (mut moved, _) = next(&v2, |_| {});
        moved.workspace_id = Some(other);
        let err = store
            .apply(one(Op::Update {
                record: moved,
                expected_version: 2,
            }))
            .await
            .expect_err("moved");
        assert!(err.is_not_found(), "{err:?}");
        let (missing, _) = next(&ticket(ws, 99, "open"), |_| {});
        let err = store
            .apply(one(Op::Update {
                record: missing,
                expected_version: 1,
            }))
            .await
            .expect_err("missing");
        assert!(err.is_not_found(), "{err:?}");

        // Require.
        let require = |ws, version| Op::Require {
            kind: Kind::Ticket,
            workspace_id: Some(ws),
            id: tk.id,
            version,
        };
        store
            .apply(one(require(ws, Some(2))))
            .await
            .expect("require current");
        store
            .apply(one(require(ws, None)))
            .await
            .expect("require any");
        assert!(
            store
                .apply(one(require(ws, Some(1))))
                .await
                .expect_err("old")
                .is_conflict()
        );
        assert!(
            store
                .apply(one(require(other, None)))
                .await
                .expect_err("other ws")
                .is_not_found()
        );

        // get_many: missing ids and other workspaces left out, each row once.
        let tk2 = ticket(ws, 2, "open");
        let foreign = ticket(other, 1, "open");
        store
            .apply(batch([
                Op::Insert(tk2.clone()),
                Op::Insert(foreign.clone()),
            ]))
            .await
            .expect("insert");
        let many = store
            .get_many(
                Kind::Ticket,
                Some(ws),
                &[tk2.id, Uuid::now_v7(), foreign.id, tk.id, tk2.id],
            )
            .await
            .expect("get_many");
        let ids: Vec<Uuid> = many.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![tk2.id, tk.id]);
        let lots: Vec<Uuid> = (0..1200)
            .map(|_| Uuid::now_v7())
            .chain([foreign.id])
            .collect();
        assert_eq!(
            store
                .get_many(Kind::Ticket, None, &lots)
                .await
                .expect("many")
                .len(),
            1
        );

        // Delete: wrong version conflicts, other workspace is not found, then gone.
        let del = |ws, v| Op::Delete {
            kind: Kind::Ticket,
            workspace_id: Some(ws),
            id: tk.id,
            expected_version: v,
        };
        assert!(
            store
                .apply(one(del(ws, Some(1))))
                .await
                .expect_err("old version")
                .is_conflict()
        );
        assert!(
            store
                .apply(one(del(other, None)))
                .await
                .expect_err("other ws")
                .is_not_found()
        );
        store.apply(one(del(ws, Some(2)))).await.expect("delete");
        assert!(
            store
                .get(Kind::Ticket, None, tk.id)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            store
                .apply(one(del(ws, None)))
                .await
                .expect_err("twice")
                .is_not_found()
        );
    }

    pub async fn unique_keys(store: Arc<dyn Store>, _engine: &str) {
        let ws1 = new_workspace(&store).await;
        let ws2 = new_workspace(&store).await;
        let a = ticket(ws1, 7, "open");
        store
            .apply(one(Op::Insert(a.clone())))
            .await
            .expect("first");
        let err = store
            .apply(one(Op::Insert(ticket(ws1, 7, "open"))))
            .await
            .expect_err("dup number");
        assert_eq!(conflict(&err), "ticket_number");
        store
            .apply(one(Op::Insert(ticket(ws2, 7, "open"))))
            .await
            .expect("same number, other workspace");

        // NULLs never collide.
        for _ in 0..2 {
            let r = record(Kind::Ticket, Some(ws1), Uuid::now_v7(), &[]);
            store.apply(one(Op::Insert(r))).await.expect("null number");
        }

        // A taken id.
        let err = store
            .apply(one(Op::Insert(a.clone())))
            .await
            .expect_err("dup id");
        assert!(conflict(&err).contains("exists"), "{err}");

        // An update onto another row's key.
        let b = ticket(ws1, 8, "open");
        store.apply(one(Op::Insert(b.clone()))).await.expect("b");
        let (b2, v) = next(&b, |r| set_field(r, "number", Value::Int(7)));
        let err = store
            .apply(one(Op::Update {
                record: b2,
                expected_version: v,
            }))
            .await
            .expect_err("steal");
        assert_eq!(conflict(&err), "ticket_number");
        // Keeping one's own key is fine.
        let (a2, v) = next(&a, |r| set_field(r, "status", Value::from("pending")));
        store
            .apply(one(Op::Update {
                record: a2,
                expected_version: v,
            }))
            .await
            .expect("own key");

        // Global keys collide across workspaces; a multi-column per-workspace key too.
        let email = |ws, addr: &str| {
            record(
                Kind::WorkspaceEmail,
                Some(ws),
                Uuid::now_v7(),
                &[("address", Value::from(addr))],
            )
        };
        store
            .apply(one(Op::Insert(email(ws1, "help@acme.test"))))
            .await
            .expect("email");
        let err = store
            .apply(one(Op::Insert(email(ws2, "help@acme.test"))))
            .await
            .expect_err("global");
        assert_eq!(conflict(&err), "workspace_email_address");
        let (c, f) = (Uuid::now_v7(), Uuid::now_v7());
        let cfv = |ws| {
            record(
                Kind::CustomFieldValue,
                Some(ws),
                Uuid::now_v7(),
                &[("contact_id", c.into()), ("field_id", f.into())],
            )
        };
        store.apply(one(Op::Insert(cfv(ws1)))).await.expect("value");
        assert_eq!(
            conflict(
                &store
                    .apply(one(Op::Insert(cfv(ws1))))
                    .await
                    .expect_err("dup")
            ),
            "custom_field_value"
        );
        store
            .apply(one(Op::Insert(cfv(ws2))))
            .await
            .expect("other workspace");
        let msg = |ws, rfc: &str| {
            record(
                Kind::Message,
                Some(ws),
                Uuid::now_v7(),
                &[("rfc_message_id", Value::from(rfc))],
            )
        };
        store
            .apply(one(Op::Insert(msg(ws1, "<a@b>"))))
            .await
            .expect("message");
        assert_eq!(
            conflict(
                &store
                    .apply(one(Op::Insert(msg(ws1, "<a@b>"))))
                    .await
                    .expect_err("dup")
            ),
            "message_rfc_id"
        );
        // Byte-wise: case differs, so no collision.
        store
            .apply(one(Op::Insert(msg(ws1, "<A@b>"))))
            .await
            .expect("case differs");
    }

    pub async fn batches_are_atomic(store: Arc<dyn Store>, _engine: &str) {
        let ws = new_workspace(&store).await;
        let a = ticket(ws, 1, "open");
        let b = ticket(ws, 2, "open");
        let (missing, _) = next(&ticket(ws, 3, "open"), |_| {});
        let err = store
            .apply(batch([
                Op::Insert(a.clone()),
                Op::Insert(b.clone()),
                Op::Update {
                    record: missing,
                    expected_version: 1,
                },
            ]))
            .await
            .expect_err("missing row");
        assert!(err.is_not_found());
        assert!(
            store
                .get(Kind::Ticket, None, a.id)
                .await
                .expect("get")
                .is_none(),
            "rolled back"
        );

        let err = store
            .apply(batch([
                Op::Insert(a.clone()),
                Op::Insert(ticket(ws, 1, "open")),
            ]))
            .await
            .expect_err("duplicate in batch");
        assert_eq!(conflict(&err), "ticket_number");
        assert!(
            store
                .get(Kind::Ticket, None, a.id)
                .await
                .expect("get")
                .is_none(),
            "rolled back"
        );

        // Set fields are rewritten with their row, and roll back with it.
        let tag1 = Uuid::now_v7();
        let tag2 = Uuid::now_v7();
        let mut tagged = a.clone();
        tagged.sets = vec![vec![tag1, tag2]];
        store
            .apply(one(Op::Insert(tagged.clone())))
            .await
            .expect("tagged");
        let with =
            |tag| Query::new(Kind::Ticket, Some(ws)).filter(Filter::Contains("tag_ids", tag));
        assert_eq!(store.count(&with(tag1)).await.expect("count"), 1);
        let (retagged, v) = next(&tagged, |r| r.sets = vec![vec![tag2]]);
        let err = store
            .apply(batch([
                Op::Update {
                    record: retagged.clone(),
                    expected_version: v,
                },
                Op::Require {
                    kind: Kind::Ticket,
                    workspace_id: Some(ws),
                    id: b.id,
                    version: None,
                },
            ]))
            .await
            .expect_err("b is missing");
        assert!(err.is_not_found());
        assert_eq!(
            store.count(&with(tag1)).await.expect("count"),
            1,
            "set change rolled back"
        );
        store
            .apply(one(Op::Update {
                record: retagged,
                expected_version: v,
            }))
            .await
            .expect("retag");
        assert_eq!(store.count(&with(tag1)).await.expect("count"), 0);
        assert_eq!(store.count(&with(tag2)).await.expect("count"), 1);
        store
            .apply(one(Op::Delete {
                kind: Kind::Ticket,
                workspace_id: Some(ws),
                id: a.id,
                expected_version: None,
            }))
            .await
            .expect("delete");
        assert_eq!(
            store.count(&with(tag2)).await.expect("count"),
            0,
            "set rows go with the row"
        );
    }

    pub async fn workspaces_are_purged_and_referenced(store: Arc<dyn Store>, _engine: &str) {
        let ws = new_workspace(&store).await;
        let keep = new_workspace(&store).await;
        let mut tk = ticket(ws, 1, "open");
        tk.sets = vec![vec![Uuid::now_v7()]];
        tk.search_text = Some("purge me".to_owned());
        let kept = ticket(keep, 1, "open");
        let now = t(0);
        let mut job = Job::new("test", serde_json::json!({}), now, now);
        job.workspace_id = Some(ws);
        let global_job = Job::new("test", serde_json::json!({}), now, now);
        let mut w = Writes::new();
        w.op(Op::Insert(tk.clone())).op(Op::Insert(kept.clone()));
        w.insert(&mut job.clone())
            .expect("job")
            .insert(&mut global_job.clone())
            .expect("job");
        w.apply(store.as_ref()).await.expect("seed");

        // A row of a workspace that does not exist.
        let err = store
            .apply(one(Op::Insert(ticket(Uuid::now_v7(), 1, "open"))))
            .await
            .expect_err("no ws");
        assert!(err.is_not_found(), "{err:?}");
        // A workspace still holding rows cannot be deleted on its own.
        let del_ws = Op::Delete {
            kind: Kind::Workspace,
            workspace_id: None,
            id: ws,
            expected_version: None,
        };
        assert!(
            store
                .apply(one(del_ws.clone()))
                .await
                .expect_err("in use")
                .is_conflict()
        );

        store
            .apply(batch([Op::PurgeWorkspace(ws), del_ws]))
            .await
            .expect("purge and delete");
        assert!(
            store
                .get(Kind::Workspace, None, ws)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            store
                .get(Kind::Ticket, None, tk.id)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            store
                .get(Kind::Job, None, job.id.0)
                .await
                .expect("get")
                .is_none(),
            "workspace job purged"
        );
        assert!(
            store
                .get(Kind::Job, None, global_job.id.0)
                .await
                .expect("get")
                .is_some(),
            "global job kept"
        );
        assert!(
            store
                .get(Kind::Ticket, Some(keep), kept.id)
                .await
                .expect("get")
                .is_some(),
            "other workspace kept"
        );
        let searched = Query::new(Kind::Ticket, None).search("purge");
        assert_eq!(
            store.count(&searched).await.expect("count"),
            0,
            "search index purged"
        );
    }

    fn claim_request(now: chrono::DateTime<chrono::Utc>, worker: &str, limit: u32) -> ClaimRequest {
        ClaimRequest {
            queues: Vec::new(),
            now,
            lease_until: now + Duration::minutes(5),
            worker: worker.to_owned(),
            limit,
        }
    }

    pub async fn jobs_are_claimed_once(store: Arc<dyn Store>, _engine: &str) {
        let now = t(1_000_000);
        let mut w = Writes::new();
        let mut due = Vec::new();
        for i in 0..5 {
            let mut j = Job::new(
                "mail.send",
                serde_json::json!({ "i": i }),
                now - Duration::seconds(10 - i),
                now,
            );
            w.insert(&mut j).expect("insert");
            due.push(j.id.0);
        }
        let mut later = Job::new(
            "mail.send",
            serde_json::json!({}),
            now + Duration::minutes(1),
            now,
        );
        w.insert(&mut later).expect("insert");
        let mut other_queue = Job::new(
            "sla.sweep",
            serde_json::json!({}),
            now - Duration::seconds(30),
            now,
        );
        w.insert(&mut other_queue).expect("insert");
        w.apply(store.as_ref()).await.expect("seed");

        let mut req = claim_request(now, "w1", 3);
        req.queues = vec!["mail.send".to_owned()];
        let first = store.claim_jobs(&req).await.expect("claim");
        assert_eq!(
            first.iter().map(|j| j.id.0).collect::<Vec<_>>(),
            due[..3].to_vec(),
            "oldest due first"
        );
        for j in &first {
            assert_eq!(
                (j.status, j.attempts, j.version),
                (JobStatus::Running, 1, 2)
            );
            let stored: Job = store.require(None, j.id.0).await.expect("stored");
            assert_eq!(stored, *j);
        }
        let second = store.claim_jobs(&req).await.expect("claim");
        assert_eq!(
            second.iter().map(|j| j.id.0).collect::<Vec<_>>(),
            due[3..].to_vec()
        );
        assert!(
            store.claim_jobs(&req).await.expect("claim").is_empty(),
            "leased jobs are not claimable"
        );
        // Once the leases run out they are claimable again, with another attempt.
        let after = claim_request(now + Duration::minutes(6), "w2", 10);
        let again = store.claim_jobs(&after).await.expect("reclaim");
        assert_eq!(
            again.len(),
            7,
            "five expired leases, the later job and the other queue"
        );
        assert!(
            again
                .iter()
                .filter(|j| due.contains(&j.id.0))
                .all(|j| j.attempts == 2)
        );

        // Concurrent claimers never share a job.
        let mut w = Writes::new();
        for i in 0..40 {
            let mut j = Job::new("bulk", serde_json::json!({ "i": i }), now, now);
            w.insert(&mut j).expect("insert");
        }
        w.apply(store.as_ref()).await.expect("seed");
        let later = now + Duration::hours(1);
        let mut tasks = Vec::new();
        for k in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let mut req = claim_request(later, &format!("w{k}"), 3);
                    req.queues = vec!["bulk".to_owned()];
                    let got = loop {
                        match store.claim_jobs(&req).await {
                            Ok(got) => break got,
                            Err(e) if e.is_conflict() => continue,
                            Err(e) => panic!("claim failed: {e:?}"),
                        }
                    };
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|j| j.id.0));
                }
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("task"));
        }
        let distinct: HashSet<Uuid> = all.iter().copied().collect();
        assert_eq!(
            (all.len(), distinct.len()),
            (40, 40),
            "each job claimed exactly once"
        );
    }

    /// 16 tasks add a message and an activity to one ticket and change its status at once,
    /// re-reading and retrying on conflict as the core does: nothing is lost.
    pub async fn concurrent_writers_lose_nothing(store: Arc<dyn Store>, _engine: &str) {
        let ws = new_workspace(&store).await;
        let mut tk = ticket(ws, 1, "open");
        tk.body = serde_json::json!({ "messages": 0, "status": "open" }).to_string();
        store
            .apply(one(Op::Insert(tk.clone())))
            .await
            .expect("ticket");
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                let tk_id = tk.id;
                tokio::spawn(async move {
                    let message = record(
                        Kind::Message,
                        Some(ws),
                        Uuid::now_v7(),
                        &[
                            ("ticket_id", tk_id.into()),
                            ("rfc_message_id", Value::from(format!("<{i}@test>"))),
                        ],
                    );
                    let activity = record(
                        Kind::Activity,
                        Some(ws),
                        Uuid::now_v7(),
                        &[
                            ("ticket_id", tk_id.into()),
                            ("action", Value::from("message_added")),
                        ],
                    );
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        assert!(attempts < 500, "task {i} starved");
                        let cur = store
                            .get(Kind::Ticket, Some(ws), tk_id)
                            .await
                            .expect("read")
                            .expect("ticket");
                        let mut body: serde_json::Value =
                            serde_json::from_str(&cur.body).expect("json");
                        body["messages"] = (body["messages"].as_i64().unwrap_or(0) + 1).into();
                        let status = format!("s{i}");
                        body["status"] = status.clone().into();
                        let mut upd = record(
                            Kind::Ticket,
                            Some(ws),
                            tk_id,
                            &[("number", Value::Int(1)), ("status", Value::from(status))],
                        );
                        upd.version = cur.version + 1;
                        upd.body = body.to_string();
                        let b = batch([
                            Op::Insert(message.clone()),
                            Op::Insert(activity.clone()),
                            Op::Update {
                                record: upd,
                                expected_version: cur.version,
                            },
                        ]);
                        match store.apply(b).await {
                            Ok(()) => return,
                            Err(e) if e.is_conflict() => tokio::task::yield_now().await,
                            Err(e) => panic!("task {i}: {e:?}"),
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        let cur = store
            .get(Kind::Ticket, Some(ws), tk.id)
            .await
            .expect("read")
            .expect("ticket");
        let body: serde_json::Value = serde_json::from_str(&cur.body).expect("json");
        assert_eq!(
            (cur.version, body["messages"].as_i64()),
            (17, Some(16)),
            "no update lost"
        );
        let of_ticket =
            |kind| Query::new(kind, Some(ws)).filter(Filter::Eq("ticket_id", tk.id.into()));
        assert_eq!(
            store.count(&of_ticket(Kind::Message)).await.expect("count"),
            16,
            "every message"
        );
        assert_eq!(
            store
                .count(&of_ticket(Kind::Activity))
                .await
                .expect("count"),
            16,
            "complete activity log"
        );
        let status = |s: &str| {
            Query::new(Kind::Ticket, Some(ws)).filter(Filter::Eq("status", Value::from(s)))
        };
        let last = body["status"].as_str().expect("status").to_owned();
        assert_eq!(
            store.count(&status(&last)).await.expect("count"),
            1,
            "projection matches the body"
        );
    }

    /// Indexes (into `ids`) of the rows a search finds, sorted.
    async fn found(store: &Arc<dyn Store>, ws: Uuid, ids: &[Uuid], words: &[&str]) -> Vec<usize> {
        let mut q = Query::new(Kind::Ticket, Some(ws));
        q.search = words.iter().map(|w| (*w).to_owned()).collect();
        let mut got: Vec<usize> = store
            .query(&q)
            .await
            .expect("search")
            .rows
            .iter()
            .map(|r| ids.iter().position(|i| *i == r.id).expect("known"))
            .collect();
        got.sort();
        got
    }

    pub async fn search_matches_word_prefixes(store: Arc<dyn Store>, _engine: &str) {
        let ws = new_workspace(&store).await;
        let texts = [
            "invoice 2024 overdue",
            "café naïve straße",
            "cafe latte",
            "東京都 report",
            "the com www about",
            "x1y2 abc12def",
        ];
        let mut ids = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let mut r = ticket(ws, i as i64 + 1, "open");
            r.search_text = Some((*text).to_owned());
            ids.push(r.id);
            store.apply(one(Op::Insert(r))).await.expect("insert");
        }
        assert_eq!(found(&store, ws, &ids, &["inv"]).await, vec![0]);
        assert_eq!(found(&store, ws, &ids, &["invoice", "2024"]).await, vec![0]);
        assert_eq!(
            found(&store, ws, &ids, &["invoice", "latte"]).await,
            Vec::<usize>::new(),
            "every word must match"
        );
        assert_eq!(found(&store, ws, &ids, &["caf"]).await, vec![1, 2]);
        assert_eq!(
            found(&store, ws, &ids, &["café"]).await,
            vec![1],
            "diacritics are kept"
        );
        assert_eq!(found(&store, ws, &ids, &["cafe"]).await, vec![2]);
        assert_eq!(found(&store, ws, &ids, &["naï", "stra"]).await, vec![1]);
        assert_eq!(found(&store, ws, &ids, &["東京"]).await, vec![3]);
        assert_eq!(
            found(&store, ws, &ids, &["the", "com", "www", "about"]).await,
            vec![4],
            "no stop words"
        );
        assert_eq!(found(&store, ws, &ids, &["x1y", "abc12"]).await, vec![5]);
        assert_eq!(
            found(&store, ws, &ids, &["voice"]).await,
            Vec::<usize>::new(),
            "prefixes only, not infixes"
        );
        assert_eq!(
            found(&store, ws, &ids, &["INV"]).await,
            Vec::<usize>::new(),
            "byte-wise: the core lower-cases"
        );
        assert_eq!(
            found(&store, ws, &ids, &["in\"v*"]).await,
            Vec::<usize>::new(),
            "query syntax is not interpreted"
        );
        // Through the core's word splitting, with a total.
        let q = Query::new(Kind::Ticket, Some(ws))
            .search("Café!")
            .with_total();
        assert_eq!(store.query(&q).await.expect("search").total, Some(1));
        // Searching a kind without search text is a caller bug.
        let q = Query::new(Kind::Tag, Some(ws)).search("anything");
        let err = store.query(&q).await.expect_err("not searchable");
        assert!(
            matches!(err, gopimi_core::Error::Internal { .. }),
            "{err:?}"
        );
    }
}

per_engine!(
    reads_and_versions,
    unique_keys,
    batches_are_atomic,
    workspaces_are_purged_and_referenced,
    jobs_are_claimed_once,
    concurrent_writers_lose_nothing,
    search_matches_word_prefixes,
);
