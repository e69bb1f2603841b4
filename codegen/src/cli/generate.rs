//! `tidings generate`: a spec's Rust as a module, a crate or on stdout, or `--check` of it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tidings_codegen::{Diagnostic, Generated, LoadOptions, RuntimeDep};

use super::Stderr;
use crate::GenerateArgs;

/// Where `tidings generate` puts the code.
enum Target {
    Module(PathBuf),
    Crate { dir: PathBuf, name: Option<String> },
    Stdout,
}

/// Runs `tidings generate`: exit 0 when written (or up to date), 1 for a spec with errors or
/// output out of date.
pub fn run(args: &GenerateArgs, out: &Stderr) -> ExitCode {
    let options = LoadOptions {
        allow_remote: args.allow_remote,
        root: args.root.clone(),
        strict_json_schema: args.strict_json_schema,
        keep_going: args.keep_going,
        ..LoadOptions::default()
    };
    let target = match (&args.out, &args.crate_dir) {
        (Some(file), _) => Target::Module(file.clone()),
        (None, Some(dir)) => Target::Crate {
            dir: dir.clone(),
            name: args.name.clone(),
        },
        (None, None) => Target::Stdout,
    };
    match generate(&args.spec, &options, target, args.check, out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            out.error(&e);
            ExitCode::from(1)
        }
    }
}

/// `Ok(false)` when `check` finds the output on disk out of date.
fn generate(
    spec: &Path,
    options: &LoadOptions,
    target: Target,
    check: bool,
    out: &Stderr,
) -> tidings_codegen::Result<bool> {
    let generated = tidings_codegen::generate(spec, options)?;
    for warning in &generated.catalog.warnings {
        out.warning(warning);
    }
    let (files, shown, next) = match &target {
        Target::Module(file) => (
            vec![(file.clone(), generated.code.clone())],
            file.display().to_string(),
            None,
        ),
        Target::Crate { dir, name } => {
            let name = name
                .clone()
                .unwrap_or_else(|| tidings_codegen::default_crate_name(spec));
            if !tidings_codegen::is_valid_crate_name(&name) {
                return Err(Diagnostic::file(
                    spec.display().to_string(),
                    format!("`{name}` is not a valid crate name (letters, digits, `-`, `_`)"),
                )
                .into());
            }
            let own_workspace = tidings_codegen::write::inside_workspace(dir);
            let files = tidings_codegen::crate_files(
                &generated,
                &name,
                &RuntimeDep::detect(),
                own_workspace,
            )?;
            let files = files
                .files
                .into_iter()
                .map(|(rel, contents)| (dir.join(rel), contents))
                .collect();
            let shown = dir.display().to_string();
            let next = format!("cd {} && cargo test", shell_word(&shown));
            (files, shown, Some(next))
        }
        Target::Stdout => {
            print!("{}", generated.code);
            eprintln!("{}", summary(&generated, "stdout", None));
            return Ok(true);
        }
    };
    if check {
        return Ok(up_to_date(&files, &shown, spec));
    }
    for (path, contents) in &files {
        tidings_codegen::write::atomic(path, contents)?;
    }
    eprintln!("{}", summary(&generated, &shown, next.as_deref()));
    Ok(true)
}

/// `--check`: whether every file on disk is what `spec` generates, naming each one that is not.
fn up_to_date(files: &[(PathBuf, String)], shown: &str, spec: &Path) -> bool {
    let stale: Vec<&PathBuf> = files
        .iter()
        .filter(|(path, contents)| {
            std::fs::read(path).map_or(true, |old| old != contents.as_bytes())
        })
        .map(|(path, _)| path)
        .collect();
    for path in &stale {
        let state = if path.exists() {
            "differs from"
        } else {
            "is missing from"
        };
        eprintln!(
            "{}: {state} what {} generates",
            path.display(),
            spec.display()
        );
    }
    if stale.is_empty() {
        eprintln!("{shown}: up to date with {}", spec.display());
    }
    stale.is_empty()
}

/// `orders.yaml: 9 messages, 41 types, 3 handlers, 2 publishers → src/events.rs`.
fn summary(generated: &Generated, to: &str, next: Option<&str>) -> String {
    let catalog = &generated.catalog;
    let count = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let receive = catalog
        .operations
        .iter()
        .filter(|o| o.action == tidings_codegen::model::Action::Receive)
        .count();
    let line = format!(
        "{}: {}, {}, {}, {} → {to}",
        catalog.source_name,
        count(catalog.messages.len(), "message"),
        count(catalog.types.len(), "type"),
        count(receive, "handler"),
        count(catalog.operations.len() - receive, "publisher"),
    );
    match next {
        Some(next) => format!("{line} (next: {next})"),
        None => line,
    }
}

/// `word` as one shell word (quoted when it holds anything but plain path characters).
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
