//! The `herald` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> herald_codegen::Result<()> {
    match cli.command {
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
