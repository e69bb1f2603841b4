//! Schema evolution: per message, whether a spec's change breaks readers, writers or both.
//!
//! Compares two catalogs (resolved semantics, not text) and tells, per message, whether the
//! change breaks readers (BACKWARD), writers (FORWARD) or both (FULL).
//!
//! - BACKWARD: every payload valid under OLD is valid under NEW (new readers, old data).
//! - FORWARD: every payload valid under NEW is valid under OLD (old readers, new data).
//! - FULL: both.
//!
//! Each [`Change`] names a rule, the JSON pointer of the schema location, the old and new
//! values, its [`Effect`] and where it is in the spec. Refactors are no change: `$ref` versus
//! inline, key and enum order, YAML versus JSON, titles, descriptions and examples.
//!
//! [`check`] is the entry point of `tidings diff` and `cargo xtask check-compat`.

mod allow;
mod api;
mod check;
pub mod git;
mod render;
mod schema;

pub use allow::AllowList;
pub use check::{allow_list, check, Baseline, Outcome, Request, Status, ALLOW_FILE};
pub use render::{render_all, Format};

use std::fmt;
use std::path::Path;

use crate::model::{Catalog, SchemaEntry};
use crate::source::LoadOptions;
use crate::Result;

/// Which direction of compatibility to require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// New readers accept old data.
    Backward,
    /// Old readers accept new data.
    Forward,
    /// Both.
    Full,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "backward" => Ok(Mode::Backward),
            "forward" => Ok(Mode::Forward),
            "full" => Ok(Mode::Full),
            other => Err(format!(
                "unknown mode `{other}`: expected backward, forward or full"
            )),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Backward => "backward",
            Mode::Forward => "forward",
            Mode::Full => "full",
        })
    }
}

/// How a comparison is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The compatibility required.
    pub mode: Mode,
    /// Confluent Schema Registry's rules for open, partially open and closed content models,
    /// instead of treating optional properties of open objects as free to come and go.
    pub strict: bool,
}

/// What a change does to the set of valid payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing valid becomes invalid, either way.
    Compatible,
    /// NEW accepts more: old data still reads (backward holds), new data may not (forward
    /// breaks).
    Widens,
    /// NEW accepts less: backward breaks, forward holds.
    Narrows,
    /// Both ways.
    Breaks,
}

impl Effect {
    /// Whether the change is compatible in `mode`.
    pub fn allowed_in(self, mode: Mode) -> bool {
        matches!(
            (self, mode),
            (Effect::Compatible, _)
                | (Effect::Widens, Mode::Backward)
                | (Effect::Narrows, Mode::Forward)
        )
    }
}

/// A position in a spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The file, as given.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// One difference between the old and the new spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The rule, as an id (`required-added`, `maxLength-tightened`, ...).
    pub rule: String,
    /// Where in the message (`/payload/properties/data/required`) or the spec.
    pub path: String,
    /// The old value, if any.
    pub old: Option<String>,
    /// The new value, if any.
    pub new: Option<String>,
    /// What it does.
    pub effect: Effect,
    /// Where it is in the new spec (or the old one, for what was removed).
    pub at: Option<Position>,
    /// Why it is accepted although it breaks the mode (an allow-list entry, a major bump).
    pub accepted: Option<String>,
}

impl Change {
    /// Whether this change fails `mode` (an accepted change never does).
    pub fn fails(&self, mode: Mode) -> bool {
        self.accepted.is_none() && !self.effect.allowed_in(mode)
    }
}

/// The changes of one message.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageReport {
    /// The message (`com.acme.order.created` key `OrderCreated`).
    pub message: String,
    /// Its changes.
    pub changes: Vec<Change>,
}

/// The result of comparing two specs.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The old spec, as named.
    pub old: String,
    /// The new spec, as named.
    pub new: String,
    /// The mode it was checked in.
    pub mode: Mode,
    /// Changes of channels and operations.
    pub api: Vec<Change>,
    /// Changes per message.
    pub messages: Vec<MessageReport>,
}

impl Report {
    /// Whether nothing fails the mode.
    pub fn is_compatible(&self) -> bool {
        self.changes().all(|c| !c.fails(self.mode))
    }

    /// Every change, API first.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.api
            .iter()
            .chain(self.messages.iter().flat_map(|m| m.changes.iter()))
    }
}

/// `load`, with the named schemas bundled one by one for comparison.
pub(crate) fn for_diff(load: &LoadOptions) -> LoadOptions {
    LoadOptions {
        compare_named_schemas: true,
        ..load.clone()
    }
}

/// Loads both specs and compares them. An unreadable or invalid spec is an error (the
/// loader's diagnostic), never a verdict.
pub fn diff_specs(old: &Path, new: &Path, load: &LoadOptions, options: &Options) -> Result<Report> {
    let load = &for_diff(load);
    let (old_catalog, _) = crate::catalog(old, load)?;
    let (new_catalog, _) = crate::catalog(new, load)?;
    let mut report = diff_catalogs(&old_catalog, &new_catalog, options);
    report.old = old.display().to_string();
    report.new = new.display().to_string();
    Ok(report)
}

/// Compares two catalogs: channels and operations, then every message's payload and
/// headers. A message whose `x-version` gained a major step may break: its changes are
/// reported as accepted.
pub fn diff_catalogs(old: &Catalog, new: &Catalog, options: &Options) -> Report {
    let mut report = Report {
        old: old.source_name.clone(),
        new: new.source_name.clone(),
        mode: options.mode,
        api: api::changes(old, new),
        messages: Vec::new(),
    };
    for (old_id, new_id) in api::matched_messages(old, new) {
        let (om, nm) = (&old.messages[old_id.0], &new.messages[new_id.0]);
        let mut changes = Vec::new();
        if om.content_type != nm.content_type {
            changes.push(Change {
                rule: "content-type-changed".into(),
                path: "/contentType".into(),
                old: Some(om.content_type.clone()),
                new: Some(nm.content_type.clone()),
                effect: Effect::Breaks,
                at: api::position(new, nm),
                accepted: None,
            });
        }
        for (path, old_schema, new_schema) in [
            ("/payload", &om.payload_schema, &nm.payload_schema),
            ("/headers", &om.headers_schema, &nm.headers_schema),
        ] {
            if old_schema.is_none() && new_schema.is_none() {
                continue;
            }
            let mut differ = schema::diff::Differ::new(side(old), side(new), options.strict);
            differ.compare_entries(
                old_schema.as_ref().map(SchemaEntry::pointer),
                new_schema.as_ref().map(SchemaEntry::pointer),
                path,
            );
            changes.extend(differ.changes);
        }
        if let Some(bump) = major_bump(om.version.as_deref(), nm.version.as_deref()) {
            for change in changes
                .iter_mut()
                .filter(|c| c.effect != Effect::Compatible)
            {
                change.accepted = Some(bump.clone());
            }
        }
        if !changes.is_empty() {
            report.messages.push(MessageReport {
                message: api::label(nm),
                changes,
            });
        }
    }
    // Named schemas (OpenAPI components, JSON Schema definitions), one by one, by key.
    for new_schema in &new.schemas {
        let Some(old_schema) = old.schemas.iter().find(|s| s.key == new_schema.key) else {
            continue;
        };
        let mut differ = schema::diff::Differ::new(side(old), side(new), options.strict);
        differ.compare_entries(
            Some(old_schema.schema.pointer()),
            Some(new_schema.schema.pointer()),
            "/schema",
        );
        if !differ.changes.is_empty() {
            report.messages.push(MessageReport {
                message: format!("schema {}", new_schema.key),
                changes: differ.changes,
            });
        }
    }
    report
}

/// How reports name a message: its name, and its key when that differs.
pub fn message_label(message: &crate::model::Message) -> String {
    api::label(message)
}

/// The changes from the schema `old` to the schema `new`, two entries of the same catalog's
/// schema document (the versions of a message family), under `path` (`/payload`).
pub fn diff_entries(
    catalog: &Catalog,
    old: &SchemaEntry,
    new: &SchemaEntry,
    path: &str,
    options: &Options,
) -> Vec<Change> {
    let mut differ = schema::diff::Differ::new(side(catalog), side(catalog), options.strict);
    differ.compare_entries(Some(old.pointer()), Some(new.pointer()), path);
    differ.changes
}

/// The schema document of `catalog`, as one side of a comparison.
fn side(catalog: &Catalog) -> schema::diff::Side<'_> {
    schema::diff::Side {
        root: &catalog.schema_document.document,
        positions: &catalog.schema_document.positions,
    }
}

/// "x-version 1.2.0 → 2.0.0" when the major version grew.
fn major_bump(old: Option<&str>, new: Option<&str>) -> Option<String> {
    let major = |v: &str| {
        v.trim_start_matches(['v', 'V'])
            .split(['.', '-', '+'])
            .next()
            .and_then(|m| m.parse::<u64>().ok())
    };
    let (old, new) = (old?, new?);
    (major(new)? > major(old)?).then(|| format!("x-version {old} → {new} (a major step)"))
}
