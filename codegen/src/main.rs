//! The `tidings` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tidings_codegen::broker::{self, BrokerError};
use tidings_codegen::compat::{self, AllowList, Format, Mode, Options};
use tidings_codegen::{LoadOptions, RuntimeDep};

/// tidings: typed Rust from AsyncAPI event specs.
#[derive(Parser)]
#[command(name = "tidings", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust for a spec: a module (`--out`), a crate (`--crate`), or to stdout.
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
        /// Allow `http(s)://` references (needs the `remote` feature).
        #[arg(long)]
        allow_remote: bool,
        /// Folder that referenced files must stay inside (default: the spec's folder).
        #[arg(long)]
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
        /// backward: new readers accept old data; forward: old readers accept new data;
        /// full: both.
        #[arg(long, default_value = "backward", value_parser = parse_mode)]
        mode: Mode,
        /// Confluent Schema Registry's rules for open, partially open and closed objects.
        #[arg(long)]
        strict: bool,
        /// text, json, github (workflow annotations) or junit.
        #[arg(long, default_value = "text", value_parser = parse_format)]
        format: Format,
        /// Accepted changes (default: `tidings-compat.toml` in the current folder, if any).
        #[arg(long, value_name = "FILE")]
        allow: Option<PathBuf>,
        /// Check NEW against every earlier version of its file in git history.
        #[arg(long)]
        history: bool,
        /// Folder that referenced files must stay inside (default: each spec's folder).
        #[arg(long)]
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

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            let options = Options { mode, strict };
            match diff(&specs, &load, &options, format, allow, history) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("{e}");
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
        } => exit(publish(
            &spec,
            &message,
            example,
            data.as_deref(),
            &params,
            &broker,
        )),
        Command::Listen {
            spec,
            broker,
            count,
            timeout,
        } => exit(listen(&spec, &broker, count, timeout)),
        command => match run(command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        },
    }
}

/// Exit 0 for `Ok(true)`, 1 for `Ok(false)`, 2 with the message for an error.
fn exit(result: Result<bool, BrokerError>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
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

fn run(command: Command) -> tidings_codegen::Result<()> {
    match command {
        Command::Diff { .. } | Command::Publish { .. } | Command::Listen { .. } => {
            unreachable!("these commands have their own exit codes")
        }
        Command::Generate {
            spec,
            out,
            crate_dir,
            name,
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
            let generated = tidings_codegen::generate(&spec, &options)?;
            for warning in &generated.catalog.warnings {
                eprintln!("{}", warning.to_string().replacen("error:", "warning:", 1));
            }
            match (out, crate_dir) {
                (Some(out), _) => tidings_codegen::write::atomic(&out, &generated.code),
                (None, Some(dir)) => {
                    let name = name.unwrap_or_else(|| tidings_codegen::default_crate_name(&spec));
                    if !is_package_name(&name) {
                        return Err(tidings_codegen::Diagnostic::file(
                            spec.display().to_string(),
                            format!(
                                "`{name}` is not a valid crate name (letters, digits, `-`, `_`)"
                            ),
                        )
                        .into());
                    }
                    let own_workspace = tidings_codegen::write::inside_workspace(&dir);
                    let files = tidings_codegen::crate_files(
                        &generated,
                        &name,
                        &RuntimeDep::detect(),
                        own_workspace,
                    )?;
                    files.write(&dir)
                }
                (None, None) => {
                    print!("{}", generated.code);
                    Ok(())
                }
            }
        }
    }
}

fn is_package_name(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
