//! `GET /openapi.json`: the OpenAPI 3.1 document of every route, generated from the same route
//! table that builds the router (see [`crate::router`]), so the two cannot drift.

use axum::Extension;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The serialized document, handed to the handler as an extension.
#[derive(Debug, Clone)]
pub struct OpenApiDocument(pub Arc<String>);

/// The OpenAPI document (3.1) describing every route of this server.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json(Extension(doc): Extension<OpenApiDocument>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.0.as_str().to_owned(),
    )
        .into_response()
}

/// The document's fixed parts; paths come from the route table.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "gopimi",
        description = "The gopimi helpdesk REST API. Errors are RFC 9457 problem details \
            (application/problem+json). Lists take page, per_page, search, sort and with.",
    ),
    components(schemas(crate::error::Problem, crate::extract::PageMeta)),
    modifiers(&BearerAuth),
    tags(
        (name = "meta", description = "Health and this document"),
        (name = "auth", description = "Registration, login and logout"),
        (name = "me", description = "The signed-in account and its tokens"),
        (name = "workspaces", description = "Workspaces, members and usage"),
        (name = "tickets", description = "Tickets, messages, notes, tags and activities"),
        (name = "conversations", description = "Shared and personal inbox conversations"),
        (name = "contacts", description = "Contacts, CSV import and custom field values"),
        (name = "settings", description = "Organizations, custom fields, tags, canned responses, SLA policies"),
        (name = "email", description = "Workspace emails, domains, blocked senders"),
        (name = "attachments", description = "Uploads and downloads"),
        (name = "notifications", description = "Notification preferences and unsubscribe"),
        (name = "webhooks", description = "Outbound webhooks"),
        (name = "inbound", description = "Inbound mail from providers and scripts"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
