//! `tidings docs`: a browsable event catalog of one or more specs, as a static site.
//!
//! The site works from `file://` (relative links, no server): an index of every message with
//! client-side search, a page per message (its CloudEvents type, channels, who sends and who
//! receives it, the payload and headers as nested tables with types, required marks,
//! constraints and descriptions, every example, and its version family with what changed
//! between versions), a page per channel and per operation, and each payload's JSON Schema
//! as a file of its own. Pages come from Handlebars templates built in, each replaceable by a
//! file of the same name (`index.hbs`, `message.hbs`, `channel.hbs`, `operation.hbs`,
//! `head.hbs`, `foot.hbs`, `style.css`) in a folder of the user's.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use handlebars::Handlebars;
use serde::Serialize;
use serde_json::{json, Value};

use crate::compat::git::Step;
use crate::compat::{diff_entries, message_label, Effect, Mode};
use crate::error::{Diagnostic, Error, Result};
use crate::model::{Action, Catalog, MessageId, SchemaEntry};

/// The built-in Markdown templates, by name (`--format markdown`).
const MARKDOWN: &[(&str, &str)] = &[
    ("index", include_str!("templates/markdown/index.hbs")),
    ("message", include_str!("templates/markdown/message.hbs")),
    ("channel", include_str!("templates/markdown/channel.hbs")),
    (
        "operation",
        include_str!("templates/markdown/operation.hbs"),
    ),
];

/// The built-in HTML templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("head", include_str!("templates/head.hbs")),
    ("foot", include_str!("templates/foot.hbs")),
    ("index", include_str!("templates/index.hbs")),
    ("message", include_str!("templates/message.hbs")),
    ("channel", include_str!("templates/channel.hbs")),
    ("operation", include_str!("templates/operation.hbs")),
];

/// The built-in style sheet.
const STYLE: &str = include_str!("templates/style.css");

/// How many rows a schema table shows at most (a schema that large is read as raw JSON).
const MAX_ROWS: usize = 2_000;

/// How deep a schema table nests.
const MAX_DEPTH: usize = 12;

/// The files of a site: path relative to its folder, and contents.
#[derive(Debug, Default)]
pub struct Site {
    /// Every file, in the order written.
    pub files: Vec<(PathBuf, String)>,
}

impl Site {
    /// Writes every file under `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        for (path, text) in &self.files {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        Ok(())
    }
}

/// A spec on the index.
#[derive(Serialize)]
struct SpecView {
    name: String,
    kind: String,
    title: String,
    version: String,
    description: Option<String>,
    message_count: usize,
    channel_count: usize,
}

/// A link to a page.
#[derive(Serialize, Clone)]
struct Link {
    page: String,
    key: String,
    name: String,
    address: String,
    version: String,
    action: String,
}

/// One row of a schema table.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Row {
    /// The field's path (`lines[].sku`).
    pub field: String,
    /// How deep it nests (0 for the payload's own properties).
    pub depth: usize,
    /// Its JSON type (`string (date-time)`, `array`, `OrderLine`, ...).
    pub ty: String,
    /// Whether the enclosing object requires it.
    pub required: bool,
    /// Its constraints, as `keyword value` pairs.
    pub constraints: String,
    /// Its description.
    pub description: String,
}

/// A message on its page and in the index.
#[derive(Serialize)]
struct MessageView {
    spec: String,
    key: String,
    name: String,
    version: String,
    summary: String,
    description: String,
    content_type: String,
    deprecated: bool,
    tags: Vec<String>,
    page: String,
    schema: Option<String>,
    channels: Vec<Link>,
    senders: Vec<Link>,
    receivers: Vec<Link>,
    payload: Vec<Row>,
    headers: Vec<Row>,
    examples: Vec<Value>,
    versions: Vec<Value>,
    history: Vec<Value>,
    search: String,
}

/// Unique page names.
#[derive(Default)]
struct Slugs {
    taken: HashSet<String>,
}

impl Slugs {
    fn take(&mut self, parts: &[&str]) -> String {
        let mut base: String = parts
            .join("-")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        base = base.trim_matches('-').to_owned();
        if base.is_empty() {
            base = "page".into();
        }
        let mut slug = base.clone();
        let mut n = 1;
        while !self.taken.insert(slug.clone()) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        slug
    }
}

/// What the site is written as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// HTML pages with a style sheet and client-side search.
    #[default]
    Html,
    /// Markdown pages, for repositories that are browsed as Markdown.
    Markdown,
}

/// How a site is made.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    /// A folder of templates that replace the built-in ones of the same name.
    pub templates: Option<&'a Path>,
    /// For each catalog, in the same order, its spec's history
    /// ([`crate::compat::git::steps`]).
    pub histories: Option<&'a [Vec<Step>]>,
    /// HTML or Markdown.
    pub format: Format,
}

/// Markdown table cells: `|` escaped, one line, no raw HTML.
fn markdown_escape(text: &str) -> String {
    text.replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The site for `catalogs`.
pub fn site(catalogs: &[Catalog], options: &Options<'_>) -> Result<Site> {
    let templates = options.templates;
    let histories = options.histories;
    let markdown = options.format == Format::Markdown;
    let ext = if markdown { "md" } else { "html" };
    let mut hb = Handlebars::new();
    if markdown {
        hb.register_escape_fn(markdown_escape);
    } else {
        hb.register_escape_fn(handlebars::html_escape);
    }
    let mut style = STYLE.to_owned();
    let builtin = if markdown { MARKDOWN } else { TEMPLATES };
    for (name, text) in builtin {
        let own = templates.map(|dir| dir.join(format!("{name}.hbs")));
        let text = match own.filter(|p| p.is_file()) {
            Some(path) => read(&path)?,
            None => (*text).to_owned(),
        };
        hb.register_template_string(name, text)
            .map_err(|e| template_error(templates, name, &e.to_string()))?;
    }
    if let Some(path) = templates
        .map(|d| d.join("style.css"))
        .filter(|p| p.is_file())
    {
        style = read(&path)?;
    }

    let site_title = match catalogs {
        [one] => one.info.title.clone(),
        _ => "Event catalog".to_owned(),
    };
    let mut slugs = Slugs::default();
    // Pages first, so that every link can be made.
    let mut message_pages: Vec<HashMap<MessageId, String>> = Vec::new();
    let mut channel_pages: Vec<Vec<String>> = Vec::new();
    let mut operation_pages: Vec<Vec<String>> = Vec::new();
    for catalog in catalogs {
        let spec = crate::model::file_stem(&catalog.source_name);
        message_pages.push(
            (catalog.messages.iter().enumerate())
                .map(|(i, m)| {
                    let version = m.version.clone().unwrap_or_default();
                    (MessageId(i), slugs.take(&[&spec, &m.name, &version]))
                })
                .collect(),
        );
        channel_pages.push(
            (catalog.channels.iter())
                .map(|c| slugs.take(&[&spec, "channel", &c.key]))
                .collect(),
        );
        operation_pages.push(
            (catalog.operations.iter())
                .map(|o| slugs.take(&[&spec, "operation", &o.key]))
                .collect(),
        );
    }

    let all_specs = specs_of(catalogs);
    // A page below the index: what every page has, and its own `data` under `key`.
    let page = |name: &str, title: &str, key: &str, data: Value| -> Result<String> {
        let mut context = json!({
            "root": "../",
            "title": title,
            "site_title": site_title,
            "generator_version": env!("CARGO_PKG_VERSION"),
            "specs": all_specs,
        });
        context[key] = data;
        render(&hb, name, &context)
    };
    let mut site = Site::default();
    let mut index_messages = Vec::new();
    let mut index_channels = Vec::new();
    let mut index_operations = Vec::new();
    let mut specs = Vec::new();
    for (c, catalog) in catalogs.iter().enumerate() {
        let spec = catalog.source_name.clone();
        specs.push(SpecView {
            name: spec.clone(),
            kind: catalog.spec_kind.clone(),
            title: catalog.info.title.clone(),
            version: catalog.info.version.clone(),
            description: catalog.info.description.clone(),
            message_count: catalog.messages.len(),
            channel_count: catalog.channels.len(),
        });
        let message_link = |id: MessageId, root: &str| {
            let m = &catalog.messages[id.0];
            Link {
                page: format!("{root}messages/{}.{ext}", message_pages[c][&id]),
                key: m.key.clone(),
                name: m.name.clone(),
                address: String::new(),
                version: m.version.clone().unwrap_or_default(),
                action: String::new(),
            }
        };
        let channel_link = |i: usize, root: &str| {
            let ch = &catalog.channels[i];
            Link {
                page: format!("{root}channels/{}.{ext}", channel_pages[c][i]),
                key: ch.key.clone(),
                name: ch.key.clone(),
                address: ch.address.clone().unwrap_or_else(|| ch.key.clone()),
                version: String::new(),
                action: String::new(),
            }
        };
        let operation_link = |i: usize, root: &str| {
            let op = &catalog.operations[i];
            Link {
                page: format!("{root}operations/{}.{ext}", operation_pages[c][i]),
                key: op.key.clone(),
                name: op.key.clone(),
                address: (catalog.channels.get(op.channel.0))
                    .and_then(|ch| ch.address.clone())
                    .unwrap_or_default(),
                version: String::new(),
                action: action(op.action).into(),
            }
        };

        // Raw schemas, one per payload entry.
        let mut schema_files: HashMap<SchemaEntry, String> = HashMap::new();
        for m in &catalog.messages {
            if let Some(entry) = &m.payload_schema {
                if !schema_files.contains_key(entry) {
                    let slug = slugs.take(&[&crate::model::file_stem(&spec), "schema", &m.key]);
                    let text =
                        serde_json::to_string_pretty(&catalog.schema_document.standalone(entry))
                            .unwrap_or_default();
                    site.files
                        .push((PathBuf::from(format!("schemas/{slug}.json")), text + "\n"));
                    schema_files.insert(entry.clone(), slug);
                }
            }
        }

        for (i, m) in catalog.messages.iter().enumerate() {
            let id = MessageId(i);
            let senders_of = |wanted: Action, root: &str| -> Vec<Link> {
                (catalog.operations.iter().enumerate())
                    .filter(|(_, op)| op.action == wanted && op.messages.contains(&id))
                    .map(|(o, _)| operation_link(o, root))
                    .collect()
            };
            let channels: Vec<usize> = (catalog.channels.iter().enumerate())
                .filter(|(_, ch)| ch.messages.contains(&id))
                .map(|(i, _)| i)
                .collect();
            let document = &catalog.schema_document;
            let payload = m
                .payload_schema
                .as_ref()
                .map(|e| rows(&document.document, document.get(e)))
                .unwrap_or_default();
            let headers = m
                .headers_schema
                .as_ref()
                .map(|e| rows(&document.document, document.get(e)))
                .unwrap_or_default();
            let deprecated = m
                .payload_schema
                .as_ref()
                .and_then(|e| document.get(e).get("deprecated"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let examples = (m.examples.iter().enumerate())
                .map(|(n, e)| {
                    json!({
                        "name": e.name.clone().unwrap_or_else(|| format!("Example {}", n + 1)),
                        "payload": e.payload.as_ref().map(|p| serde_json::to_string_pretty(p).unwrap_or_default()),
                        "mismatch": e.payload_mismatch,
                    })
                })
                .collect();
            let view = |root: &str| MessageView {
                spec: spec.clone(),
                key: m.key.clone(),
                name: m.name.clone(),
                version: m.version.clone().unwrap_or_default(),
                summary: m
                    .summary
                    .clone()
                    .or_else(|| m.title.clone())
                    .unwrap_or_default(),
                description: m.description.clone().unwrap_or_default(),
                content_type: m.content_type.clone(),
                deprecated,
                tags: m.tags.clone(),
                page: format!("{root}messages/{}.{ext}", message_pages[c][&id]),
                schema: (m.payload_schema.as_ref())
                    .and_then(|e| schema_files.get(e))
                    .map(|slug| format!("{root}schemas/{slug}.json")),
                channels: channels.iter().map(|&i| channel_link(i, root)).collect(),
                senders: senders_of(Action::Send, root),
                receivers: senders_of(Action::Receive, root),
                payload: Vec::new(),
                headers: Vec::new(),
                examples: Vec::new(),
                versions: Vec::new(),
                history: Vec::new(),
                search: String::new(),
            };
            let mut index_view = view("");
            index_view.search = [
                m.name.as_str(),
                m.key.as_str(),
                m.version.as_deref().unwrap_or(""),
                index_view.summary.as_str(),
                spec.as_str(),
            ]
            .into_iter()
            .chain(index_view.channels.iter().map(|l| l.address.as_str()))
            .chain(index_view.senders.iter().map(|l| l.key.as_str()))
            .chain(index_view.receivers.iter().map(|l| l.key.as_str()))
            .chain(m.tags.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
            index_messages.push(index_view);

            let mut view_page = view("../");
            view_page.payload = payload;
            view_page.headers = headers;
            view_page.examples = examples;
            view_page.versions = versions(catalog, id, |id| message_link(id, "../"));
            if let Some(steps) = histories.and_then(|h| h.get(c)) {
                view_page.history = history(steps, m);
            }
            let html = page(
                "message",
                &m.name,
                "message",
                serde_json::to_value(view_page).unwrap_or_default(),
            )?;
            site.files.push((
                PathBuf::from(format!("messages/{}.{ext}", message_pages[c][&id])),
                html,
            ));
        }

        for (i, ch) in catalog.channels.iter().enumerate() {
            let link = channel_link(i, "");
            index_channels
                .push(json!({ "page": link.page, "address": link.address, "spec": spec }));
            let parameters: Vec<Value> = (ch.parameters.iter())
                .map(|p| {
                    json!({
                        "name": p.name,
                        "allowed": p.allowed.join(", "),
                        "description": p.description.clone().unwrap_or_default(),
                    })
                })
                .collect();
            let operations: Vec<Link> = (catalog.operations.iter().enumerate())
                .filter(|(_, op)| op.channel.0 == i)
                .map(|(o, _)| operation_link(o, "../"))
                .collect();
            let html = page(
                "channel",
                &link.address,
                "channel",
                json!({
                    "key": ch.key,
                    "address": link.address,
                    "description": ch.description,
                    "spec": spec,
                    "parameters": parameters,
                    "messages": ch.messages.iter().map(|&id| message_link(id, "../")).collect::<Vec<_>>(),
                    "operations": operations,
                }),
            )?;
            site.files.push((
                PathBuf::from(format!("channels/{}.{ext}", channel_pages[c][i])),
                html,
            ));
        }

        for (o, op) in catalog.operations.iter().enumerate() {
            let link = operation_link(o, "");
            index_operations.push(json!({
                "page": link.page, "key": op.key, "action": link.action,
                "address": link.address, "spec": spec,
            }));
            let reply: Vec<Link> = (op.reply.iter())
                .flat_map(|r| r.messages.iter().map(|&id| message_link(id, "../")))
                .collect();
            let html = page(
                "operation",
                &op.key,
                "operation",
                json!({
                    "key": op.key,
                    "action": link.action,
                    "summary": op.summary,
                    "spec": spec,
                    "channel": (op.channel.0 < catalog.channels.len())
                        .then(|| channel_link(op.channel.0, "../")),
                    "messages": op.messages.iter().map(|&id| message_link(id, "../")).collect::<Vec<_>>(),
                    "reply": reply,
                }),
            )?;
            site.files.push((
                PathBuf::from(format!("operations/{}.{ext}", operation_pages[c][o])),
                html,
            ));
        }
    }
    let index = render(
        &hb,
        "index",
        &json!({
            "root": "",
            "title": "Index",
            "site_title": site_title,
            "generator_version": env!("CARGO_PKG_VERSION"),
            "specs": specs,
            "messages": index_messages,
            "channels": index_channels,
            "operations": index_operations,
        }),
    )?;
    site.files
        .insert(0, (PathBuf::from(format!("index.{ext}")), index));
    if !markdown {
        site.files.push((PathBuf::from("style.css"), style));
    }
    Ok(site)
}

fn specs_of(catalogs: &[Catalog]) -> Vec<Value> {
    catalogs
        .iter()
        .map(|c| json!({ "name": c.source_name, "kind": c.spec_kind }))
        .collect()
}

fn action(action: Action) -> &'static str {
    match action {
        Action::Send => "send",
        Action::Receive => "receive",
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        Error::Spec(Box::new(Diagnostic::file(
            path.display().to_string(),
            format!("cannot read the template: {e}"),
        )))
    })
}

fn template_error(dir: Option<&Path>, name: &str, message: &str) -> Error {
    let file = match dir {
        Some(dir) if dir.join(format!("{name}.hbs")).is_file() => {
            dir.join(format!("{name}.hbs")).display().to_string()
        }
        _ => format!("built-in template {name}.hbs"),
    };
    Error::Spec(Box::new(Diagnostic::file(
        file,
        format!("the template does not parse: {message}"),
    )))
}

fn render(hb: &Handlebars<'_>, name: &str, data: &Value) -> Result<String> {
    hb.render(name, data)
        .map_err(|e| template_error(None, name, &e.to_string()))
}

/// The version family of message `id`, oldest first: each member with its link, and what
/// changed from the member before it (the schema-evolution checker's rules).
fn versions(catalog: &Catalog, id: MessageId, link: impl Fn(MessageId) -> Link) -> Vec<Value> {
    let Some(family) = catalog
        .families
        .iter()
        .find(|f| f.newest == id || f.older.contains(&id))
    else {
        return Vec::new();
    };
    let members: Vec<MessageId> = family
        .older
        .iter()
        .copied()
        .chain([family.newest])
        .collect();
    let options = crate::compat::Options {
        mode: Mode::Full,
        strict: false,
    };
    let mut out = Vec::new();
    for (n, &member) in members.iter().enumerate() {
        let m = &catalog.messages[member.0];
        let changes: Vec<Value> = match (n.checked_sub(1).map(|p| members[p]), &m.payload_schema) {
            (Some(previous), Some(new)) => match &catalog.messages[previous.0].payload_schema {
                Some(old) => diff_entries(catalog, old, new, "", &options)
                    .into_iter()
                    .map(|c| {
                        json!({
                            "rule": c.rule,
                            "path": if c.path.is_empty() { "/".into() } else { c.path },
                            "old": c.old,
                            "new": c.new,
                            "effect": effect(c.effect),
                        })
                    })
                    .collect(),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let l = link(member);
        out.push(json!({
            "version": if l.version.is_empty() { "(no version)".into() } else { l.version },
            "page": l.page,
            "current": member == id,
            "changes": changes,
        }));
    }
    out
}

/// The steps of a spec's history that touched message `m`: when it appeared, and each change
/// with the checker's verdict.
fn history(steps: &[Step], m: &crate::model::Message) -> Vec<Value> {
    let label = message_label(m);
    let mut out = Vec::new();
    for step in steps {
        let added = step
            .report
            .api
            .iter()
            .any(|c| c.rule == "message-added" && c.new.as_deref() == Some(label.as_str()));
        let changes: Vec<&crate::compat::Change> = step
            .report
            .messages
            .iter()
            .filter(|r| r.message == label)
            .flat_map(|r| r.changes.iter())
            .collect();
        if !added && changes.is_empty() {
            continue;
        }
        let backward = changes.iter().any(|c| c.fails(Mode::Backward));
        let forward = changes.iter().any(|c| c.fails(Mode::Forward));
        let verdict = match (added, backward, forward) {
            (true, _, _) => "added",
            (_, true, true) => "breaking both ways",
            (_, true, false) => "breaking backward (new readers refuse old data)",
            (_, false, true) => "breaking forward (old readers refuse new data)",
            _ => "compatible",
        };
        out.push(json!({
            "commit": step.commit,
            "date": step.date,
            "verdict": verdict,
            "breaking": backward || forward,
            "changes": changes.iter().map(|c| json!({
                "rule": c.rule,
                "path": c.path,
                "old": c.old,
                "new": c.new,
                "effect": effect(c.effect),
            })).collect::<Vec<_>>(),
        }));
    }
    out.reverse();
    out
}

fn effect(effect: Effect) -> &'static str {
    match effect {
        Effect::Compatible => "compatible",
        Effect::Widens => "widens: breaks forward",
        Effect::Narrows => "narrows: breaks backward",
        Effect::Breaks => "breaks both ways",
    }
}

/// The rows of the table of `schema` (inside `document`, where its `$ref`s point).
pub fn rows(document: &Value, schema: &Value) -> Vec<Row> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    children(document, schema, "", 0, &mut out, &mut stack);
    out
}

/// `schema` with `$ref`s followed (and what was followed, for the type's name).
fn resolve<'v>(document: &'v Value, mut schema: &'v Value) -> (&'v Value, Option<String>) {
    let mut name = None;
    for _ in 0..16 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = reference
            .strip_prefix('#')
            .and_then(|p| document.pointer(p))
        else {
            break;
        };
        name = reference.rsplit('/').next().map(str::to_owned);
        schema = target;
    }
    (schema, name)
}

/// Rows for the properties, items, values and branches of `schema`, at `prefix`.
fn children(
    document: &Value,
    schema: &Value,
    prefix: &str,
    depth: usize,
    out: &mut Vec<Row>,
    stack: &mut Vec<String>,
) {
    if depth > MAX_DEPTH || out.len() >= MAX_ROWS {
        return;
    }
    let (schema, name) = resolve(document, schema);
    if let Some(name) = &name {
        if stack.contains(name) {
            return;
        }
        stack.push(name.clone());
    }
    // `allOf` branches add their properties to the same object.
    let mut parts = vec![schema];
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        parts.extend(all.iter().map(|b| resolve(document, b).0));
    }
    let required: HashSet<&str> = parts
        .iter()
        .filter_map(|p| p.get("required").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for part in &parts {
        if let Some(properties) = part.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                let field = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                row(
                    document,
                    property,
                    &field,
                    depth,
                    required.contains(key.as_str()),
                    out,
                    stack,
                );
            }
        }
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        let field = format!("{prefix}[]");
        row(document, items, &field, depth, false, out, stack);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        let field = format!("{prefix}{{*}}");
        row(document, values, &field, depth, false, out, stack);
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(keyword).and_then(Value::as_array) {
            for (i, branch) in branches.iter().enumerate() {
                let field = format!(
                    "{prefix} ({} {})",
                    if keyword == "oneOf" {
                        "one of"
                    } else {
                        "any of"
                    },
                    i + 1
                );
                row(
                    document,
                    branch,
                    field.trim_start(),
                    depth,
                    false,
                    out,
                    stack,
                );
            }
        }
    }
    if name.is_some() {
        stack.pop();
    }
}

/// A row for the schema of `field`, then its children one level deeper.
fn row(
    document: &Value,
    schema: &Value,
    field: &str,
    depth: usize,
    required: bool,
    out: &mut Vec<Row>,
    stack: &mut Vec<String>,
) {
    let (target, name) = resolve(document, schema);
    let mut ty = type_of(target);
    if let Some(name) = &name {
        ty = format!("{name}: {ty}");
    }
    let description = [schema, target]
        .iter()
        .find_map(|s| s.get("description").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    out.push(Row {
        field: field.to_owned(),
        depth,
        ty,
        required,
        constraints: constraints(schema, target),
        description,
    });
    children(document, schema, field, depth + 1, out, stack);
}

/// `string (date-time)`, `integer | null`, `enum`, `object`, ...
fn type_of(schema: &Value) -> String {
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ if schema.get("enum").is_some() => "enum".into(),
        _ if schema.get("const").is_some() => "constant".into(),
        _ if schema.get("oneOf").is_some() => "one of".into(),
        _ if schema.get("anyOf").is_some() => "any of".into(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => "any".into(),
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base} ({format})"),
        None => base,
    }
}

/// The constraints of `schema` (and of the schema it references), as `keyword value`.
fn constraints(schema: &Value, target: &Value) -> String {
    const KEYWORDS: &[&str] = &[
        "minimum",
        "exclusiveMinimum",
        "maximum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "enum",
        "const",
        "default",
    ];
    let mut seen = BTreeMap::new();
    for s in [target, schema] {
        for &k in KEYWORDS {
            if let Some(v) = s.get(k) {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Array(values) if k == "enum" => {
                        let shown: Vec<String> =
                            values.iter().take(12).map(Value::to_string).collect();
                        let more = if values.len() > 12 { ", …" } else { "" };
                        format!("{}{more}", shown.join(", "))
                    }
                    other => other.to_string(),
                };
                seen.insert(KEYWORDS.iter().position(|x| *x == k), format!("{k} {text}"));
            }
        }
    }
    seen.into_values().collect::<Vec<_>>().join("; ")
}
