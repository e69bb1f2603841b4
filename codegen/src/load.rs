//! Stage 1: read the spec and every file it refers to, keeping source positions.
//!
//! Files are loaded eagerly: the main file, then every file named by a `$ref` in it, and so on.
//! After loading, [`Sources`] is immutable, so later stages can hold plain references into it.
//! The policy lives here too: no file outside the root folder, no network unless allowed.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use crate::node::{self, DocId, Limits, Node, Span, Value};

/// How files may be loaded.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Allow `http://` and `https://` references (needs the `remote` feature).
    pub allow_remote: bool,
    /// Folder that referenced files must stay inside; the main spec's folder by default.
    pub root: Option<PathBuf>,
    /// Parser limits.
    pub limits: Limits,
    /// Strict JSON Schema typing: a schema without `type` becomes `serde_json::Value` (checked
    /// at run time) instead of a type inferred from its keywords, so no payload the schema
    /// allows is ever refused by the Rust type. Off by default: `properties` means an object.
    pub strict_json_schema: bool,
}

/// One loaded file.
#[derive(Debug)]
pub struct Doc {
    /// Canonical path, or the URL for remote documents.
    pub path: PathBuf,
    /// The name shown in diagnostics.
    pub display: String,
    /// The text, kept for diagnostics.
    pub text: String,
    /// The parsed tree.
    pub root: Node,
}

/// All files of one spec.
#[derive(Debug)]
pub struct Sources {
    docs: Vec<Doc>,
    by_path: HashMap<PathBuf, DocId>,
    root_dir: PathBuf,
}

/// The kind of document the main file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// AsyncAPI with its major and minor version.
    AsyncApi {
        /// Major version (2 or 3).
        major: u32,
        /// Minor version.
        minor: u32,
        /// The version as written.
        version: String,
    },
}

impl Sources {
    /// Loads `path` and, transitively, every file its `$ref`s name.
    pub fn load(path: &Path, options: &LoadOptions) -> Result<Sources> {
        let display = display_name(path);
        let canonical = path.canonicalize().map_err(|e| {
            Error::from(Diagnostic::file(
                &display,
                format!("cannot read the spec: {e}"),
            ))
        })?;
        let root_dir = match &options.root {
            Some(root) => root.canonicalize().map_err(|e| Error::Io {
                path: root.clone(),
                source: e,
            })?,
            None => canonical
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("/")),
        };
        let mut sources = Sources {
            docs: Vec::new(),
            by_path: HashMap::new(),
            root_dir,
        };
        let main = sources.read_file(&canonical, display, options.limits)?;
        let mut pending = vec![main];
        while let Some(doc) = pending.pop() {
            let mut refs = Vec::new();
            collect_refs(&sources.docs[doc.0 as usize].root, false, &mut refs);
            for (target, span) in refs {
                if let Some(id) = sources.load_target(doc, &target, span, options)? {
                    pending.push(id);
                }
            }
        }
        Ok(sources)
    }

    /// The main file.
    pub fn main(&self) -> &Doc {
        &self.docs[0]
    }

    /// A file by id.
    pub fn doc(&self, id: DocId) -> &Doc {
        &self.docs[id.0 as usize]
    }

    /// Every file read, main file first.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.docs.iter().map(|d| d.path.as_path())
    }

    /// The file a `$ref`'s file part names, relative to `from`; `None` for `#...` refs.
    pub fn doc_for_ref(&self, from: DocId, reference: &str) -> Option<DocId> {
        let file = reference.split('#').next().unwrap_or_default();
        if file.is_empty() {
            return Some(from);
        }
        let key = self.target_key(from, file)?;
        self.by_path.get(&key).copied()
    }

    /// A diagnostic located at `span`.
    pub fn diag(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        let doc = self.doc(span.doc);
        Diagnostic {
            message: message.into(),
            file: doc.display.clone(),
            position: Some((span.line, span.col)),
            pointer: None,
            source_line: doc
                .text
                .lines()
                .nth(span.line.saturating_sub(1) as usize)
                .map(|l| l.trim_end().to_string()),
        }
    }

    /// Detects what kind of document the main file is.
    pub fn kind(&self) -> Result<DocKind> {
        let main = self.main();
        let root = &main.root;
        if root.as_map().is_none() {
            return Err(self
                .diag(
                    root.span,
                    format!(
                        "expected an AsyncAPI document (a mapping), found {}",
                        root.kind()
                    ),
                )
                .into());
        }
        if let Some(v) = root.get("asyncapi") {
            let version = match &v.value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => {
                    return Err(self
                        .diag(v.span, "`asyncapi` must be a version string")
                        .into())
                }
            };
            let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
            let (major, minor) = match (parts.next().flatten(), parts.next().flatten()) {
                (Some(major), Some(minor)) => (major, minor),
                _ => {
                    return Err(self
                        .diag(v.span, format!("`{version}` is not an AsyncAPI version"))
                        .into())
                }
            };
            return match (major, minor) {
                (2, 0..=6) | (3, 0..=1) => Ok(DocKind::AsyncApi {
                    major,
                    minor,
                    version,
                }),
                (1, _) => Err(self
                    .diag(
                        v.span,
                        format!(
                            "AsyncAPI {version} is not supported: tidings reads 2.0-2.6, 3.0 and 3.1 \
                             (convert it with `asyncapi convert`)"
                        ),
                    )
                    .into()),
                _ => Err(self
                    .diag(
                        v.span,
                        format!("AsyncAPI {version} is not supported: tidings reads 2.0-2.6, 3.0 and 3.1"),
                    )
                    .into()),
            };
        }
        if let Some(v) = root.get("openapi").or_else(|| root.get("swagger")) {
            return Err(self
                .diag(
                    v.span,
                    "OpenAPI documents are not supported yet: tidings generates code from AsyncAPI 2.0-3.1",
                )
                .into());
        }
        Err(self
            .diag(
                root.span,
                "not an AsyncAPI document: the root has no `asyncapi` version field",
            )
            .into())
    }

    fn read_file(&mut self, canonical: &Path, display: String, limits: Limits) -> Result<DocId> {
        let id = DocId(self.docs.len() as u32);
        let bytes = std::fs::read(canonical).map_err(|e| {
            Error::from(Diagnostic::file(
                &display,
                format!("cannot read the file: {e}"),
            ))
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::from(Diagnostic::file(&display, "the file is not valid UTF-8")))?;
        self.insert(canonical.to_path_buf(), display, text, id, limits)
    }

    fn insert(
        &mut self,
        path: PathBuf,
        display: String,
        text: String,
        id: DocId,
        limits: Limits,
    ) -> Result<DocId> {
        let root = node::parse(&text, id, limits).map_err(|e| {
            let source_line = text
                .lines()
                .nth(e.line.saturating_sub(1) as usize)
                .map(|l| l.trim_end().to_string());
            Error::from(Diagnostic {
                message: e.message,
                file: display.clone(),
                position: Some((e.line, e.col)),
                pointer: None,
                source_line,
            })
        })?;
        self.by_path.insert(path.clone(), id);
        self.docs.push(Doc {
            path,
            display,
            text,
            root,
        });
        Ok(id)
    }

    /// The map key of a file reference from `from`: a canonical path or a URL.
    fn target_key(&self, from: DocId, file: &str) -> Option<PathBuf> {
        if is_remote(file) {
            return Some(PathBuf::from(file));
        }
        let base = &self.doc(from).path;
        if is_remote(&base.to_string_lossy()) {
            return Some(PathBuf::from(join_url(&base.to_string_lossy(), file)));
        }
        let joined = base.parent()?.join(file);
        Some(joined.canonicalize().unwrap_or_else(|_| normalize(&joined)))
    }

    fn load_target(
        &mut self,
        from: DocId,
        reference: &str,
        span: Span,
        options: &LoadOptions,
    ) -> Result<Option<DocId>> {
        let file = reference.split('#').next().unwrap_or_default();
        if file.is_empty() {
            return Ok(None);
        }
        let Some(key) = self.target_key(from, file) else {
            return Err(self
                .diag(span, format!("cannot resolve `$ref: {reference}`"))
                .into());
        };
        if self.by_path.contains_key(&key) {
            return Ok(None);
        }
        let key_text = key.to_string_lossy().to_string();
        if is_remote(&key_text) {
            if !options.allow_remote {
                return Err(self
                    .diag(
                        span,
                        format!(
                            "remote reference `{reference}` refused: tidings does not fetch over the \
                             network unless allowed (`--allow-remote`, or `Builder::allow_remote(true)`)"
                        ),
                    )
                    .into());
            }
            let text = fetch_remote(&key_text).map_err(|e| {
                Error::from(self.diag(span, format!("cannot fetch `{reference}`: {e}")))
            })?;
            let id = DocId(self.docs.len() as u32);
            return self
                .insert(key, key_text, text, id, options.limits)
                .map(Some);
        }
        if !key.starts_with(&self.root_dir) {
            return Err(self
                .diag(
                    span,
                    format!(
                        "`$ref: {reference}` leaves the spec's root folder {} (allow a wider root with `--root`)",
                        self.root_dir.display()
                    ),
                )
                .into());
        }
        if !key.exists() {
            return Err(self
                .diag(
                    span,
                    format!(
                        "unresolvable `$ref: {reference}`: no such file {}",
                        key.display()
                    ),
                )
                .into());
        }
        let display = display_name(&key);
        self.read_file(&key, display, options.limits).map(Some)
    }
}

/// Whether a reference names a network location.
pub fn is_remote(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn join_url(base: &str, relative: &str) -> String {
    if is_remote(relative) {
        return relative.to_string();
    }
    match base.rfind('/') {
        Some(i) => format!("{}/{}", &base[..i], relative.trim_start_matches("./")),
        None => relative.to_string(),
    }
}

#[cfg(feature = "remote")]
fn fetch_remote(url: &str) -> std::result::Result<String, String> {
    let response = ureq::get(url).call().map_err(|e| e.to_string())?;
    response
        .into_body()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "remote"))]
fn fetch_remote(_url: &str) -> std::result::Result<String, String> {
    Err("tidings was built without the `remote` feature".into())
}

/// Collects `$ref` strings, skipping places where `$ref` is data (examples, defaults, enums).
fn collect_refs(node: &Node, in_data: bool, out: &mut Vec<(String, Span)>) {
    match &node.value {
        Value::Map(entries) => {
            // A payload in another schema language (Avro, Protobuf, ...) is not resolved: its
            // references are that language's business, and tidings types it as a JSON value.
            let foreign = node
                .get("schemaFormat")
                .and_then(Node::as_str)
                .is_some_and(|f| !is_json_schema_format(f));
            for (key, value) in entries {
                // Bindings are kept as written, never resolved (a Kafka key may be Avro).
                if (foreign && (key == "schema" || key == "payload")) || key == "bindings" {
                    continue;
                }
                if !in_data && key == "$ref" {
                    if let Some(target) = value.as_str() {
                        out.push((target.to_string(), value.span));
                    }
                    continue;
                }
                let data = in_data || is_data_key(key);
                collect_refs(value, data, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| collect_refs(i, in_data, out)),
        _ => {}
    }
}

/// Whether a `schemaFormat` names JSON Schema (or a dialect tidings reads as JSON Schema).
pub fn is_json_schema_format(format: &str) -> bool {
    let media = format
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media.starts_with("application/vnd.aai.asyncapi")
        || media == "application/schema+json"
        || media == "application/schema+yaml"
        || media.starts_with("application/vnd.oai.openapi")
}

/// Keys whose values are literal data, never references.
pub fn is_data_key(key: &str) -> bool {
    matches!(key, "examples" | "example" | "default" | "enum" | "const")
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A path as the user should read it: relative to the working directory when inside it.
pub fn display_name(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            let abs = path.canonicalize().ok()?;
            abs.strip_prefix(cwd.canonicalize().ok()?)
                .ok()
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    shown.to_string_lossy().replace('\\', "/")
}
