//! SQL storage for gopimi (SQLite, PostgreSQL, MySQL/MariaDB) through sqlx. Being built: see ARCHITECTURE.md.
