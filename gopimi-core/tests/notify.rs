//! Notification emails: who gets which email for each of the five events, preferences, never
//! the actor, never for auto-replies or spam; the `mail.notify` handler's MIME (parsed back
//! with mail-parser); one-click unsubscribe tokens (once, for their member only, forgeries
//! refused).

mod support;

use async_trait::async_trait;
use chrono::Duration;
use gopimi_core::Error;
use gopimi_core::clock::Clock;
use gopimi_core::ids::{ConversationId, UserId};
use gopimi_core::jobs::JobRunner;
use gopimi_core::mail::{MailSender, OutgoingEmail, SendReceipt};
use gopimi_core::model::{
    Actor, Conversation, Membership, Message, MessageKind, NotificationEvent,
    NotificationPreference, Parent, Priority, Ticket, TicketStatus, User,
};
use gopimi_core::notify::{
    Audience, NOTIFY_QUEUE, Notice, NotifyConfig, NotifyHandler, NotifyPayload, UnsubscribeSigner,
    Unsubscribed, notification_jobs, recipients, unsubscribe,
};
use gopimi_core::sla::{SlaEvent, SlaEventType};
use gopimi_core::store::{Filter, Kind, Query, StoreExt, Value, Writes};
use gopimi_core::testing::sample;
use mail_parser::MessageParser;
use std::sync::{Arc, Mutex};
use support::*;

const SECRET: &[u8] = b"a server secret of enough bytes!";

fn sorted(mut v: Vec<UserId>) -> Vec<UserId> {
    v.sort();
    v
}

async fn audience(d: &Desk) -> Audience {
    Audience::load(d.store.as_ref(), d.ws.id())
        .await
        .expect("audience")
}

async fn set_pref(d: &Desk, user: UserId, event: NotificationEvent, on: bool) {
    let existing: Option<NotificationPreference> = d
        .store
        .find_one(
            &Query::new(Kind::NotificationPreference, d.scope())
                .filter(Filter::Eq("user_id", Value::Uuid(user.0))),
        )
        .await
        .expect("read");
    let mut w = Writes::new();
    match existing {
        Some(mut p) => {
            p.set(event, on);
            w.update(&mut p).expect("encode");
        }
        None => {
            let mut p = NotificationPreference::defaults(d.ws.id(), user, d.now());
            p.set(event, on);
            w.insert(&mut p).expect("encode");
        }
    }
    w.apply(d.store.as_ref()).await.expect("preference written");
}

async fn pref(d: &Desk, user: UserId) -> Option<NotificationPreference> {
    d.store
        .find_one(
            &Query::new(Kind::NotificationPreference, d.scope())
                .filter(Filter::Eq("user_id", Value::Uuid(user.0))),
        )
        .await
        .expect("read")
}

fn inbound(d: &Desk, parent: Parent) -> Message {
    sample::message(d.ws.id(), parent, None)
}

fn all(d: &Desk) -> Vec<UserId> {
    sorted(vec![d.owner, d.alice, d.bob])
}

#[tokio::test]
async fn ticket_assigned_goes_to_the_new_agent_unless_they_assigned_themselves() {
    let d = desk().await;
    let t = d
        .ticket_with(Priority::High, TicketStatus::Open, Some(d.alice))
        .await;
    let a = audience(&d).await;
    let n = Notice::TicketAssigned { ticket: &t };
    assert_eq!(recipients(&n, &a, Actor::User(d.owner)), vec![d.alice]);
    assert_eq!(
        recipients(&n, &a, Actor::User(d.alice)),
        vec![],
        "never the actor"
    );
    assert_eq!(recipients(&n, &a, Actor::System), vec![d.alice]);

    set_pref(&d, d.alice, NotificationEvent::TicketAssigned, false).await;
    let a = audience(&d).await;
    assert_eq!(recipients(&n, &a, Actor::User(d.owner)), vec![]);
    // Other events are still on for her.
    set_pref(&d, d.alice, NotificationEvent::TicketReply, true).await;
    let m = inbound(&d, Parent::Ticket(t.id));
    let r = Notice::TicketReply {
        ticket: &t,
        message: &m,
    };
    assert_eq!(
        recipients(&r, &audience(&d).await, Actor::System),
        vec![d.alice]
    );

    // An agent who is not a member (any more) gets nothing.
    let mut stranger = t.clone();
    stranger.agent_id = Some(UserId::new());
    let n = Notice::TicketAssigned { ticket: &stranger };
    assert_eq!(recipients(&n, &a, Actor::User(d.owner)), vec![]);
}

#[tokio::test]
async fn an_inbound_reply_goes_to_the_agent_or_everyone_and_never_for_machines_or_spam() {
    let d = desk().await;
    let assigned = d
        .ticket_with(Priority::High, TicketStatus::Open, Some(d.bob))
        .await;
    let open = d.ticket(Priority::High).await;
    let a = audience(&d).await;
    let contact = Actor::Contact(gopimi_core::ids::ContactId::new());

    let m = inbound(&d, Parent::Ticket(assigned.id));
    let n = Notice::TicketReply {
        ticket: &assigned,
        message: &m,
    };
    assert_eq!(recipients(&n, &a, contact), vec![d.bob]);

    let m = inbound(&d, Parent::Ticket(open.id));
    let n = Notice::TicketReply {
        ticket: &open,
        message: &m,
    };
    assert_eq!(
        recipients(&n, &a, contact),
        all(&d),
        "unassigned: every member"
    );

    let mut auto = m.clone();
    auto.auto_submitted = true;
    let n = Notice::TicketReply {
        ticket: &open,
        message: &auto,
    };
    assert_eq!(
        recipients(&n, &a, contact),
        vec![],
        "never for auto-replies"
    );
    let mut bounce = m.clone();
    bounce.bounce = true;
    let n = Notice::TicketReply {
        ticket: &open,
        message: &bounce,
    };
    assert_eq!(recipients(&n, &a, contact), vec![], "never for bounces");
    for kind in [MessageKind::Note, MessageKind::Outbound] {
        let mut own = m.clone();
        own.kind = kind;
        let n = Notice::TicketReply {
            ticket: &open,
            message: &own,
        };
        assert_eq!(
            recipients(&n, &a, contact),
            vec![],
            "{kind:?} is not a customer reply"
        );
    }
    let mut spam = open.clone();
    spam.spam = true;
    let n = Notice::TicketReply {
        ticket: &spam,
        message: &m,
    };
    assert_eq!(recipients(&n, &a, contact), vec![], "never for spam");
    let mut trashed = open.clone();
    trashed.deleted_at = Some(d.now());
    let n = Notice::TicketReply {
        ticket: &trashed,
        message: &m,
    };
    assert_eq!(recipients(&n, &a, contact), vec![]);

    // Nor for a message that is not the ticket's own.
    let other = inbound(&d, Parent::Ticket(assigned.id));
    let n = Notice::TicketReply {
        ticket: &open,
        message: &other,
    };
    assert_eq!(recipients(&n, &a, contact), vec![]);
}

#[tokio::test]
async fn a_conversation_message_goes_to_everyone_when_shared_and_to_the_owner_when_personal() {
    let d = desk().await;
    let a = audience(&d).await;
    let contact = Actor::Contact(gopimi_core::ids::ContactId::new());
    let shared: Conversation = sample::conversation(d.ws.id(), "Partnership question");
    let m = inbound(&d, Parent::Conversation(shared.id));
    let n = Notice::ConversationMessage {
        conversation: &shared,
        message: &m,
    };
    assert_eq!(recipients(&n, &a, contact), all(&d));

    let mut personal = sample::conversation(d.ws.id(), "Hi Bob");
    personal.owner_id = Some(d.bob);
    let m = inbound(&d, Parent::Conversation(personal.id));
    let n = Notice::ConversationMessage {
        conversation: &personal,
        message: &m,
    };
    assert_eq!(recipients(&n, &a, contact), vec![d.bob]);

    set_pref(&d, d.bob, NotificationEvent::ConversationMessage, false).await;
    assert_eq!(recipients(&n, &audience(&d).await, contact), vec![]);

    let mut spam = shared.clone();
    spam.spam = true;
    let m = inbound(&d, Parent::Conversation(spam.id));
    let n = Notice::ConversationMessage {
        conversation: &spam,
        message: &m,
    };
    assert_eq!(recipients(&n, &a, contact), vec![]);
    let mut auto = inbound(&d, Parent::Conversation(shared.id));
    auto.auto_submitted = true;
    let n = Notice::ConversationMessage {
        conversation: &shared,
        message: &auto,
    };
    assert_eq!(recipients(&n, &a, contact), vec![]);
    // A message of another conversation.
    let m = inbound(&d, Parent::Conversation(ConversationId::new()));
    let n = Notice::ConversationMessage {
        conversation: &shared,
        message: &m,
    };
    assert_eq!(recipients(&n, &a, contact), vec![]);
}

#[tokio::test]
async fn a_status_change_goes_to_the_agent_or_everyone_but_the_actor() {
    let d = desk().await;
    let a = audience(&d).await;
    let mut t = d
        .ticket_with(Priority::High, TicketStatus::Open, Some(d.alice))
        .await;
    t.status = TicketStatus::Resolved;
    let n = Notice::TicketStatusChanged {
        ticket: &t,
        from: TicketStatus::Open,
    };
    assert_eq!(recipients(&n, &a, Actor::User(d.owner)), vec![d.alice]);
    assert_eq!(recipients(&n, &a, Actor::User(d.alice)), vec![]);

    t.agent_id = None;
    let n = Notice::TicketStatusChanged {
        ticket: &t,
        from: TicketStatus::Open,
    };
    assert_eq!(
        recipients(&n, &a, Actor::User(d.alice)),
        sorted(vec![d.owner, d.bob])
    );
    let same = Notice::TicketStatusChanged {
        ticket: &t,
        from: TicketStatus::Resolved,
    };
    assert_eq!(
        recipients(&same, &a, Actor::User(d.alice)),
        vec![],
        "no change"
    );
}

#[tokio::test]
async fn sla_alerts_go_to_every_member_who_wants_them() {
    let d = desk().await;
    let t = d
        .ticket_with(Priority::High, TicketStatus::Open, Some(d.alice))
        .await;
    let event = SlaEvent {
        event_type: SlaEventType::ResolutionBreached,
        due_at: Some(t0()),
        occurred_at: d.now(),
    };
    let n = Notice::Sla {
        ticket: &t,
        event: &event,
    };
    assert_eq!(recipients(&n, &audience(&d).await, Actor::System), all(&d));
    set_pref(&d, d.bob, NotificationEvent::SlaBreach, false).await;
    assert_eq!(
        recipients(&n, &audience(&d).await, Actor::System),
        sorted(vec![d.owner, d.alice])
    );
}

#[tokio::test]
async fn notification_jobs_carry_what_happened_for_each_recipient() {
    let d = desk().await;
    let mut t = d
        .ticket_with(Priority::High, TicketStatus::Open, None)
        .await;
    t.status = TicketStatus::Pending;
    let jobs = notification_jobs(
        d.store.as_ref(),
        &Notice::TicketStatusChanged {
            ticket: &t,
            from: TicketStatus::Open,
        },
        Actor::User(d.bob),
        d.now(),
    )
    .await
    .expect("jobs");
    assert_eq!(jobs.len(), 2);
    let mut users = Vec::new();
    for j in &jobs {
        assert_eq!(j.queue, NOTIFY_QUEUE);
        assert_eq!(j.workspace_id, Some(d.ws.id().0));
        let p: NotifyPayload = serde_json::from_value(j.payload.clone()).expect("payload");
        assert_eq!(p.event, NotificationEvent::TicketStatusChanged);
        assert_eq!(p.ticket_id, Some(t.id));
        assert_eq!(
            p.detail,
            serde_json::json!({"from": "open", "to": "pending"})
        );
        users.push(p.user_id);
    }
    assert_eq!(sorted(users), sorted(vec![d.owner, d.alice]));

    // A spam ticket reads nothing and writes nothing.
    t.spam = true;
    let none = notification_jobs(
        d.store.as_ref(),
        &Notice::TicketStatusChanged {
            ticket: &t,
            from: TicketStatus::Open,
        },
        Actor::User(d.bob),
        d.now(),
    )
    .await
    .expect("jobs");
    assert!(none.is_empty());
}

#[derive(Default)]
struct Recording {
    sent: Mutex<Vec<OutgoingEmail>>,
}

#[async_trait]
impl MailSender for Recording {
    async fn send(&self, email: &OutgoingEmail) -> gopimi_core::Result<SendReceipt> {
        self.sent
            .lock()
            .map_err(|_| Error::internal_msg("poisoned"))?
            .push(email.clone());
        Ok(SendReceipt::default())
    }
}

impl Recording {
    fn take(&self) -> Vec<OutgoingEmail> {
        std::mem::take(&mut *self.sent.lock().expect("lock"))
    }
}

struct Mailer {
    sender: Arc<Recording>,
    runner: JobRunner,
    signer: UnsubscribeSigner,
}

fn mailer(d: &Desk) -> Mailer {
    let sender = Arc::new(Recording::default());
    let signer = UnsubscribeSigner::new(SECRET).expect("signer");
    let handler = NotifyHandler::new(
        d.store.clone(),
        sender.clone(),
        d.clock.clone(),
        signer.clone(),
        NotifyConfig {
            from_address: "notifications@desk.example.com".into(),
            from_name: "Acme Helpdesk".into(),
            public_url: "https://desk.example.com/".into(),
        },
    );
    let runner = JobRunner::new(d.store.clone(), d.clock.clone(), "test")
        .handle(NOTIFY_QUEUE, Arc::new(handler));
    Mailer {
        sender,
        runner,
        signer,
    }
}

/// Writes the notification jobs of a notice (as the change's batch would) and runs them.
async fn notify(d: &Desk, m: &Mailer, notice: Notice<'_>, actor: Actor) -> Vec<OutgoingEmail> {
    let mut w = Writes::new();
    for mut j in notification_jobs(d.store.as_ref(), &notice, actor, d.now())
        .await
        .expect("jobs")
    {
        w.insert(&mut j).expect("encode");
    }
    w.apply(d.store.as_ref()).await.expect("jobs written");
    let r = m.runner.drain(10).await.expect("runner");
    assert_eq!(r.dead + r.retried, 0, "{r:?}");
    m.sender.take()
}

fn header<'a>(msg: &'a mail_parser::Message<'a>, name: &str) -> String {
    msg.header_raw(name)
        .unwrap_or_else(|| panic!("header {name} missing"))
        .trim()
        .to_owned()
}

fn token_of(mail: &OutgoingEmail) -> String {
    let msg = MessageParser::default()
        .parse(&mail.mime)
        .expect("parsable MIME");
    let list = header(&msg, "List-Unsubscribe");
    list.trim_start_matches('<')
        .trim_end_matches('>')
        .rsplit_once("/unsubscribe/")
        .expect("token in the URL")
        .1
        .to_owned()
}

async fn user(d: &Desk, id: UserId) -> User {
    d.store.require(None, id.0).await.expect("user")
}

#[tokio::test]
async fn the_email_is_rendered_marked_as_automatic_and_carries_one_click_unsubscribe() {
    let d = desk().await;
    let m = mailer(&d);
    let mut t: Ticket = d
        .ticket_with(Priority::High, TicketStatus::Open, Some(d.alice))
        .await;
    t.subject = "Invoice <script>alert(1)</script> & more".into();
    let mut w = Writes::new();
    w.update(&mut t).expect("encode");
    w.apply(d.store.as_ref()).await.expect("written");

    let sent = notify(
        &d,
        &m,
        Notice::TicketAssigned { ticket: &t },
        Actor::User(d.owner),
    )
    .await;
    assert_eq!(sent.len(), 1);
    let mail = &sent[0];
    let alice = user(&d, d.alice).await;
    assert_eq!(mail.recipients, vec![alice.email.clone()]);
    assert_eq!(mail.from, "notifications@desk.example.com");

    let msg = MessageParser::default()
        .parse(&mail.mime)
        .expect("parsable MIME");
    let subject = msg.subject().expect("subject");
    assert!(
        subject.starts_with(&format!("[#{}] ", t.number)),
        "{subject}"
    );
    assert!(subject.contains("Assigned to you: Invoice"), "{subject}");
    assert_eq!(header(&msg, "Auto-Submitted"), "auto-generated");
    assert_eq!(
        header(&msg, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let list = header(&msg, "List-Unsubscribe");
    assert!(
        list.starts_with("<https://desk.example.com/api/v1/unsubscribe/") && list.ends_with('>'),
        "{list}"
    );
    assert_eq!(
        msg.message_id(),
        Some(mail.message_id.as_str()),
        "the envelope names the Message-ID"
    );
    let to = msg.to().and_then(|a| a.first()).expect("To");
    assert_eq!(to.address(), Some(alice.email.as_str()));

    let text = msg.body_text(0).expect("text part");
    assert!(text.contains("Hello Alice"), "{text}");
    assert!(text.contains(&t.subject), "text keeps the subject as typed");
    assert!(text.contains(&format!("/api/v1/unsubscribe/{}", token_of(mail))));
    let html = msg.body_html(0).expect("html part");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<script>"), "user text is never markup");
    assert!(html.contains("Turn these emails off"));
}

#[tokio::test]
async fn each_event_renders_its_own_email() {
    let d = desk().await;
    let m = mailer(&d);
    let mut t = d.ticket(Priority::Urgent).await;
    let mut reply = inbound(&d, Parent::Ticket(t.id));
    reply.body_text = "It is still broken, see attached.".into();
    let mut w = Writes::new();
    w.insert(&mut reply).expect("encode");
    w.apply(d.store.as_ref()).await.expect("written");
    let contact = Actor::Contact(gopimi_core::ids::ContactId::new());

    let sent = notify(
        &d,
        &m,
        Notice::TicketReply {
            ticket: &t,
            message: &reply,
        },
        contact,
    )
    .await;
    assert_eq!(sent.len(), 3, "unassigned: every member");
    let msg = MessageParser::default().parse(&sent[0].mime).expect("mime");
    assert!(
        msg.subject()
            .expect("subject")
            .starts_with(&format!("[#{}] New reply: ", t.number))
    );
    assert!(
        msg.body_text(0)
            .expect("text")
            .contains("> It is still broken")
    );

    t.status = TicketStatus::Closed;
    let sent = notify(
        &d,
        &m,
        Notice::TicketStatusChanged {
            ticket: &t,
            from: TicketStatus::Open,
        },
        Actor::User(d.owner),
    )
    .await;
    assert_eq!(sent.len(), 2);
    let msg = MessageParser::default().parse(&sent[0].mime).expect("mime");
    assert!(
        msg.subject()
            .expect("subject")
            .contains("] Status changed to closed: ")
    );
    assert!(
        msg.body_text(0)
            .expect("text")
            .contains("from open to closed")
    );

    let event = SlaEvent {
        event_type: SlaEventType::FirstResponseBreached,
        due_at: Some(t0() + mins(30)),
        occurred_at: d.now(),
    };
    let sent = notify(
        &d,
        &m,
        Notice::Sla {
            ticket: &t,
            event: &event,
        },
        Actor::System,
    )
    .await;
    assert_eq!(sent.len(), 3);
    let msg = MessageParser::default().parse(&sent[0].mime).expect("mime");
    let subject = msg.subject().expect("subject");
    assert!(
        subject.contains("] SLA breached (first response): "),
        "{subject}"
    );

    let mut conv = sample::conversation(d.ws.id(), "Wholesale prices");
    conv.owner_id = Some(d.bob);
    let mut cm = inbound(&d, Parent::Conversation(conv.id));
    let mut w = Writes::new();
    w.insert(&mut conv).expect("encode");
    w.insert(&mut cm).expect("encode");
    w.apply(d.store.as_ref()).await.expect("written");
    let sent = notify(
        &d,
        &m,
        Notice::ConversationMessage {
            conversation: &conv,
            message: &cm,
        },
        contact,
    )
    .await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].recipients, vec![user(&d, d.bob).await.email]);
    let msg = MessageParser::default().parse(&sent[0].mime).expect("mime");
    assert_eq!(msg.subject(), Some("New message: Wholesale prices"));
}

#[tokio::test]
async fn the_handler_checks_again_before_sending() {
    let d = desk().await;
    let m = mailer(&d);
    let mut t = d
        .ticket_with(Priority::High, TicketStatus::Open, Some(d.alice))
        .await;
    // Jobs written while Alice still wanted the email; she turns it off before they run.
    let mut w = Writes::new();
    for mut j in notification_jobs(
        d.store.as_ref(),
        &Notice::TicketAssigned { ticket: &t },
        Actor::User(d.owner),
        d.now(),
    )
    .await
    .expect("jobs")
    {
        w.insert(&mut j).expect("encode");
    }
    w.apply(d.store.as_ref()).await.expect("written");
    set_pref(&d, d.alice, NotificationEvent::TicketAssigned, false).await;
    let r = m.runner.drain(5).await.expect("run");
    assert_eq!(r.succeeded, 1);
    assert!(
        m.sender.take().is_empty(),
        "turned off in between: not sent"
    );

    // The ticket went to spam after the job was written.
    let jobs = notification_jobs(
        d.store.as_ref(),
        &Notice::Sla {
            ticket: &t,
            event: &SlaEvent {
                event_type: SlaEventType::ResolutionWarning,
                due_at: None,
                occurred_at: d.now(),
            },
        },
        Actor::System,
        d.now(),
    )
    .await
    .expect("jobs");
    assert_eq!(jobs.len(), 3);
    let mut w = Writes::new();
    for mut j in jobs {
        w.insert(&mut j).expect("encode");
    }
    t.spam = true;
    w.update(&mut t).expect("encode");
    w.apply(d.store.as_ref()).await.expect("written");
    m.runner.drain(5).await.expect("run");
    assert!(m.sender.take().is_empty(), "spam: not sent");
}

#[tokio::test]
async fn an_unsubscribe_token_turns_off_that_one_preference_of_its_member_once() {
    let d = desk().await;
    let m = mailer(&d);
    let t = d
        .ticket_with(Priority::High, TicketStatus::Open, Some(d.alice))
        .await;
    let sent = notify(
        &d,
        &m,
        Notice::TicketAssigned { ticket: &t },
        Actor::User(d.owner),
    )
    .await;
    let token = token_of(&sent[0]);

    let claim = m.signer.verify(&token, d.now()).expect("valid token");
    assert_eq!(
        (claim.workspace_id, claim.user_id, claim.event),
        (d.ws.id(), d.alice, NotificationEvent::TicketAssigned)
    );

    let done = unsubscribe(d.store.as_ref(), d.clock.as_ref(), &m.signer, &token)
        .await
        .expect("unsubscribed");
    assert!(matches!(done, Unsubscribed::Done(_)));
    let p = pref(&d, d.alice).await.expect("row written");
    assert!(!p.ticket_assigned);
    assert!(p.ticket_reply && p.conversation_message && p.ticket_status_changed && p.sla_breach);
    assert!(
        pref(&d, d.bob).await.is_none(),
        "nobody else's preferences changed"
    );
    assert!(pref(&d, d.owner).await.is_none());

    // Alice no longer gets assignment emails.
    assert!(
        notify(
            &d,
            &m,
            Notice::TicketAssigned { ticket: &t },
            Actor::User(d.owner)
        )
        .await
        .is_empty()
    );

    // A second use (an RFC 8058 client posting twice) succeeds and changes nothing.
    let again = unsubscribe(d.store.as_ref(), d.clock.as_ref(), &m.signer, &token)
        .await
        .expect("idempotent");
    assert!(matches!(again, Unsubscribed::AlreadyUsed(_)));
    // Alice turns it back on; the old link does not turn it off again.
    set_pref(&d, d.alice, NotificationEvent::TicketAssigned, true).await;
    let third = unsubscribe(d.store.as_ref(), d.clock.as_ref(), &m.signer, &token)
        .await
        .expect("idempotent");
    assert!(matches!(third, Unsubscribed::AlreadyUsed(_)));
    assert!(pref(&d, d.alice).await.expect("row").ticket_assigned);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_posts_of_the_same_token_at_once_unsubscribe_once() {
    let d = desk().await;
    let signer = UnsubscribeSigner::new(SECRET).expect("signer");
    for round in 0..10 {
        let token = signer
            .issue(d.ws.id(), d.bob, NotificationEvent::SlaBreach, d.now())
            .expect("token");
        let run = |token: String| {
            let (store, clock, signer) = (d.store.clone(), d.clock.clone(), signer.clone());
            tokio::spawn(async move {
                unsubscribe(store.as_ref(), clock.as_ref(), &signer, &token).await
            })
        };
        let (a, b) = (run(token.clone()), run(token));
        let (a, b) = (
            a.await.expect("join").expect("a"),
            b.await.expect("join").expect("b"),
        );
        let done = [a, b]
            .iter()
            .filter(|r| matches!(r, Unsubscribed::Done(_)))
            .count();
        assert_eq!(done, 1, "round {round}: exactly one use takes effect");
        set_pref(&d, d.bob, NotificationEvent::SlaBreach, true).await;
    }
}

#[tokio::test]
async fn forged_altered_foreign_and_expired_tokens_are_refused() {
    let d = desk().await;
    let signer = UnsubscribeSigner::new(SECRET).expect("signer");
    let token = signer
        .issue(d.ws.id(), d.alice, NotificationEvent::TicketReply, d.now())
        .expect("token");
    let use_it = |t: String, s: UnsubscribeSigner| {
        let (store, clock) = (d.store.clone(), d.clock.clone());
        async move { unsubscribe(store.as_ref(), clock.as_ref(), &s, &t).await }
    };
    let refused =
        |r: gopimi_core::Result<Unsubscribed>| matches!(r, Err(Error::Unauthenticated { .. }));

    // Every single character changed, one at a time, is refused.
    let chars: Vec<char> = token.chars().collect();
    for i in 0..chars.len() {
        let mut c = chars.clone();
        c[i] = if c[i] == 'A' { 'B' } else { 'A' };
        let altered: String = c.into_iter().collect();
        assert!(
            refused(use_it(altered, signer.clone()).await),
            "position {i}"
        );
    }
    // Truncated, extended, garbage, empty.
    for bad in [
        &token[..token.len() - 4],
        &format!("{token}AAAA"),
        "not-a-token",
        "",
        &"A".repeat(5000),
    ] {
        assert!(
            refused(use_it(bad.to_owned(), signer.clone()).await),
            "{bad:.20}"
        );
    }
    // Signed with another server's secret: a forgery here.
    let other = UnsubscribeSigner::new(b"another server's secret, 32 byte").expect("signer");
    let forged = other
        .issue(d.ws.id(), d.bob, NotificationEvent::TicketReply, d.now())
        .expect("token");
    assert!(refused(use_it(forged, signer.clone()).await));
    // Expired.
    d.clock.advance(Duration::days(366));
    assert!(refused(use_it(token.clone(), signer.clone()).await));
    d.clock.set(t0());
    assert!(
        pref(&d, d.alice).await.is_none(),
        "no refused token changed anything"
    );
    assert!(pref(&d, d.bob).await.is_none());

    // A member who left the workspace: the token no longer does anything.
    let gone: Membership = d
        .store
        .find_one(
            &Query::new(Kind::Membership, d.scope())
                .filter(Filter::Eq("user_id", Value::Uuid(d.alice.0))),
        )
        .await
        .expect("read")
        .expect("member");
    let mut w = Writes::new();
    w.delete(&gone);
    w.apply(d.store.as_ref()).await.expect("removed");
    let r = use_it(token, signer.clone()).await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");

    assert!(UnsubscribeSigner::new(b"short").is_err());
    assert!(d.clock.now() == t0());
}
