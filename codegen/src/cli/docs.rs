//! `tidings docs`: the event catalog of the given specs, as a static site.

use std::path::Path;
use std::process::ExitCode;

use tidings_codegen::{Diagnostic, LoadOptions};

use super::Stderr;
use crate::DocsArgs;

/// Runs `tidings docs`: exit 0 when the site is written, 1 when a spec or template has
/// errors (every spec's diagnostics are shown; nothing is written).
pub fn run(args: &DocsArgs, out: &Stderr) -> ExitCode {
    let options = options_of(args);
    let mut catalogs = Vec::new();
    let mut failed = false;
    for spec in &args.specs {
        match tidings_codegen::catalog(spec, &options) {
            Ok((catalog, _)) => {
                for warning in &catalog.warnings {
                    out.warning(warning);
                }
                catalogs.push(catalog);
            }
            Err(e) => {
                out.error(&e);
                failed = true;
            }
        }
    }
    if failed {
        return ExitCode::from(1);
    }
    let histories = if args.history {
        let options = tidings_codegen::compat::Options {
            mode: tidings_codegen::compat::Mode::Full,
            strict: false,
        };
        let mut histories = Vec::new();
        for spec in &args.specs {
            match tidings_codegen::compat::git::steps(spec, &options_of(args), &options, HISTORY) {
                Ok(steps) => histories.push(steps),
                Err(e) => {
                    out.error(&e);
                    return ExitCode::from(1);
                }
            }
        }
        Some(histories)
    } else {
        None
    };
    let format = match args.format {
        crate::DocsFormat::Html => tidings_codegen::docs::Format::Html,
        crate::DocsFormat::Markdown => tidings_codegen::docs::Format::Markdown,
    };
    let site_options = tidings_codegen::docs::Options {
        templates: args.templates.as_deref(),
        histories: histories.as_deref(),
        format,
    };
    let site = match tidings_codegen::docs::site(&catalogs, &site_options) {
        Ok(site) => site,
        Err(e) => {
            out.error(&e);
            return ExitCode::from(1);
        }
    };
    match replace_dir(&args.out, |dir| site.write(dir)) {
        Ok(()) => {
            let messages: usize = catalogs.iter().map(|c| c.messages.len()).sum();
            eprintln!(
                "{} specs, {messages} messages, {} files → {}",
                catalogs.len(),
                site.files.len(),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            out.error(&tidings_codegen::Error::Spec(Box::new(Diagnostic::file(
                args.out.display().to_string(),
                format!("cannot write the site: {e}"),
            ))));
            ExitCode::from(1)
        }
    }
}

/// How many commits of each spec `--history` reads.
const HISTORY: usize = 20;

fn options_of(args: &DocsArgs) -> LoadOptions {
    LoadOptions {
        keep_going: args.keep_going,
        root: args.root.clone(),
        ..LoadOptions::default()
    }
}

/// Writes a folder beside `dir` with `write`, then puts it in `dir`'s place: a failure leaves
/// the previous site as it was.
fn replace_dir(
    dir: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let fresh = tempfile::Builder::new()
        .prefix(".tidings-docs-")
        .tempdir_in(&parent)?;
    write(fresh.path())?;
    let fresh = fresh.keep();
    if dir.exists() {
        let old = parent.join(format!(".tidings-docs-old-{}", std::process::id()));
        std::fs::rename(dir, &old)?;
        if let Err(e) = std::fs::rename(&fresh, dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(e);
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&fresh, dir)?;
    }
    Ok(())
}
