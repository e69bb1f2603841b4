//! Errors and diagnostics: what went wrong, and where in which file.

use std::fmt;
use std::path::PathBuf;

/// A problem in a spec, located by file and line/column or JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file, as the user named it (relative where possible).
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(u32, u32)>,
    /// The JSON pointer of the offending node, or the `$ref` involved.
    pub pointer: Option<String>,
    /// The source line, for the caret display.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic about a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            file: file.into(),
            position: None,
            pointer: None,
            source_line: None,
        }
    }

    /// Adds the JSON pointer (or `$ref`) the problem concerns.
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        match self.position {
            Some((line, col)) => write!(f, "  --> {}:{}:{}", self.file, line, col)?,
            None => write!(f, "  --> {}", self.file)?,
        }
        if let Some(pointer) = &self.pointer {
            write!(f, "\n   = at {pointer}")?;
        }
        if let (Some((line, col)), Some(text)) = (self.position, &self.source_line) {
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            // Long lines (minified JSON) are shown as a window around the column.
            let chars: Vec<char> = text.chars().collect();
            let col = col.saturating_sub(1) as usize;
            let start = col.saturating_sub(40).min(chars.len());
            let end = (col + 40).min(chars.len());
            let (text, col) = if chars.len() > 100 {
                let window: String = chars[start..end].iter().collect();
                (format!("…{window}…"), col - start + 1)
            } else {
                (text.clone(), col)
            };
            let caret = " ".repeat(col);
            write!(f, "\n{pad} |\n{number} | {text}\n{pad} | {caret}^")?;
        }
        Ok(())
    }
}

/// Everything that can stop code generation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec is wrong: syntax, `$ref`, unsupported version, ...
    #[error("{0}")]
    Spec(Box<Diagnostic>),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The generated code did not parse as Rust (a bug in tidings).
    #[error("internal error: generated code does not parse: {0}")]
    Internal(String),
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Spec(Box::new(d))
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
