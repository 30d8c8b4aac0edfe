//! Fixtures: a helpdesk over a fresh memory store, users, a workspace with an owner.

use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::ids::{UserId, WorkspaceId};
use gopimi_core::model::{Plan, PlanTable, Role};
use gopimi_core::service::Registration;
use gopimi_core::store::MemoryStore;
use gopimi_core::{Caller, Error, Helpdesk};
use std::sync::Arc;

pub struct Env {
    pub desk: Helpdesk,
    pub store: Arc<MemoryStore>,
    pub blobs: Arc<MemoryBlobStore>,
    pub owner: Caller,
    pub owner_id: UserId,
    pub ws: WorkspaceId,
}

pub fn desk_with(
    plan: Plan,
    plans: PlanTable,
) -> (Helpdesk, Arc<MemoryStore>, Arc<MemoryBlobStore>) {
    let store = Arc::new(MemoryStore::new());
    let blobs = Arc::new(MemoryBlobStore::new());
    let desk = Helpdesk::builder(store.clone())
        .blobs(blobs.clone())
        .plans(plans)
        .default_plan(plan)
        .platform_domain("in.example.net")
        .build();
    (desk, store, blobs)
}

pub async fn user(desk: &Helpdesk, name: &str) -> (UserId, Caller) {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    let (u, _) = desk
        .register(Registration::new(name, email, "a long enough password"))
        .await
        .expect("register");
    (u.id, Caller::User(u.id))
}

pub async fn env_with(plan: Plan, plans: PlanTable) -> Env {
    let (desk, store, blobs) = desk_with(plan, plans);
    let (owner_id, owner) = user(&desk, "Olivia Owner").await;
    let ws = desk
        .create_workspace(&owner, "Support")
        .await
        .expect("workspace")
        .id;
    Env {
        desk,
        store,
        blobs,
        owner,
        owner_id,
        ws,
    }
}

pub async fn env() -> Env {
    env_with(Plan::Business, PlanTable::default()).await
}

impl Env {
    /// Registers a user and adds them to the workspace with a role.
    pub async fn member(&self, name: &str, role: Role) -> (UserId, Caller) {
        let (id, caller) = user(&self.desk, name).await;
        let email = self.desk.user(id).await.expect("user").email;
        self.desk
            .add_member(&self.owner, self.ws, &email, role)
            .await
            .expect("add member");
        (id, caller)
    }
}

/// The field of a validation error (panics on anything else, naming it).
pub fn invalid_field<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// What a not-found error names.
pub fn not_found<T: std::fmt::Debug>(r: Result<T, Error>) -> &'static str {
    match r {
        Err(Error::NotFound { what }) => what,
        other => panic!("expected not found, got {other:?}"),
    }
}

pub fn is_forbidden<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Forbidden { .. }))
}

/// A store that answers after a short pause, like a database across a network: it widens the
/// window between a read and the write that depends on it, so concurrent writers really
/// collide (over the bare memory store they rarely overlap).
pub struct Latent(pub Arc<MemoryStore>);

#[async_trait::async_trait]
impl gopimi_core::store::Store for Latent {
    async fn get(
        &self,
        kind: gopimi_core::store::Kind,
        ws: Option<uuid::Uuid>,
        id: uuid::Uuid,
    ) -> gopimi_core::Result<Option<gopimi_core::store::StoredRecord>> {
        pause().await;
        self.0.get(kind, ws, id).await
    }
    async fn get_many(
        &self,
        kind: gopimi_core::store::Kind,
        ws: Option<uuid::Uuid>,
        ids: &[uuid::Uuid],
    ) -> gopimi_core::Result<Vec<gopimi_core::store::StoredRecord>> {
        pause().await;
        self.0.get_many(kind, ws, ids).await
    }
    async fn query(
        &self,
        q: &gopimi_core::store::Query,
    ) -> gopimi_core::Result<gopimi_core::store::QueryResult> {
        pause().await;
        self.0.query(q).await
    }
    async fn apply(&self, batch: gopimi_core::store::Batch) -> gopimi_core::Result<()> {
        pause().await;
        self.0.apply(batch).await
    }
    async fn ping(&self) -> gopimi_core::Result<()> {
        Ok(())
    }
}

async fn pause() {
    tokio::time::sleep(std::time::Duration::from_micros(300)).await;
}

/// An environment whose store answers with latency (see [`Latent`]).
pub async fn latent_env_with(plans: PlanTable) -> Env {
    let store = Arc::new(MemoryStore::new());
    let blobs = Arc::new(MemoryBlobStore::new());
    let desk = Helpdesk::builder(Arc::new(Latent(store.clone())))
        .blobs(blobs.clone())
        .plans(plans)
        .build();
    let (owner_id, owner) = user(&desk, "Olivia Owner").await;
    let ws = desk
        .create_workspace(&owner, "Support")
        .await
        .expect("workspace")
        .id;
    Env {
        desk,
        store,
        blobs,
        owner,
        owner_id,
        ws,
    }
}
