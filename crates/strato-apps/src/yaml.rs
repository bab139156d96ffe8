//! Reading a package's YAML documents into typed structs (which deny unknown keys), with errors
//! that name the file, the line and column, and the field path.

use serde::de::DeserializeOwned;

use crate::error::{PackageError, Position, Problem};

/// Parses `text` (the content of `file`) as a `T`.
pub(crate) fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, PackageError> {
    let deserializer = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let location = inner.location();
        let at = Position {
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            path: (path != ".").then_some(path),
        };
        PackageError::new(file, at, Problem::Yaml(without_location(&inner.to_string())))
    })
}

/// serde_norway appends " at line L column C" to its messages; the position is reported apart.
fn without_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        size: u32,
    }

    #[test]
    fn errors_name_line_and_path() {
        let text = "items:\n  - name: a\n    size: 1\n  - name: b\n    size: big\n";
        let error = parse::<Doc>("x.yaml", text).unwrap_err();
        assert_eq!(error.file, "x.yaml");
        assert_eq!(error.at.line, Some(5));
        assert_eq!(error.at.path.as_deref(), Some("items[1].size"));
        let message = error.to_string();
        assert!(message.starts_with("x.yaml line 5"), "{message}");
        assert!(!message.contains(" at line "), "{message}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = "items:\n  - name: a\n    size: 1\n    colour: red\n";
        let error = parse::<Doc>("x.yaml", text).unwrap_err();
        assert!(error.to_string().contains("unknown field `colour`"), "{error}");
        assert_eq!(error.at.line, Some(4));
    }
}
