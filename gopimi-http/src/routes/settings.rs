//! Workspace settings that are plain CRUD over the core: organizations, custom fields, tags,
//! canned responses and SLA policies. Each resource gets the same five routes from one macro;
//! which role may call which route is the core's decision (SLA policies are owners-only).

/// Generates `list`, `create`, `get`, `update` and `delete` handlers for one resource.
macro_rules! crud {
    (
        mod $module:ident;
        tag = $tag:literal;
        collection = $collection:literal;
        item = $item:literal;
        id = $id:path;
        model = $model:ty;
        new = $new:ty;
        patch = $patch:ty;
        list = $list_kind:ident($list_fn:ident);
        create = $create_fn:ident;
        get = $get_fn:ident;
        update = $update_fn:ident;
        delete = $delete_fn:ident;
    ) => {
        pub mod $module {
            use crate::auth::Auth;
            use crate::error::ApiResult;
            use crate::extract::{Json, Path, Paged, QueryPairs};
            use crate::state::AppState;
            use axum::extract::State;
            use axum::http::StatusCode;
            use gopimi_core::ids::WorkspaceId;
            use uuid::Uuid;

            #[doc = concat!("Lists ", $tag, " (`search`, `page`, `per_page` where they apply).")]
            #[utoipa::path(get, path = $collection, tag = "settings", security(("bearer" = [])),
                params(("ws" = Uuid, Path)),
                responses((status = 200, description = "a list"), (status = 404, body = crate::error::Problem)))]
            pub async fn list(
                State(state): State<AppState>,
                auth: Auth,
                Path(ws): Path<Uuid>,
                q: QueryPairs,
            ) -> ApiResult<Json<Paged<$model>>> {
                crud!(@list $list_kind, state, auth, ws, q, $list_fn)
            }

            #[doc = concat!("Creates one of the ", $tag, ".")]
            #[utoipa::path(post, path = $collection, tag = "settings", security(("bearer" = [])),
                params(("ws" = Uuid, Path)), request_body(content = Object),
                responses((status = 201, description = "created"), (status = 403, body = crate::error::Problem),
                    (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
                    (status = 429, description = "plan quota reached")))]
            pub async fn create(
                State(state): State<AppState>,
                auth: Auth,
                Path(ws): Path<Uuid>,
                Json(new): Json<$new>,
            ) -> ApiResult<(StatusCode, Json<$model>)> {
                let v = state.helpdesk().$create_fn(&auth.caller(), WorkspaceId(ws), new).await?;
                Ok((StatusCode::CREATED, Json(v)))
            }

            #[doc = concat!("One of the ", $tag, ".")]
            #[utoipa::path(get, path = $item, tag = "settings", security(("bearer" = [])),
                params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
                responses((status = 200, description = "found"), (status = 404, body = crate::error::Problem)))]
            pub async fn get(
                State(state): State<AppState>,
                auth: Auth,
                Path((ws, id)): Path<(Uuid, Uuid)>,
            ) -> ApiResult<Json<$model>> {
                let v = state.helpdesk().$get_fn(&auth.caller(), WorkspaceId(ws), $id(id)).await?;
                Ok(Json(v))
            }

            #[doc = concat!("Changes one of the ", $tag, "; absent fields stay.")]
            #[utoipa::path(patch, path = $item, tag = "settings", security(("bearer" = [])),
                params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body(content = Object),
                responses((status = 200, description = "changed"), (status = 403, body = crate::error::Problem),
                    (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
            pub async fn update(
                State(state): State<AppState>,
                auth: Auth,
                Path((ws, id)): Path<(Uuid, Uuid)>,
                Json(patch): Json<$patch>,
            ) -> ApiResult<Json<$model>> {
                let v = state
                    .helpdesk()
                    .$update_fn(&auth.caller(), WorkspaceId(ws), $id(id), patch)
                    .await?;
                Ok(Json(v))
            }

            #[doc = concat!("Deletes one of the ", $tag, ".")]
            #[utoipa::path(delete, path = $item, tag = "settings", security(("bearer" = [])),
                params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
                responses((status = 204), (status = 403, body = crate::error::Problem),
                    (status = 404, body = crate::error::Problem)))]
            pub async fn delete(
                State(state): State<AppState>,
                auth: Auth,
                Path((ws, id)): Path<(Uuid, Uuid)>,
            ) -> ApiResult<StatusCode> {
                state.helpdesk().$delete_fn(&auth.caller(), WorkspaceId(ws), $id(id)).await?;
                Ok(StatusCode::NO_CONTENT)
            }
        }
    };
    (@list paged, $state:ident, $auth:ident, $ws:ident, $q:ident, $f:ident) => {{
        let page = crate::routes::workspaces::page_of(&$q)?;
        let p = $state
            .helpdesk()
            .$f(&$auth.caller(), WorkspaceId($ws), $q.get("search"), page)
            .await?;
        Ok(Json(crate::views::paged(p, |x| x)))
    }};
    (@list all, $state:ident, $auth:ident, $ws:ident, $q:ident, $f:ident) => {{
        let _ = &$q;
        let v = $state.helpdesk().$f(&$auth.caller(), WorkspaceId($ws)).await?;
        Ok(Json(crate::views::all(v)))
    }};
}

crud! {
    mod organizations;
    tag = "organizations";
    collection = "/workspaces/{ws}/organizations";
    item = "/workspaces/{ws}/organizations/{id}";
    id = gopimi_core::ids::OrganizationId;
    model = gopimi_core::model::Organization;
    new = gopimi_core::service::NewOrganization;
    patch = gopimi_core::service::OrganizationPatch;
    list = paged(list_organizations);
    create = create_organization;
    get = organization;
    update = update_organization;
    delete = delete_organization;
}

crud! {
    mod custom_fields;
    tag = "custom fields (text, number, date, select, boolean, url, email)";
    collection = "/workspaces/{ws}/custom-fields";
    item = "/workspaces/{ws}/custom-fields/{id}";
    id = gopimi_core::ids::CustomFieldId;
    model = gopimi_core::model::CustomField;
    new = gopimi_core::service::NewCustomField;
    patch = gopimi_core::service::CustomFieldPatch;
    list = all(list_custom_fields);
    create = create_custom_field;
    get = custom_field;
    update = update_custom_field;
    delete = delete_custom_field;
}

crud! {
    mod tags;
    tag = "tags";
    collection = "/workspaces/{ws}/tags";
    item = "/workspaces/{ws}/tags/{id}";
    id = gopimi_core::ids::TagId;
    model = gopimi_core::model::Tag;
    new = gopimi_core::service::NewTag;
    patch = gopimi_core::service::TagPatch;
    list = paged(list_tags);
    create = create_tag;
    get = tag;
    update = update_tag;
    delete = delete_tag;
}

crud! {
    mod canned_responses;
    tag = "canned responses";
    collection = "/workspaces/{ws}/canned-responses";
    item = "/workspaces/{ws}/canned-responses/{id}";
    id = gopimi_core::ids::CannedResponseId;
    model = gopimi_core::model::CannedResponse;
    new = gopimi_core::service::NewCannedResponse;
    patch = gopimi_core::service::CannedResponsePatch;
    list = paged(list_canned_responses);
    create = create_canned_response;
    get = canned_response;
    update = update_canned_response;
    delete = delete_canned_response;
}

crud! {
    mod sla_policies;
    tag = "SLA policies (owners only)";
    collection = "/workspaces/{ws}/sla-policies";
    item = "/workspaces/{ws}/sla-policies/{id}";
    id = gopimi_core::ids::SlaPolicyId;
    model = gopimi_core::model::SlaPolicy;
    new = gopimi_core::service::NewSlaPolicy;
    patch = gopimi_core::service::SlaPolicyPatch;
    list = all(list_sla_policies);
    create = create_sla_policy;
    get = sla_policy;
    update = update_sla_policy;
    delete = delete_sla_policy;
}
