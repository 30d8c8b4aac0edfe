//! Exporting a user's data (the privacy policy's "export your data").
//!
//! What the export holds (decision): the user's profile (never the password hash); their tokens'
//! metadata (never hashes); their memberships and notification preferences in every workspace;
//! and, for each workspace where they are an owner, every row of that workspace, table by table,
//! as stored. Secrets are removed wherever they appear (webhook signing secrets, verification
//! codes). Workspaces where the user is only a member are listed but not dumped: their data
//! belongs to the workspace's owners. Attachment bytes are not inlined; their metadata is.

use super::Helpdesk;
use crate::error::Result;
use crate::ids::UserId;
use crate::model::{ApiToken, NotificationPreference, Role, Workspace};
use crate::store::{Cursor, Filter, Kind, Query, Scope, StoreExt};
use serde_json::{Value as Json, json};

/// Keys whose values never leave the store.
const SECRET_KEYS: &[&str] = &[
    "password_hash",
    "token_hash",
    "secret",
    "previous_secret",
    "verification_code",
];

fn strip_secrets(v: &mut Json) {
    match v {
        Json::Object(map) => {
            for k in SECRET_KEYS {
                map.remove(*k);
            }
            for (_, child) in map.iter_mut() {
                strip_secrets(child);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(strip_secrets),
        _ => {}
    }
}

impl Helpdesk {
    /// Every stored row of one kind in a workspace, as JSON, secrets removed.
    async fn dump_kind(&self, kind: Kind, workspace: &Workspace) -> Result<Vec<Json>> {
        const CHUNK: u32 = 500;
        let mut q = Query::new(kind, Some(workspace.id.0)).limit(CHUNK);
        let mut out = Vec::new();
        loop {
            let rows = self.db().query(&q).await?.rows;
            for r in &rows {
                let mut v: Json = serde_json::from_str(&r.body)?;
                strip_secrets(&mut v);
                out.push(v);
            }
            match rows.last() {
                Some(last) if rows.len() == CHUNK as usize => {
                    q.after = Some(Cursor {
                        values: Vec::new(),
                        id: last.id,
                    });
                }
                _ => return Ok(out),
            }
        }
    }

    /// The user's data as one JSON document (see the module docs for what it holds).
    pub async fn export_user_data(&self, id: UserId) -> Result<Json> {
        let user = self.user(id).await?;
        let tokens: Vec<ApiToken> = super::listing::fetch_all(
            self.db(),
            Query::new(Kind::ApiToken, None).filter(Filter::Eq("user_id", id.0.into())),
        )
        .await?;
        let memberships = self.memberships_of_user(id).await?;
        let mut member_of = Vec::new();
        let mut preferences = Vec::new();
        let mut owned = Vec::new();
        for m in &memberships {
            let Some(ws) = self.db().load::<Workspace>(None, m.workspace_id.0).await? else {
                continue;
            };
            member_of.push(json!({
                "workspace_id": ws.id,
                "workspace_name": ws.name,
                "role": m.role,
                "joined_at": m.created_at,
            }));
            let pref: Option<NotificationPreference> = self
                .db()
                .find_one(
                    &Query::new(Kind::NotificationPreference, Some(ws.id.0))
                        .filter(Filter::Eq("user_id", id.0.into())),
                )
                .await?;
            if let Some(p) = pref {
                preferences.push(serde_json::to_value(p)?);
            }
            if m.role == Role::Owner {
                let mut tables = serde_json::Map::new();
                for kind in Kind::ALL {
                    if kind.schema().scope != Scope::Workspace {
                        continue;
                    }
                    let rows = self.dump_kind(kind, &ws).await?;
                    tables.insert(kind.table().to_owned(), Json::Array(rows));
                }
                owned.push(json!({ "workspace": ws, "tables": tables }));
            }
        }
        let mut profile = serde_json::to_value(&user)?;
        strip_secrets(&mut profile);
        let mut tokens = serde_json::to_value(tokens)?;
        strip_secrets(&mut tokens);
        Ok(json!({
            "exported_at": self.now(),
            "user": profile,
            "tokens": tokens,
            "memberships": member_of,
            "notification_preferences": preferences,
            "owned_workspaces": owned,
        }))
    }
}
