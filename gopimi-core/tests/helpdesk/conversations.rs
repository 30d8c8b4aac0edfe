//! Conversations: shared ones are everyone's, personal ones only their owner's.

use crate::common::{env, is_forbidden, not_found};
use gopimi_core::model::{ConversationStatus, Parent, Role};
use gopimi_core::service::{
    BulkAction, ConversationPatch, ConversationQuery, NewConversation, NewMessage, NewTag,
    PageRequest,
};

#[tokio::test]
async fn personal_conversations_are_visible_only_to_their_owner() {
    let e = env().await;
    let d = &e.desk;
    let (mo_id, mo) = e.member("Mo", Role::Member).await;
    let (_, ola) = e.member("Ola", Role::Member).await;
    let shared = d
        .create_conversation(&mo, e.ws, NewConversation::new("Partnership"))
        .await
        .expect("shared");
    let mut p = NewConversation::new("My vendor thread");
    p.owner_id = Some(mo_id);
    let personal = d.create_conversation(&mo, e.ws, p).await.expect("personal");
    assert_eq!(personal.agent_id, Some(mo_id), "the owner is the agent");
    let mut for_someone_else = NewConversation::new("not yours");
    for_someone_else.owner_id = Some(mo_id);
    assert!(is_forbidden(
        d.create_conversation(&ola, e.ws, for_someone_else).await
    ));

    // Ola (and even the workspace owner) cannot see Mo's personal conversation.
    for who in [&ola, &e.owner] {
        assert_eq!(
            not_found(d.conversation(who, e.ws, personal.id).await),
            "conversation"
        );
        assert_eq!(
            not_found(
                d.add_conversation_message(who, e.ws, personal.id, NewMessage::note("x"))
                    .await
            ),
            "conversation"
        );
        assert_eq!(
            not_found(
                d.update_conversation(who, e.ws, personal.id, ConversationPatch::default())
                    .await
            ),
            "conversation"
        );
        assert_eq!(
            not_found(
                d.list_conversation_messages(who, e.ws, personal.id, PageRequest::default())
                    .await
            ),
            "conversation"
        );
        let r = d
            .bulk_conversations(who, e.ws, &[personal.id.0], &BulkAction::Trash)
            .await
            .expect("bulk");
        assert_eq!(r.failed(), 1);
    }
    let shared_list = d
        .list_conversations(&ola, e.ws, &ConversationQuery::default())
        .await
        .expect("list");
    assert_eq!(
        shared_list.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![shared.id]
    );
    let mine = ConversationQuery::parse([("inbox", "personal")]).expect("q");
    assert_eq!(
        d.list_conversations(&ola, e.ws, &mine)
            .await
            .expect("list")
            .total,
        0
    );
    let mo_list = d.list_conversations(&mo, e.ws, &mine).await.expect("list");
    assert_eq!(
        mo_list.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![personal.id]
    );
    assert!(d.conversation(&mo, e.ws, personal.id).await.is_ok());
}

#[tokio::test]
async fn conversations_have_status_messages_trash_and_spam() {
    let e = env().await;
    let d = &e.desk;
    let c = d
        .create_conversation(&e.owner, e.ws, NewConversation::new("Hello"))
        .await
        .expect("c");
    let patch = ConversationPatch {
        status: Some(ConversationStatus::Closed),
        ..Default::default()
    };
    let closed = d
        .update_conversation(&e.owner, e.ws, c.id, patch)
        .await
        .expect("close");
    assert_eq!(closed.status, ConversationStatus::Closed);
    let note = d
        .add_conversation_message(&e.owner, e.ws, c.id, NewMessage::note("internal"))
        .await
        .expect("note");
    assert_eq!(note.parent, Parent::Conversation(c.id));
    let tag = d
        .create_tag(&e.owner, e.ws, NewTag::new("partners"))
        .await
        .expect("tag");
    let tagged = d
        .tag_conversation(&e.owner, e.ws, c.id, &[tag.id])
        .await
        .expect("tag");
    assert_eq!(tagged.tag_ids, vec![tag.id]);
    let q = ConversationQuery::parse([("tag", "partners"), ("status", "closed")]).expect("q");
    assert_eq!(
        d.list_conversations(&e.owner, e.ws, &q)
            .await
            .expect("l")
            .total,
        1
    );
    let untagged = d
        .untag_conversation(&e.owner, e.ws, c.id, &[tag.id])
        .await
        .expect("untag");
    assert!(untagged.tag_ids.is_empty());
    d.set_conversation_spam(&e.owner, e.ws, c.id, true)
        .await
        .expect("spam");
    let q = ConversationQuery::default();
    assert_eq!(
        d.list_conversations(&e.owner, e.ws, &q)
            .await
            .expect("l")
            .total,
        0
    );
    assert_eq!(
        d.list_spam_conversations(&e.owner, e.ws, &q)
            .await
            .expect("l")
            .total,
        1
    );
    d.set_conversation_spam(&e.owner, e.ws, c.id, false)
        .await
        .expect("ham");
    d.set_conversation_trashed(&e.owner, e.ws, c.id, true)
        .await
        .expect("trash");
    assert_eq!(
        d.list_trashed_conversations(&e.owner, e.ws, &q)
            .await
            .expect("l")
            .total,
        1
    );
    let log = d
        .conversation_activities(&e.owner, e.ws, c.id, PageRequest::default())
        .await
        .expect("log");
    let actions: Vec<&str> = log.items.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "status_changed",
            "note_added",
            "tags_changed",
            "tags_changed",
            "spam_marked",
            "spam_unmarked",
            "trashed"
        ]
    );
    d.delete_conversation_permanently(&e.owner, e.ws, c.id)
        .await
        .expect("purge");
    assert_eq!(
        not_found(d.conversation(&e.owner, e.ws, c.id).await),
        "conversation"
    );
}
