//! The one error type of the core. Every message names what was wrong, so that the CLI can print it
//! as one line and the wasm face can hand it to the page unchanged.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// The bytes are not a hubecon snapshot (not Arrow IPC, truncated, wrong magic, ...).
    #[error("not a readable snapshot: {0}")]
    NotArrow(String),
    /// A snapshot written by a newer hubecon.
    #[error("snapshot format version {found} is newer than this hubecon reads (up to {supported}); update hubecon")]
    NewerFormat { found: u32, supported: u32 },
    /// The schema lacks a column, or a column has the wrong type.
    #[error("snapshot schema: {0}")]
    Schema(String),
    /// Values that break the snapshot's invariants (index out of range, cycle, offsets ...).
    #[error("snapshot data: {0}")]
    Invalid(String),
    /// An input file for `hubecon build` that cannot be used as it is.
    #[error("input {file}: {message}")]
    Input { file: String, message: String },
    /// An option with a bad name or value.
    #[error("option {name}: {message}")]
    Option { name: String, message: String },
    /// A view name nobody knows.
    #[error("unknown view '{0}'; known views: {1}")]
    UnknownView(String, String),
    /// A computation that cannot be done on this data (for example a regression with no rows).
    #[error("{0}")]
    Compute(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn option(name: &str, message: impl Into<String>) -> Self {
        Error::Option {
            name: name.to_string(),
            message: message.into(),
        }
    }
    pub fn input(file: &str, message: impl Into<String>) -> Self {
        Error::Input {
            file: file.to_string(),
            message: message.into(),
        }
    }
}
