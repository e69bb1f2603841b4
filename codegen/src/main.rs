//! The `herald` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use herald_codegen::compat::{self, AllowList, Format, Mode, Options};
use herald_codegen::{LoadOptions, RuntimeDep};

/// herald: typed Rust from AsyncAPI event specs.
#[derive(Parser)]
#[command(name = "herald", version, about)]
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
        /// Accepted changes (default: `herald-compat.toml` in the current folder, if any).
        #[arg(long, value_name = "FILE")]
        allow: Option<PathBuf>,
        /// Check NEW against every earlier version of its file in git history.
        #[arg(long)]
        history: bool,
        /// Folder that referenced files must stay inside (default: each spec's folder).
        #[arg(long)]
        root: Option<PathBuf>,
    },
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
        command => match run(command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        },
    }
}

/// Runs `herald diff`; `Ok(compatible)`, or an error for unreadable input.
fn diff(
    specs: &[PathBuf],
    load: &LoadOptions,
    options: &Options,
    format: Format,
    allow: Option<PathBuf>,
    history: bool,
) -> herald_codegen::Result<bool> {
    let allow = match allow {
        Some(path) => Some(AllowList::load(&path)?),
        None => {
            let default = PathBuf::from("herald-compat.toml");
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
            return Err(herald_codegen::Diagnostic::file(
                "herald diff",
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
        eprintln!("herald diff: no earlier version of the spec in git history");
    }
    Ok(compatible)
}

fn run(command: Command) -> herald_codegen::Result<()> {
    match command {
        Command::Diff { .. } => unreachable!("`diff` has its own exit codes"),
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
            let generated = herald_codegen::generate(&spec, &options)?;
            for warning in &generated.catalog.warnings {
                eprintln!("{}", warning.to_string().replacen("error:", "warning:", 1));
            }
            match (out, crate_dir) {
                (Some(out), _) => herald_codegen::write::atomic(&out, &generated.code),
                (None, Some(dir)) => {
                    let name = name.unwrap_or_else(|| herald_codegen::default_crate_name(&spec));
                    if !is_package_name(&name) {
                        return Err(herald_codegen::Diagnostic::file(
                            spec.display().to_string(),
                            format!(
                                "`{name}` is not a valid crate name (letters, digits, `-`, `_`)"
                            ),
                        )
                        .into());
                    }
                    let own_workspace = herald_codegen::write::inside_workspace(&dir);
                    let files = herald_codegen::crate_files(
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
