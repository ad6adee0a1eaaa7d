//! Billing plans. Webhooks are a premium feature of the `soar` plan.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An account's billing plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Starter,
    Grow,
    Soar,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Starter, Plan::Grow, Plan::Soar];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Grow => "grow",
            Plan::Soar => "soar",
        }
    }

    /// Whether accounts on this plan may add webhooks and have them import orders.
    pub fn allows_webhooks(self) -> bool {
        self == Plan::Soar
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a plan name that is not one of `starter`, `grow` or `soar`.
#[derive(Debug, thiserror::Error)]
#[error("unknown plan {0:?}: use one of starter, grow, soar")]
pub struct UnknownPlan(pub String);

impl FromStr for Plan {
    type Err = UnknownPlan;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Plan::ALL
            .into_iter()
            .find(|plan| plan.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownPlan(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_known_plans() {
        assert_eq!("soar".parse::<Plan>().unwrap(), Plan::Soar);
        assert_eq!(" Grow ".parse::<Plan>().unwrap(), Plan::Grow);
    }

    #[test]
    fn parse_names_the_unknown_plan() {
        let error = "gold".parse::<Plan>().unwrap_err();
        assert!(error.to_string().contains("\"gold\""));
    }

    #[test]
    fn only_soar_allows_webhooks() {
        assert!(Plan::Soar.allows_webhooks());
        assert!(!Plan::Grow.allows_webhooks());
        assert!(!Plan::Starter.allows_webhooks());
    }
}
