//! Roles: members work tickets and contacts but cannot manage the workspace; outsiders cannot
//! even see it; a workspace always keeps an owner.

use crate::common::{env, invalid_field, is_forbidden, not_found, user};
use gopimi_core::model::{Priority, Purpose, Role, SlaTarget};
use gopimi_core::service::{
    NewCannedResponse, NewContact, NewDomain, NewSlaPolicy, NewTag, NewTicket, NewWorkspaceEmail,
    WorkspacePatch,
};

fn policy() -> NewSlaPolicy {
    NewSlaPolicy {
        name: "Standard".into(),
        active: None,
        targets: vec![SlaTarget {
            priority: Priority::High,
            first_response_minutes: 60,
            resolution_minutes: 240,
        }],
        calendar: None,
        pause_on_pending: false,
        warning_percent: None,
    }
}

#[tokio::test]
async fn a_member_is_forbidden_every_owner_only_action() {
    let e = env().await;
    let (_, member) = e.member("Mo Member", Role::Member).await;
    let (other_id, _) = e.member("Ola Other", Role::Member).await;
    // A registered user, so only the role check can refuse adding them.
    user(&e.desk, "Sam Stranger").await;
    let stranger_email = "sam.stranger@example.com";
    let ticket = e
        .desk
        .create_ticket(&member, e.ws, NewTicket::new("Members can create tickets"))
        .await
        .expect("a member creates tickets");
    let d = &e.desk;
    assert!(is_forbidden(
        d.add_member(&member, e.ws, stranger_email, Role::Member)
            .await
    ));
    assert!(is_forbidden(
        d.change_member_role(&member, e.ws, other_id, Role::Owner)
            .await
    ));
    assert!(is_forbidden(d.remove_member(&member, e.ws, other_id).await));
    assert!(is_forbidden(
        d.update_workspace(
            &member,
            e.ws,
            WorkspacePatch {
                name: Some("Mine".into())
            }
        )
        .await
    ));
    assert!(is_forbidden(d.delete_workspace(&member, e.ws).await));
    assert!(is_forbidden(
        d.create_sla_policy(&member, e.ws, policy()).await
    ));
    assert!(is_forbidden(
        d.create_workspace_email(
            &member,
            e.ws,
            NewWorkspaceEmail::new("help@acme.test", Purpose::Ticket)
        )
        .await
    ));
    assert!(is_forbidden(
        d.create_domain(
            &member,
            e.ws,
            NewDomain {
                name: "acme.test".into()
            }
        )
        .await
    ));
    assert!(is_forbidden(
        d.delete_ticket_permanently(&member, e.ws, ticket.id).await
    ));
    assert!(is_forbidden(d.delete_all_spam_tickets(&member, e.ws).await));
    assert!(is_forbidden(
        d.delete_all_spam_conversations(&member, e.ws).await
    ));

    // ...and nothing was changed by the refused calls.
    assert_eq!(
        d.workspace(&e.owner, e.ws)
            .await
            .expect("ws")
            .workspace
            .name,
        "Support"
    );
    assert!(d.ticket(&e.owner, e.ws, ticket.id).await.is_ok());

    // What members may do.
    d.create_contact(&member, e.ws, NewContact::new("Cy", "cy@example.org"))
        .await
        .expect("contact");
    d.create_tag(&member, e.ws, NewTag::new("billing"))
        .await
        .expect("tag");
    d.create_canned_response(&member, e.ws, NewCannedResponse::new("Hi", "Hello!"))
        .await
        .expect("canned response");
    d.trash_ticket(&member, e.ws, ticket.id)
        .await
        .expect("trash");

    // The owner can do the owner-only things.
    d.create_sla_policy(&e.owner, e.ws, policy())
        .await
        .expect("policy");
    d.delete_ticket_permanently(&e.owner, e.ws, ticket.id)
        .await
        .expect("permanent delete");
}

#[tokio::test]
async fn a_non_member_gets_not_found_for_the_workspace_and_its_rows() {
    let e = env().await;
    let (_, stranger) = user(&e.desk, "Sam Stranger").await;
    let ticket = e
        .desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("Private"))
        .await
        .expect("ticket");
    let d = &e.desk;
    assert_eq!(not_found(d.workspace(&stranger, e.ws).await), "workspace");
    assert_eq!(
        not_found(d.ticket(&stranger, e.ws, ticket.id).await),
        "workspace"
    );
    assert_eq!(
        not_found(d.create_ticket(&stranger, e.ws, NewTicket::new("x")).await),
        "workspace"
    );
    assert_eq!(
        not_found(d.delete_workspace(&stranger, e.ws).await),
        "workspace"
    );
    assert_eq!(not_found(d.usage(&stranger, e.ws).await), "workspace");
    // Their own workspace list does not show it.
    let mine = d
        .list_workspaces(&stranger, Default::default())
        .await
        .expect("list");
    assert_eq!(mine.total, 0);
}

#[tokio::test]
async fn the_last_owner_can_be_neither_removed_nor_demoted() {
    let e = env().await;
    let d = &e.desk;
    assert_eq!(
        invalid_field(
            d.change_member_role(&e.owner, e.ws, e.owner_id, Role::Member)
                .await
        ),
        "role"
    );
    assert_eq!(
        invalid_field(d.remove_member(&e.owner, e.ws, e.owner_id).await),
        "user_id"
    );

    // With a second owner, the first may step down.
    let (second_id, second) = e.member("Sid Second", Role::Member).await;
    d.change_member_role(&e.owner, e.ws, second_id, Role::Owner)
        .await
        .expect("promote");
    d.change_member_role(&second, e.ws, e.owner_id, Role::Member)
        .await
        .expect("demote the first owner");
    assert!(is_forbidden(
        d.add_member(&e.owner, e.ws, "x@example.com", Role::Member)
            .await
    ));
    assert_eq!(
        invalid_field(d.remove_member(&second, e.ws, second_id).await),
        "user_id",
        "now the second owner is the last one"
    );
}

#[tokio::test]
async fn members_can_leave_and_lose_access() {
    let e = env().await;
    let (mid, member) = e.member("Mo Member", Role::Member).await;
    e.desk
        .remove_member(&member, e.ws, mid)
        .await
        .expect("leave");
    assert_eq!(
        not_found(e.desk.workspace(&member, e.ws).await),
        "workspace"
    );
    let members = e
        .desk
        .list_members(&e.owner, e.ws, Default::default())
        .await
        .expect("members");
    assert_eq!(members.total, 1);
    assert_eq!(members.items[0].role, Role::Owner);
}

#[tokio::test]
async fn adding_members_needs_a_registered_address_once() {
    let e = env().await;
    let d = &e.desk;
    assert_eq!(
        not_found(
            d.add_member(&e.owner, e.ws, "nobody@example.com", Role::Member)
                .await
        ),
        "user"
    );
    e.member("Mo Member", Role::Member).await;
    assert_eq!(
        invalid_field(
            d.add_member(&e.owner, e.ws, "MO.MEMBER@example.com", Role::Member)
                .await
        ),
        "email"
    );
}
