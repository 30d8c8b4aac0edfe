//! Canned responses: reply templates, searchable by name.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use super::listing::{Page, PageRequest, fetch_page};
use super::retry::with_retry;
use crate::error::Result;
use crate::ids::{CannedResponseId, WorkspaceId};
use crate::model::{CannedResponse, Resource};
use crate::store::{Kind, Query, SortKey, StoreExt, Writes};
use serde::Deserialize;

/// A new canned response.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewCannedResponse {
    pub name: String,
    pub body: String,
}

impl NewCannedResponse {
    /// A template with a name and a body.
    pub fn new(name: impl Into<String>, body: impl Into<String>) -> Self {
        NewCannedResponse {
            name: name.into(),
            body: body.into(),
        }
    }
}

/// Changes to a canned response.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CannedResponsePatch {
    pub name: Option<String>,
    pub body: Option<String>,
}

impl Helpdesk {
    async fn load_canned(&self, acc: &Access, id: CannedResponseId) -> Result<CannedResponse> {
        self.db().require(acc.scope(), id.0).await
    }

    /// Creates a canned response. `QuotaExceeded` ("canned_responses") past the plan's limit.
    pub async fn create_canned_response(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewCannedResponse,
    ) -> Result<CannedResponse> {
        let acc = self.access(caller, workspace_id).await?;
        let name = input::name("name", &new.name, input::NAME_MAX)?;
        let body = input::required_text("body", &new.body, input::BODY_MAX)?;
        self.check_quota(&acc, Resource::CannedResponses, 1).await?;
        let now = self.now();
        let mut c = CannedResponse {
            id: CannedResponseId::new(),
            workspace_id,
            name,
            body,
            created_by: caller.user_id(),
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut c)?;
        w.apply(self.db()).await?;
        Ok(c)
    }

    /// One canned response.
    pub async fn canned_response(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: CannedResponseId,
    ) -> Result<CannedResponse> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_canned(&acc, id).await
    }

    /// Canned responses by name; `search` matches words of the name.
    pub async fn list_canned_responses(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<CannedResponse>> {
        let acc = self.access(caller, workspace_id).await?;
        let mut q = Query::new(Kind::CannedResponse, acc.scope()).sort(SortKey::asc("name_sort"));
        if let Some(s) = search {
            q = q.search(s);
        }
        fetch_page(self.db(), q, page).await
    }

    /// Changes a canned response.
    pub async fn update_canned_response(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: CannedResponseId,
        patch: CannedResponsePatch,
    ) -> Result<CannedResponse> {
        let acc = self.access(caller, workspace_id).await?;
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, input::NAME_MAX))
            .transpose()?;
        let body = patch
            .body
            .as_deref()
            .map(|b| input::required_text("body", b, input::BODY_MAX))
            .transpose()?;
        with_retry(|| async {
            let mut c = self.load_canned(&acc, id).await?;
            let before = c.clone();
            if let Some(n) = &name {
                c.name = n.clone();
            }
            if let Some(b) = &body {
                c.body = b.clone();
            }
            if c == before {
                return Ok(c);
            }
            c.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut c)?;
            w.apply(self.db()).await?;
            Ok(c)
        })
        .await
    }

    /// Deletes a canned response.
    pub async fn delete_canned_response(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: CannedResponseId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_canned(&acc, id).await?;
        let mut w = Writes::new();
        w.delete_id(Kind::CannedResponse, acc.scope(), id.0);
        w.apply(self.db()).await
    }
}
