//! Every kind round-trips through the store as its real model type: insert, read, update, read,
//! delete; and the values that are easy to mangle (microsecond times, UUIDs, unicode, large
//! bodies, the body's exact bytes) come back exactly.

use super::sample::*;
use crate::ids::*;
use crate::model::*;
use crate::store::{Entity, Filter, Kind, Op, Query, SortKey, Store, Value, Writes};
use chrono::{DateTime, TimeZone, Utc};
use std::fmt::Debug;
use std::sync::Arc;
use uuid::Uuid;

/// Inserts `e`, reads it back, applies `change`, updates, reads back, deletes, and checks each
/// step, including the stored version and the raw `get`/`get_many` reads.
async fn roundtrip<E: Entity + PartialEq + Debug>(
    store: &dyn Store,
    mut e: E,
    change: impl FnOnce(&mut E),
) {
    let scope = e.workspace_id();
    let id = e.id();
    put(store, &mut e).await;
    assert_eq!(e.version(), 1, "{}: a new row has version 1", E::NAME);
    let read: Option<E> = load(store, scope, id).await;
    assert_eq!(
        read.as_ref(),
        Some(&e),
        "{}: inserted row reads back equal",
        E::NAME
    );
    let raw = ok(store.get(E::KIND, scope, id).await, "get").expect("row exists");
    assert_eq!(
        (raw.id, raw.version),
        (id, 1),
        "{}: raw row id and version",
        E::NAME
    );

    let before = e.clone();
    change(&mut e);
    assert_ne!(before, e, "{}: the change must change something", E::NAME);
    save(store, &mut e).await;
    let read: Option<E> = load(store, scope, id).await;
    assert_eq!(
        read.as_ref(),
        Some(&e),
        "{}: updated row reads back equal",
        E::NAME
    );
    assert_eq!(
        read.map(|r| r.version()),
        Some(2),
        "{}: updated version",
        E::NAME
    );

    remove(store, &e).await;
    let read: Option<E> = load(store, scope, id).await;
    assert_eq!(read, None, "{}: deleted row is gone", E::NAME);
    let many = ok(store.get_many(E::KIND, scope, &[id]).await, "get_many");
    assert!(
        many.is_empty(),
        "{}: deleted row is gone from get_many",
        E::NAME
    );
}

/// Users, workspaces, memberships, API tokens and notification preferences round-trip.
pub async fn accounts(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Accounts").await;
    roundtrip(s, user("grace@example.org"), |u| {
        u.name = "Grace Hopper".into();
        u.email = "Grace.Hopper@example.org".into();
        u.updated_at = t(60);
    })
    .await;
    roundtrip(s, workspace(ws.owner_id(), "Second desk"), |w| {
        w.name = "Renamed desk".into();
        w.ticket_counter = 41;
        w.plan = Plan::Pro;
    })
    .await;
    let mut member = user("member@example.org");
    put(s, &mut member).await;
    roundtrip(s, membership(ws.id(), member.id, Role::Member), |m| {
        m.role = Role::Owner;
    })
    .await;
    roundtrip(s, api_token(ws.owner_id(), &"ab".repeat(32)), |t| {
        t.last_used_at = Some(t_us(5));
        t.expires_at = None;
    })
    .await;
    roundtrip(s, notification_preference(ws.id(), member.id), |p| {
        p.set(NotificationEvent::SlaBreach, false);
        p.set(NotificationEvent::TicketReply, false);
    })
    .await;
}

/// Tickets (with every optional part set), messages, attachments and activity round-trip.
pub async fn tickets(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Tickets").await;
    let mut contact = contact(ws.id(), "carla@example.net", "Carla Customer");
    let mut tag_a = tag(ws.id(), "billing");
    let mut tag_b = tag(ws.id(), "urgent");
    let mut email = workspace_email(ws.id(), "help@tickets.example.org");
    let mut policy = sla_policy(ws.id(), "Standard");
    put(s, &mut contact).await;
    put(s, &mut tag_a).await;
    put(s, &mut tag_b).await;
    put(s, &mut email).await;
    put(s, &mut policy).await;

    let mut full = ticket(ws.id(), 7, "Invoice shows the wrong amount");
    full.description = "Charged twice for March.".into();
    full.agent_id = Some(ws.owner_id());
    full.contact_id = Some(contact.id);
    full.workspace_email_id = Some(email.id);
    full.tag_ids = vec![tag_a.id];
    full.contact_search = "Carla Customer carla@example.net".into();
    full.sla = Some(TicketSla {
        policy_id: policy.id,
        first_response_due_at: Some(t(1_800)),
        resolution_due_at: Some(t(14_400)),
        first_response_warn_at: Some(t(1_440)),
        resolution_warn_at: Some(t(11_520)),
        first_response_status: SlaMetricStatus::OnTrack,
        resolution_status: SlaMetricStatus::OnTrack,
        status: SlaMetricStatus::OnTrack,
        paused_at: None,
        next_check_at: Some(t(1_440)),
    });
    roundtrip(s, full, |t| {
        t.status = TicketStatus::Pending;
        t.priority = Priority::Urgent;
        t.tag_ids = vec![tag_a.id, tag_b.id];
        t.first_response_at = Some(t_us(77));
        t.updated_at = t_us(78);
        t.last_activity_at = t_us(78);
        if let Some(sla) = t.sla.as_mut() {
            sla.first_response_status = SlaMetricStatus::Met;
            sla.paused_at = Some(t_us(78));
            sla.next_check_at = None;
        }
    })
    .await;

    let mut parent = ticket(ws.id(), 8, "Parent of messages");
    put(s, &mut parent).await;
    let mut out = message(
        ws.id(),
        Parent::Ticket(parent.id),
        Some("reply-1@tickets.example.org"),
    );
    out.kind = MessageKind::Outbound;
    out.author_user_id = Some(ws.owner_id());
    out.cc = vec![Mailbox::named("Dan", "dan@example.net")];
    out.references = vec!["a@x".into(), "b@y".into()];
    out.in_reply_to = Some("b@y".into());
    out.sending_email_id = Some(email.id);
    out.delivery = Some(DeliveryState {
        status: DeliveryStatus::Queued,
        reason: None,
        provider_message_id: None,
        attempts: 0,
        updated_at: t0(),
    });
    roundtrip(s, out, |m| {
        if let Some(d) = m.delivery.as_mut() {
            d.status = DeliveryStatus::Delivered;
            d.provider_message_id = Some("20250304.abc@mailgun.org".into());
            d.attempts = 1;
        }
        m.provider_message_id = Some("20250304.abc@mailgun.org".into());
    })
    .await;

    let mut carrier = message(ws.id(), Parent::Ticket(parent.id), Some("carrier@x"));
    put(s, &mut carrier).await;
    roundtrip(s, attachment(ws.id(), Some(carrier.id)), |a| {
        a.inline = true;
        a.content_id = Some("logo@x".into());
    })
    .await;
    roundtrip(
        s,
        activity(
            ws.id(),
            ActivitySubject::Ticket(parent.id),
            "status_changed",
        ),
        |a| {
            a.actor = Actor::User(ws.owner_id());
            a.details = serde_json::json!({ "note": "edited" });
        },
    )
    .await;
}

/// Conversations and the messages and activity on them round-trip.
pub async fn inbox(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Inbox").await;
    let mut personal = conversation(ws.id(), "Lunch on Friday?");
    personal.owner_id = Some(ws.owner_id());
    roundtrip(s, personal, |c| {
        c.status = ConversationStatus::Closed;
        c.spam = true;
        c.deleted_at = Some(t_us(9));
    })
    .await;
    let mut parent = conversation(ws.id(), "Shared thread");
    put(s, &mut parent).await;
    let mut note = message(ws.id(), Parent::Conversation(parent.id), None);
    note.kind = MessageKind::Note;
    note.from = None;
    roundtrip(s, note, |m| {
        m.body_text = "Edited note".into();
        m.deleted_at = Some(t(5));
    })
    .await;
    roundtrip(
        s,
        activity(ws.id(), ActivitySubject::Conversation(parent.id), "closed"),
        |a| {
            a.action = "reopened".into();
        },
    )
    .await;
}

/// Contacts, organizations, custom fields and their values, and blocked senders round-trip.
pub async fn contacts(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Contacts").await;
    let mut org = organization(ws.id(), "Acme Corp");
    put(s, &mut org).await;
    let mut c = contact(ws.id(), "Wile.E@Acme.example", "Wile E. Coyote");
    c.organization_id = Some(org.id);
    c.phone = Some("+1 555 0100".into());
    roundtrip(s, c, |c| {
        c.organization_id = None;
        c.notes = Some("Prefers phone".into());
    })
    .await;
    roundtrip(s, organization(ws.id(), "Globex"), |o| {
        o.name = "Globex Corporation".into();
        o.domain = None;
    })
    .await;
    roundtrip(s, custom_field(ws.id(), "Tier"), |f| {
        f.options.push("bronze".into());
        f.featured = false;
        f.position = 3;
    })
    .await;
    let mut holder = contact(ws.id(), "holder@example.net", "Holder");
    let mut field = custom_field(ws.id(), "Plan");
    put(s, &mut holder).await;
    put(s, &mut field).await;
    roundtrip(
        s,
        custom_field_value(ws.id(), holder.id, field.id, serde_json::json!("gold")),
        |v| v.value = serde_json::json!(["gold", "silver"]),
    )
    .await;
    roundtrip(s, blocked_sender(ws.id(), "spammer@bad.example"), |b| {
        b.reason = None;
    })
    .await;
}

/// Tags, canned responses, SLA policies, workspace emails, domains, webhooks and webhook
/// deliveries round-trip.
pub async fn settings(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Settings").await;
    roundtrip(s, tag(ws.id(), "vip"), |t| t.color = "#ff0000".into()).await;
    roundtrip(
        s,
        canned_response(ws.id(), "Refund policy", "Refunds take 5 days."),
        |c| {
            c.body = "Refunds take 3 days.".into();
        },
    )
    .await;
    roundtrip(s, sla_policy(ws.id(), "Premium"), |p| {
        p.active = false;
        p.calendar = Some(BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            hours: Vec::new(),
            holidays: Vec::new(),
        });
    })
    .await;
    let mut dom = domain(ws.id(), "mail.settings.example");
    put(s, &mut dom).await;
    let mut email = workspace_email(ws.id(), "sales@mail.settings.example");
    email.domain_id = Some(dom.id);
    email.purpose = Purpose::Inbox;
    email.user_id = Some(ws.owner_id());
    roundtrip(s, email, |e| {
        e.forwarding_address = Some("fwd-123@in.gopimi.example".into());
        e.verified = true;
    })
    .await;
    roundtrip(s, domain(ws.id(), "other.settings.example"), |d| {
        d.state = DomainState::Active;
        d.verified_at = Some(t(30));
    })
    .await;
    roundtrip(s, webhook(ws.id(), "https://hooks.example/a"), |w| {
        w.enabled = false;
        w.disabled_reason = Some("too many failures".into());
        w.consecutive_failures = 20;
    })
    .await;
    let mut hook = webhook(ws.id(), "https://hooks.example/b");
    put(s, &mut hook).await;
    roundtrip(s, webhook_delivery(ws.id(), hook.id), |d| {
        d.status = WebhookDeliveryStatus::Succeeded;
        d.attempts = 1;
        d.response_status = Some(204);
        d.duration_ms = Some(87);
    })
    .await;
}

/// Jobs, inbound items and nonces (global kinds, with and without a workspace) round-trip.
pub async fn system(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "System").await;
    let mut scoped = job("mail.send", t(10));
    scoped.workspace_id = ws.scope();
    scoped.dedupe_key = Some("send:1".into());
    roundtrip(s, scoped, |j| {
        j.status = JobStatus::Running;
        j.lease_until = Some(t(70));
        j.locked_by = Some("worker-1".into());
        j.attempts = 1;
    })
    .await;
    roundtrip(s, job("sla.sweep", t(0)), |j| {
        j.status = JobStatus::Dead;
        j.last_error = Some("gave up".into());
    })
    .await;
    roundtrip(s, inbound_item(None, Some("key-1")), |i| {
        i.workspace_id = ws.scope();
        i.status = InboundStatus::Processed;
    })
    .await;
    roundtrip(s, nonce("mailgun:token-1"), |n| n.expires_at = t(7_200)).await;
}

/// Times come back with their microseconds, compare exactly in filters and order by their
/// microseconds; far-past and far-future times survive too.
pub async fn times_keep_microseconds(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Times").await;
    let far_future: DateTime<Utc> = Utc
        .with_ymd_and_hms(2099, 12, 31, 23, 59, 59)
        .single()
        .expect("valid date")
        + chrono::Duration::microseconds(999_999);
    let far_past: DateTime<Utc> = Utc
        .with_ymd_and_hms(1971, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
        + chrono::Duration::microseconds(1);
    let mut tk = ticket(ws.id(), 1, "Times");
    tk.created_at = t_us(1);
    tk.updated_at = t_us(999_999);
    tk.last_activity_at = far_future;
    tk.deleted_at = Some(far_past);
    put(s, &mut tk).await;
    let read: Option<Ticket> = load(s, ws.scope(), tk.id.0).await;
    assert_eq!(
        read,
        Some(tk.clone()),
        "ticket with microsecond times reads back equal"
    );

    let pid = put_probes(
        s,
        vec![
            Probe::new(&ws, "t0").set("created_at", t_us(0)),
            Probe::new(&ws, "t0+1us").set("created_at", t_us(1)),
            Probe::new(&ws, "t0+2us").set("created_at", t_us(2)),
        ],
    )
    .await;
    let q = Query::new(Kind::Conversation, ws.scope());
    let eq = ok(
        s.query(&q.clone().filter(Filter::Eq("created_at", t_us(1).into())))
            .await,
        "query",
    );
    assert_eq!(
        ids(&eq.rows),
        vec![pid[1]],
        "Eq on a time matches to the microsecond"
    );
    let lt = ok(
        s.query(&q.clone().filter(Filter::Lt("created_at", t_us(1).into())))
            .await,
        "query",
    );
    assert_eq!(
        ids(&lt.rows),
        vec![pid[0]],
        "Lt on a time is exact to the microsecond"
    );
    let desc = ok(
        s.query(&q.clone().sort(SortKey::desc("created_at"))).await,
        "query",
    );
    assert_eq!(
        ids(&desc.rows),
        vec![pid[2], pid[1], pid[0]],
        "times 1µs apart sort apart"
    );
    let tickets = ok(
        s.query(
            &Query::new(Kind::Ticket, ws.scope())
                .filter(Filter::Eq("last_activity_at", far_future.into())),
        )
        .await,
        "query",
    );
    assert_eq!(
        ids(&tickets.rows),
        vec![tk.id.0],
        "a far-future time compares exactly"
    );
}

/// Unicode text (emoji, CJK, combining marks, right-to-left) round-trips byte for byte in bodies
/// and in projected fields, where equality is exact.
pub async fn unicode_text(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Unicode").await;
    let name = "Zoë 😀 東京タワー Ñandú e\u{301} שלום";
    let mut c = contact(ws.id(), "jürgen.müller@exämple.org", name);
    c.notes = Some("🧾 請求書 — «quoted» \u{200d} zero-width joiner".into());
    put(s, &mut c).await;
    let read: Option<Contact> = load(s, ws.scope(), c.id.0).await;
    assert_eq!(
        read.as_ref().map(|r| r.name.as_str()),
        Some(name),
        "unicode name"
    );
    assert_eq!(read, Some(c.clone()), "unicode contact reads back equal");
    let by_email = ok(
        s.query(
            &Query::new(Kind::Contact, ws.scope())
                .filter(Filter::Eq("email", "jürgen.müller@exämple.org".into())),
        )
        .await,
        "query",
    );
    assert_eq!(ids(&by_email.rows), vec![c.id.0], "Eq on a non-ASCII email");

    let probe = Probe::new(&ws, "emoji").set("subject_sort", "😀 東京");
    let other = Probe::new(&ws, "composed").set("subject_sort", "é");
    let decomposed = Probe::new(&ws, "decomposed").set("subject_sort", "e\u{301}");
    let want = [probe.id(), other.id(), decomposed.id()];
    put_probes(s, vec![probe, other, decomposed]).await;
    let q = Query::new(Kind::Conversation, ws.scope());
    for (value, id) in [("😀 東京", want[0]), ("é", want[1]), ("e\u{301}", want[2])] {
        let res = ok(
            s.query(&q.clone().filter(Filter::Eq("subject_sort", value.into())))
                .await,
            "query",
        );
        assert_eq!(
            ids(&res.rows),
            vec![id],
            "Eq on {value:?} matches only its own bytes"
        );
    }
}

/// A message with a 1 MiB text body and a large HTML body round-trips, also after an update.
pub async fn large_body(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Large").await;
    let mut tk = ticket(ws.id(), 1, "Large");
    put(s, &mut tk).await;
    let line = "Lorem ipsum dolor sit amet, 東京 😀 consectetur adipiscing elit.\n";
    let mut body = String::with_capacity(1 << 20);
    while body.len() < (1 << 20) {
        body.push_str(line);
    }
    let mut m = message(ws.id(), Parent::Ticket(tk.id), Some("large@x"));
    m.body_text = body.clone();
    m.body_html = Some(format!("<pre>{}</pre>", &body[..256 * 1024]));
    put(s, &mut m).await;
    let read: Message = load(s, ws.scope(), m.id.0)
        .await
        .expect("large message exists");
    assert_eq!(
        read.body_text.len(),
        body.len(),
        "1 MiB body keeps its length"
    );
    assert!(read == m, "1 MiB message reads back equal");
    m.body_text.push_str("one more line\n");
    save(s, &mut m).await;
    let read: Message = load(s, ws.scope(), m.id.0)
        .await
        .expect("large message exists");
    assert!(read == m, "updated 1 MiB message reads back equal");
}

/// The stored body is returned exactly as written: key order, spacing, escapes and numbers
/// beyond 64 bits are the writer's business, not the store's.
pub async fn body_verbatim(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Verbatim").await;
    let mut record = Probe::new(&ws, "verbatim").record();
    let body = r#"{"z": 1,  "a":[1.50, "\u00e9é", null], "big": 123456789012345678901234567890, "nested":{"b":true,"a":false}}"#;
    record.body = body.into();
    let id = record.id;
    let mut w = Writes::new();
    w.op(Op::Insert(record));
    ok(w.apply(s).await, "insert raw record");
    let got = ok(s.get(Kind::Conversation, ws.scope(), id).await, "get").expect("row exists");
    assert_eq!(got.body, body, "body comes back byte for byte");
    let many = ok(
        s.get_many(Kind::Conversation, ws.scope(), &[id]).await,
        "get_many",
    );
    assert_eq!(
        many.first().map(|r| r.body.as_str()),
        Some(body),
        "get_many body verbatim"
    );
    let q = ok(
        s.query(&Query::new(Kind::Conversation, ws.scope())).await,
        "query",
    );
    assert_eq!(
        q.rows.first().map(|r| r.body.as_str()),
        Some(body),
        "query body verbatim"
    );
}

/// Ids and UUID fields round-trip whatever their bits (random v4, all ones, high bit set), and
/// equality on a UUID field is exact.
pub async fn uuid_values(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Uuids").await;
    let odd_ids = [
        Uuid::from_u128(u128::MAX),
        Uuid::from_u128(0x8000_0000_0000_0000_0000_0000_0000_0001),
        Uuid::new_v4(),
        Uuid::from_u128(1),
    ];
    let mut agents = Vec::new();
    for (i, id) in odd_ids.iter().enumerate() {
        let mut u = user(&format!("uuid-{i}@example.org"));
        u.id = UserId(*id);
        put(s, &mut u).await;
        let read: Option<User> = load(s, None, *id).await;
        assert_eq!(read, Some(u.clone()), "user with id {id} reads back");
        agents.push(u.id);
    }
    let mut tickets = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        let mut tk = ticket(ws.id(), i as i64 + 1, "Uuid");
        tk.id = TicketId(Uuid::new_v4());
        tk.agent_id = Some(*agent);
        put(s, &mut tk).await;
        tickets.push(tk);
    }
    for tk in &tickets {
        let res = ok(
            s.query(&Query::new(Kind::Ticket, ws.scope()).filter(Filter::Eq(
                "agent_id",
                Value::Uuid(tk.agent_id.expect("set").0),
            )))
            .await,
            "query",
        );
        assert_eq!(ids(&res.rows), vec![tk.id.0], "Eq on a UUID field is exact");
    }
}
