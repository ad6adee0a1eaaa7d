//! The normalized order: what a map makes of a request, and what the importer stores and shows.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::status::OrderStatus;
use crate::units::{Dimensions, Weight};

/// An order as postsale keeps it, identified within an account by `source` and `number`.
///
/// Every optional field is `None` when the map gives it no value. Equality compares every field,
/// so the importer can tell an `unchanged` import from an `updated` one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order source, for example `shopify`.
    pub source: String,
    /// The order number, never blank, `0` or `-1`.
    pub number: String,
    pub external_id: Option<String>,
    pub order_date: Option<Timestamp>,
    /// The channel's modification time, used to skip stale updates.
    pub updated_at: Option<Timestamp>,
    /// The status exactly as the channel sent it.
    pub channel_status: Option<String>,
    /// The local status, through the map's value map; blank when the map sets none.
    pub status: Option<OrderStatus>,
    /// The ISO 4217 currency code of every amount in the order.
    pub currency: Option<String>,
    pub customer: Customer,
    pub tags: Vec<String>,
    pub custom_field_1: Option<String>,
    pub custom_field_2: Option<String>,
    pub custom_field_3: Option<String>,
    pub order_url: Option<String>,
    pub ship_to: Option<Address>,
    pub bill_to: Option<Address>,
    pub lines: Vec<Line>,
    pub charges: Charges,
    pub notes: Notes,
    pub payment: Payment,
    pub shipment: ShipmentRequest,
}

/// A point in time as the channel sent it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamp {
    /// The instant, in UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub utc: OffsetDateTime,
    /// The UTC offset of the original value, or of the store's time zone when it had none,
    /// written `+05:30`.
    pub offset: String,
    /// The original value, exactly as sent (a number is kept as its digits).
    pub original: String,
    /// The time zone used to read a value that carried no offset; `None` when it had one.
    pub assumed_zone: Option<String>,
}

/// The buyer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A ship-to or bill-to address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub company: Option<String>,
    pub street1: Option<String>,
    pub street2: Option<String>,
    pub street3: Option<String>,
    pub city: Option<String>,
    /// A state or province code where the country has codes (`TX`, `ON`), else the text sent.
    pub state: Option<String>,
    /// Always text, so leading zeros stay.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub residential: Option<bool>,
}

/// One order line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub line_id: Option<String>,
    pub sku: Option<String>,
    pub name: String,
    /// A whole number, at least 1.
    pub quantity: u32,
    pub unit_price: Option<Decimal>,
    pub line_total: Option<Decimal>,
    pub tax: Option<Decimal>,
    pub discount: Option<Decimal>,
    pub weight: Option<Weight>,
    pub image_url: Option<String>,
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub options: Vec<LineOption>,
    pub upc: Option<String>,
    pub warehouse_location: Option<String>,
    pub requires_shipping: Option<bool>,
    pub hs_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_of_origin: Option<String>,
}

/// A name and value pair of a line, such as `Size: XL`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineOption {
    pub name: String,
    pub value: String,
}

/// Order-level amounts, in the order's currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charges {
    pub subtotal: Option<Decimal>,
    pub shipping: Option<Decimal>,
    pub tax: Option<Decimal>,
    /// The total discount, written as a positive amount.
    pub discount: Option<Decimal>,
    pub other_fees: Option<Decimal>,
    pub total: Option<Decimal>,
    pub amount_paid: Option<Decimal>,
    pub prices_include_tax: Option<bool>,
}

/// Notes and gift details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    pub customer: Option<String>,
    pub internal: Option<String>,
    pub gift: Option<bool>,
    pub gift_message: Option<String>,
}

/// How the order was paid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub date: Option<Timestamp>,
    pub method: Option<String>,
    pub status: Option<String>,
}

/// What the channel asked for the shipment of this order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentRequest {
    /// The shipping service the buyer chose, as free text.
    pub requested_service: Option<String>,
    /// A carrier code from postsale's catalogue, such as `usps`.
    pub carrier: Option<String>,
    /// A service code from postsale's catalogue, such as `usps_priority_mail`.
    pub service: Option<String>,
    /// A package code from postsale's catalogue, such as `parcel`.
    pub package: Option<String>,
    pub confirmation: Option<String>,
    pub weight: Option<Weight>,
    pub dimensions: Option<Dimensions>,
    pub insured_value: Option<Decimal>,
    pub ship_by: Option<Timestamp>,
    pub hold_until: Option<Timestamp>,
    pub international: International,
}

/// Customs details for international shipments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct International {
    /// `merchandise`, `gift`, `documents`, `sample` or `returned_goods`.
    pub contents: Option<String>,
    /// `return_to_sender` or `treat_as_abandoned`.
    pub non_delivery: Option<String>,
    /// `sender`, `recipient` or `third_party`.
    pub duties_paid_by: Option<String>,
}

/// One customs declaration line, derived from an order line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomsItem {
    pub description: String,
    pub quantity: u32,
    pub value: Option<Decimal>,
    pub hs_code: Option<String>,
    pub country_of_origin: Option<String>,
}

impl Order {
    /// Returns a SHA-256 hex digest of the order's JSON form.
    ///
    /// Two orders with equal fields have equal fingerprints. Amounts keep their scale, so `1.0`
    /// and `1.00` differ here although `Decimal` compares them equal.
    pub fn fingerprint(&self) -> String {
        let bytes = serde_json::to_vec(self).expect("an order always serializes to JSON");
        hex::encode(Sha256::digest(bytes))
    }

    /// Builds the customs items from the lines: the default when the map declares none.
    pub fn customs_items(&self) -> Vec<CustomsItem> {
        self.lines
            .iter()
            .filter(|line| line.requires_shipping != Some(false))
            .map(|line| CustomsItem {
                description: line.name.clone(),
                quantity: line.quantity,
                value: line.unit_price,
                hs_code: line.hs_code.clone(),
                country_of_origin: line.country_of_origin.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> Order {
        Order {
            source: "shopify".into(),
            number: "1001".into(),
            lines: vec![Line {
                name: "Mug".into(),
                quantity: 2,
                unit_price: Some("9.50".parse().unwrap()),
                ..Line::default()
            }],
            ..Order::default()
        }
    }

    #[test]
    fn fingerprint_is_stable_for_equal_orders() {
        assert_eq!(order().fingerprint(), order().fingerprint());
        assert_eq!(order().fingerprint().len(), 64);
    }

    #[test]
    fn fingerprint_changes_with_a_field() {
        let mut changed = order();
        changed.lines[0].quantity = 3;
        assert_ne!(order().fingerprint(), changed.fingerprint());
        assert_ne!(order(), changed);
    }

    #[test]
    fn json_round_trip_keeps_amounts() {
        let json = serde_json::to_string(&order()).unwrap();
        assert!(json.contains("\"9.50\""));
        let back: Order = serde_json::from_str(&json).unwrap();
        assert_eq!(back, order());
    }

    #[test]
    fn customs_items_come_from_shipped_lines() {
        let mut order = order();
        order.lines.push(Line {
            name: "E-book".into(),
            quantity: 1,
            requires_shipping: Some(false),
            ..Line::default()
        });
        let items = order.customs_items();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].description, "Mug");
    }
}
