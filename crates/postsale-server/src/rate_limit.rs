//! Per-webhook rate limiting with token buckets in process memory.
//!
//! Each webhook has two buckets of the same size, one per [`Budget`]. Requests that pass the
//! webhook's security checks take from one, and requests that fail them take from the other.
//! A flood of unsigned requests thus cannot use up the budget of the real sales channel.
//!
//! Each process limits on its own, so with several instances behind a load balancer the
//! effective limit is the per-process limit times the number of instances.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use postsale_core::WebhookId;

/// The bucket contains this many seconds of the per-minute rate, so short bursts pass.
const BURST_SECONDS: u64 = 10;

/// Buckets untouched this long are dropped when the map is swept.
const IDLE_AFTER: Duration = Duration::from_secs(600);

/// The budget a request is counted against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Budget {
    /// Requests that passed every security check of the webhook.
    Verified,
    /// Requests that were rejected, and pings accepted without checks: anything a sender
    /// without the webhook's credentials can produce.
    Unverified,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets, one per webhook and budget.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(WebhookId, Budget), Bucket>>,
}

impl RateLimiter {
    /// Takes one token from the `budget` bucket of `webhook` at `per_minute`. Returns
    /// `Err(wait)` with the time until a token is free when the bucket is empty. A limit of 0
    /// never limits.
    pub fn check(
        &self,
        webhook: WebhookId,
        budget: Budget,
        per_minute: u32,
        now: Instant,
    ) -> Result<(), Duration> {
        if per_minute == 0 {
            return Ok(());
        }
        let rate_per_second = f64::from(per_minute) / 60.0;
        let capacity = (rate_per_second * BURST_SECONDS as f64).max(1.0);

        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, bucket| now.duration_since(bucket.updated) < IDLE_AFTER);
        }
        let bucket = buckets.entry((webhook, budget)).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate_per_second).min(capacity);
        bucket.updated = now;

        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - bucket.tokens;
            Err(Duration::from_secs_f64(missing / rate_per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIED: Budget = Budget::Verified;

    #[test]
    fn burst_then_limit_then_refill() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        let webhook = WebhookId(1);

        for _ in 0..10 {
            assert!(limiter.check(webhook, VERIFIED, 60, start).is_ok());
        }
        let wait = limiter.check(webhook, VERIFIED, 60, start).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");

        assert!(
            limiter
                .check(webhook, VERIFIED, 60, start + Duration::from_secs(1))
                .is_ok()
        );
    }

    #[test]
    fn webhooks_have_separate_buckets() {
        let limiter = RateLimiter::default();
        let now = Instant::now();
        for _ in 0..10 {
            limiter.check(WebhookId(1), VERIFIED, 60, now).unwrap();
        }

        assert!(limiter.check(WebhookId(1), VERIFIED, 60, now).is_err());
        assert!(limiter.check(WebhookId(2), VERIFIED, 60, now).is_ok());
    }

    #[test]
    fn unverified_budget_spares_verified() {
        let limiter = RateLimiter::default();
        let now = Instant::now();
        for _ in 0..10 {
            limiter
                .check(WebhookId(1), Budget::Unverified, 60, now)
                .unwrap();
        }

        assert!(
            limiter
                .check(WebhookId(1), Budget::Unverified, 60, now)
                .is_err()
        );
        assert!(limiter.check(WebhookId(1), VERIFIED, 60, now).is_ok());
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::default();
        let now = Instant::now();
        for _ in 0..1_000 {
            assert!(limiter.check(WebhookId(1), VERIFIED, 0, now).is_ok());
        }
    }
}
