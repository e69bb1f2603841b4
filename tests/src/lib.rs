//! Support for the workspace's integration tests: generated code, the corpus, programs, fuzzing.
//!
//! The integration tests for tidings live in `tests/`. This library holds the code generated from
//! `specs/` (by `build.rs`) that the benchmarks and fuzz tests exercise, and [`corpus`], the way
//! tests reach the external corpus; [`program`] builds generated code into a program that answers
//! `decode_message` verdicts, and [`fuzz`] draws schemas and payloads for it.

pub mod corpus;
pub mod fuzz;
pub mod program;

/// The NX monorepo catalog (`specs/nx-monorepo.yaml`).
pub mod nx {
    include!(concat!(env!("OUT_DIR"), "/nx-monorepo.rs"));
}

/// The order events (`specs/orders.yaml`).
pub mod orders {
    include!(concat!(env!("OUT_DIR"), "/orders.rs"));
}

/// The warehouse's pick events and its `system.error` (`specs/warehouse.yaml`).
pub mod warehouse {
    include!(concat!(env!("OUT_DIR"), "/warehouse.rs"));
}
