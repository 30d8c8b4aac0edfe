//! The migrated schema of each engine against the core's declaration (`Kind::ALL`): every
//! table, every projected column with the column type its field type needs, the search
//! column and its index, the set tables, every unique key under its name with its columns, and
//! the foreign keys to `workspaces`. A change to `gopimi_core::store::schema` without a
//! migration fails here. Also: the schema version check.

mod common;

use gopimi_core::store::{FieldType, Kind, Scope};
use std::collections::{BTreeMap, BTreeSet};

/// What one engine's catalog says about a table.
#[derive(Debug, Default)]
struct Table {
    /// column name -> type description (engine-specific, normalized by the test below)
    columns: BTreeMap<String, String>,
    /// unique index or constraint name -> its columns in order
    uniques: BTreeMap<String, Vec<String>>,
    /// whether `workspace_id` references `workspaces`
    workspace_fk: bool,
    /// whether full-text search is indexed
    full_text: bool,
}

/// Compares the catalog with the declaration; `ty` says which column type a field type must
/// have on this engine.
fn check(
    engine: &str,
    tables: &BTreeMap<String, Table>,
    ty: impl Fn(FieldType) -> &'static str,
    id_ty: &str,
) {
    let mut problems = Vec::new();
    for kind in Kind::ALL {
        let s = kind.schema();
        let Some(t) = tables.get(s.table) else {
            problems.push(format!("table {} is missing", s.table));
            continue;
        };
        let mut expect = |col: &str, want: &str| match t.columns.get(col) {
            None => problems.push(format!("{}.{col} is missing", s.table)),
            Some(got) if got != want => {
                problems.push(format!("{}.{col} is {got}, expected {want}", s.table))
            }
            Some(_) => {}
        };
        expect("id", id_ty);
        expect("workspace_id", id_ty);
        expect("version", ty(FieldType::Int));
        for f in s.fields {
            expect(f.name, ty(f.ty));
        }
        if s.searchable {
            expect("search_text", "search text");
            if !t.full_text {
                problems.push(format!("{} has no full-text index", s.table));
            }
        }
        for u in s.uniques {
            let mut cols: Vec<String> = Vec::new();
            if u.scope == Scope::Workspace {
                cols.push("workspace_id".into());
            }
            cols.extend(u.fields.iter().map(|f| (*f).to_owned()));
            match t.uniques.get(u.name) {
                None => problems.push(format!("{}: unique key {} is missing", s.table, u.name)),
                Some(got) if *got != cols => problems.push(format!(
                    "{}: unique key {} covers {got:?}, expected {cols:?}",
                    s.table, u.name
                )),
                Some(_) => {}
            }
        }
        let needs_fk = s.scope == Scope::Workspace || matches!(kind, Kind::Job | Kind::InboundItem);
        if needs_fk && !t.workspace_fk {
            problems.push(format!(
                "{}.workspace_id does not reference workspaces",
                s.table
            ));
        }
        for set in s.sets {
            let side = format!("{}_{set}", s.table);
            match tables.get(&side) {
                None => problems.push(format!("set table {side} is missing")),
                Some(st) => {
                    let cols: BTreeSet<&str> = st.columns.keys().map(String::as_str).collect();
                    for c in ["owner_id", "workspace_id", "value_id"] {
                        if !cols.contains(c) {
                            problems.push(format!("{side}.{c} is missing"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{engine} schema drifted from the core's declaration:\n{}",
        problems.join("\n")
    );
}

mod sqlite {
    use super::*;
    use sqlx::Row;

    #[tokio::test]
    async fn migrated_schema_matches_the_core() {
        let (store, _dir) = crate::common::sqlite_file().await;
        let pool = store.pool();
        let names: Vec<String> = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(pool)
            .await
            .expect("tables")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut tables = BTreeMap::new();
        for name in &names {
            let mut t = Table::default();
            for r in sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({name})")))
                .fetch_all(pool)
                .await
                .expect("info")
            {
                let col: String = r.get("name");
                let ty: String = r.get("type");
                let ty = if col == "search_text" {
                    "search text".to_owned()
                } else {
                    ty
                };
                t.columns.insert(col, ty);
            }
            for idx in sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA index_list({name})")))
                .fetch_all(pool)
                .await
                .expect("idx")
            {
                let idx_name: String = idx.get("name");
                if idx.get::<i64, _>("unique") == 1 {
                    let cols: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "PRAGMA index_info({idx_name})"
                    )))
                    .fetch_all(pool)
                    .await
                    .expect("cols")
                    .iter()
                    .map(|r| r.get("name"))
                    .collect();
                    t.uniques.insert(idx_name, cols);
                }
            }
            for fk in sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA foreign_key_list({name})"
            )))
            .fetch_all(pool)
            .await
            .expect("fk")
            {
                if fk.get::<String, _>("table") == "workspaces"
                    && fk.get::<String, _>("from") == "workspace_id"
                {
                    t.workspace_fk = true;
                }
            }
            t.full_text = names.contains(&format!("{name}_fts"));
            tables.insert(name.clone(), t);
        }
        check(
            "SQLite",
            &tables,
            |ty| match ty {
                FieldType::Bool | FieldType::Int | FieldType::Time => "INTEGER",
                FieldType::Text => "TEXT",
                FieldType::Uuid => "BLOB",
            },
            "BLOB",
        );
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("g.db").display());
        let store = gopimi_store_sql::SqliteStore::connect(&url)
            .await
            .expect("open");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (999999, 'from the future', TRUE, x'00', 0)",
        )
        .execute(store.pool())
        .await
        .expect("pretend a newer gopimi migrated");
        store.close().await;
        let Err(err) = gopimi_store_sql::connect(&url).await else {
            panic!("a newer schema was accepted")
        };
        let msg = err.to_string();
        assert!(
            matches!(err, gopimi_core::Error::Rejected { .. }) && msg.contains("newer"),
            "{msg}"
        );
        assert!(msg.contains("999999"), "{msg}");

        // Without migrating, a database behind this build is refused too.
        let fresh = format!("sqlite://{}", dir.path().join("empty.db").display());
        let options = gopimi_store_sql::StoreOptions::default().migrate(false);
        let Err(err) = gopimi_store_sql::connect_with(&fresh, &options).await else {
            panic!("an unmigrated database was accepted")
        };
        assert!(err.to_string().contains("gopimi migrate"), "{err}");
        let newest = gopimi_store_sql::sqlite::MIGRATOR
            .iter()
            .map(|m| m.version)
            .max();
        assert_eq!(
            Some(gopimi_store_sql::migrate(&fresh).await.expect("migrate")),
            newest
        );
        gopimi_store_sql::connect_with(&fresh, &options)
            .await
            .expect("now current");
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use sqlx::Row;

    #[tokio::test]
    async fn migrated_schema_matches_the_core() {
        let Some((store, _schema)) = crate::common::pg::store().await else {
            return;
        };
        let pool = store.pool();
        let mut tables: BTreeMap<String, Table> = BTreeMap::new();
        let cols = sqlx::query(
            "SELECT table_name::text, column_name::text, data_type::text, coalesce(collation_name::text, '') \
             FROM information_schema.columns WHERE table_schema = current_schema()",
        )
        .fetch_all(pool)
        .await
        .expect("columns");
        for r in cols {
            let (table, col, ty, coll): (String, String, String, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            let ty = match (col.as_str(), ty.as_str()) {
                ("search_text", "text") if coll == "C" => "search text".to_owned(),
                (_, "text") => format!("text collate {coll}"),
                _ => ty,
            };
            tables.entry(table).or_default().columns.insert(col, ty);
        }
        let uniques = sqlx::query(
            "SELECT c.conrelid::regclass::text, c.conname::text, a.attname::text \
             FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
             WHERE c.contype = 'u' AND c.connamespace = current_schema()::regnamespace ORDER BY 1, 2, k.n",
        )
        .fetch_all(pool)
        .await
        .expect("uniques");
        for r in uniques {
            let (table, name, col): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            tables
                .entry(table)
                .or_default()
                .uniques
                .entry(name)
                .or_default()
                .push(col);
        }
        let fks = sqlx::query(
            "SELECT c.conrelid::regclass::text FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             WHERE c.contype = 'f' AND c.confrelid = 'workspaces'::regclass AND a.attname = 'workspace_id'",
        )
        .fetch_all(pool)
        .await
        .expect("fks");
        for r in fks {
            tables
                .entry(r.get::<String, _>(0))
                .or_default()
                .workspace_fk = true;
        }
        let gin = sqlx::query(
            "SELECT tablename::text FROM pg_indexes WHERE schemaname = current_schema() \
             AND indexdef LIKE '%USING gin (search_vector)%'",
        )
        .fetch_all(pool)
        .await
        .expect("gin");
        for r in gin {
            tables.entry(r.get::<String, _>(0)).or_default().full_text = true;
        }
        check(
            "PostgreSQL",
            &tables,
            |ty| match ty {
                FieldType::Bool => "boolean",
                FieldType::Int => "bigint",
                FieldType::Text => "text collate C",
                FieldType::Uuid => "uuid",
                FieldType::Time => "timestamp with time zone",
            },
            "uuid",
        );
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let Some(url) = crate::common::pg::url() else {
            crate::common::not_configured(crate::common::pg::VAR);
            return;
        };
        let (schema, options) = crate::common::pg::schema(&url).await;
        let opts = gopimi_store_sql::StoreOptions::default();
        let store = gopimi_store_sql::PostgresStore::connect_options(
            options.clone(),
            "test".into(),
            &url,
            &opts,
        )
        .await
        .expect("connect");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (999999, 'from the future', TRUE, '\\x00', 0)",
        )
        .execute(store.pool())
        .await
        .expect("pretend a newer gopimi migrated");
        store.close().await;
        let err = gopimi_store_sql::PostgresStore::connect_options(
            options,
            schema.name.clone(),
            &url,
            &opts,
        )
        .await
        .expect_err("newer schema");
        assert!(err.to_string().contains("newer"), "{err}");
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use super::*;
    use sqlx::Row;

    #[tokio::test]
    async fn migrated_schema_matches_the_core() {
        let Some((store, _db)) = crate::common::my::store().await else {
            return;
        };
        let pool = store.pool();
        let mut tables: BTreeMap<String, Table> = BTreeMap::new();
        let cols = sqlx::query(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
             CAST(COALESCE(COLLATION_NAME, '') AS CHAR) \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
        )
        .fetch_all(pool)
        .await
        .expect("columns");
        for r in cols {
            let (table, col, ty, coll): (String, String, String, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            // MariaDB shows a display width, MySQL 8 does not.
            let ty = ty.replace("bigint(20)", "bigint");
            // Binary and no-pad: MariaDB's and MySQL 8's names for it.
            let coll = match coll.as_str() {
                "utf8mb4_nopad_bin" | "utf8mb4_0900_bin" => "binary no-pad".to_owned(),
                _ => coll,
            };
            let ty = match (col.as_str(), ty.as_str()) {
                ("search_text", "text") if coll == "binary no-pad" => "search text".to_owned(),
                (_, t) if !coll.is_empty() => format!("{t} collate {coll}"),
                _ => ty,
            };
            tables.entry(table).or_default().columns.insert(col, ty);
        }
        let idx = sqlx::query(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), NON_UNIQUE, \
             CAST(INDEX_TYPE AS CHAR) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        )
        .fetch_all(pool)
        .await
        .expect("indexes");
        for r in idx {
            let (table, name, col, non_unique, kind): (String, String, String, i64, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
            let t = tables.entry(table).or_default();
            if kind == "FULLTEXT" && col == "search_text" {
                t.full_text = true;
            }
            if non_unique == 0 {
                t.uniques.entry(name).or_default().push(col);
            }
        }
        let fks = sqlx::query(
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = 'workspaces' AND COLUMN_NAME = 'workspace_id'",
        )
        .fetch_all(pool)
        .await
        .expect("fks");
        for r in fks {
            tables
                .entry(r.get::<String, _>(0))
                .or_default()
                .workspace_fk = true;
        }
        check(
            "MySQL",
            &tables,
            |ty| match ty {
                FieldType::Bool => "tinyint(1)",
                FieldType::Int => "bigint",
                FieldType::Text => "varchar(255) collate binary no-pad",
                FieldType::Uuid => "binary(16)",
                FieldType::Time => "datetime(6)",
            },
            "binary(16)",
        );
    }
}
