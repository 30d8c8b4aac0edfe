//! Workspace settings and smaller resources: emails, domains, SLA policies, notification
//! preferences, blocked senders, canned responses, attachments.

use crate::common::{env, invalid_field, is_forbidden, not_found};
use gopimi_core::model::{Priority, Purpose, Role, SlaTarget};
use gopimi_core::service::{
    NewAttachment, NewBlockedSender, NewCannedResponse, NewConversation, NewDomain, NewMessage,
    NewSlaPolicy, NewWorkspaceEmail, NotificationSettings, PageRequest, WorkspaceEmailPatch,
};

#[tokio::test]
async fn workspace_emails_are_unique_everywhere_and_personal_only_for_inboxes() {
    let e = env().await;
    let d = &e.desk;
    let (mid, member) = e.member("Mo", Role::Member).await;
    let help = d
        .create_workspace_email(
            &e.owner,
            e.ws,
            NewWorkspaceEmail::new("Help@Acme.test", Purpose::Ticket),
        )
        .await
        .expect("email");
    assert!(help.can_send && help.can_receive);
    let other = d.create_workspace(&e.owner, "Other").await.expect("ws").id;
    assert_eq!(
        invalid_field(
            d.create_workspace_email(
                &e.owner,
                other,
                NewWorkspaceEmail::new("help@acme.TEST", Purpose::Inbox)
            )
            .await
        ),
        "address"
    );
    let mut personal = NewWorkspaceEmail::new("mo@acme.test", Purpose::Ticket);
    personal.user_id = Some(mid);
    assert_eq!(
        invalid_field(
            d.create_workspace_email(&e.owner, e.ws, personal.clone())
                .await
        ),
        "user_id"
    );
    personal.purpose = Purpose::Inbox;
    let (stranger, _) = crate::common::user(d, "Stranger").await;
    let mut foreign = personal.clone();
    foreign.user_id = Some(stranger);
    assert_eq!(
        not_found(d.create_workspace_email(&e.owner, e.ws, foreign).await),
        "agent"
    );
    let mo_inbox = d
        .create_workspace_email(&e.owner, e.ws, personal)
        .await
        .expect("personal inbox");

    // Members read the list (to pick a sender) but cannot change it.
    assert_eq!(
        d.list_workspace_emails(&member, e.ws)
            .await
            .expect("list")
            .len(),
        2
    );
    assert!(is_forbidden(
        d.update_workspace_email(&member, e.ws, help.id, WorkspaceEmailPatch::default())
            .await
    ));
    let patch = WorkspaceEmailPatch {
        can_send: Some(false),
        ..Default::default()
    };
    let updated = d
        .update_workspace_email(&e.owner, e.ws, mo_inbox.id, patch)
        .await
        .expect("update");
    assert!(!updated.can_send);

    let fwd = d
        .issue_forwarding_address(&e.owner, e.ws, help.id)
        .await
        .expect("forwarding");
    let address = fwd.forwarding_address.expect("address");
    assert!(
        address.starts_with("fwd-") && address.ends_with("@in.example.net"),
        "{address}"
    );
    let again = d
        .issue_forwarding_address(&e.owner, e.ws, help.id)
        .await
        .expect("reissue");
    assert_ne!(again.forwarding_address, Some(address));

    // A reply may not go out from an address that cannot send.
    let c = d
        .create_conversation(&e.owner, e.ws, NewConversation::new("x"))
        .await
        .expect("conv");
    let mut reply = NewMessage::reply("hi");
    reply.to = vec![gopimi_core::model::Mailbox::new("cy@example.org")];
    reply.sending_email_id = Some(mo_inbox.id);
    assert_eq!(
        invalid_field(
            d.add_conversation_message(&e.owner, e.ws, c.id, reply)
                .await
        ),
        "sending_email_id"
    );
    d.delete_workspace_email(&e.owner, e.ws, mo_inbox.id)
        .await
        .expect("delete");
    assert_eq!(
        d.list_workspace_emails(&e.owner, e.ws)
            .await
            .expect("list")
            .len(),
        1
    );
}

#[tokio::test]
async fn domains_are_validated_and_unique() {
    let e = env().await;
    let d = &e.desk;
    assert_eq!(
        invalid_field(
            d.create_domain(
                &e.owner,
                e.ws,
                NewDomain {
                    name: "not a domain".into()
                }
            )
            .await
        ),
        "name"
    );
    let dom = d
        .create_domain(
            &e.owner,
            e.ws,
            NewDomain {
                name: "Support.Acme.test".into(),
            },
        )
        .await
        .expect("domain");
    assert_eq!(dom.name, "support.acme.test");
    let other = d.create_workspace(&e.owner, "Other").await.expect("ws").id;
    assert_eq!(
        invalid_field(
            d.create_domain(
                &e.owner,
                other,
                NewDomain {
                    name: "support.acme.test".into()
                }
            )
            .await
        ),
        "name"
    );
    let email = d
        .create_workspace_email(
            &e.owner,
            e.ws,
            NewWorkspaceEmail::new("help@support.acme.test", Purpose::Ticket),
        )
        .await
        .expect("email");
    assert_eq!(
        email.domain_id,
        Some(dom.id),
        "an address on a workspace domain is linked to it"
    );
    d.delete_domain(&e.owner, e.ws, dom.id)
        .await
        .expect("delete");
    assert_eq!(
        d.workspace_email(&e.owner, e.ws, email.id)
            .await
            .expect("email")
            .domain_id,
        None
    );
}

fn policy(name: &str) -> NewSlaPolicy {
    NewSlaPolicy {
        name: name.into(),
        active: None,
        targets: vec![SlaTarget {
            priority: Priority::High,
            first_response_minutes: 60,
            resolution_minutes: 480,
        }],
        calendar: None,
        pause_on_pending: false,
        warning_percent: None,
    }
}

#[tokio::test]
async fn one_sla_policy_is_active_at_a_time() {
    let e = env().await;
    let d = &e.desk;
    let first = d
        .create_sla_policy(&e.owner, e.ws, policy("First"))
        .await
        .expect("first");
    let second = d
        .create_sla_policy(&e.owner, e.ws, policy("Second"))
        .await
        .expect("second");
    let all = d.list_sla_policies(&e.owner, e.ws).await.expect("list");
    let active: Vec<_> = all.iter().filter(|p| p.active).map(|p| p.id).collect();
    assert_eq!(active, vec![second.id]);
    let patch = gopimi_core::service::SlaPolicyPatch {
        active: Some(true),
        ..Default::default()
    };
    d.update_sla_policy(&e.owner, e.ws, first.id, patch)
        .await
        .expect("activate");
    let all = d.list_sla_policies(&e.owner, e.ws).await.expect("list");
    let active: Vec<_> = all.iter().filter(|p| p.active).map(|p| p.id).collect();
    assert_eq!(active, vec![first.id]);

    let mut bad = policy("Bad");
    bad.targets.push(bad.targets[0].clone());
    assert_eq!(
        invalid_field(d.create_sla_policy(&e.owner, e.ws, bad).await),
        "targets"
    );
    let mut bad = policy("Bad");
    bad.targets[0].resolution_minutes = 0;
    assert_eq!(
        invalid_field(d.create_sla_policy(&e.owner, e.ws, bad).await),
        "targets.resolution_minutes"
    );
}

#[tokio::test]
async fn notification_preferences_default_to_on_and_are_per_member() {
    let e = env().await;
    let d = &e.desk;
    let (mid, member) = e.member("Mo", Role::Member).await;
    let prefs = d
        .notification_preferences(&member, e.ws)
        .await
        .expect("defaults");
    assert!(prefs.ticket_assigned && prefs.ticket_reply && prefs.sla_breach);
    let off = NotificationSettings {
        ticket_reply: Some(false),
        sla_breach: Some(false),
        ..Default::default()
    };
    let saved = d
        .set_notification_preferences(&member, e.ws, off)
        .await
        .expect("save");
    assert!(!saved.ticket_reply && !saved.sla_breach && saved.ticket_assigned);
    let again = NotificationSettings {
        sla_breach: Some(true),
        ..Default::default()
    };
    let saved = d
        .set_notification_preferences(&member, e.ws, again)
        .await
        .expect("save");
    assert!(
        !saved.ticket_reply && saved.sla_breach,
        "absent switches keep their value"
    );
    assert!(
        d.preferences_for(e.ws, e.owner_id)
            .await
            .expect("owner")
            .ticket_reply
    );
    assert!(
        !d.preferences_for(e.ws, mid)
            .await
            .expect("member")
            .ticket_reply
    );
}

#[tokio::test]
async fn blocked_senders_and_canned_responses() {
    let e = env().await;
    let d = &e.desk;
    let b = d
        .block_sender(&e.owner, e.ws, NewBlockedSender::new("Spammer@Bad.example"))
        .await
        .expect("block");
    assert_eq!(
        invalid_field(
            d.block_sender(&e.owner, e.ws, NewBlockedSender::new("spammer@bad.EXAMPLE"))
                .await
        ),
        "email"
    );
    let sys = gopimi_core::Caller::System;
    assert!(
        d.is_blocked_sender(&sys, e.ws, "SPAMMER@bad.example")
            .await
            .expect("check")
    );
    assert!(
        !d.is_blocked_sender(&sys, e.ws, "friend@good.example")
            .await
            .expect("check")
    );
    d.unblock_sender(&e.owner, e.ws, b.id)
        .await
        .expect("unblock");
    assert!(
        !d.is_blocked_sender(&sys, e.ws, "spammer@bad.example")
            .await
            .expect("check")
    );

    for (name, body) in [
        ("Refund policy", "30 days"),
        ("Greeting", "Hello!"),
        ("Refund done", "Sent"),
    ] {
        d.create_canned_response(&e.owner, e.ws, NewCannedResponse::new(name, body))
            .await
            .expect("canned");
    }
    let found = d
        .list_canned_responses(&e.owner, e.ws, Some("refund"), PageRequest::default())
        .await
        .expect("search");
    let names: Vec<&str> = found.items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["Refund done", "Refund policy"]);
    let by_body = d
        .list_canned_responses(&e.owner, e.ws, Some("hello"), PageRequest::default())
        .await
        .expect("search");
    assert_eq!(by_body.total, 0, "search is by name only");
}

#[tokio::test]
async fn attachments_upload_download_and_stay_private() {
    let e = env().await;
    let d = &e.desk;
    let (mid, mo) = e.member("Mo", Role::Member).await;
    let (_, ola) = e.member("Ola", Role::Member).await;
    let big = NewAttachment {
        filename: "big.bin".into(),
        content_type: "application/octet-stream".into(),
        bytes: vec![0; 25 * 1024 * 1024 + 1],
    };
    assert_eq!(
        invalid_field(d.upload_attachment(&mo, e.ws, big).await),
        "file"
    );
    let up = d
        .upload_attachment(
            &mo,
            e.ws,
            NewAttachment {
                filename: "../secret plan.txt".into(),
                content_type: "text/plain; charset=utf-8".into(),
                bytes: b"the plan".to_vec(),
            },
        )
        .await
        .expect("upload");
    assert_eq!(
        (up.filename.as_str(), up.content_type.as_str(), up.size),
        ("secret plan.txt", "text/plain", 8)
    );
    assert!(
        is_forbidden(d.delete_attachment(&ola, e.ws, up.id).await),
        "not her upload"
    );
    let mut p = NewConversation::new("Mine");
    p.owner_id = Some(mid);
    let conv = d.create_conversation(&mo, e.ws, p).await.expect("personal");
    let mut note = NewMessage::note("attached");
    note.attachment_ids = vec![up.id];
    d.add_conversation_message(&mo, e.ws, conv.id, note)
        .await
        .expect("note");
    let (meta, bytes) = d
        .attachment_content(&mo, e.ws, up.id)
        .await
        .expect("download");
    assert_eq!((meta.id, bytes.as_slice()), (up.id, &b"the plan"[..]));
    assert_eq!(
        not_found(d.attachment_content(&ola, e.ws, up.id).await),
        "attachment"
    );
    assert_eq!(
        invalid_field(d.delete_attachment(&mo, e.ws, up.id).await),
        "id"
    );
}
