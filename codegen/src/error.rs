//! Errors and diagnostics: what went wrong, and where in which file.
//!
//! A [`Diagnostic`] is plain data (message, file, line and column, the source line, a hint);
//! it renders with `annotate-snippets`, the renderer of rustc's own diagnostics, plain by
//! default ([`fmt::Display`]) and in colour when the caller asks ([`Diagnostic::render`]).
//! `Collector` gathers every problem of a run, so that one run reports them all.

use std::fmt;
use std::path::PathBuf;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Generation stops.
    Error,
    /// Generation goes on; the user should still look.
    Warning,
}

/// A problem in a spec, located by file and line/column or JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
    /// How to fix it, when tidings can tell (`did you mean `channels`?`).
    pub help: Option<String>,
    /// Other places the problem involves, such as where an unclosed `{` was opened.
    pub related: Vec<Related>,
}

/// A second place a [`Diagnostic`] points at, with its own label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// What is there ("the `{` opened here is never closed").
    pub label: String,
    /// The file.
    pub file: String,
    /// 1-based line and column.
    pub position: (u32, u32),
    /// The source line.
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
            help: None,
            related: Vec::new(),
        }
    }

    /// A diagnostic at `line`:`col` of `file`, whose text is `text` (for the source line).
    /// A position past the last line (the end of a file that ends with a line break) is
    /// shown at the end of the last line.
    pub fn at(
        file: impl Into<String>,
        text: &str,
        (mut line, mut col): (u32, u32),
        message: impl Into<String>,
    ) -> Self {
        let lines = text.lines().count() as u32;
        if line > lines && lines > 0 {
            line = lines;
            col = line_of(text, line).map_or(1, |l| l.chars().count() as u32 + 1);
        }
        Diagnostic {
            position: Some((line, col)),
            source_line: line_of(text, line),
            ..Diagnostic::file(file, message)
        }
    }

    /// Adds the JSON pointer (or `$ref`) the problem concerns.
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    /// Adds a hint on how to fix the problem.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a second place the problem involves.
    pub fn with_related(mut self, related: Related) -> Self {
        self.related.push(related);
        self
    }

    /// `file:line:col` (or the file alone when the position is unknown).
    pub fn location(&self) -> String {
        match self.position {
            Some((line, col)) => format!("{}:{line}:{col}", self.file),
            None => self.file.clone(),
        }
    }

    /// The diagnostic on one line: `file:line:col: message (at pointer; help)`, for outputs
    /// that take one line per message, such as build scripts' `cargo:warning=`.
    pub fn one_line(&self) -> String {
        let mut text = format!("{}: {}", self.location(), self.message);
        let notes: Vec<String> = self
            .pointer
            .iter()
            .map(|p| format!("at {p}"))
            .chain(self.help.clone())
            .collect();
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join("; ")));
        }
        text.replace(['\n', '\r'], " ")
    }

    /// The diagnostic as text: a header with its severity, `--> file:line:col`, the source
    /// line with a caret, then the pointer and the hint. With `color`, ANSI colours as in
    /// rustc's output.
    pub fn render(&self, severity: Severity, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let level = match severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut group = Group::with_title(level.primary_title(self.message.as_str()));
        group = match (self.position, &self.source_line) {
            (Some((line, col)), Some(text)) => {
                group.element(snippet(&self.file, text, line, col, None))
            }
            (Some((line, col)), None) => group.element(
                Origin::path(self.file.as_str())
                    .line(line as usize)
                    .char_column(col as usize),
            ),
            (None, _) => group.element(Origin::path(self.file.as_str())),
        };
        let mut notes = Vec::new();
        for related in &self.related {
            let (line, col) = related.position;
            match &related.source_line {
                Some(text) => {
                    group = group.element(snippet(
                        &related.file,
                        text,
                        line,
                        col,
                        Some(&related.label),
                    ))
                }
                None => notes.push(format!("{}:{line}:{col}: {}", related.file, related.label)),
            }
        }
        notes.extend(self.pointer.as_ref().map(|p| format!("at {p}")));
        for note in &notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        renderer.render(&[group])
    }
}

/// A one-line snippet of `file` at `line`:`col`, with a caret under the column.
fn snippet<'a>(
    file: &'a str,
    text: &'a str,
    line: u32,
    col: u32,
    label: Option<&'a str>,
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    // The column counts characters; the renderer wants a byte range.
    let start = text
        .char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| i);
    let end = text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    let kind = if label.is_some() {
        AnnotationKind::Context
    } else {
        AnnotationKind::Primary
    };
    let mut annotation = kind.span(start..end);
    if let Some(label) = label {
        annotation = annotation.label(label);
    }
    Snippet::source(text)
        .line_start(line as usize)
        .path(file)
        .fold(false)
        .annotation(annotation)
}

/// Line `line` (1-based) of `text`, without its line break.
pub(crate) fn line_of(text: &str, line: u32) -> Option<String> {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .map(|l| l.trim_end().to_string())
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Severity::Error, false))
    }
}

/// Everything that can stop code generation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec is wrong: syntax, `$ref`, unsupported version, ...
    #[error("{0}")]
    Spec(Box<Diagnostic>),
    /// The spec is wrong in several places, each reported (in document order).
    #[error("{}", render_all(.0))]
    Specs(Vec<Diagnostic>),
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

fn render_all(diagnostics: &[Diagnostic]) -> String {
    let mut text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    text.push(format!(
        "error: the spec has {} problems (above)",
        diagnostics.len()
    ));
    text.join("\n\n")
}

impl Error {
    /// The diagnostics about the spec this error carries (none for I/O and internal errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Spec(d) => std::slice::from_ref(&**d),
            Error::Specs(all) => all,
            Error::Io { .. } | Error::Internal(_) => &[],
        }
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Spec(Box::new(d))
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Gathers the problems of one run, so the user sees every mistake at once instead of the
/// first (serde_derive's `Ctxt` does the same for derive input).
#[derive(Debug, Default)]
pub(crate) struct Collector {
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// An error that is not about the spec's content (I/O), which ends the run as it is.
    fatal: Option<Error>,
}

impl Collector {
    /// Records an error.
    pub(crate) fn error(&mut self, diagnostic: Diagnostic) {
        if !self.errors.contains(&diagnostic) {
            self.errors.push(diagnostic);
        }
    }

    /// Records a warning.
    pub(crate) fn warning(&mut self, diagnostic: Diagnostic) {
        if !self.warnings.contains(&diagnostic) {
            self.warnings.push(diagnostic);
        }
    }

    /// Records every diagnostic of `error`.
    pub(crate) fn absorb(&mut self, error: Error) {
        match error {
            Error::Spec(d) => self.error(*d),
            Error::Specs(all) => all.into_iter().for_each(|d| self.error(d)),
            other => {
                self.fatal.get_or_insert(other);
            }
        }
    }

    /// Makes every error a warning (what `--keep-going` goes on past); a fatal error stays.
    pub(crate) fn demote(&mut self) {
        for d in std::mem::take(&mut self.errors) {
            self.warning(d);
        }
    }

    /// Takes in everything `other` gathered.
    pub(crate) fn merge(&mut self, other: Collector) {
        other.errors.into_iter().for_each(|d| self.error(d));
        other.warnings.into_iter().for_each(|d| self.warning(d));
        if let Some(fatal) = other.fatal {
            self.fatal.get_or_insert(fatal);
        }
    }

    /// Orders errors and warnings as they appear: by file (in the order the files first come
    /// up), then line and column.
    pub(crate) fn sort(&mut self) {
        for list in [&mut self.errors, &mut self.warnings] {
            let mut files: Vec<String> = Vec::new();
            for d in list.iter() {
                if !files.contains(&d.file) {
                    files.push(d.file.clone());
                }
            }
            list.sort_by_key(|d| {
                let file = files.iter().position(|f| *f == d.file);
                (file, d.position.unwrap_or((0, 0)))
            });
        }
    }

    /// The warnings when there was no error; else every error, as one [`Error`].
    pub(crate) fn finish(self) -> Result<Vec<Diagnostic>> {
        if let Some(fatal) = self.fatal {
            return Err(fatal);
        }
        let mut errors = self.errors;
        match errors.len() {
            0 => Ok(self.warnings),
            1 => Err(Error::Spec(Box::new(errors.remove(0)))),
            _ => Err(Error::Specs(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_source_line_with_a_caret_under_the_column() {
        let d = Diagnostic::at(
            "spec.yaml",
            "a: 1\nchannel:\n  x: 1\n",
            (2, 1),
            "unknown field",
        )
        .with_pointer("/channel")
        .with_help("did you mean `channels`?");
        let text = d.to_string();
        assert!(text.starts_with("error: unknown field"), "{text}");
        assert!(text.contains("--> spec.yaml:2:1"), "{text}");
        assert!(text.contains("2 | channel:"), "{text}");
        assert!(text.contains("  | ^"), "{text}");
        assert!(text.contains("at /channel"), "{text}");
        assert!(text.contains("help: did you mean `channels`?"), "{text}");
        assert!(!text.contains('\u{1b}'), "plain by default: {text}");
        assert!(d.render(Severity::Warning, true).contains('\u{1b}'));
        assert!(d.render(Severity::Warning, false).starts_with("warning:"));
        assert_eq!(
            d.one_line(),
            "spec.yaml:2:1: unknown field (at /channel; did you mean `channels`?)"
        );
    }

    #[test]
    fn shows_a_related_place_and_long_lines() {
        let text = format!("x: {{a: 1,\n{}\n", "b".repeat(300));
        let d = Diagnostic::at("s.yaml", &text, (2, 290), "gave up here").with_related(Related {
            label: "the `{` opened here is never closed".into(),
            file: "s.yaml".into(),
            position: (1, 4),
            source_line: line_of(&text, 1),
        });
        let shown = d.to_string();
        assert!(shown.contains("s.yaml:2:290"), "{shown}");
        assert!(shown.contains("never closed"), "{shown}");
        assert!(shown.contains("1 | x: {a: 1,"), "{shown}");
        assert!(shown.lines().all(|l| l.chars().count() < 200), "{shown}");
    }

    #[test]
    fn a_collector_reports_every_error_or_the_warnings() {
        let mut all = Collector::default();
        all.warning(Diagnostic::file("a", "w"));
        assert_eq!(all.finish().unwrap().len(), 1);
        let mut all = Collector::default();
        all.error(Diagnostic::file("a", "one"));
        all.absorb(Diagnostic::file("a", "two").into());
        all.error(Diagnostic::file("a", "two"));
        let err = all.finish().unwrap_err();
        assert_eq!(err.diagnostics().len(), 2);
        let text = err.to_string();
        assert!(
            text.contains("error: one") && text.contains("error: two"),
            "{text}"
        );
        assert!(text.ends_with("the spec has 2 problems (above)"), "{text}");
    }
}
