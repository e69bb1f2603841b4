//! Stage 1, the source: every file of a spec loaded, checked and resolvable, with positions.
//!
//! The output is [`Sources`]: the parsed files ([`node`], from `yaml` or `json`), the
//! structure checks' warnings (`check`) and `$ref` resolution over them (`resolve`,
//! following `pointer`s); the model reads nothing else.
//!
//! Files are loaded eagerly: the main file, then every file named by a `$ref` in it, and so on.
//! After loading, [`Sources`] is immutable, so later stages can hold plain references into it.
//! The policy lives here too: no file outside the root folder, no network unless allowed.
//!
//! Loading goes on past a broken file or reference, and ends with the checks of the
//! structure and of every reference, so that one run reports every problem it can find.

pub(crate) mod check;
pub(crate) mod json;
pub mod node;
pub(crate) mod pointer;
pub(crate) mod resolve;
pub(crate) mod vocabulary;
pub(crate) mod yaml;

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::error::{Collector, Diagnostic, Error, Related, Result};
use node::{DocId, Limits, Node, Span, Value};

/// How files may be loaded.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Allow `http://` and `https://` references (needs the `remote` feature).
    pub allow_remote: bool,
    /// Folder that referenced files must stay inside. By default, the enclosing repository:
    /// the nearest folder above the spec that holds `.git` (a folder, or a file as in
    /// worktrees and submodules); where there is none, the spec's own folder. Paths are
    /// compared after symbolic links are resolved, so a link cannot lead outside.
    pub root: Option<PathBuf>,
    /// Parser limits.
    pub limits: Limits,
    /// Strict JSON Schema typing: a schema without `type` becomes `serde_json::Value` (checked
    /// at run time) instead of a type inferred from its keywords, so no payload the schema
    /// allows is ever refused by the Rust type. Off by default: `properties` means an object.
    pub strict_json_schema: bool,
    /// Go on past `$ref`s that do not resolve (a missing file, location or anchor): each is
    /// a warning instead of an error, and resolves to the empty schema (any JSON value). Off
    /// by default: a dangling reference is an error.
    pub keep_going: bool,
    /// Bundle every named schema (OpenAPI `components/schemas`, a JSON Schema's
    /// `definitions` / `$defs`) on its own, into [`Catalog::schemas`](crate::Catalog), for
    /// `tidings diff` to compare them one by one. Off for generation: a bundle per schema
    /// costs time and memory in proportion to what each reaches. `tidings diff` turns it on.
    pub compare_named_schemas: bool,
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
    /// Where each mapping's keys are.
    keys: node::KeySpans,
    /// The JSON pointer of each `$anchor` (and `$id: "#name"`) in the file, and of each
    /// schema with an absolute `$id` (by that URI, without fragment), built on first use.
    anchors: std::sync::OnceLock<Anchors>,
}

/// Names a file gives its schemas: anchors and absolute ids, each with its pointer.
#[derive(Debug, Default)]
struct Anchors {
    anchors: HashMap<String, String>,
    ids: HashMap<String, String>,
}

impl Doc {
    /// The pointer of the schema that declares the plain-name fragment `name` (`$anchor`, or
    /// draft-07's `$id: "#name"`), outside data.
    pub fn anchor(&self, name: &str) -> Option<&str> {
        self.names().anchors.get(name).map(String::as_str)
    }

    /// The pointer of the schema whose `$id` is `uri` (absolute, without fragment).
    pub fn with_id(&self, uri: &str) -> Option<&str> {
        self.names().ids.get(uri).map(String::as_str)
    }

    fn names(&self) -> &Anchors {
        self.anchors.get_or_init(|| {
            let mut found = Anchors::default();
            collect_anchors(
                &self.root,
                Context::Keywords,
                &mut String::new(),
                &mut found,
            );
            found
        })
    }
}

/// Every `$anchor` and absolute `$id` under `node` (at `at`), with its pointer; the first one
/// of a name wins.
fn collect_anchors(node: &Node, context: Context, at: &mut String, out: &mut Anchors) {
    match &node.value {
        Value::Map(entries) => {
            if context == Context::Keywords {
                if let Some(id) = node.get("$id").and_then(Node::as_str) {
                    let uri = id.split('#').next().unwrap_or_default();
                    if uri.contains("://") || uri.starts_with("urn:") {
                        out.ids.entry(uri.to_string()).or_insert_with(|| at.clone());
                    }
                }
                let named = node.get("$anchor").and_then(Node::as_str).or_else(|| {
                    node.get("$id")
                        .and_then(Node::as_str)
                        .and_then(|id| id.strip_prefix('#'))
                });
                if let Some(name) = named.filter(|n| !n.is_empty() && !n.starts_with('/')) {
                    out.anchors
                        .entry(name.to_string())
                        .or_insert_with(|| at.clone());
                }
            }
            for (key, value) in entries {
                if let Some(child) = context.child(key) {
                    let mark = at.len();
                    at.push('/');
                    at.push_str(&pointer::escape(key));
                    collect_anchors(value, child, at, out);
                    at.truncate(mark);
                }
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let mark = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                collect_anchors(item, Context::Keywords, at, out);
                at.truncate(mark);
            }
        }
        _ => {}
    }
}

/// All files of one spec.
#[derive(Debug)]
pub struct Sources {
    docs: Vec<Doc>,
    by_path: HashMap<PathBuf, DocId>,
    root: Root,
    /// Files that could not be read or parsed (already reported once).
    failed: HashSet<PathBuf>,
    warnings: Vec<Diagnostic>,
    /// [`LoadOptions::keep_going`]: a reference that does not resolve names the empty schema.
    pub(crate) keep_going: bool,
}

/// The folder references must stay in, and why it is that one (for the refusal's wording).
#[derive(Debug)]
struct Root {
    dir: PathBuf,
    why: &'static str,
}

impl Root {
    /// `--root`, else the enclosing repository of `spec` (canonical), else its folder.
    fn of(spec: &Path, options: &LoadOptions) -> Result<Root> {
        if let Some(root) = &options.root {
            let dir = root.canonicalize().map_err(|e| Error::Io {
                path: root.clone(),
                source: e,
            })?;
            return Ok(Root {
                dir,
                why: "the root folder",
            });
        }
        let folder = spec
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        Ok(match repository_of(&folder) {
            Some(dir) => Root {
                dir,
                why: "the spec's repository",
            },
            None => Root {
                dir: folder,
                why: "the spec's folder (it is in no git repository)",
            },
        })
    }
}

/// The nearest folder from `folder` up that holds `.git` (a folder, or a file as in
/// worktrees and submodules).
pub fn repository_of(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
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
    /// OpenAPI 3.x with its minor version (3.2 is read where it is 3.1-compatible).
    OpenApi {
        /// Minor version (0, 1 or 2).
        minor: u32,
        /// The version as written.
        version: String,
    },
    /// A JSON Schema document: the root and every `definitions` / `$defs` entry are types.
    JsonSchema {
        /// The dialect named by the root's `$schema`.
        dialect: Dialect,
    },
}

/// The JSON Schema rules a document's schemas follow where the drafts differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Draft-07 and earlier (also AsyncAPI's schema object, and no `$schema` at all).
    Draft7,
    /// OpenAPI 3.0's schema object: draft-05 with `nullable`, boolean exclusive limits.
    OpenApi30,
    /// 2019-09.
    Draft2019,
    /// 2020-12 (OpenAPI 3.1's default dialect).
    Draft2020,
}

impl Dialect {
    /// The dialect a `$schema` URI names; draft-07 for anything older or unknown.
    pub fn of_uri(uri: &str) -> Dialect {
        if uri.contains("/draft/2020-12/") || uri.contains("/oas/3.1/dialect") {
            Dialect::Draft2020
        } else if uri.contains("/draft/2019-09/") {
            Dialect::Draft2019
        } else {
            Dialect::Draft7
        }
    }

    /// The `$schema` a bundled schema of this dialect declares, for the runtime evaluator.
    pub fn schema_uri(self) -> Option<&'static str> {
        match self {
            Dialect::Draft7 | Dialect::OpenApi30 => None,
            Dialect::Draft2019 => Some("https://json-schema.org/draft/2019-09/schema"),
            Dialect::Draft2020 => Some("https://json-schema.org/draft/2020-12/schema"),
        }
    }
}

impl DocKind {
    /// The dialect of the document's schemas (where a schema does not name its own).
    pub fn dialect(&self, root: &Node) -> Dialect {
        match self {
            DocKind::AsyncApi { .. } => Dialect::Draft7,
            DocKind::OpenApi { minor: 0, .. } => Dialect::OpenApi30,
            DocKind::OpenApi { .. } => root.get("jsonSchemaDialect").and_then(Node::as_str).map_or(
                Dialect::Draft2020,
                |uri| match Dialect::of_uri(uri) {
                    // An unknown dialect URI: 2020-12 rules, the nearest tidings knows.
                    Dialect::Draft7 if !uri.contains("draft-0") => Dialect::Draft2020,
                    d => d,
                },
            ),
            DocKind::JsonSchema { dialect } => *dialect,
        }
    }

    /// The kind as shown in the generated header: `AsyncAPI 3.0.0`, `OpenAPI 3.1.0`.
    pub fn shown(&self) -> String {
        match self {
            DocKind::AsyncApi { version, .. } => format!("AsyncAPI {version}"),
            DocKind::OpenApi { version, .. } => format!("OpenAPI {version}"),
            DocKind::JsonSchema { dialect } => match dialect {
                Dialect::Draft2020 => "JSON Schema 2020-12".into(),
                Dialect::Draft2019 => "JSON Schema 2019-09".into(),
                _ => "JSON Schema draft-07".into(),
            },
        }
    }
}

impl Sources {
    /// Loads `path` and, transitively, every file its `$ref`s name, then checks the whole:
    /// the structure its AsyncAPI version allows, and every `$ref`.
    /// Every problem found is in the error; warnings are kept ([`Sources::warnings`]).
    pub fn load(path: &Path, options: &LoadOptions) -> Result<Sources> {
        let display = display_name(path);
        let canonical = path.canonicalize().map_err(|e| {
            Error::from(Diagnostic::file(
                &display,
                format!("cannot read the spec: {e}"),
            ))
        })?;
        let mut sources = Sources {
            docs: Vec::new(),
            by_path: HashMap::new(),
            root: Root::of(&canonical, options)?,
            failed: HashSet::new(),
            warnings: Vec::new(),
            keep_going: options.keep_going,
        };
        let main = sources.read_file(&canonical, display, options.limits)?;
        let mut problems = Collector::default();
        // What the references' files and targets lack: errors, or warnings when going on.
        let mut dangling = Collector::default();
        let mut pending = vec![main];
        while let Some(doc) = pending.pop() {
            let mut refs = Vec::new();
            collect_refs(
                &sources.docs[doc.0 as usize].root,
                Context::Keywords,
                &mut refs,
            );
            let refs: Vec<(String, Span)> = refs
                .into_iter()
                .filter_map(|(node, span)| {
                    Some((crate::source::resolve::ref_of(node)?.to_string(), span))
                })
                .collect();
            for (target, span) in refs {
                match sources.load_target(doc, &target, span, options) {
                    Ok(Some(id)) => pending.push(id),
                    Ok(None) => {}
                    Err(e) => dangling.absorb(e),
                }
            }
        }
        crate::source::check::spec(&sources, &mut problems, &mut dangling);
        if options.keep_going {
            dangling.demote();
        }
        problems.merge(dangling);
        problems.sort();
        sources.warnings = problems.finish()?;
        Ok(sources)
    }

    /// What the checks found worth a warning (near-misses of schema keywords, ...).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Every `$ref` in `doc` outside data (examples, defaults, enums, constants), bindings
    /// and schemas of other languages: the node holding it, and the position of its value.
    pub fn refs_in(&self, doc: DocId) -> Vec<(&Node, Span)> {
        let mut refs = Vec::new();
        collect_refs(&self.doc(doc).root, Context::Keywords, &mut refs);
        refs
    }

    /// The ids of every loaded file.
    pub fn doc_ids(&self) -> impl Iterator<Item = DocId> {
        (0..self.docs.len() as u32).map(DocId)
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

    /// The file and pointer of the schema whose absolute `$id` is `uri`, in any loaded file.
    pub fn find_id(&self, uri: &str) -> Option<(DocId, &str)> {
        self.doc_ids()
            .find_map(|doc| Some((doc, self.doc(doc).with_id(uri)?)))
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

    /// Where the key `key` of the mapping `map` is (the value's position if unknown, as for
    /// keys merged in with `<<`).
    pub fn key_span(&self, map: &Node, key: &str) -> Span {
        let value = map.get(key).map_or(map.span, |v| v.span);
        self.doc(map.span.doc)
            .keys
            .get(&(map.span.line, map.span.col))
            .and_then(|keys| keys.iter().find(|(k, _)| k == key))
            .map_or(value, |(_, span)| *span)
    }

    /// A diagnostic located at `span`.
    pub fn diag(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        let doc = self.doc(span.doc);
        Diagnostic::at(&doc.display, &doc.text, (span.line, span.col), message)
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
                        "expected an AsyncAPI, OpenAPI or JSON Schema document (a mapping), found {}",
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
        if let Some(v) = root.get("swagger") {
            return Err(self
                .diag(
                    v.span,
                    "Swagger 2.0 is not supported: convert the document to OpenAPI 3 first \
                     (for example with `npx swagger2openapi spec.yaml -o spec3.yaml`)",
                )
                .into());
        }
        if let Some(v) = root.get("openapi") {
            let version = match &v.value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => {
                    return Err(self
                        .diag(v.span, "`openapi` must be a version string")
                        .into())
                }
            };
            let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
            return match (parts.next().flatten(), parts.next().flatten()) {
                (Some(3), Some(minor @ 0..=2)) => Ok(DocKind::OpenApi { minor, version }),
                (Some(2), _) => Err(self
                    .diag(
                        v.span,
                        format!(
                            "OpenAPI {version} is not supported: convert the document to \
                             OpenAPI 3 first (for example with `npx swagger2openapi`)"
                        ),
                    )
                    .into()),
                _ => Err(self
                    .diag(
                        v.span,
                        format!(
                            "OpenAPI {version} is not supported: tidings reads 3.0, 3.1 and 3.2"
                        ),
                    )
                    .into()),
            };
        }
        if let Some(uri) = root.get("$schema").and_then(Node::as_str) {
            return Ok(DocKind::JsonSchema {
                dialect: Dialect::of_uri(uri),
            });
        }
        if looks_like_schema(root) {
            return Ok(DocKind::JsonSchema {
                dialect: Dialect::Draft7,
            });
        }
        Err(self
            .diag(
                root.span,
                "not a document tidings reads: the root has no `asyncapi` or `openapi` version \
                 field, and is no JSON Schema (no `$schema`, `type`, `properties`, `definitions` \
                 or `$defs`)",
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
        let json = Path::new(display.split(['?', '#']).next().unwrap_or_default())
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let (root, keys) = node::parse_with_keys(&text, id, limits, json).map_err(|e| {
            let mut d = Diagnostic::at(&display, &text, (e.line, e.col), e.message);
            if let Some(opened) = e.opened {
                d = d.with_related(Related {
                    label: opened.label,
                    file: display.clone(),
                    position: (opened.line, opened.col),
                    source_line: crate::error::line_of(&text, opened.line),
                });
            }
            Error::from(d)
        })?;
        self.by_path.insert(path.clone(), id);
        self.docs.push(Doc {
            path,
            display,
            text,
            root,
            keys,
            anchors: std::sync::OnceLock::new(),
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
        if self.by_path.contains_key(&key) || self.failed.contains(&key) {
            return Ok(None);
        }
        let key_text = key.to_string_lossy().to_string();
        // A schema of a loaded file may carry that URI as its `$id`: nothing to fetch.
        if self.find_id(file).is_some() {
            return Ok(None);
        }
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
                .insert(key.clone(), key_text, text, id, options.limits)
                .map(Some)
                .inspect_err(|_| {
                    self.failed.insert(key);
                });
        }
        if !key.starts_with(&self.root.dir) {
            return Err(self
                .diag(
                    span,
                    format!(
                        "`$ref: {reference}` leaves {} {}",
                        self.root.why,
                        self.root.dir.display()
                    ),
                )
                .with_help(
                    "let references reach a wider folder with `--root DIR` \
                     (`Builder::root` in build.rs)",
                )
                .into());
        }
        if !key.exists() {
            let mut d = self.diag(
                span,
                format!(
                    "unresolvable `$ref: {reference}`: no such file {}",
                    key.display()
                ),
            );
            if let Some(near) = nearest_file(&key) {
                let file = reference.split('#').next().unwrap_or_default();
                let fixed = match file.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{near}"),
                    None => near,
                };
                d = d.with_help(format!("did you mean `{fixed}`?"));
            }
            return Err(d.into());
        }
        let display = display_name(&key);
        self.read_file(&key, display, options.limits)
            .map(Some)
            .inspect_err(|_| {
                self.failed.insert(key);
            })
    }
}

/// Whether a mapping without `$schema` reads as a JSON Schema document.
fn looks_like_schema(root: &Node) -> bool {
    [
        "type",
        "properties",
        "definitions",
        "$defs",
        "oneOf",
        "anyOf",
        "allOf",
        "$ref",
        "enum",
        "items",
    ]
    .iter()
    .any(|k| root.get(k).is_some())
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

/// What the keys of a mapping are: keywords (of a schema or an AsyncAPI object), or names
/// (of properties, definitions, channels, messages, ...), under which `enum` or `default` is
/// a name like any other, not data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Keywords,
    Names,
}

impl Context {
    /// The context of the value under `key` in a mapping of this context; `None` when the
    /// value is data (an example, a default, an enum or a constant).
    fn child(self, key: &str) -> Option<Context> {
        match self {
            Context::Names => Some(Context::Keywords),
            Context::Keywords if is_data_key(key) => None,
            Context::Keywords if is_names_key(key) => Some(Context::Names),
            Context::Keywords => Some(Context::Keywords),
        }
    }
}

/// Keywords whose value maps names to schemas or AsyncAPI objects.
fn is_names_key(key: &str) -> bool {
    // JSON Schema's maps of names (`properties`, `$defs`, `dependencies`, ...), then AsyncAPI's.
    matches!(
        vocabulary::kind(key),
        Some(vocabulary::Kind::SchemaMap | vocabulary::Kind::Dependencies)
    ) || matches!(
        key,
        "components"
            | "schemas"
            | "messages"
            | "channels"
            | "operations"
            | "servers"
            | "parameters"
            | "variables"
            | "serverVariables"
            | "correlationIds"
            | "securitySchemes"
            | "operationTraits"
            | "messageTraits"
            | "replies"
            | "replyAddresses"
            | "serverBindings"
            | "channelBindings"
            | "operationBindings"
            | "messageBindings"
            // OpenAPI's maps of names: a response under `default` is no default value.
            | "paths"
            | "webhooks"
            | "callbacks"
            | "responses"
            | "requestBodies"
            | "pathItems"
            | "content"
            | "encoding"
            | "links"
    )
}

/// Whether the keys of the mapping at `pointer` are keywords, where `pointer` runs from a
/// schema (or a document) root: under `/properties` they are property names; under
/// `/properties/enum` keywords again. `false` inside data (`/enum/0`).
pub fn keys_are_keywords(pointer: &str) -> bool {
    context_at(pointer) == Some(Context::Keywords)
}

/// Whether the node at `pointer` (from a document or schema root) is data, or inside it.
pub(crate) fn is_data_at(pointer: &str) -> bool {
    context_at(pointer).is_none()
}

/// The context of the mapping at `pointer`; `None` inside data.
fn context_at(pointer: &str) -> Option<Context> {
    let Ok(tokens) = crate::source::pointer::tokens(pointer) else {
        return Some(Context::Keywords);
    };
    tokens
        .iter()
        .try_fold(Context::Keywords, |context, token| context.child(token))
}

/// Collects the mappings that hold a `$ref` (with the position of its value), skipping
/// places where `$ref` is data (examples, defaults, enums, constants).
fn collect_refs<'a>(node: &'a Node, context: Context, out: &mut Vec<(&'a Node, Span)>) {
    match &node.value {
        Value::Map(entries) => {
            // A payload in another schema language (Avro, Protobuf, ...) is not resolved: its
            // references are that language's business, and tidings types it as a JSON value.
            let foreign = context == Context::Keywords
                && node
                    .get("schemaFormat")
                    .and_then(Node::as_str)
                    .is_some_and(|f| !is_json_schema_format(f));
            for (key, value) in entries {
                // Bindings are kept as written, never resolved (a Kafka key may be Avro).
                if context == Context::Keywords
                    && ((foreign && (key == "schema" || key == "payload")) || key == "bindings")
                {
                    continue;
                }
                // A whole map of names may be a reference too (`messages: {$ref: ...}`).
                if key == "$ref" {
                    if value.as_str().is_some() {
                        out.push((node, value.span));
                    }
                    continue;
                }
                if let Some(child) = context.child(key) {
                    collect_refs(value, child, out);
                }
            }
        }
        // Items of a list are what the list holds: schemas, messages, ... (data lists such as
        // `enum` never get here).
        Value::Seq(items) => items
            .iter()
            .for_each(|i| collect_refs(i, Context::Keywords, out)),
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

/// Keys whose values are literal data, never references, where keys are keywords (see
/// [`keys_are_keywords`]: a property named `default` is a schema).
pub fn is_data_key(key: &str) -> bool {
    // `value` holds an OpenAPI example object's data (a SCIM example may hold `$ref` keys).
    matches!(
        key,
        "examples" | "example" | "default" | "enum" | "const" | "value"
    )
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

/// The file in the folder of `missing` whose name is nearest to its name, if one is near.
fn nearest_file(missing: &Path) -> Option<String> {
    let name = missing.file_name()?.to_str()?;
    let dir = std::fs::read_dir(missing.parent()?).ok()?;
    let names: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    crate::source::check::suggest::nearest(name, names.iter().map(String::as_str))
        .map(str::to_string)
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
