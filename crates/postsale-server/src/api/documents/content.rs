//! The content of an order's documents: a [`DocumentOrder`] built from the stored order, its
//! store and the store's logo.

use postsale_core::order::{self, Order, Timestamp};
use postsale_documents::document::format_order_date;
use postsale_documents::document::{Address, DocumentOrder, Line, LogoImage, StoreHeader};
use postsale_store::logos::StoredLogo;
use postsale_store::stores::Store;
use time::UtcOffset;
use time::macros::format_description;

/// Builds the document input. `store` is `None` when the order's store was deleted, and the
/// header then shows `fallback_name`.
pub fn document_order(
    order: &Order,
    store: Option<&Store>,
    logo: Option<StoredLogo>,
    fallback_name: &str,
) -> DocumentOrder {
    let header = StoreHeader {
        name: store
            .map_or(fallback_name, |store| store.name.as_str())
            .to_owned(),
        address_lines: store
            .and_then(|store| store.address.as_deref())
            .map(store_address_lines)
            .unwrap_or_default(),
        logo: logo.map(|logo| LogoImage {
            content_type: logo.content_type,
            bytes: logo.bytes,
        }),
    };

    DocumentOrder {
        store: header,
        order_number: order.number.clone(),
        order_date: order.order_date.as_ref().map(local_date),
        bill_to: order.bill_to.as_ref().map(document_address),
        ship_to: order.ship_to.as_ref().map(document_address),
        lines: order.lines.iter().map(document_line).collect(),
        currency: order.currency.clone(),
        subtotal: order.charges.subtotal,
        shipping: order.charges.shipping,
        tax: order.charges.tax,
        discount: order.charges.discount,
        total: order.charges.total,
        notes: notes(order),
    }
}

/// Prints the date in the offset the channel sent, so an evening order keeps its local day.
fn local_date(timestamp: &Timestamp) -> String {
    let format = format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    let local = match UtcOffset::parse(&timestamp.offset, &format) {
        Ok(offset) => timestamp.utc.to_offset(offset),
        Err(_) => timestamp.utc,
    };
    format_order_date(local)
}

/// Reads the stored store address (a JSON document checked when it was saved) as printed lines.
fn store_address_lines(json: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        tracing::warn!("a store address is not valid JSON and is left out of the document");
        return Vec::new();
    };
    let text = |key: &str| value[key].as_str().map(str::to_owned);
    let address = Address {
        name: None,
        company: text("company"),
        street1: text("street1"),
        street2: text("street2"),
        street3: text("street3"),
        city: text("city"),
        state: text("state"),
        postal_code: text("postal_code"),
        country: text("country"),
        phone: text("phone"),
        email: text("email"),
    };
    address.lines()
}

fn document_address(address: &order::Address) -> Address {
    Address {
        name: address.name.clone(),
        company: address.company.clone(),
        street1: address.street1.clone(),
        street2: address.street2.clone(),
        street3: address.street3.clone(),
        city: address.city.clone(),
        state: address.state.clone(),
        postal_code: address.postal_code.clone(),
        country: address.country.clone(),
        phone: address.phone.clone(),
        email: address.email.clone(),
    }
}

fn document_line(line: &order::Line) -> Line {
    Line {
        sku: line.sku.clone(),
        name: line.name.clone(),
        quantity: i64::from(line.quantity),
        unit_price: line.unit_price,
        line_total: line.line_total,
    }
}

/// Collects the buyer's note and the gift message. Internal notes stay off the customer's
/// documents.
fn notes(order: &Order) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(note) = order
        .notes
        .customer
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        notes.push(note.to_owned());
    }
    if let Some(message) = order
        .notes
        .gift_message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        notes.push(format!("Gift message: {message}"));
    }
    notes
}
