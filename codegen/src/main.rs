//! The `tidings` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use tidings_codegen::broker::{self, BrokerError};
use tidings_codegen::compat::{self, AllowList, Format, Mode, Options};
use tidings_codegen::error::Severity;
use tidings_codegen::{Diagnostic, Generated, LoadOptions, RuntimeDep};

/// tidings: typed Rust from AsyncAPI event specs.
#[derive(Parser)]
#[command(name = "tidings", version, about)]
struct Cli {
    /// Colours in diagnostics: `auto` uses them on a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

/// When to colour diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    /// On a terminal, unless the `NO_COLOR` environment variable is set (and not empty).
    Auto,
    /// Always, even when the output is not a terminal.
    Always,
    /// Never.
    Never,
}

/// `tidings diff --mode`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    /// New readers accept old data.
    Backward,
    /// Old readers accept new data.
    Forward,
    /// Both.
    Full,
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

/// `tidings diff --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    /// For people: each change with its rule, path, values, verdicts and place.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML: a test case per message.
    Junit,
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

#[derive(Subcommand)]
enum Command {
    /// Generate Rust for a spec: a module (`--out`), a crate (`--crate`), or to stdout. A
    /// summary line goes to stderr.
    #[command(group(ArgGroup::new("target").args(["out", "crate_dir"])))]
    Generate {
        /// The AsyncAPI document (YAML or JSON).
        spec: PathBuf,
        /// Write one module to this file.
        #[arg(long, conflicts_with = "crate_dir")]
        out: Option<PathBuf>,
        /// Write a standalone crate to this folder.
        #[arg(long = "crate", value_name = "DIR")]
        crate_dir: Option<PathBuf>,
        /// Package name of the crate (default: from the spec's file name).
        #[arg(long, requires = "crate_dir")]
        name: Option<String>,
        /// Write nothing; exit 1 if the output on disk (`--out` or `--crate`) is not what the
        /// spec generates, naming each file that differs (for CI).
        #[arg(long, requires = "target")]
        check: bool,
        /// Allow `http(s)://` references (needs the `remote` feature).
        #[arg(long)]
        allow_remote: bool,
        /// Folder that referenced files must stay inside (default: the spec's repository, the
        /// nearest folder above it holding `.git`; else the spec's folder).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Type only what `type` declares; other schemas become checked JSON values.
        #[arg(long)]
        strict_json_schema: bool,
    },
    /// Compare two versions of a spec, per message: exit 0 compatible, 1 incompatible,
    /// 2 unreadable input or usage error.
    Diff {
        /// OLD and NEW spec (with `--history`: NEW only).
        #[arg(value_name = "SPEC", num_args = 1..=2, required = true)]
        specs: Vec<PathBuf>,
        /// Which readers must accept which data.
        #[arg(long, value_enum, default_value_t = ModeArg::Backward)]
        mode: ModeArg,
        /// Confluent Schema Registry's rules for open, partially open and closed objects.
        #[arg(long)]
        strict: bool,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// Accepted changes (default: `tidings-compat.toml` in the current folder, if any).
        #[arg(long, value_name = "FILE")]
        allow: Option<PathBuf>,
        /// Check NEW against every earlier version of its file in git history.
        #[arg(long)]
        history: bool,
        /// Folder that referenced files must stay inside (default: each spec's repository,
        /// else its folder).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Publish one of the spec's messages, validated, as a CloudEvent: exit 0 sent, 1 the
    /// payload breaks the spec (nothing sent), 2 unreadable spec, usage or broker error.
    Publish {
        /// The AsyncAPI document.
        spec: PathBuf,
        /// The message: its name, key or message id.
        #[arg(long)]
        message: String,
        /// Send the spec's example N of the message (default: the first).
        #[arg(long, conflicts_with = "data")]
        example: Option<usize>,
        /// Send the JSON payload in this file.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Channel parameters, `NAME=VALUE`.
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
        /// The broker: `nats://127.0.0.1:4222`.
        #[arg(long)]
        broker: String,
    },
    /// Listen on every channel of the spec, validate each event against it and print it:
    /// exit 0 all valid, 1 some invalid, 2 unreadable spec, usage or broker error.
    Listen {
        /// The AsyncAPI document.
        spec: PathBuf,
        /// The broker: `nats://127.0.0.1:4222`.
        #[arg(long)]
        broker: String,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
        /// Stop after this many seconds.
        #[arg(long)]
        timeout: Option<u64>,
    },
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Stderr::new(cli.color);
    match cli.command {
        Command::Diff {
            specs,
            mode,
            strict,
            format,
            allow,
            history,
            root,
        } => {
            let load = LoadOptions {
                root,
                ..LoadOptions::default()
            };
            let options = Options {
                mode: mode.into(),
                strict,
            };
            match diff(&specs, &load, &options, format.into(), allow, history) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    out.error(&e);
                    ExitCode::from(2)
                }
            }
        }
        Command::Publish {
            spec,
            message,
            example,
            data,
            params,
            broker,
        } => exit(
            &out,
            publish(&spec, &message, example, data.as_deref(), &params, &broker),
        ),
        Command::Listen {
            spec,
            broker,
            count,
            timeout,
        } => exit(&out, listen(&spec, &broker, count, timeout)),
        Command::Generate {
            spec,
            out: module,
            crate_dir,
            name,
            check,
            allow_remote,
            root,
            strict_json_schema,
        } => {
            let options = LoadOptions {
                allow_remote,
                root,
                strict_json_schema,
                ..LoadOptions::default()
            };
            let target = match (module, crate_dir) {
                (Some(file), _) => Target::Module(file),
                (None, Some(dir)) => Target::Crate { dir, name },
                (None, None) => Target::Stdout,
            };
            match generate(&spec, &options, target, check, &out) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    out.error(&e);
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// Diagnostics on stderr, in colour when [`Color`] says so.
struct Stderr {
    color: bool,
}

impl Stderr {
    fn new(choice: Color) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        Stderr { color }
    }

    fn warning(&self, warning: &Diagnostic) {
        eprintln!("{}\n", warning.render(Severity::Warning, self.color));
    }

    /// Every diagnostic of `error`, or its text when it is not about the spec.
    fn error(&self, error: &tidings_codegen::Error) {
        let diagnostics = error.diagnostics();
        if diagnostics.is_empty() {
            eprintln!("{}: {error}", self.label());
            return;
        }
        for d in diagnostics {
            eprintln!("{}\n", d.render(Severity::Error, self.color));
        }
        if diagnostics.len() > 1 {
            let count = diagnostics.len();
            eprintln!("{}: the spec has {count} problems (above)", self.label());
        }
    }

    /// `error`, in bold red when in colour (as the diagnostics' own headers).
    fn label(&self) -> &'static str {
        if self.color {
            "\u{1b}[1m\u{1b}[91merror\u{1b}[0m"
        } else {
            "error"
        }
    }
}

/// Exit 0 for `Ok(true)`, 1 for `Ok(false)`, 2 with the message for an error.
fn exit(out: &Stderr, result: Result<bool, BrokerError>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(BrokerError::Spec(e)) => {
            out.error(&e);
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn publish(
    spec: &std::path::Path,
    name: &str,
    example: Option<usize>,
    data: Option<&std::path::Path>,
    params: &[(String, String)],
    broker_url: &str,
) -> Result<bool, BrokerError> {
    broker::scheme(broker_url)?;
    let (catalog, _) = tidings_codegen::catalog(spec, &LoadOptions::default())?;
    let message = broker::find_message(&catalog, name)?;
    let payload = broker::payload(message, example, data)?;
    let problems = broker::violations(message, &payload);
    if !problems.is_empty() {
        eprintln!("not published: the payload breaks `{}`:", message.name);
        for problem in problems {
            eprintln!("  {problem}");
        }
        return Ok(false);
    }
    let address = broker::address(&catalog, message, params)?;
    let id = broker::publish(broker_url, message, &address, payload)?;
    println!("published {} to {address} (id {id})", message.name);
    Ok(true)
}

fn listen(
    spec: &std::path::Path,
    broker_url: &str,
    count: Option<usize>,
    timeout: Option<u64>,
) -> Result<bool, BrokerError> {
    broker::scheme(broker_url)?;
    let (catalog, _) = tidings_codegen::catalog(spec, &LoadOptions::default())?;
    let (valid, invalid) = broker::listen(
        broker_url,
        &catalog,
        count,
        timeout.map(std::time::Duration::from_secs),
        || eprintln!("listening on {} channel(s)", catalog.channels.len()),
    )?;
    eprintln!("{valid} valid, {invalid} invalid");
    Ok(invalid == 0)
}

/// Runs `tidings diff`; `Ok(compatible)`, or an error for unreadable input.
fn diff(
    specs: &[PathBuf],
    load: &LoadOptions,
    options: &Options,
    format: Format,
    allow: Option<PathBuf>,
    history: bool,
) -> tidings_codegen::Result<bool> {
    let allow = match allow {
        Some(path) => Some(AllowList::load(&path)?),
        None => {
            let default = PathBuf::from("tidings-compat.toml");
            default
                .is_file()
                .then(|| AllowList::load(&default))
                .transpose()?
        }
    };
    let mut reports = match (specs, history) {
        ([new], true) => compat::git::history(new, load, options)?
            .into_iter()
            .map(|(_, report)| report)
            .collect(),
        ([old, new], false) => vec![compat::diff_specs(old, new, load, options)?],
        _ => {
            return Err(tidings_codegen::Diagnostic::file(
                "tidings diff",
                "give OLD and NEW, or NEW alone with --history",
            )
            .into())
        }
    };
    let mut compatible = true;
    for report in &mut reports {
        if let Some(allow) = &allow {
            allow.apply(report);
        }
        compatible &= report.is_compatible();
    }
    match (history, reports.as_slice()) {
        (false, [report]) => print!("{}", report.render(format)),
        _ => print!("{}", compat::render_all(&reports, format)),
    }
    if history && reports.is_empty() {
        eprintln!("tidings diff: no earlier version of the spec in git history");
    }
    Ok(compatible)
}

/// Where `tidings generate` puts the code.
enum Target {
    Module(PathBuf),
    Crate { dir: PathBuf, name: Option<String> },
    Stdout,
}

/// Runs `tidings generate`: `Ok(false)` when `check` finds the output on disk out of date.
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
            if !is_package_name(&name) {
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
        return Ok(stale.is_empty());
    }
    for (path, contents) in &files {
        tidings_codegen::write::atomic(path, contents)?;
    }
    eprintln!("{}", summary(&generated, &shown, next.as_deref()));
    Ok(true)
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

fn is_package_name(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
