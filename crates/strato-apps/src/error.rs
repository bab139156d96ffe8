//! Errors of loading and rendering an app package: each names the package file and where in it
//! (a line and column, a field path, or both) the problem is.

use std::fmt;

/// A package is invalid. Boxed, so results that carry it stay small; its fields (`file`, `at`,
/// `problem`) are read through `Deref`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PackageError(Box<PackageErrorDetails>);

/// `file` is the package file (`config.yaml`, `cluster.yaml.tmpl`, ...), `at` where in it,
/// `problem` what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}{at}: {problem}")]
pub struct PackageErrorDetails {
    pub file: String,
    pub at: Position,
    pub problem: Problem,
}

impl PackageError {
    pub fn new(file: impl Into<String>, at: Position, problem: Problem) -> Self {
        Self(Box::new(PackageErrorDetails { file: file.into(), at, problem }))
    }
}

impl std::ops::Deref for PackageError {
    type Target = PackageErrorDetails;
    fn deref(&self) -> &PackageErrorDetails {
        &self.0
    }
}

/// Where in a file: a line (1-based) and column, a field path (`roles[1].after[0]`), or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub path: Option<String>,
}

impl Position {
    pub fn none() -> Self {
        Self::default()
    }
    pub fn line(line: usize) -> Self {
        Self { line: Some(line), ..Self::default() }
    }
    pub fn path(path: impl Into<String>) -> Self {
        Self { path: Some(path.into()), ..Self::default() }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
            if let Some(column) = self.column {
                write!(f, " column {column}")?;
            }
        }
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        Ok(())
    }
}

/// What is wrong. Values quoted in messages are cut to a few dozen characters.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("cannot read it: {0}")]
    Io(#[source] std::io::Error),
    #[error("the package has no such file")]
    MissingFile,
    #[error("{0}")]
    Archive(String),
    #[error("{0}")]
    Yaml(String),
    #[error("template syntax error: {0}")]
    TemplateSyntax(String),
    #[error("undefined variable {0}")]
    UndefinedVariable(String),
    #[error("template error: {0}")]
    TemplateRender(String),
    #[error("required parameter {0:?} has no value")]
    MissingParameter(String),
    #[error("parameter {name:?} must be {expected}, got {got}")]
    WrongType { name: String, expected: String, got: String },
    #[error("parameter {name:?} is {value}, outside {range}")]
    OutOfRange { name: String, value: String, range: String },
    #[error("parameter {name:?} is {value:?}, not one of {allowed}")]
    NotAllowed { name: String, value: String, allowed: String },
    #[error("unknown parameter {0:?}")]
    UnknownParameter(String),
    #[error("duplicate parameter {0:?}")]
    DuplicateParameter(String),
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("roles are ordered in a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("count must be at least 1")]
    ZeroCount,
    #[error("duplicate role name {0:?}")]
    DuplicateRole(String),
    #[error("{0}")]
    Invalid(String),
}

/// At most `max` characters of `text`, for quoting outside input in messages.
pub(crate) fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}
