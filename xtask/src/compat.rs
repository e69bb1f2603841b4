//! `cargo xtask check-compat`: the work tree's specs against their versions at a base revision.
//!
//! ```text
//! cargo xtask check-compat [--against REF] [--mode backward|forward|full] [--specs GLOB]... [--strict]
//! ```
//!
//! - Runs in the git repository of the current directory.
//! - `REF` defaults to `git merge-base HEAD main` (then `origin/main`, then `HEAD`).
//! - `GLOB` is relative to the repository root, `*` and `?` match within one path component,
//!   `**` any number of them; the default is `specs/*.yaml`, `specs/*.yml`, `specs/*.json` and
//!   the exports of code-first examples, `examples/*/asyncapi.yaml`.
//!   Specs are looked for in the work tree and at `REF`, so deleted ones are found.
//! - A spec in both is compared with its folder at `REF` (so `$ref`s to sibling files resolve
//!   as they did); an added spec is compatible if it loads; a deleted spec breaks.
//! - Exit status: 0 all compatible, 1 any incompatible, 2 unreadable spec, bad usage or git
//!   failure.
//!
//! Which specs and which revision is all this command decides: each spec is checked by
//! `tidings_codegen::compat::check`, the entry point `tidings diff` uses too.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use tidings_codegen::compat::{self, git, Baseline, Mode, Options, Report, Request, Status};
use tidings_codegen::LoadOptions;

const USAGE: &str = "usage: cargo xtask check-compat [--against REF] [--mode backward|forward|full] [--specs GLOB]... [--strict]";

const DEFAULT_SPECS: [&str; 4] = [
    "specs/*.yaml",
    "specs/*.yml",
    "specs/*.json",
    // Specs exported from code-first types, committed beside their crate.
    "examples/*/asyncapi.yaml",
];

/// The command line of `check-compat`.
#[derive(Debug, PartialEq)]
struct Args {
    against: Option<String>,
    mode: Mode,
    specs: Vec<String>,
    strict: bool,
}

/// Runs `check-compat` with the arguments after the command name.
pub fn check_compat(args: &[&str]) -> ExitCode {
    let args = match parse_args(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("check-compat: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match check(&args) {
        Ok(status) => status.into(),
        Err(message) => {
            eprintln!("check-compat: {message}");
            ExitCode::from(2)
        }
    }
}

/// Checks every spec of the work tree or of the base revision; the worst verdict.
fn check(args: &Args) -> Result<Status, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let root = git::repo_root(&cwd).map_err(|e| format!("not in a git repository: {e}"))?;
    let (base, described) = base_revision(&root, args.against.as_deref())?;
    let short = git::short_hash(&root, &base).map_err(|e| e.to_string())?;

    let in_tree: BTreeSet<String> = git::working_files(&root)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|file| matches_any(&args.specs, file))
        .collect();
    let at_base: BTreeSet<String> = git::files_at(&root, &base)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|file| matches_any(&args.specs, file))
        .collect();
    if in_tree.is_empty() && at_base.is_empty() {
        return Err(format!(
            "no spec matches {} in the work tree or at {short}",
            args.specs.join(", ")
        ));
    }

    println!(
        "check-compat: {} compatibility{} against {short} ({described})",
        args.mode,
        if args.strict { ", strict" } else { "" },
    );
    // Accepted breaking changes, committed beside the specs.
    let allow = compat::allow_list(None, &root).map_err(|e| e.to_string())?;
    let load = LoadOptions::default();
    let options = Options {
        mode: args.mode,
        strict: args.strict,
    };
    let (mut incompatible, mut unreadable, mut total) = (0, 0, 0);
    for spec in in_tree.union(&at_base) {
        total += 1;
        let status = if in_tree.contains(spec) {
            let new = root.join(spec);
            let checked = compat::check(&Request {
                new: &new,
                baseline: Baseline::Revision {
                    repo: &root,
                    rev: &base,
                    path: Path::new(spec),
                },
                load: &load,
                options,
                allow: allow.as_ref(),
            });
            verdict(spec, &new, checked, &load)
        } else {
            println!("{spec}: deleted: breaking");
            Status::Incompatible
        };
        match status {
            Status::Compatible => {}
            Status::Incompatible => incompatible += 1,
            Status::Unreadable => unreadable += 1,
        }
    }

    println!(
        "check-compat: {total} spec{}, {incompatible} incompatible, {unreadable} unreadable",
        if total == 1 { "" } else { "s" }
    );
    Ok(if unreadable > 0 {
        Status::Unreadable
    } else if incompatible > 0 {
        Status::Incompatible
    } else {
        Status::Compatible
    })
}

/// Prints the verdict on the work tree's `spec` (at `path`) from its check against the base.
fn verdict(
    spec: &str,
    path: &Path,
    checked: tidings_codegen::Result<compat::Outcome>,
    load: &LoadOptions,
) -> Status {
    let outcome = match checked {
        Ok(outcome) => outcome,
        Err(e) => return unreadable_spec(spec, &e),
    };
    let status = outcome.status();
    // Not at the base (or not a readable file there, such as a submodule): new, so
    // compatible if it loads.
    let Some(report) = outcome.reports.first() else {
        return match tidings_codegen::catalog(path, load) {
            Ok(_) => {
                println!("{spec}: added: compatible");
                Status::Compatible
            }
            Err(e) => unreadable_spec(spec, &e),
        };
    };
    let total = report.changes().count();
    if status == Status::Compatible {
        match total {
            0 => println!("{spec}: compatible"),
            n => println!(
                "{spec}: compatible ({n} change{} allowed in {} mode)",
                if n == 1 { "" } else { "s" },
                report.mode
            ),
        }
    } else {
        let failing = report.changes().filter(|c| c.fails(report.mode)).count();
        println!(
            "{spec}: INCOMPATIBLE ({failing} breaking change{} in {} mode)",
            if failing == 1 { "" } else { "s" },
            report.mode
        );
        for line in render_report(report).lines() {
            println!("  {line}");
        }
    }
    status
}

fn unreadable_spec(spec: &str, error: &tidings_codegen::Error) -> Status {
    println!("{spec}: unreadable");
    eprintln!("{error}");
    Status::Unreadable
}

/// The failing changes of `report`, one per line: `MESSAGE: RULE at PATH (OLD → NEW)` and
/// the place in the spec (`tidings diff` prints the full report with every change).
pub fn render_report(report: &Report) -> String {
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_string());
    let api = report.api.iter().map(|change| ("api", change));
    let messages = report.messages.iter().flat_map(|m| {
        m.changes
            .iter()
            .map(move |change| (m.message.as_str(), change))
    });
    let mut out = String::new();
    for (message, change) in api.chain(messages) {
        if change.fails(report.mode) {
            let place = change
                .at
                .as_ref()
                .map(|at| format!("  {}:{}:{}", at.file, at.line, at.col))
                .unwrap_or_default();
            out.push_str(&format!(
                "{message}: {} at {} ({} → {}){place}\n",
                change.rule,
                change.path,
                value(&change.old),
                value(&change.new)
            ));
        }
    }
    out
}

/// The revision to compare with, as a full hash, and how it was chosen.
fn base_revision(root: &Path, against: Option<&str>) -> Result<(String, String), String> {
    if let Some(rev) = against {
        let hash = git::resolve_rev(root, rev).map_err(|e| e.to_string())?;
        return Ok((hash, format!("--against {rev}")));
    }
    for main in ["main", "origin/main"] {
        if git::resolve_rev(root, main).is_ok() {
            let hash = git::merge_base(root, "HEAD", main).map_err(|e| e.to_string())?;
            return Ok((hash, format!("merge-base of HEAD and {main}")));
        }
    }
    eprintln!("note: no `main` branch; checking against HEAD");
    let hash = git::resolve_rev(root, "HEAD").map_err(|e| e.to_string())?;
    Ok((hash, "HEAD".to_string()))
}

/// `None` asks for the usage.
fn parse_args(args: &[&str]) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        against: None,
        mode: Mode::Backward,
        specs: Vec::new(),
        strict: false,
    };
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (arg, None),
        };
        let mut value = || -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_string()),
                None => rest
                    .next()
                    .map(|v| v.to_string())
                    .ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--against" => parsed.against = Some(value()?),
            "--mode" => parsed.mode = value()?.parse()?,
            "--specs" => parsed.specs.push(value()?),
            "--strict" if inline.is_none() => parsed.strict = true,
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    if parsed.specs.is_empty() {
        parsed.specs = DEFAULT_SPECS.iter().map(|s| s.to_string()).collect();
    }
    Ok(Some(parsed))
}

fn matches_any(patterns: &[String], path: &str) -> bool {
    patterns.iter().any(|p| glob_match(p, path))
}

/// Whether the `/`-separated `path` matches `pattern`: `*` and `?` within a component, `**`
/// for any number of components.
fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern
        .trim_start_matches("./")
        .split('/')
        .filter(|c| !c.is_empty())
        .collect();
    let path: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    match_components(&pattern, &path)
}

fn match_components(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_components(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((name, path_rest)) => {
                match_component(first.as_bytes(), name.as_bytes())
                    && match_components(rest, path_rest)
            }
            None => false,
        },
    }
}

/// `*` and `?` in one component, with backtracking to the last `*`.
fn match_component(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidings_codegen::compat::{Change, Effect, MessageReport};

    #[test]
    fn globs() {
        assert!(glob_match("specs/*.yaml", "specs/orders.yaml"));
        assert!(glob_match("./specs/*.yaml", "specs/orders.yaml"));
        assert!(!glob_match("specs/*.yaml", "specs/orders.yml"));
        assert!(!glob_match("specs/*.yaml", "specs/nested/orders.yaml"));
        assert!(!glob_match("specs/*.yaml", "other/orders.yaml"));
        assert!(glob_match("specs/**/*.yaml", "specs/orders.yaml"));
        assert!(glob_match("specs/**/*.yaml", "specs/a/b/orders.yaml"));
        assert!(glob_match("**/asyncapi.yaml", "services/x/asyncapi.yaml"));
        assert!(glob_match("specs/ord?rs.*", "specs/orders.json"));
        assert!(glob_match("specs/*a*b*", "specs/xaybz"));
        assert!(!glob_match("specs/*a*b", "specs/xaybz"));
        assert!(glob_match("specs/orders.yaml", "specs/orders.yaml"));
        assert!(!glob_match("specs/*", "specs"));
    }

    #[test]
    fn arguments() {
        let args = parse_args(&[]).unwrap().unwrap();
        assert_eq!(args.mode, Mode::Backward);
        assert_eq!(args.specs, DEFAULT_SPECS);
        assert_eq!(args.against, None);
        assert!(!args.strict);

        let args = parse_args(&[
            "--against",
            "v1",
            "--mode=full",
            "--specs",
            "a/*.yaml",
            "--specs=b/**",
            "--strict",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            args,
            Args {
                against: Some("v1".into()),
                mode: Mode::Full,
                specs: vec!["a/*.yaml".into(), "b/**".into()],
                strict: true,
            }
        );
        assert!(parse_args(&["--help"]).unwrap().is_none());
        assert!(parse_args(&["--mode", "sideways"]).is_err());
        assert!(parse_args(&["--against"]).is_err());
        assert!(parse_args(&["--strict=yes"]).is_err());
        assert!(parse_args(&["extra"]).is_err());
    }

    #[test]
    fn renders_failing_changes_only() {
        let change = |rule: &str, effect, old: Option<&str>, new: Option<&str>| Change {
            rule: rule.into(),
            path: "/payload/properties/data/required".into(),
            old: old.map(Into::into),
            new: new.map(Into::into),
            effect,
            at: None,
            accepted: None,
        };
        let report = Report {
            old: "old.yaml".into(),
            new: "new.yaml".into(),
            mode: Mode::Backward,
            api: vec![change(
                "channel-removed",
                Effect::Breaks,
                Some("orders"),
                None,
            )],
            messages: vec![MessageReport {
                message: "com.acme.order.confirmed".into(),
                changes: vec![
                    change("required-added", Effect::Narrows, None, Some("warehouseId")),
                    change("property-added", Effect::Widens, None, Some("note")),
                ],
            }],
        };
        assert_eq!(
            render_report(&report),
            "api: channel-removed at /payload/properties/data/required (orders → none)\n\
             com.acme.order.confirmed: required-added at /payload/properties/data/required (none → warehouseId)\n"
        );
    }
}
