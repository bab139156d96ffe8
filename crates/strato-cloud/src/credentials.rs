//! Account credentials: a map of named fields (as the API's `credentials` object carries them).
//! Every value is held as a secret: Debug and Display show field names only.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{CloudError, CloudResult};

/// A credential field a provider understands, so the CLI and API can ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialField {
    /// Key in the credentials object, e.g. `access_key_id`.
    pub name: &'static str,
    /// The provider's usual environment variable, e.g. `AWS_ACCESS_KEY_ID`.
    pub env: Option<&'static str>,
    pub required: bool,
    /// Secrets are never echoed (not even in `--help` defaults).
    pub secret: bool,
    pub help: &'static str,
}

#[derive(Clone, Default)]
pub struct Credentials {
    fields: BTreeMap<String, SecretString>,
}

impl Credentials {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.insert(name.into(), SecretString::from(value.into()));
    }

    /// The value of a field; callers must not log it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(|v| v.expose_secret())
    }

    /// The value of a required field, or an `unauthorized` error naming the missing field.
    pub fn require(&self, name: &str) -> CloudResult<&str> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(CloudError::unauthorized(format!("missing credential '{name}'"))),
        }
    }

    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("fields", &self.fields.keys().collect::<Vec<_>>()).finish()
    }
}

impl std::fmt::Display for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.field_names().collect();
        write!(f, "credentials [{}] (values hidden)", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_values() {
        let c = Credentials::new().with("access_key_id", "AKIAEXAMPLEKEY123456").with("secret_access_key", "s3cr3t-value");
        for text in [format!("{c:?}"), c.to_string(), format!("{c:#?}")] {
            assert!(!text.contains("s3cr3t-value"), "{text}");
            assert!(!text.contains("AKIAEXAMPLEKEY123456"), "{text}");
            assert!(text.contains("secret_access_key"), "{text}");
        }
        assert_eq!(c.get("secret_access_key"), Some("s3cr3t-value"));
    }

    #[test]
    fn require_names_the_missing_field() {
        let err = Credentials::new().require("secret_access_key").unwrap_err();
        assert!(err.to_string().contains("secret_access_key"));
    }
}
