//! Password hashing with argon2id, and the rules a new password must meet.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

/// The shortest password that `user create` accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The maximum password length, in bytes, so that the cost of hashing stays bounded.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The failure to hash a password.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Checks a new password against the length rules. Returns a message that states what to change.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password has {chars} characters: use at least {MIN_PASSWORD_CHARS}"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "the password has {} bytes: use at most {MAX_PASSWORD_BYTES}",
            password.len()
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id and a random 16-byte salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let mut salt = [0_u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|error| HashError(error.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| HashError(error.to_string()))
}

/// Checks a password against a stored PHC string. A hash that does not parse never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification without a user, so that an unknown email takes as long
/// to reject as a wrong password.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY
        .get_or_init(|| hash_password("postsale dummy password for timing").unwrap_or_default());
    let _ = verify_password(password, dummy);
}

/// Builds the argon2id hasher with the default cost of the `argon2` crate (0.5): 19 MiB of
/// memory, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();

        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterz", &hash));
    }

    #[test]
    fn same_password_gets_different_salts() {
        let first = hash_password("correct horse battery").unwrap();
        let second = hash_password("correct horse battery").unwrap();

        assert_ne!(first, second);
    }

    #[test]
    fn unparsable_hash_never_matches() {
        assert!(!verify_password("anything", "not a phc string"));
        assert!(!verify_password("", ""));
    }

    #[test]
    fn short_password_is_rejected() {
        let message = check_new_password("short").unwrap_err();

        assert!(message.contains("at least 10"), "{message}");
        assert!(check_new_password("long enough pass").is_ok());
    }
}
