//! The `tidings` binary's commands, one module each, and what they share: stderr, exit codes.
//!
//! Declared by `main.rs` only: the library that `build.rs` users link holds none of this.

pub mod connect;
pub mod diff;
#[cfg(feature = "brokers")]
pub mod dlq;
pub mod docs;
pub mod generate;
#[cfg(feature = "brokers")]
pub mod listen;
#[cfg(feature = "brokers")]
pub mod publish;

use std::io::IsTerminal;
use std::process::ExitCode;

use tidings_codegen::error::Severity;
use tidings_codegen::Diagnostic;

use crate::Color;
use connect::BrokerError;

/// Diagnostics on stderr, in colour when [`Color`] says so.
pub struct Stderr {
    color: bool,
}

impl Stderr {
    pub fn new(choice: Color) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        Stderr { color }
    }

    pub fn warning(&self, warning: &Diagnostic) {
        eprintln!("{}\n", warning.render(Severity::Warning, self.color));
    }

    /// Every diagnostic of `error`, or its text when it is not about the spec.
    pub fn error(&self, error: &tidings_codegen::Error) {
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

    /// The exit status of `publish` and `listen`: 0 for `Ok(true)`, 1 for `Ok(false)`, 2 with
    /// the message for an error.
    pub fn exit(&self, result: Result<bool, BrokerError>) -> ExitCode {
        match result {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(BrokerError::Spec(e)) => {
                self.error(&e);
                ExitCode::from(2)
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        }
    }
}

/// Every constraint `payload` breaks under the schema of `message`, as text.
#[cfg(feature = "brokers")]
fn violations(
    catalog: &tidings_codegen::model::Catalog,
    message: &tidings_codegen::model::Message,
    payload: &serde_json::Value,
) -> Vec<String> {
    let Some(entry) = &message.payload_schema else {
        return Vec::new();
    };
    let document = &catalog.schema_document.document;
    match tidings::schema::Schemas::compile_at(document, [entry.pointer()]) {
        Ok(schemas) => match schemas.get(entry.pointer()).map(|s| s.validate(payload)) {
            None | Some(Ok(())) => Vec::new(),
            Some(Err(errors)) => errors.iter().map(ToString::to_string).collect(),
        },
        Err(e) => vec![format!("the schema does not compile: {e}")],
    }
}
