//! The allow-list: breaking changes a team has accepted, each with its reason.
//!
//! ```toml
//! # tidings-compat.toml
//! [[allow]]
//! rule = "required-added"                    # the rule id, as reported
//! message = "com.acme.order.confirmed"       # optional: the message's name or key
//! path = "/payload/properties/data"          # optional: this path or below it
//! reason = "every producer sets it since v4.2 (ADR 012)"
//! ```

use std::path::Path;

use serde::Deserialize;

use super::Report;
use crate::error::{Diagnostic, Error, Result};

/// Accepted breaking changes, read from a `tidings-compat.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowList {
    #[serde(default)]
    allow: Vec<Entry>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    message: Option<String>,
    path: Option<String>,
    reason: String,
}

impl AllowList {
    /// Reads `path`; a malformed file is an error naming the line and column.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses the text of an allow-list named `file` (for diagnostics).
    pub fn parse(text: &str, file: &str) -> Result<Self> {
        let list: AllowList = toml::from_str(text).map_err(|e| {
            let position = e.span().map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                (line as u32, col as u32)
            });
            let message = format!("invalid allow-list: {}", e.message());
            Error::from(match position {
                Some(position) => Diagnostic::at(file, text, position, message),
                None => Diagnostic::file(file, message),
            })
        })?;
        if let Some(entry) = list.allow.iter().find(|e| e.reason.trim().is_empty()) {
            return Err(Diagnostic::file(
                file,
                format!(
                    "invalid allow-list: the entry for `{}` needs a `reason`",
                    entry.rule
                ),
            )
            .into());
        }
        Ok(list)
    }

    /// Marks the changes of `report` that an entry accepts.
    pub fn apply(&self, report: &mut Report) {
        let accept = |message: Option<&str>, change: &mut super::Change| {
            if change.accepted.is_some() {
                return;
            }
            if let Some(entry) = self.allow.iter().find(|e| {
                e.rule == change.rule
                    && e.message.as_deref().is_none_or(|m| {
                        message.is_some_and(|label| {
                            label == m || label.starts_with(&format!("{m} (")) || {
                                label.ends_with(&format!("({m})"))
                            }
                        })
                    })
                    && e.path.as_deref().is_none_or(|p| {
                        change.path == p || change.path.starts_with(&format!("{p}/"))
                    })
            }) {
                change.accepted = Some(format!("allowed: {}", entry.reason.trim()));
            }
        };
        for change in &mut report.api {
            // `message-added` / `-removed` name their message as the value.
            let message = change.new.clone().or_else(|| change.old.clone());
            let scoped = change.rule.starts_with("message-");
            accept(message.as_deref().filter(|_| scoped), change);
        }
        for message in &mut report.messages {
            for change in &mut message.changes {
                accept(Some(&message.message), change);
            }
        }
    }
}
