//! Integration tests for herald live in `tests/`.
