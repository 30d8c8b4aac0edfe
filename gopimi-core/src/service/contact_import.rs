//! Importing contacts from CSV.
//!
//! The first row names the columns (case-insensitive): `email` is required; `name`, `phone`,
//! `organization` (by name; created when new) and `notes` are optional; a column named like a
//! custom field fills that field, validated per its type. Other columns are ignored and listed
//! in the report. Each data row is imported on its own: a bad row is reported with its line
//! number and does not stop the others. Rows whose address exists already (in the workspace or
//! earlier in the file) are reported, not overwritten. The contact quota is respected: once it
//! is reached, the remaining rows are reported as over quota.

use super::Helpdesk;
use super::access::Caller;
use super::contacts::{NewContact, check_contact};
use super::custom_fields::validate_value;
use super::organizations::NewOrganization;
use crate::error::{Error, Result};
use crate::ids::WorkspaceId;
use crate::model::{CustomField, Organization, Resource};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Largest accepted file.
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;
/// Most data rows in one import.
pub const MAX_IMPORT_ROWS: usize = 10_000;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Contacts created.
    pub created: u64,
    /// Rows not imported, and why.
    pub errors: Vec<ImportRowError>,
    /// Header names that matched nothing and were ignored.
    pub ignored_columns: Vec<String>,
}

/// One row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// The column at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

enum Column {
    Email,
    Name,
    Phone,
    Organization,
    Notes,
    Field(CustomField),
    Ignored,
}

fn row_error(line: u64, err: &Error) -> ImportRowError {
    match err {
        Error::Validation { field, message } => ImportRowError {
            line,
            field: Some(field.clone()),
            message: message.clone(),
        },
        other => ImportRowError {
            line,
            field: None,
            message: other.to_string(),
        },
    }
}

impl Helpdesk {
    /// Imports contacts from CSV bytes (UTF-8, optional BOM). Fails as a whole only for a file
    /// that cannot be read (too large, not UTF-8, no `email` column); otherwise reports per row.
    pub async fn import_contacts_csv(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        csv_bytes: &[u8],
    ) -> Result<ImportReport> {
        let acc = self.access(caller, workspace_id).await?;
        if csv_bytes.len() > MAX_IMPORT_BYTES {
            return Err(Error::validation(
                "file",
                format!("larger than {} MB", MAX_IMPORT_BYTES / (1024 * 1024)),
            ));
        }
        let text = std::str::from_utf8(csv_bytes)
            .map_err(|_| Error::validation("file", "is not UTF-8 text"))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| Error::validation("file", format!("unreadable header row: {e}")))?
            .clone();
        let fields = self.all_custom_fields(&acc).await?;
        // The workspace's endpoints, read once for the whole file.
        let hooks = self.hooks(acc.ws()).await?;
        let mut report = ImportReport::default();
        let mut columns = Vec::with_capacity(headers.len());
        for h in headers.iter() {
            let col = match h.to_ascii_lowercase().as_str() {
                "email" | "e-mail" | "email address" => Column::Email,
                "name" | "full name" => Column::Name,
                "phone" | "telephone" => Column::Phone,
                "organization" | "organisation" | "company" => Column::Organization,
                "notes" | "note" => Column::Notes,
                _ => match fields.iter().find(|f| f.name.eq_ignore_ascii_case(h)) {
                    Some(f) => Column::Field(f.clone()),
                    None => {
                        report.ignored_columns.push(h.to_owned());
                        Column::Ignored
                    }
                },
            };
            columns.push(col);
        }
        if !columns.iter().any(|c| matches!(c, Column::Email)) {
            return Err(Error::validation(
                "file",
                "the header row has no email column",
            ));
        }

        let mut room = self.quota_room(&acc, Resource::Contacts).await?;
        let limit = self
            .plans()
            .limits(acc.workspace.plan)
            .limit(Resource::Contacts);
        let mut seen: HashSet<String> = HashSet::new();
        let mut orgs: HashMap<String, Organization> = HashMap::new();
        for (i, record) in reader.records().enumerate() {
            let line = record
                .as_ref()
                .ok()
                .and_then(|r| r.position().map(|p| p.line()))
                .unwrap_or(i as u64 + 2);
            if i >= MAX_IMPORT_ROWS {
                report.errors.push(ImportRowError {
                    line,
                    field: None,
                    message: format!("only the first {MAX_IMPORT_ROWS} rows are imported"),
                });
                break;
            }
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    report.errors.push(ImportRowError {
                        line,
                        field: None,
                        message: format!("unreadable row: {e}"),
                    });
                    continue;
                }
            };
            if record.iter().all(str::is_empty) {
                continue;
            }
            let mut new = NewContact::default();
            let mut org_name = None;
            let mut raw_values: Vec<(&CustomField, &str)> = Vec::new();
            for (col, cell) in columns.iter().zip(record.iter()) {
                match col {
                    Column::Email => new.email = cell.to_owned(),
                    Column::Name => new.name = cell.to_owned(),
                    Column::Phone => new.phone = Some(cell.to_owned()),
                    Column::Organization => {
                        org_name = Some(cell.to_owned()).filter(|s| !s.is_empty())
                    }
                    Column::Notes => new.notes = Some(cell.to_owned()),
                    Column::Field(f) => raw_values.push((f, cell)),
                    Column::Ignored => {}
                }
            }
            let checked = check_contact(&new).and_then(|input| {
                let values = raw_values
                    .iter()
                    .map(|(f, cell)| {
                        validate_value(f, &serde_json::Value::String((*cell).to_owned()))
                            .map(|v| ((*f).clone(), v))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok((input, values))
            });
            let (input, values) = match checked {
                Ok(x) => x,
                Err(e) => {
                    report.errors.push(row_error(line, &e));
                    continue;
                }
            };
            let key = super::input::email_key(&input.email);
            if !seen.insert(key) {
                report.errors.push(ImportRowError {
                    line,
                    field: Some("email".into()),
                    message: "appears earlier in the file".into(),
                });
                continue;
            }
            if room == Some(0) {
                report.errors.push(ImportRowError {
                    line,
                    field: None,
                    message: format!(
                        "contact quota reached (limit {})",
                        limit.unwrap_or_default()
                    ),
                });
                continue;
            }
            let org = match org_name {
                Some(name) => match self.import_organization(&acc, &mut orgs, &name).await {
                    Ok(o) => Some(o),
                    Err(e) => {
                        report.errors.push(row_error(line, &e));
                        continue;
                    }
                },
                None => None,
            };
            match self.insert_contact(&acc, input, org.as_ref(), &hooks).await {
                Ok(contact) => {
                    report.created += 1;
                    room = room.map(|r| r.saturating_sub(1));
                    if let Err(e) = self.write_contact_values(&acc, contact.id, &values).await {
                        report.errors.push(row_error(line, &e));
                    }
                }
                Err(e) => report.errors.push(row_error(line, &e)),
            }
        }
        Ok(report)
    }

    async fn import_organization(
        &self,
        acc: &super::Access,
        cache: &mut HashMap<String, Organization>,
        name: &str,
    ) -> Result<Organization> {
        let key = crate::search::sort_key(name);
        if let Some(o) = cache.get(&key) {
            return Ok(o.clone());
        }
        let org = match self.organization_by_name(acc, name).await? {
            Some(o) => o,
            None => match self
                .insert_organization(acc, NewOrganization::new(name))
                .await
            {
                Ok(o) => o,
                // Created concurrently: use that one.
                Err(Error::Validation { field, .. }) if field == "name" => self
                    .organization_by_name(acc, name)
                    .await?
                    .ok_or_else(|| Error::validation("organization", "could not be created"))?,
                Err(Error::Validation { message, .. }) => {
                    return Err(Error::validation("organization", message));
                }
                Err(e) => return Err(e),
            },
        };
        cache.insert(key, org.clone());
        Ok(org)
    }
}
