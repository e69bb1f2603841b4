//! `tidings diff`: the command line's way into [`compat::check`], and the report it prints.

use std::path::Path;
use std::process::ExitCode;

use tidings_codegen::compat::{self, Baseline, Format, Mode, Options, Outcome, Request, Status};
use tidings_codegen::{Diagnostic, LoadOptions};

use super::Stderr;
use crate::{DiffArgs, FormatArg, ModeArg};

/// Runs `tidings diff`: exit 0 compatible, 1 incompatible, 2 unreadable input.
pub fn run(args: &DiffArgs, out: &Stderr) -> ExitCode {
    let result = diff(args);
    if let Err(e) = &result {
        out.error(e);
    }
    Status::of(&result).into()
}

fn diff(args: &DiffArgs) -> tidings_codegen::Result<Outcome> {
    let allow = compat::allow_list(args.allow.as_deref(), Path::new(""))?;
    let (new, baseline) = match (args.specs.as_slice(), args.history) {
        ([new], true) => (new, Baseline::History),
        ([old, new], false) => (new, Baseline::File(old)),
        _ => {
            return Err(Diagnostic::file(
                "tidings diff",
                "give OLD and NEW, or NEW alone with --history",
            )
            .into())
        }
    };
    let load = LoadOptions {
        root: args.root.clone(),
        ..LoadOptions::default()
    };
    let outcome = compat::check(&Request {
        new,
        baseline,
        load: &load,
        options: Options {
            mode: args.mode.into(),
            strict: args.strict,
        },
        allow: allow.as_ref(),
    })?;
    let format = args.format.into();
    match (args.history, outcome.reports.as_slice()) {
        (false, [report]) => print!("{}", report.render(format)),
        (_, reports) => print!("{}", compat::render_all(reports, format)),
    }
    if args.history && outcome.reports.is_empty() {
        eprintln!("tidings diff: no earlier version of the spec in git history");
    }
    Ok(outcome)
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Backward => Mode::Backward,
            ModeArg::Forward => Mode::Forward,
            ModeArg::Full => Mode::Full,
        }
    }
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Github => Format::Github,
            FormatArg::Junit => Format::Junit,
        }
    }
}
