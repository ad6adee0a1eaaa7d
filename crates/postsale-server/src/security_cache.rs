//! Opened security settings of webhooks, kept in memory between requests.
//!
//! A webhook's settings are stored sealed, and opening them (decrypting, then parsing the JSON)
//! cost about a tenth of ingress's CPU time when it was done for every request. The cache keeps
//! each webhook's opened settings next to the sealed text they came from. When it is handed
//! other sealed text, it opens that instead, so a change of settings counts from the first
//! request that reads the new text, as it did without the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use postsale_core::WebhookId;
use postsale_core::verify::SecurityConfig;

use crate::sealing::{SealingError, SealingKey};

/// The maximum number of webhooks whose settings are kept. Past it the cache starts again empty, which
/// only costs each webhook one more opening.
const MAX_ENTRIES: usize = 10_000;

/// The reason a webhook's settings could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Sealing(#[from] SealingError),
    #[error("the opened security settings are not valid: {0}")]
    Json(#[from] serde_json::Error),
}

/// Opened settings by webhook, each with the sealed text it was opened from.
#[derive(Debug, Default)]
pub struct SecurityCache {
    entries: Mutex<HashMap<WebhookId, (String, Arc<SecurityConfig>)>>,
}

impl SecurityCache {
    /// Returns the webhook's settings opened from `sealed`, from the cache when they were
    /// opened from the same text before.
    pub fn open(
        &self,
        key: &SealingKey,
        webhook_id: WebhookId,
        sealed: &str,
    ) -> Result<Arc<SecurityConfig>, OpenError> {
        if let Some((cached_sealed, config)) = self.lock().get(&webhook_id)
            && cached_sealed == sealed
        {
            return Ok(Arc::clone(config));
        }
        let config: Arc<SecurityConfig> = Arc::new(serde_json::from_str(&key.open(sealed)?)?);
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(webhook_id, (sealed.to_owned(), Arc::clone(&config)));
        Ok(config)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<WebhookId, (String, Arc<SecurityConfig>)>> {
        // The map is only read and replaced whole per entry, so a panic elsewhere cannot leave
        // it half-written.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use postsale_core::verify::Check;

    use super::*;

    fn sealed_settings(key: &SealingKey, header: &str) -> String {
        let json = format!(
            r#"{{"checks":[{{"type":"header_value","header":"{header}","value":"s3cret-value"}}]}}"#
        );
        key.seal(&json)
    }

    fn header_of(config: &SecurityConfig) -> String {
        match &config.checks[0] {
            Check::HeaderValue(check) => check.header.clone(),
            other => panic!("unexpected check {other:?}"),
        }
    }

    #[test]
    fn changed_settings_are_opened_again() {
        let key = SealingKey::from_bytes(&[7; 32]);
        let cache = SecurityCache::default();
        let first = sealed_settings(&key, "X-First");
        let second = sealed_settings(&key, "X-Second");

        let opened = cache.open(&key, WebhookId(1), &first).unwrap();
        assert_eq!(header_of(&opened), "X-First");
        let again = cache.open(&key, WebhookId(1), &first).unwrap();
        assert!(
            Arc::ptr_eq(&opened, &again),
            "the same text was opened twice"
        );

        let changed = cache.open(&key, WebhookId(1), &second).unwrap();
        assert_eq!(header_of(&changed), "X-Second");
        let other_webhook = cache.open(&key, WebhookId(2), &first).unwrap();
        assert_eq!(header_of(&other_webhook), "X-First");
    }

    #[test]
    fn text_sealed_with_another_key_is_refused() {
        let cache = SecurityCache::default();
        let sealed = sealed_settings(&SealingKey::from_bytes(&[7; 32]), "X-First");
        let error = cache
            .open(&SealingKey::from_bytes(&[8; 32]), WebhookId(1), &sealed)
            .unwrap_err();
        assert!(matches!(error, OpenError::Sealing(SealingError::Open)));
    }

    #[test]
    fn cache_starts_again_when_full() {
        let key = SealingKey::from_bytes(&[7; 32]);
        let cache = SecurityCache::default();
        let sealed = sealed_settings(&key, "X-First");
        for id in 0..=MAX_ENTRIES {
            cache
                .open(&key, WebhookId(i64::try_from(id).unwrap()), &sealed)
                .unwrap();
        }
        assert_eq!(cache.lock().len(), 1);
    }
}
