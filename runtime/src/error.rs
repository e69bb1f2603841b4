//! What goes wrong when a payload does not fit its message: [`DecodeError`].

/// Why a payload could not be decoded into its message type.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// No message of the catalog is known by this name.
    #[error("unknown message `{name}`")]
    UnknownMessage {
        /// The name that was asked for.
        name: String,
    },
    /// The payload is not JSON: bad syntax, truncated input, invalid UTF-8, or nesting too deep.
    #[error("payload is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// Line of the offending byte, from 1.
        line: usize,
        /// Column of the offending byte, from 1 (0 when the error is at the start of a line).
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The payload is JSON but does not have the shape of the message: a missing field, a value
    /// of the wrong type, an unknown enum variant, a number out of range.
    #[error("payload does not fit the message at {}: {message}", crate::json::describe_pointer(.path))]
    Shape {
        /// JSON pointer to the offending value (`/parcels/0/weightGrams`; `""` for the root).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The payload has the right shape but breaks constraints of the spec; every violation
    /// is listed, each with its JSON pointer and keyword.
    #[error("payload breaks constraints of the message: {0}")]
    Invalid(crate::validate::ValidationErrors),
}
