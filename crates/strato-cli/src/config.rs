//! The client config written by `strato login`: `$STRATO_CONFIG` or `~/.config/strato/config.json`
//! (mode 0600), holding the server URL and the token. STRATO_URL and STRATO_TOKEN override it.

use anyhow::{Context, Result};
use crate::ConfigError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use strato_client::{Token, DEFAULT_URL};

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where the config lives.
pub fn config_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("STRATO_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME")
                .filter(|p| !p.is_empty())
                .context(ConfigError::new("cannot find the config file: neither STRATO_CONFIG nor HOME is set".to_string()))?;
            PathBuf::from(home).join(".config")
        }
    };
    Ok(base.join("strato").join("config.json"))
}

/// Reads the config; a missing file is an empty config.
pub fn load(path: &Path) -> Result<ClientConfig> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| ConfigError::new(format!("config file {} is not valid JSON", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ClientConfig::default()),
        Err(e) => Err(e).with_context(|| ConfigError::new(format!("cannot read config file {}", path.display()))),
    }
}

/// Writes the config with mode 0600: to a new file beside it, then renamed over the old one, so
/// the token is never readable by others, not even for a moment.
pub fn save(path: &Path, config: &ClientConfig) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| ConfigError::new(format!("cannot create {}", dir.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("config.json"),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        let mut text = serde_json::to_vec_pretty(config).map_err(std::io::Error::other)?;
        text.push(b'\n');
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(e).context(ConfigError::new(format!("cannot write config file {}", path.display())))
    })
}

/// The server and credentials a command uses, after environment overrides.
#[derive(Debug)]
pub struct Connection {
    pub url: String,
    pub token: Option<Token>,
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// URL: STRATO_URL, else the config's, else the default. Token: STRATO_TOKEN, else the config's
/// token — but only when talking to the server it came from, so it is never sent elsewhere.
pub fn resolve(config: &ClientConfig) -> Connection {
    let env_url = env_value("STRATO_URL");
    let url = env_url.clone().or_else(|| config.url.clone()).unwrap_or_else(|| DEFAULT_URL.to_string());
    let token = match env_value("STRATO_TOKEN") {
        Some(token) => Some(Token::new(token)),
        None => {
            let same_server = config.url.as_deref().map(normalise) == Some(normalise(&url));
            config.token.clone().filter(|_| same_server).map(Token::new)
        }
    };
    Connection { url, token }
}

fn normalise(url: &str) -> &str {
    url.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_config_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/config.json");
        let config = ClientConfig {
            url: Some("http://127.0.0.1:1".into()),
            token: Some("tok-secret".into()),
            ..Default::default()
        };
        save(&path, &config).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load(&path).unwrap(), config);
        // Overwriting keeps the mode and leaves no temporary file behind.
        save(&path, &ClientConfig::default()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn missing_config_is_empty_and_debug_hides_token() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(&dir.path().join("none.json")).unwrap(), ClientConfig::default());
        let config = ClientConfig { token: Some("tok-secret".into()), ..Default::default() };
        assert!(!format!("{config:?}").contains("tok-secret"));
    }
}
