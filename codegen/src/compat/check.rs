//! The one entry point of a compatibility check, for `tidings diff` and `xtask check-compat`.
//!
//! A [`Request`] in; an [`Outcome`], or the error that makes the input unreadable, out; and the
//! [`Status`] either one exits with.

use std::path::Path;
use std::process::ExitCode;

use super::{diff_specs, git, AllowList, Options, Report};
use crate::source::LoadOptions;
use crate::Result;

/// The allow-list's file name, looked for when none is named.
pub const ALLOW_FILE: &str = "tidings-compat.toml";

/// The allow-list of a check: the file `explicit` if given, else [`ALLOW_FILE`] in `dir` if
/// there is one (`Path::new("")` looks in the current folder and names the file without one).
pub fn allow_list(explicit: Option<&Path>, dir: &Path) -> Result<Option<AllowList>> {
    match explicit {
        Some(path) => AllowList::load(path).map(Some),
        None => {
            let default = dir.join(ALLOW_FILE);
            default
                .is_file()
                .then(|| AllowList::load(&default))
                .transpose()
        }
    }
}

/// What the new spec is compared with.
#[derive(Clone, Copy, Debug)]
pub enum Baseline<'a> {
    /// Another spec file (OLD).
    File(&'a Path),
    /// Every earlier version of the new spec's file in git history, newest first.
    History,
    /// The spec at `path` in the git repository `repo`, as it was at revision `rev`.
    Revision {
        repo: &'a Path,
        rev: &'a str,
        path: &'a Path,
    },
}

/// One compatibility check.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The new spec (NEW).
    pub new: &'a Path,
    /// What it is compared with.
    pub baseline: Baseline<'a>,
    /// How both sides are loaded.
    pub load: &'a LoadOptions,
    /// The mode, and whether it is strict.
    pub options: Options,
    /// Breaking changes accepted anyway.
    pub allow: Option<&'a AllowList>,
}

/// What a check found.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// A report per comparison made, allow-list applied: one for a file, one per earlier
    /// version in history; none when the baseline has no such spec (a new spec, a history of
    /// one commit).
    pub reports: Vec<Report>,
}

impl Outcome {
    /// Whether every report is compatible.
    pub fn is_compatible(&self) -> bool {
        self.reports.iter().all(Report::is_compatible)
    }

    /// [`Status::Compatible`] or [`Status::Incompatible`].
    pub fn status(&self) -> Status {
        if self.is_compatible() {
            Status::Compatible
        } else {
            Status::Incompatible
        }
    }
}

/// The verdict as an exit status; the worst of several is their maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Exit 0.
    Compatible,
    /// Exit 1.
    Incompatible,
    /// Exit 2: a spec or the allow-list cannot be read, git fails, or the usage is wrong.
    Unreadable,
}

impl Status {
    /// The status of a check's result: an error is [`Status::Unreadable`], never a verdict.
    pub fn of(result: &Result<Outcome>) -> Status {
        result.as_ref().map_or(Status::Unreadable, Outcome::status)
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// Compares `request.new` with its baseline and applies the allow-list. An unreadable or
/// invalid spec, or a git failure, is an error (with the loader's diagnostic), never a verdict.
pub fn check(request: &Request<'_>) -> Result<Outcome> {
    let Request {
        new,
        baseline,
        load,
        options,
        allow,
    } = *request;
    let mut reports = match baseline {
        Baseline::File(old) => vec![diff_specs(old, new, load, &options)?],
        Baseline::History => git::history(new, load, &options)?
            .into_iter()
            .map(|(_, report)| report)
            .collect(),
        Baseline::Revision { repo, rev, path } => {
            git::diff_at_rev(repo, rev, path, new, load, &options)?
                .into_iter()
                .collect()
        }
    };
    if let Some(allow) = allow {
        for report in &mut reports {
            allow.apply(report);
        }
    }
    Ok(Outcome { reports })
}
