//! The state of a store's webhook.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Whether a webhook only keeps requests, imports them, or turns them away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookState {
    /// No map yet: requests are kept as samples and imported once the webhook is active.
    Capturing,
    /// Requests are kept and imported through the store's map.
    Active,
    /// Requests are answered 423 and not kept.
    Disabled,
}

impl WebhookState {
    pub const ALL: [WebhookState; 3] = [
        WebhookState::Capturing,
        WebhookState::Active,
        WebhookState::Disabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookState::Capturing => "capturing",
            WebhookState::Active => "active",
            WebhookState::Disabled => "disabled",
        }
    }
}

impl fmt::Display for WebhookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a webhook state name that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("unknown webhook state {0:?}: use one of capturing, active, disabled")]
pub struct UnknownWebhookState(pub String);

impl FromStr for WebhookState {
    type Err = UnknownWebhookState;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        WebhookState::ALL
            .into_iter()
            .find(|state| state.as_str() == text.trim())
            .ok_or_else(|| UnknownWebhookState(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for state in WebhookState::ALL {
            assert_eq!(state.as_str().parse::<WebhookState>().unwrap(), state);
        }
        assert!("paused".parse::<WebhookState>().is_err());
    }
}
