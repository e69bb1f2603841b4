//! Stage 2: `$ref` resolution across the loaded files.
//!
//! A reference is resolved relative to the file that holds it (every [`Node`] knows its file),
//! and chains of references are followed to the first node that is not a reference; so are
//! references met along a JSON pointer, in any file. Cycles of either kind are errors. The place
//! a chain ends, its [`Loc`], is the identity of what it names: two refs to the same schema
//! yield the same Rust type.

use crate::error::{Diagnostic, Result};
use crate::source::node::{DocId, Node, Span};
use crate::source::pointer;
use crate::source::Sources;

/// A place in the spec: a file and a JSON pointer into it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// The file.
    pub doc: DocId,
    /// JSON pointer from the file's root (`""` is the root).
    pub pointer: String,
}

impl Loc {
    /// The root of `doc`.
    pub fn root(doc: DocId) -> Self {
        Loc {
            doc,
            pointer: String::new(),
        }
    }

    /// The location of child `token`.
    pub fn child(&self, token: &str) -> Loc {
        Loc {
            doc: self.doc,
            pointer: pointer::push(&self.pointer, token),
        }
    }

    /// The location as `#/a/b`, for diagnostics.
    pub fn fragment(&self) -> String {
        format!("#{}", self.pointer)
    }

    /// The last token of the pointer, unescaped.
    pub fn last_token(&self) -> Option<String> {
        pointer::unescape(self.pointer.rsplit('/').next()?).ok()
    }
}

/// The `$ref` string of `node`, if it is a reference object.
pub fn ref_of(node: &Node) -> Option<&str> {
    node.get("$ref").and_then(Node::as_str)
}

/// The empty schema a dangling reference names under `--keep-going`.
static EMPTY: Node = Node {
    value: crate::source::node::Value::Map(Vec::new()),
    span: Span {
        doc: DocId(0),
        line: 1,
        col: 1,
    },
};

/// How many references met along JSON pointers may be in progress at once (`#/a/b` where
/// `a` is a `$ref` whose own pointer passes through another one, ...): far beyond real
/// specs, and well within the stack.
const MAX_NESTED_LOOKUPS: usize = 128;

/// Why a reference does not resolve.
pub(crate) enum Failure {
    /// The reference is part of a cycle, whose members (targets) are listed.
    Cycle(Vec<Loc>, Box<Diagnostic>),
    /// The file it names was not loaded: missing, refused or broken, as the loader has
    /// already reported.
    Unloaded(Box<Diagnostic>),
    /// Anything else: no such location, a bad pointer, nesting too deep.
    Other(Box<Diagnostic>),
}

impl Failure {
    pub(crate) fn diagnostic(self) -> Diagnostic {
        match self {
            Failure::Cycle(_, d) | Failure::Unloaded(d) | Failure::Other(d) => *d,
        }
    }
}

impl Sources {
    /// Follows `node` while it is a `$ref`, returning the first non-reference node and where it is.
    pub fn resolve<'a>(&'a self, node: &'a Node, loc: Loc) -> Result<(&'a Node, Loc)> {
        match self.resolve_in(node, loc.clone(), &mut Vec::new()) {
            Ok(found) => Ok(found),
            // Under `--keep-going` a dangling reference (already a warning) is the empty
            // schema, at the reference's own place; a cycle stays an error.
            Err(Failure::Unloaded(_) | Failure::Other(_)) if self.keep_going => Ok((&EMPTY, loc)),
            Err(f) => Err(f.diagnostic().into()),
        }
    }

    /// The node one reference names, without following further references. References met
    /// on the way are followed (`#/channels/echo/messages/m` where `channels/echo` is a
    /// `$ref` to another file), as JSON Schema and AsyncAPI resolvers do.
    pub fn lookup<'a>(
        &'a self,
        from: DocId,
        reference: &str,
        span: Span,
    ) -> Result<(&'a Node, Loc)> {
        self.lookup_in(from, reference, span, &mut Vec::new())
            .map_err(|f| f.diagnostic().into())
    }

    pub(crate) fn resolve_in<'a>(
        &'a self,
        node: &'a Node,
        loc: Loc,
        active: &mut Vec<Loc>,
    ) -> Result<(&'a Node, Loc), Failure> {
        let mut current = (node, loc);
        let mut seen: Vec<Loc> = Vec::new();
        while let Some(reference) = ref_of(current.0) {
            let span = current.0.get("$ref").map_or(current.0.span, |r| r.span);
            let target = self.lookup_in(current.0.span.doc, reference, span, active)?;
            if seen.contains(&target.1) {
                let start = seen.iter().position(|l| *l == target.1).unwrap_or(0);
                let members = seen.split_off(start);
                let diagnostic = self
                    .diag(
                        span,
                        format!("`$ref: {reference}` is part of a cycle of references"),
                    )
                    .with_pointer(reference);
                return Err(Failure::Cycle(members, Box::new(diagnostic)));
            }
            seen.push(target.1.clone());
            current = target;
        }
        Ok(current)
    }

    /// [`Sources::lookup`], with the targets whose lookup is in progress (a target met again
    /// while it is being looked up is a cycle through pointers).
    pub(crate) fn lookup_in<'a>(
        &'a self,
        from: DocId,
        reference: &str,
        span: Span,
        active: &mut Vec<Loc>,
    ) -> Result<(&'a Node, Loc), Failure> {
        let fail = |message: String| {
            Failure::Other(Box::new(self.diag(span, message).with_pointer(reference)))
        };
        let file = reference.split('#').next().unwrap_or_default();
        let mut fragment = reference.split_once('#').map_or("", |(_, f)| f);
        // A schema's absolute `$id` names it: the fragment is relative to that schema.
        let mut base = String::new();
        let found = match self.find_id(file).filter(|_| !file.is_empty()) {
            Some((doc, at)) => {
                base = at.to_string();
                Some(doc)
            }
            None => self.doc_for_ref(from, reference),
        };
        let doc = found.ok_or_else(|| {
            Failure::Unloaded(Box::new(
                self.diag(span, format!("unresolvable `$ref: {reference}`"))
                    .with_pointer(reference),
            ))
        })?;
        let joined;
        if !base.is_empty() && (fragment.is_empty() || fragment.starts_with('/')) {
            joined = format!("{base}{fragment}");
            fragment = &joined;
        }
        // A plain name (`#address`) is an anchor: the schema that declares it.
        if !fragment.is_empty() && !fragment.starts_with('/') {
            fragment = self.doc(doc).anchor(fragment).ok_or_else(|| {
                fail(format!(
                    "unresolvable `$ref: {reference}`: no `$anchor: {fragment}` in {}",
                    self.doc(doc).display
                ))
            })?;
        }
        let tokens = pointer::tokens(fragment)
            .map_err(|e| fail(format!("invalid `$ref: {reference}`: {e}")))?;
        let wanted = Loc {
            doc,
            pointer: tokens
                .iter()
                .fold(String::new(), |p, t| pointer::push(&p, t)),
        };
        if active.contains(&wanted) {
            let diagnostic = self
                .diag(
                    span,
                    format!(
                        "`$ref: {reference}` is part of a cycle of references (through its own \
                         JSON pointer)"
                    ),
                )
                .with_pointer(reference);
            return Err(Failure::Cycle(active.clone(), Box::new(diagnostic)));
        }
        if active.len() >= MAX_NESTED_LOOKUPS {
            return Err(fail(format!(
                "`$ref: {reference}`: more than {MAX_NESTED_LOOKUPS} references met along \
                 JSON pointers, one inside the other"
            )));
        }
        active.push(wanted);
        let found = self.walk(doc, &tokens, reference, span, active);
        active.pop();
        found
    }

    /// Follows `tokens` from the root of `doc`; a reference object met before the last
    /// token is followed first, unless the token is one of its own keys.
    fn walk<'a>(
        &'a self,
        doc: DocId,
        tokens: &[String],
        reference: &str,
        span: Span,
        active: &mut Vec<Loc>,
    ) -> Result<(&'a Node, Loc), Failure> {
        let mut node = &self.doc(doc).root;
        let mut loc = Loc::root(doc);
        for (i, token) in tokens.iter().enumerate() {
            // Inside data (`enum`, `default`, examples) a `$ref` key is data too.
            if node.get(token).is_none()
                && ref_of(node).is_some()
                && !crate::source::is_data_at(&loc.pointer)
            {
                (node, loc) = self.resolve_in(node, loc, active)?;
            }
            let Some(next) = pointer::step(node, token) else {
                return Err(Failure::Other(Box::new(
                    self.missing(tokens, i, node, &loc, reference, span),
                )));
            };
            loc = loc.child(token);
            node = next;
        }
        Ok((node, loc))
    }

    /// The diagnostic for `reference` whose token `i` is not in `node` (at `loc`), with the
    /// nearest existing name when one is near.
    fn missing(
        &self,
        tokens: &[String],
        i: usize,
        node: &Node,
        loc: &Loc,
        reference: &str,
        span: Span,
    ) -> Diagnostic {
        let mut d = self
            .diag(
                span,
                format!(
                    "unresolvable `$ref: {reference}`: no such location in {}",
                    self.doc(loc.doc).display
                ),
            )
            .with_pointer(reference);
        let names: Vec<&str> = node
            .as_map()
            .map(|m| m.iter().map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default();
        if let Some(near) =
            crate::source::check::suggest::nearest(&tokens[i], names.iter().copied())
        {
            let fragment = tokens[..i]
                .iter()
                .map(String::as_str)
                .chain([near])
                .chain(tokens[i + 1..].iter().map(String::as_str))
                .fold(String::new(), |p, t| pointer::push(&p, t));
            // Keep the file part as written when the missing name is in the same file.
            let file = reference.split('#').next().unwrap_or_default();
            let fixed = if loc.pointer == pointer_of(&tokens[..i]) {
                format!("{file}#{fragment}")
            } else {
                format!("{file}#{fragment} (as `{near}` where the pointer met a `$ref`)")
            };
            d = d.with_help(format!("did you mean `{fixed}`?"));
        }
        d
    }
}

fn pointer_of(tokens: &[String]) -> String {
    tokens
        .iter()
        .fold(String::new(), |p, t| pointer::push(&p, t))
}
