//! The route table: one [`OpenApiRouter`] per route group, merged here. The same table builds
//! the axum router and the OpenAPI document, so every route is documented by construction.
//!
//! Three kinds of routes: public ones (health, the document, raw inbound with its own secret),
//! `/auth/register` and `/auth/login` (rate-limited per client address), and everything else
//! (bearer token required, rate-limited per token).

pub mod account;
pub mod attachments;
pub mod contacts;
pub mod conversations;
pub mod email;
pub mod health;
pub mod inbound;
#[cfg(feature = "mailgun")]
pub mod mailgun;
pub mod messages;
pub mod notifications;
pub mod openapi;
pub mod settings;
pub mod tickets;
pub mod unsubscribe;
pub mod webhooks;
pub mod workspaces;

use crate::auth;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route under `/api/v1`.
pub fn api(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(unsubscribe::show, unsubscribe::confirm))
        .merge(inbound_routes())
        .merge(
            OpenApiRouter::new()
                .routes(routes!(account::register))
                .routes(routes!(account::login))
                .route_layer(from_fn_with_state(state.clone(), auth::limit_by_address)),
        )
        .merge(authenticated().route_layer(from_fn_with_state(state.clone(), auth::require_token)))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(contacts::import))
                .layer(DefaultBodyLimit::max(state.config().import_limit))
                .route_layer(from_fn_with_state(state.clone(), auth::require_token)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(attachments::upload))
                .layer(DefaultBodyLimit::max(attachments::upload_body_limit(
                    state.config().attachment_limit,
                )))
                .route_layer(from_fn_with_state(state.clone(), auth::require_token)),
        )
}

fn inbound_routes() -> OpenApiRouter<AppState> {
    let r = OpenApiRouter::new()
        .routes(routes!(inbound::post_raw))
        .routes(routes!(inbound::get_status));
    #[cfg(feature = "mailgun")]
    let r = r
        .routes(routes!(mailgun::inbound))
        .routes(routes!(mailgun::events));
    r.layer(DefaultBodyLimit::max(inbound::raw_limit()))
}

fn authenticated() -> OpenApiRouter<AppState> {
    use settings::{canned_responses, custom_fields, organizations, sla_policies, tags};
    OpenApiRouter::new()
        // account
        .routes(routes!(account::logout))
        .routes(routes!(account::me, account::update_me, account::delete_me))
        .routes(routes!(account::change_password))
        .routes(routes!(account::export))
        .routes(routes!(account::list_tokens, account::create_token))
        .routes(routes!(account::revoke_token))
        // workspaces and members
        .routes(routes!(workspaces::list, workspaces::create))
        .routes(routes!(
            workspaces::get,
            workspaces::update,
            workspaces::delete
        ))
        .routes(routes!(workspaces::usage))
        .routes(routes!(workspaces::list_members, workspaces::add_member))
        .routes(routes!(
            workspaces::update_member,
            workspaces::remove_member
        ))
        // tickets
        .routes(routes!(tickets::list, tickets::create))
        .routes(routes!(tickets::trash))
        .routes(routes!(tickets::spam, tickets::delete_all_spam))
        .routes(routes!(tickets::bulk))
        .routes(routes!(tickets::get, tickets::update, tickets::delete))
        .routes(routes!(tickets::restore))
        .routes(routes!(tickets::delete_permanently))
        .routes(routes!(tickets::mark_spam, tickets::unmark_spam))
        .routes(routes!(tickets::set_tags))
        .routes(routes!(tickets::activities))
        .routes(routes!(messages::list_ticket, messages::post_ticket))
        .routes(routes!(messages::patch_ticket, messages::delete_ticket))
        // conversations
        .routes(routes!(conversations::list, conversations::create))
        .routes(routes!(conversations::trash))
        .routes(routes!(conversations::spam, conversations::delete_all_spam))
        .routes(routes!(conversations::bulk))
        .routes(routes!(
            conversations::get,
            conversations::update,
            conversations::delete
        ))
        .routes(routes!(conversations::restore))
        .routes(routes!(conversations::delete_permanently))
        .routes(routes!(
            conversations::mark_spam,
            conversations::unmark_spam
        ))
        .routes(routes!(conversations::set_tags))
        .routes(routes!(conversations::activities))
        .routes(routes!(
            messages::list_conversation,
            messages::post_conversation
        ))
        .routes(routes!(
            messages::patch_conversation,
            messages::delete_conversation
        ))
        // contacts
        .routes(routes!(contacts::list, contacts::create))
        .routes(routes!(contacts::get, contacts::update, contacts::delete))
        .routes(routes!(contacts::bulk_delete))
        .routes(routes!(contacts::tickets))
        .routes(routes!(contacts::conversations))
        .routes(routes!(contacts::fields, contacts::set_fields))
        // settings
        .routes(routes!(organizations::list, organizations::create))
        .routes(routes!(
            organizations::get,
            organizations::update,
            organizations::delete
        ))
        .routes(routes!(custom_fields::list, custom_fields::create))
        .routes(routes!(
            custom_fields::get,
            custom_fields::update,
            custom_fields::delete
        ))
        .routes(routes!(tags::list, tags::create))
        .routes(routes!(tags::get, tags::update, tags::delete))
        .routes(routes!(canned_responses::list, canned_responses::create))
        .routes(routes!(
            canned_responses::get,
            canned_responses::update,
            canned_responses::delete
        ))
        .routes(routes!(sla_policies::list, sla_policies::create))
        .routes(routes!(
            sla_policies::get,
            sla_policies::update,
            sla_policies::delete
        ))
        // email, domains, blocked senders
        .routes(routes!(email::list_emails, email::create_email))
        .routes(routes!(
            email::get_email,
            email::update_email,
            email::delete_email
        ))
        .routes(routes!(email::forwarding))
        .routes(routes!(email::verify_email))
        .routes(routes!(email::verify_domain))
        .routes(routes!(email::list_domains, email::create_domain))
        .routes(routes!(email::get_domain, email::delete_domain))
        .routes(routes!(email::dns_records))
        .routes(routes!(email::list_blocked, email::block))
        .routes(routes!(email::unblock))
        // attachments (upload has its own body limit, above)
        .routes(routes!(attachments::download, attachments::delete))
        // notifications
        .routes(routes!(notifications::get, notifications::put))
        // webhooks
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::rotate_secret))
}
