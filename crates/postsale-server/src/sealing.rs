//! Encryption at rest for webhook security settings, which carry passwords and HMAC secrets.
//!
//! Values are sealed with XChaCha20-Poly1305 under a 32-byte key. The key comes from
//! `POSTSALE_SECRET_KEY` (64 hex characters or base64) or, by default, from the file
//! `secret.key` in the data directory, created with mode 0600 on first start. Several
//! instances sharing one PostgreSQL database must be given the same key.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// Sealed values start with this, so a future key or cipher change can be told apart.
const VERSION: &str = "v1:";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
const KEY_FILE: &str = "secret.key";

/// A key that seals and opens values. Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct SealingKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(***)")
    }
}

/// Why a key could not be loaded or a value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error(
        "invalid POSTSALE_SECRET_KEY: it must be 32 bytes written as 64 hex characters or as \
         base64; generate one with `openssl rand -hex 32`"
    )]
    InvalidKey,
    #[error("cannot read or create the key file {path}")]
    KeyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the key file {path} does not hold a 32-byte key: restore it from a backup")]
    CorruptKeyFile { path: PathBuf },
    #[error(
        "a sealed value cannot be opened with this key: was POSTSALE_SECRET_KEY or the key file \
         changed?"
    )]
    Open,
}

impl SealingKey {
    /// Builds a key from 32 raw bytes.
    pub fn from_bytes(bytes: &[u8; KEY_BYTES]) -> SealingKey {
        SealingKey {
            cipher: XChaCha20Poly1305::new(Key::from_slice(bytes)),
        }
    }

    /// Parses a key written as 64 hex characters or as base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<SealingKey, SealingError> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .or_else(|| STANDARD.decode(text).ok())
            .ok_or(SealingError::InvalidKey)?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| SealingError::InvalidKey)?;
        Ok(SealingKey::from_bytes(&bytes))
    }

    /// Uses `configured` when given; otherwise reads `secret.key` in `data_dir`, creating it
    /// with a random key and mode 0600 when it does not exist.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> Result<SealingKey, SealingError> {
        if let Some(text) = configured {
            return SealingKey::parse(text);
        }
        let path = data_dir.join(KEY_FILE);
        let key_file_error = |source| SealingError::KeyFile {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => SealingKey::parse(&text)
                .map_err(|_| SealingError::CorruptKeyFile { path: path.clone() }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(key_file_error)?;
                let mut bytes = [0_u8; KEY_BYTES];
                rand::rng().fill_bytes(&mut bytes);
                write_private_file(&path, &hex::encode(bytes)).map_err(key_file_error)?;
                tracing::info!(path = %path.display(), "created a new secret key file; back it up with the database");
                Ok(SealingKey::from_bytes(&bytes))
            }
            Err(error) => Err(key_file_error(error)),
        }
    }

    /// Encrypts `plaintext` with a fresh random nonce.
    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0_u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("XChaCha20-Poly1305 encrypts any plaintext that fits in memory");
        format!(
            "{VERSION}{}:{}",
            STANDARD.encode(nonce),
            STANDARD.encode(ciphertext)
        )
    }

    /// Decrypts a value made by [`SealingKey::seal`].
    pub fn open(&self, sealed: &str) -> Result<String, SealingError> {
        let rest = sealed.strip_prefix(VERSION).ok_or(SealingError::Open)?;
        let (nonce, ciphertext) = rest.split_once(':').ok_or(SealingError::Open)?;
        let nonce = STANDARD.decode(nonce).map_err(|_| SealingError::Open)?;
        let ciphertext = STANDARD
            .decode(ciphertext)
            .map_err(|_| SealingError::Open)?;
        if nonce.len() != NONCE_BYTES {
            return Err(SealingError::Open);
        }
        let plaintext = self
            .cipher
            .decrypt(XNonce::from_slice(&nonce), ciphertext.as_slice())
            .map_err(|_| SealingError::Open)?;
        String::from_utf8(plaintext).map_err(|_| SealingError::Open)
    }
}

/// The text sealed in the database's key check record.
const KEY_CHECK_TEXT: &str = "postsale key check v1";

/// A failure of the key check at start.
#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    #[error(
        "the secret key does not match this database: {what} sealed with another key. \
         Give every process that uses this database the same POSTSALE_SECRET_KEY (or the same \
         secret.key file) as the process that created it; restore the key from a backup if it \
         was lost"
    )]
    Mismatch { what: &'static str },
    #[error("cannot read or write the key check record")]
    Database(#[from] postsale_store::StoreError),
}

/// Checks `key` against the database's key check record, writing the record on first start.
///
/// A database whose webhook secrets were sealed before the record existed is first checked
/// against its oldest webhook's sealed settings, so that the record is never written with a
/// key that cannot open the secrets already stored.
pub async fn verify_key(
    db: &postsale_store::Database,
    key: &SealingKey,
) -> Result<(), KeyCheckError> {
    use postsale_store::key_check;

    if key_check::read(db).await?.is_none() {
        if let Some(sealed) = key_check::oldest_sealed_secret(db).await? {
            key.open(&sealed).map_err(|_| KeyCheckError::Mismatch {
                what: "its stored webhook secrets were",
            })?;
        }
        key_check::insert_if_absent(db, &key.seal(KEY_CHECK_TEXT)).await?;
    }
    // Read again: another process may have written its record first.
    let sealed = key_check::read(db).await?.unwrap_or_default();
    match key.open(&sealed) {
        Ok(text) if text == KEY_CHECK_TEXT => Ok(()),
        _ => Err(KeyCheckError::Mismatch {
            what: "its key check record was",
        }),
    }
}

#[cfg(unix)]
fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips() {
        let key = SealingKey::from_bytes(&[7; 32]);
        let sealed = key.seal("shpss_secret");

        assert!(!sealed.contains("shpss_secret"));
        assert_eq!(key.open(&sealed).unwrap(), "shpss_secret");
    }

    #[test]
    fn open_with_other_key_fails() {
        let sealed = SealingKey::from_bytes(&[7; 32]).seal("value");

        let other = SealingKey::from_bytes(&[8; 32]);
        assert!(matches!(other.open(&sealed), Err(SealingError::Open)));
    }

    #[test]
    fn tampered_value_fails() {
        let key = SealingKey::from_bytes(&[7; 32]);
        let mut sealed = key.seal("value");
        // The last character is random, so replacing it with a fixed one left it unchanged
        // once in 64 runs.
        let last = sealed.pop().unwrap();
        sealed.push(if last == 'A' { 'B' } else { 'A' });

        assert!(key.open(&sealed).is_err());
    }

    #[test]
    fn parse_accepts_hex_and_base64() {
        assert!(SealingKey::parse(&"ab".repeat(32)).is_ok());
        assert!(SealingKey::parse(&STANDARD.encode([1_u8; 32])).is_ok());
        assert!(matches!(
            SealingKey::parse("short"),
            Err(SealingError::InvalidKey)
        ));
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("postsale-key-{}", rand::random::<u64>()));
        let first = SealingKey::load(None, &dir).unwrap();
        let sealed = first.seal("value");
        let second = SealingKey::load(None, &dir).unwrap();

        assert_eq!(second.open(&sealed).unwrap(), "value");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
