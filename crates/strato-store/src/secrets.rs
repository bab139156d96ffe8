//! Secrets at rest: AES-256-GCM under a master key that never lives in the database.
//!
//! The key comes from `STRATO_MASTER_KEY` (base64 of 32 bytes) or `<data-dir>/master.key`
//! (the same base64 text, created with mode 0600 on first start). A ciphertext is
//! `<key id>:<base64(nonce || ciphertext+tag)>`; the key id is the first 8 bytes (hex) of the
//! SHA-256 of the key, so a ciphertext says which key it needs.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{StoreError, StoreResult};

/// A secret value (password, token, credentials, key). Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }
    /// The secret itself; call only where it is really needed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString(s)
    }
}

/// Random URL-safe text with `bytes` bytes of entropy.
pub fn random_secret(bytes: usize) -> SecretString {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    SecretString(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// Hex SHA-256 (used to store token secrets as hashes).
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The AES-256 master key.
#[derive(Clone)]
pub struct MasterKey {
    id: String,
    key: Key<Aes256Gcm>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, ***)", self.id)
    }
}

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

impl MasterKey {
    pub fn generate() -> Self {
        Self::from_bytes(Aes256Gcm::generate_key(OsRng).into())
    }

    fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let id = hex::encode(&Sha256::digest(bytes)[..8]);
        MasterKey { id, key: bytes.into() }
    }

    /// Parses the base64 form (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> StoreResult<Self> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| StoreError::MasterKey("master key is not valid base64".into()))?;
        let bytes: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|v: Vec<u8>| StoreError::MasterKey(format!("master key must be {KEY_LEN} bytes, got {}", v.len())))?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn to_base64(&self) -> SecretString {
        SecretString(B64.encode(self.key.as_slice()))
    }

    /// First 8 bytes (hex) of the SHA-256 of the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn encrypt(&self, plaintext: &[u8]) -> StoreResult<String> {
        let cipher = Aes256Gcm::new(&self.key);
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plaintext)
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(format!("{}:{}", self.id, B64.encode(blob)))
    }

    pub fn decrypt(&self, ciphertext: &str) -> StoreResult<Vec<u8>> {
        let (key_id, body) = ciphertext
            .split_once(':')
            .ok_or_else(|| StoreError::Crypto("ciphertext has no key id".into()))?;
        if key_id != self.id {
            return Err(StoreError::Crypto(format!("ciphertext was written with key {key_id}, the current key is {}", self.id)));
        }
        let blob = B64.decode(body).map_err(|_| StoreError::Crypto("ciphertext is not base64".into()))?;
        if blob.len() < NONCE_LEN {
            return Err(StoreError::Crypto("ciphertext is too short".into()));
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        Aes256Gcm::new(&self.key)
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| StoreError::Crypto(format!("ciphertext does not authenticate under key {}", self.id)))
    }

    pub fn encrypt_secret(&self, secret: &SecretString) -> StoreResult<String> {
        self.encrypt(secret.expose().as_bytes())
    }

    pub fn decrypt_secret(&self, ciphertext: &str) -> StoreResult<SecretString> {
        let bytes = self.decrypt(ciphertext)?;
        String::from_utf8(bytes)
            .map(SecretString)
            .map_err(|_| StoreError::Crypto("decrypted secret is not UTF-8".into()))
    }
}

/// Key id recorded in a ciphertext (the part before the first `:`).
pub fn ciphertext_key_id(ciphertext: &str) -> Option<&str> {
    ciphertext.split_once(':').map(|(id, _)| id)
}

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum MasterKeySource {
    /// Base64 text given directly (from `STRATO_MASTER_KEY`).
    Inline(SecretString),
    /// A key file (`<data-dir>/master.key`), created on first start if missing.
    File(PathBuf),
}

/// Reads a key file.
pub fn read_key_file(path: &Path) -> StoreResult<MasterKey> {
    let text = std::fs::read_to_string(path).map_err(|e| StoreError::io(path, e))?;
    MasterKey::from_base64(&text).map_err(|e| StoreError::MasterKey(format!("{}: {e}", path.display())))
}

/// Writes a key file with mode 0600, flushed to disk. Fails if the file exists.
pub fn write_key_file(path: &Path, key: &MasterKey) -> StoreResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| StoreError::io(path, e))?;
    file.write_all(key.to_base64().expose().as_bytes())
        .and_then(|_| file.write_all(b"\n"))
        .and_then(|_| file.sync_all())
        .map_err(|e| StoreError::io(path, e))?;
    sync_parent(path);
    Ok(())
}

/// Makes a rename or create durable (best effort: some filesystems refuse to fsync directories).
pub(crate) fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = MasterKey::generate();
        let ct = key.encrypt(b"hello").unwrap();
        assert!(ct.starts_with(&format!("{}:", key.id())));
        assert_eq!(key.decrypt(&ct).unwrap(), b"hello");
        let other = MasterKey::generate();
        assert!(other.decrypt(&ct).is_err());
        let mut bad = ct.clone();
        bad.pop();
        bad.push(if ct.ends_with('A') { 'B' } else { 'A' });
        assert!(key.decrypt(&bad).is_err());
        let again = MasterKey::from_base64(key.to_base64().expose()).unwrap();
        assert_eq!(again.id(), key.id());
        assert_eq!(format!("{:?}", SecretString::new("pw")), "***");
        assert!(!format!("{key:?}").contains(key.to_base64().expose()));
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
    }
}
