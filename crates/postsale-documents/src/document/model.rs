//! The input of the invoice and packing slip: plain data, already chosen and formatted by the
//! caller, independent of postsale's other crates.

use rust_decimal::Decimal;
use time::OffsetDateTime;
use time::macros::format_description;

/// Everything an invoice or packing slip shows about one order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentOrder {
    pub store: StoreHeader,
    pub order_number: String,
    /// The order date as it should be printed, for example "2020-01-04".
    pub order_date: Option<String>,
    pub bill_to: Option<Address>,
    pub ship_to: Option<Address>,
    pub lines: Vec<Line>,
    /// ISO 4217 code of every amount in the order, printed beside the totals.
    pub currency: Option<String>,
    pub subtotal: Option<Decimal>,
    pub shipping: Option<Decimal>,
    pub tax: Option<Decimal>,
    /// The discount as the channel reported it, usually a positive amount already taken off
    /// the total.
    pub discount: Option<Decimal>,
    pub total: Option<Decimal>,
    pub notes: Vec<String>,
}

/// Formats an order date for [`DocumentOrder::order_date`] as `YYYY-MM-DD`, in the offset the
/// date carries, so an order placed late in the evening keeps its local day.
pub fn format_order_date(date: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]");
    date.format(&format)
        .expect("a calendar date always formats")
}

/// The store's name, address and logo, printed at the top of each document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreHeader {
    pub name: String,
    pub address_lines: Vec<String>,
    pub logo: Option<LogoImage>,
}

/// A processed logo: PNG or JPEG bytes and their media type.
#[derive(Clone, PartialEq, Eq)]
pub struct LogoImage {
    /// `image/png` or `image/jpeg`; any other type is left out of the documents.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for LogoImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoImage")
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// A postal address. Every field is optional because channels leave any of them out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub name: Option<String>,
    pub company: Option<String>,
    pub street1: Option<String>,
    pub street2: Option<String>,
    pub street3: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Address {
    /// Returns the address as printed lines: name, company, streets, "city, state postal code",
    /// country, phone and email, leaving out blank parts.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut push = |value: &Option<String>| {
            if let Some(text) = non_blank(value) {
                lines.push(text.to_owned());
            }
        };
        push(&self.name);
        push(&self.company);
        push(&self.street1);
        push(&self.street2);
        push(&self.street3);
        push(&self.city_line());
        push(&self.country);
        push(&self.phone);
        push(&self.email);
        lines
    }

    fn city_line(&self) -> Option<String> {
        let city = non_blank(&self.city);
        let region: Vec<&str> = [non_blank(&self.state), non_blank(&self.postal_code)]
            .into_iter()
            .flatten()
            .collect();

        match (city, region.is_empty()) {
            (Some(city), true) => Some(city.to_owned()),
            (Some(city), false) => Some(format!("{city}, {}", region.join(" "))),
            (None, false) => Some(region.join(" ")),
            (None, true) => None,
        }
    }
}

fn non_blank(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// One order line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub sku: Option<String>,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Option<Decimal>,
    pub line_total: Option<Decimal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lines_skip_blank_parts() {
        let address = Address {
            name: Some("Jane Example".into()),
            company: Some("  ".into()),
            street1: Some("1 Example Street".into()),
            street2: Some(String::new()),
            city: Some("Exampleville".into()),
            state: Some("GJ".into()),
            postal_code: Some("000000".into()),
            country: Some("IN".into()),
            ..Address::default()
        };
        assert_eq!(
            address.lines(),
            [
                "Jane Example",
                "1 Example Street",
                "Exampleville, GJ 000000",
                "IN"
            ]
        );
    }

    #[test]
    fn order_date_keeps_local_day() {
        let date = time::macros::datetime!(2020-01-04 23:53:42 -05:00);
        assert_eq!(format_order_date(date), "2020-01-04");
    }

    #[test]
    fn city_line_without_city() {
        let address = Address {
            postal_code: Some("10115".into()),
            ..Address::default()
        };
        assert_eq!(address.lines(), ["10115"]);
    }
}
