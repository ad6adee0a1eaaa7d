//! The local order status that postsale keeps beside the status the channel sent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A local order status. An order's status may also be blank, written `Option<OrderStatus>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    AwaitingPayment,
    AwaitingShipment,
    OnHold,
    PendingFulfillment,
    Shipped,
    Cancelled,
    Voided,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::AwaitingShipment,
        OrderStatus::OnHold,
        OrderStatus::PendingFulfillment,
        OrderStatus::Shipped,
        OrderStatus::Cancelled,
        OrderStatus::Voided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::AwaitingShipment => "awaiting_shipment",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::PendingFulfillment => "pending_fulfillment",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Voided => "voided",
        }
    }

    /// Returns whether an order with a shipment that is not voided cannot get this status by
    /// hand: cancelled and awaiting payment ship nothing, and voiding the last shipment sets
    /// voided.
    pub fn conflicts_with_labels(self) -> bool {
        matches!(
            self,
            OrderStatus::Cancelled | OrderStatus::AwaitingPayment | OrderStatus::Voided
        )
    }

    /// Whether an import may no longer change an order in this status.
    pub fn is_closed(self) -> bool {
        matches!(self, OrderStatus::Shipped | OrderStatus::Cancelled)
    }

    /// Returns whether an order in this status still waits for payment or fulfilment, as
    /// opposed to one that was shipped, cancelled or voided.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OrderStatus::AwaitingPayment
                | OrderStatus::AwaitingShipment
                | OrderStatus::OnHold
                | OrderStatus::PendingFulfillment
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a status name that postsale does not have.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown order status {0:?}: use one of awaiting_payment, awaiting_shipment, on_hold, \
     pending_fulfillment, shipped, cancelled, voided"
)]
pub struct UnknownStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text.trim())
            .ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>().unwrap(), status);
        }
    }

    #[test]
    fn open_statuses_precede_fulfilment() {
        let open: Vec<OrderStatus> = OrderStatus::ALL
            .into_iter()
            .filter(|status| status.is_open())
            .collect();
        assert_eq!(
            open,
            [
                OrderStatus::AwaitingPayment,
                OrderStatus::AwaitingShipment,
                OrderStatus::OnHold,
                OrderStatus::PendingFulfillment,
            ]
        );
    }

    #[test]
    fn shipped_and_cancelled_are_closed() {
        assert!(OrderStatus::Shipped.is_closed());
        assert!(OrderStatus::Cancelled.is_closed());
        assert!(!OrderStatus::AwaitingShipment.is_closed());
    }
}
