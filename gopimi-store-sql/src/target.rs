//! Which database a URL names, described without its credentials.
//!
//! Every error this crate returns names the engine and where it is ("PostgreSQL database at
//! db.internal:5432/gopimi"), so an operator can tell a typo from an outage; none carries the
//! URL itself, which may hold a password.

use gopimi_core::{Error, Result};

/// The engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `sqlite:` URLs.
    Sqlite,
    /// `postgres:` and `postgresql:` URLs.
    Postgres,
    /// `mysql:` and `mariadb:` URLs.
    MySql,
}

impl Engine {
    /// The engine of a database URL, from its scheme.
    pub fn of_url(url: &str) -> Result<Engine> {
        let scheme = scheme(url).ok_or_else(|| {
            Error::validation(
                "database_url",
                "not a database URL: expected sqlite:..., postgres://... or mysql://...",
            )
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            "mysql" | "mariadb" => Ok(Engine::MySql),
            other => Err(Error::validation(
                "database_url",
                format!(
                    "unsupported database URL scheme `{other}`: expected sqlite, postgres or mysql"
                ),
            )),
        }
    }

    /// The cargo feature that compiles this engine in.
    pub fn feature(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
            Engine::MySql => "mysql",
        }
    }

    /// The engine's name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
            Engine::MySql => "MySQL",
        }
    }
}

/// The scheme of a URL-like string, if it has one.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(scheme)
}

/// "PostgreSQL database at host:port/name" for a server URL, without user or password.
/// A URL that does not parse is described by its scheme alone.
pub fn describe(engine: Engine, url: &str) -> String {
    if engine == Engine::Sqlite {
        return describe_sqlite(url);
    }
    match url::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("localhost");
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let db = u.path().trim_start_matches('/');
            let db = if db.is_empty() {
                String::new()
            } else {
                format!("/{db}")
            };
            format!("{} database at {host}{port}{db}", engine.name())
        }
        Err(_) => {
            let scheme = scheme(url).unwrap_or("?");
            match lenient_authority(url).map(|a| a.host) {
                Some(host) if !host.is_empty() => format!(
                    "{} database at {host} (unparsable {scheme} URL)",
                    engine.name()
                ),
                _ => format!("{} database (unparsable {scheme} URL)", engine.name()),
            }
        }
    }
}

/// The parts of a URL's authority (`user:password@host:port`), found by hand for a URL the
/// `url` crate refuses (a port out of range, a stray space), so the error can still name the
/// host and the password can still be kept out of it.
struct Authority<'a> {
    /// Everything before the last `@`, if there is one: the user and the password.
    userinfo: Option<&'a str>,
    /// The host and port as written.
    host: &'a str,
}

fn lenient_authority(url: &str) -> Option<Authority<'_>> {
    let (_, rest) = url.split_once("://")?;
    // A password may hold `/`, `?` or `#` unencoded, a host never holds `@`: split userinfo at
    // the last `@` before the path of whatever follows it.
    let (userinfo, after) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let host = &after[..end];
    // Only show what can be a host and port; anything else stays out of the message.
    let plausible = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'));
    Some(Authority {
        userinfo,
        host: if plausible { host } else { "" },
    })
}

fn describe_sqlite(url: &str) -> String {
    let rest = url.split_once(':').map(|(_, r)| r).unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        "SQLite in-memory database".to_owned()
    } else {
        format!("SQLite database at {path}")
    }
}

/// Removes the URL's password from a driver message, in case the driver quoted it.
fn redact(message: &str, url: &str) -> String {
    let mut secrets: Vec<String> = Vec::new();
    if let Ok(u) = url::Url::parse(url) {
        if let Some(p) = u.password().filter(|p| !p.is_empty()) {
            secrets.push(p.to_owned());
            // The URL keeps it percent-encoded; a driver may quote it decoded.
            let decoded: String = url::form_urlencoded::parse(p.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect();
            if !decoded.is_empty() {
                secrets.push(decoded);
            }
        }
        for (k, v) in u.query_pairs() {
            if k.eq_ignore_ascii_case("password") && !v.is_empty() {
                secrets.push(v.into_owned());
            }
        }
    }
    if url::Url::parse(url).is_err() {
        // Not a URL the parser accepts: treat all of the user information as secret.
        if let Some(info) = lenient_authority(url).and_then(|a| a.userinfo) {
            let password = info.split_once(':').map_or(info, |(_, p)| p);
            secrets.extend(
                [info, password]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    // Longest first, so a secret containing another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = message.to_owned();
    for s in secrets {
        out = out.replace(&s, "***");
    }
    out
}

/// The error for a URL sqlx could not read: names scheme and host, never the password. The
/// driver error is not kept as a source, since it may quote the URL.
pub(crate) fn bad_url(description: &str, url: &str, err: sqlx::Error) -> Error {
    Error::validation(
        "database_url",
        format!(
            "invalid URL for the {description}: {}",
            redact(&err.to_string(), url)
        ),
    )
}

/// The error for a database that could not be reached or opened.
pub(crate) fn unreachable(description: &str, url: &str, err: sqlx::Error) -> Error {
    let why = match &err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out".to_owned(),
        other => other.to_string(),
    };
    Error::Unavailable {
        what: format!("cannot connect to the {description}: {}", redact(&why, url)),
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_never_hold_credentials() {
        let d = describe(
            Engine::Postgres,
            "postgres://app:s3cret@db.internal:5433/gopimi?sslmode=require",
        );
        assert_eq!(d, "PostgreSQL database at db.internal:5433/gopimi");
        let d = describe(Engine::MySql, "mysql://root:hunter2@127.0.0.1/test");
        assert_eq!(d, "MySQL database at 127.0.0.1/test");
        let d = describe(Engine::Postgres, "postgres://user:pa ss@[bad");
        assert!(!d.contains("pa ss"), "{d}");
        let d = describe(
            Engine::Postgres,
            "postgres://app:s3/c@ret@db.internal:99999999/gopimi",
        );
        assert_eq!(
            d,
            "PostgreSQL database at db.internal:99999999 (unparsable postgres URL)"
        );
        assert_eq!(
            redact(
                "bad app:s3/c@ret or s3/c@ret",
                "postgres://app:s3/c@ret@h:99999999/db"
            ),
            "bad *** or ***"
        );
        assert_eq!(
            describe(Engine::Sqlite, "sqlite::memory:"),
            "SQLite in-memory database"
        );
        assert_eq!(
            redact("auth failed for s3cret", "postgres://u:s3cret@h/db"),
            "auth failed for ***"
        );
        assert_eq!(
            describe(Engine::Sqlite, "sqlite://data/gopimi.db?mode=rwc"),
            "SQLite database at data/gopimi.db"
        );
    }

    #[test]
    fn schemes_select_engines() {
        assert_eq!(
            Engine::of_url("postgresql://x/y").ok(),
            Some(Engine::Postgres)
        );
        assert_eq!(Engine::of_url("mariadb://x/y").ok(), Some(Engine::MySql));
        assert_eq!(
            Engine::of_url("sqlite:gopimi.db").ok(),
            Some(Engine::Sqlite)
        );
        assert!(matches!(
            Engine::of_url("redis://x"),
            Err(Error::Validation { .. })
        ));
        assert!(matches!(
            Engine::of_url("just words"),
            Err(Error::Validation { .. })
        ));
    }
}
