//! Sinks: where an evaluation sends the violations it finds (all of them, or none and stop).

use super::MAX_DEPTH;
use crate::validate::{Pointer, ValidationErrors};

/// Where an evaluation sends what it finds: [`Report`] records every violation, [`Quiet`]
/// records nothing and lets the evaluation stop at the first. Evaluation is generic over the
/// sink, so the quiet one compiles to a plain yes/no walk.
pub(super) trait Sink {
    /// Whether violations are recorded (and evaluation goes on after the first).
    const REPORT: bool;
    /// Records a violation at the current pointer.
    fn push(&mut self, keyword: &'static str, message: String);
    /// Moves the pointer to an object member; returns the mark to [`leave`](Self::leave) to.
    fn enter_key(&mut self, key: &str) -> usize;
    /// Moves the pointer to an array item; returns the mark to [`leave`](Self::leave) to.
    fn enter_index(&mut self, index: usize) -> usize;
    /// Moves the pointer back to `mark`.
    fn leave(&mut self, mark: usize);
    /// Notes that evaluation went deeper than [`MAX_DEPTH`].
    fn too_deep(&mut self);

    /// Records a violation whose message is only built when it is recorded; always `false`.
    fn fail(&mut self, keyword: &'static str, message: impl FnOnce() -> String) -> bool {
        if Self::REPORT {
            self.push(keyword, message());
        }
        false
    }
}

/// Records every violation.
pub(super) struct Report<'a> {
    pub(super) at: &'a mut Pointer,
    pub(super) errors: &'a mut ValidationErrors,
}

impl Sink for Report<'_> {
    const REPORT: bool = true;

    fn push(&mut self, keyword: &'static str, message: String) {
        self.errors.push(self.at, keyword, message);
    }

    fn enter_key(&mut self, key: &str) -> usize {
        self.at.push_key(key)
    }

    fn enter_index(&mut self, index: usize) -> usize {
        self.at.push_index(index)
    }

    fn leave(&mut self, mark: usize) {
        self.at.truncate(mark);
    }

    fn too_deep(&mut self) {
        self.push(
            "$ref",
            format!("the value nests too deeply to check: more than {MAX_DEPTH} levels of schemas"),
        );
    }
}

/// Records only whether evaluation went too deep.
#[derive(Default)]
pub(super) struct Quiet {
    pub(super) too_deep: bool,
}

impl Sink for Quiet {
    const REPORT: bool = false;

    fn push(&mut self, _: &'static str, _: String) {}

    fn enter_key(&mut self, _: &str) -> usize {
        0
    }

    fn enter_index(&mut self, _: usize) -> usize {
        0
    }

    fn leave(&mut self, _: usize) {}

    fn too_deep(&mut self) {
        self.too_deep = true;
    }
}
