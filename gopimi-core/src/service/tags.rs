//! Tags: per-workspace labels with a color, names unique case-insensitively. Deleting a tag
//! takes it off every ticket and conversation (each with its `tags_changed` activity).

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use super::listing::{Page, PageRequest, fetch_all, fetch_page};
use super::retry::{on_unique, with_retry};
use crate::error::{Error, Result};
use crate::ids::{TagId, WorkspaceId};
use crate::model::{Conversation, Resource, Tag, Ticket};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use serde::Deserialize;

/// The color of a tag created without one.
pub const DEFAULT_TAG_COLOR: &str = "#6b7280";
/// Longest tag name.
pub const TAG_NAME_MAX: usize = 64;

/// A new tag.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewTag {
    pub name: String,
    /// `#rrggbb`; a neutral gray when absent.
    #[serde(default)]
    pub color: Option<String>,
}

impl NewTag {
    /// A tag with a name and the default color.
    pub fn new(name: impl Into<String>) -> Self {
        NewTag {
            name: name.into(),
            color: None,
        }
    }
}

/// Changes to a tag.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TagPatch {
    pub name: Option<String>,
    pub color: Option<String>,
}

const NAME_TAKEN: &str = "a tag with this name already exists";

impl Helpdesk {
    /// One tag of the workspace; another workspace's is `NotFound`.
    pub(crate) async fn load_tag(&self, acc: &Access, id: TagId) -> Result<Tag> {
        self.db().require(acc.scope(), id.0).await
    }

    /// All of these tags, or `NotFound` ("tag") if any is missing or in another workspace.
    pub(crate) async fn load_tags(&self, acc: &Access, ids: &[TagId]) -> Result<Vec<Tag>> {
        let raw: Vec<uuid::Uuid> = ids.iter().map(|t| t.0).collect();
        let tags: Vec<Tag> = self.db().load_many(acc.scope(), &raw).await?;
        if tags.len() != ids.len() {
            return Err(Error::not_found("tag"));
        }
        Ok(tags)
    }

    /// Creates a tag. `QuotaExceeded` ("tags") past the plan's limit.
    pub async fn create_tag(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewTag,
    ) -> Result<Tag> {
        let acc = self.access(caller, workspace_id).await?;
        let name = input::name("name", &new.name, TAG_NAME_MAX)?;
        let color = match new.color.as_deref() {
            Some(c) => input::color("color", c)?,
            None => DEFAULT_TAG_COLOR.to_owned(),
        };
        self.check_quota(&acc, Resource::Tags, 1).await?;
        let now = self.now();
        let mut tag = Tag {
            id: TagId::new(),
            workspace_id,
            name,
            color,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut tag)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "tag_name", "name", NAME_TAKEN))?;
        Ok(tag)
    }

    /// One tag.
    pub async fn tag(&self, caller: &Caller, workspace_id: WorkspaceId, id: TagId) -> Result<Tag> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_tag(&acc, id).await
    }

    /// Tags by name; `search` matches the start of the name (case-insensitive).
    pub async fn list_tags(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Tag>> {
        let acc = self.access(caller, workspace_id).await?;
        let mut q = Query::new(Kind::Tag, acc.scope()).sort(SortKey::asc("name_sort"));
        if let Some(prefix) = search
            .map(crate::search::sort_key)
            .filter(|s| !s.is_empty())
        {
            // Tags are not full-text indexed: a name-prefix range over the sort key instead.
            q = q
                .filter(Filter::Gte("name_sort", prefix.clone().into()))
                .filter(Filter::Lt(
                    "name_sort",
                    format!("{prefix}\u{10FFFF}").into(),
                ));
        }
        fetch_page(self.db(), q, page).await
    }

    /// Renames or recolors a tag.
    pub async fn update_tag(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TagId,
        patch: TagPatch,
    ) -> Result<Tag> {
        let acc = self.access(caller, workspace_id).await?;
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, TAG_NAME_MAX))
            .transpose()?;
        let color = patch
            .color
            .as_deref()
            .map(|c| input::color("color", c))
            .transpose()?;
        with_retry(|| async {
            let mut tag = self.load_tag(&acc, id).await?;
            let before = tag.clone();
            if let Some(n) = &name {
                tag.name = n.clone();
            }
            if let Some(c) = &color {
                tag.color = c.clone();
            }
            if tag == before {
                return Ok(tag);
            }
            tag.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut tag)?;
            w.apply(self.db())
                .await
                .map_err(|e| on_unique(e, "tag_name", "name", NAME_TAKEN))?;
            Ok(tag)
        })
        .await
    }

    /// Deletes a tag and takes it off every ticket and conversation.
    pub async fn delete_tag(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TagId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        let tag = self.load_tag(&acc, id).await?;
        let on = |kind| Query::new(kind, acc.scope()).filter(Filter::Contains("tag_ids", tag.id.0));
        let tickets: Vec<Ticket> = fetch_all(self.db(), on(Kind::Ticket)).await?;
        for t in tickets {
            self.untag_ticket_in(&acc, t.id, tag.id).await?;
        }
        let convs: Vec<Conversation> = fetch_all(self.db(), on(Kind::Conversation)).await?;
        for c in convs {
            match self.retag_conversation(&acc, c.id, &[tag.id], false).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let mut w = Writes::new();
        w.delete_id(Kind::Tag, acc.scope(), tag.id.0);
        match w.apply(self.db()).await {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }

    async fn untag_ticket_in(
        &self,
        acc: &Access,
        ticket: crate::ids::TicketId,
        tag: TagId,
    ) -> Result<()> {
        let r = self
            .mutate_ticket(acc, ticket, acc.caller.actor(), |t, w, _| {
                let wanted: Vec<TagId> = t.tag_ids.iter().copied().filter(|x| *x != tag).collect();
                Ok(super::tickets::retag(&mut t.tag_ids, &wanted, &[], w, acc)
                    .into_iter()
                    .collect())
            })
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
