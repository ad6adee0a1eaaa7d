//! Typed ids, so that a store id can never be passed where an order id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }
    };
}

define_id!(
    /// An account: one tenant with its users, API keys and billing plan.
    AccountId
);
define_id!(
    /// A user who signs in to the web UI for one account.
    UserId
);
define_id!(
    /// An API key of an account.
    ApiKeyId
);
define_id!(
    /// A store: one webhook store connection of an account.
    StoreId
);
define_id!(
    /// The webhook of a store.
    WebhookId
);
define_id!(
    /// One HTTP request received at a webhook URL, accepted or rejected.
    RequestId
);
define_id!(
    /// An order, identified within its account by order source and order number.
    OrderId
);
define_id!(
    /// A shipment (a label) created for an order.
    ShipmentId
);
