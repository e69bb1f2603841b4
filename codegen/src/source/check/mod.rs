//! Checks of a loaded spec before the model is built, every problem gathered.
//!
//! Two passes over what [`crate::load`] read: every `$ref` is resolved ([`refs`]), and the
//! document's structure is compared with what its AsyncAPI version allows ([`document`],
//! driven by the tables of [`fields`]; schemas by [`schema`]). A key the version does not
//! know is an error in AsyncAPI objects (which take only `x-` extensions beyond their fixed
//! fields) and, when it is a near miss of a known keyword, a warning in schemas (JSON Schema
//! is open to other keywords); a value of the wrong type is an error. Both suggest the name
//! meant ([`suggest`]).

mod document;
mod fields;
mod schema;
pub(crate) mod suggest;

use std::collections::HashSet;

use crate::error::Collector;
use crate::source::resolve::{Failure, Loc};
use crate::source::{DocKind, Sources};

/// An AsyncAPI version, major and minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Version(pub(crate) u32, pub(crate) u32);

/// Runs every check on `src`, into `out`.
/// Problems of references go to `dangling` (warnings under `--keep-going`).
pub(crate) fn spec(src: &Sources, out: &mut Collector, dangling: &mut Collector) {
    match src.kind() {
        Ok(DocKind::AsyncApi {
            major,
            minor,
            version,
        }) => document::check(src, Version(major, minor), &version, out),
        // OpenAPI objects and JSON Schema documents are checked while the model is built.
        Ok(DocKind::OpenApi { .. } | DocKind::JsonSchema { .. }) => {}
        Err(e) => out.absorb(e),
    }
    refs(src, dangling);
}

/// Resolves every `$ref` of every file (chains and cycles included); each that does not
/// resolve is an error, unless the loader already reported its file.
fn refs(src: &Sources, out: &mut Collector) {
    let mut cycles: HashSet<Vec<Loc>> = HashSet::new();
    for doc in src.doc_ids() {
        for (node, _) in src.refs_in(doc) {
            match src.resolve_in(node, Loc::root(doc), &mut Vec::new()) {
                Ok(_) => {}
                Err(Failure::Cycle(mut members, diagnostic)) => {
                    // One report per cycle, however many of its references lead into it.
                    members.sort();
                    if cycles.insert(members) {
                        out.error(*diagnostic);
                    }
                }
                Err(Failure::Unloaded(_)) => {}
                Err(Failure::Other(diagnostic)) => out.error(*diagnostic),
            }
        }
    }
}
