//! Claiming jobs in one transaction: select the candidates of [`ClaimRequest::candidates`] with
//! the dialect's claim lock (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MySQL/MariaDB, so
//! several processes share the queue without waiting on each other; SQLite's write transaction
//! already excludes other claimers), apply [`ClaimRequest::claim`] to each, write them back,
//! commit. What a claim does to a job stays the core's rule; this only chooses how to lock.

use crate::conditions::{Where, push_conditions, push_order};
use crate::dialect::Dialect;
use crate::errors::read_error;
use crate::read::to_stored;
use crate::store::SqlStore;
use crate::write::apply_op;
use gopimi_core::Result;
use gopimi_core::model::Job;
use gopimi_core::store::{ClaimRequest, Op, Record};
use sqlx::QueryBuilder;

pub(crate) async fn claim<D: Dialect>(
    store: &SqlStore<D>,
    request: &ClaimRequest,
) -> Result<Vec<Job>> {
    if request.limit == 0 {
        return Ok(Vec::new());
    }
    let target = store.target();
    let mut tx = D::begin_write(store.write_pool())
        .await
        .map_err(|e| read_error::<D>(e, target))?;
    match claim_in::<D>(&mut tx, target, request).await {
        Ok(claimed) => {
            tx.commit().await.map_err(|e| read_error::<D>(e, target))?;
            Ok(claimed)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn claim_in<D: Dialect>(
    conn: &mut <D::DB as sqlx::Database>::Connection,
    target: &str,
    request: &ClaimRequest,
) -> Result<Vec<Job>> {
    let q = request.candidates();
    q.validate()?;
    let mut qb = QueryBuilder::<D::DB>::new("SELECT t.id, t.version, t.body FROM ");
    qb.push(q.kind.table()).push(" t");
    push_conditions::<D>(&mut qb, &mut Where::new(), &q);
    push_order::<D>(&mut qb, &q.sort);
    qb.push(" LIMIT ");
    D::push_int(&mut qb, i64::from(q.limit));
    qb.push(D::CLAIM_LOCK);
    let rows = D::fetch_rows(conn, &mut qb)
        .await
        .map_err(|e| read_error::<D>(e, target))?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let job: Job = to_stored(q.kind, row)?.decode()?;
        let expected = job.version;
        let job = request.claim(job);
        let op = Op::Update {
            record: Record::encode(&job)?,
            expected_version: expected,
        };
        apply_op::<D>(conn, target, op).await?;
        claimed.push(job);
    }
    Ok(claimed)
}
