//! The field catalogue: every order field a map can fill, by category, with its key and type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A category of the mapping screen, in the order the screen shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Order,
    Address,
    Items,
    Charges,
    Notes,
    Payment,
    Shipment,
}

/// The address that an address field belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressRole {
    ShipTo,
    BillTo,
}

/// The fields of the Order category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrderField {
    Source,
    Number,
    ExternalId,
    Date,
    UpdatedAt,
    ChannelStatus,
    Status,
    Currency,
    CustomerName,
    CustomerEmail,
    CustomerPhone,
    CustomerId,
    Tags,
    CustomField1,
    CustomField2,
    CustomField3,
    Url,
}

/// The fields of one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressField {
    Name,
    FirstName,
    LastName,
    Company,
    Street1,
    Street2,
    Street3,
    City,
    State,
    PostalCode,
    Country,
    Phone,
    Email,
    Residential,
}

/// The fields of one order line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemField {
    LineId,
    Sku,
    Name,
    Quantity,
    UnitPrice,
    LineTotal,
    Tax,
    Discount,
    Weight,
    ImageUrl,
    ProductId,
    VariantId,
    Upc,
    WarehouseLocation,
    RequiresShipping,
    HsCode,
    CountryOfOrigin,
}

/// The fields of the Charges category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChargeField {
    Subtotal,
    Shipping,
    Tax,
    Discount,
    OtherFees,
    Total,
    AmountPaid,
    PricesIncludeTax,
}

/// The fields of the Notes category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteField {
    Customer,
    Internal,
    Gift,
    GiftMessage,
}

/// The fields of the Payment category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PaymentField {
    Date,
    Method,
    Status,
}

/// The fields of the Shipment category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShipmentField {
    RequestedService,
    Carrier,
    Service,
    Package,
    Confirmation,
    Weight,
    Length,
    Width,
    Height,
    InsuredValue,
    ShipBy,
    HoldUntil,
    Contents,
    NonDelivery,
    DutiesPaidBy,
}

/// The key of one field, written in maps as `category.field`, such as `ship_to.postal_code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldKey {
    Order(OrderField),
    Address(AddressRole, AddressField),
    Item(ItemField),
    Charge(ChargeField),
    Note(NoteField),
    Payment(PaymentField),
    Shipment(ShipmentField),
}

/// What a field holds, which decides the conversion its value goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text, trimmed.
    Text,
    /// An identifier: text, with numbers kept digit for digit.
    Id,
    /// A non-negative amount.
    Money,
    /// An amount that may be negative.
    SignedMoney,
    /// A whole number of at least 1.
    Quantity,
    Boolean,
    DateTime,
    /// An ISO 4217 code such as `USD`.
    Currency,
    /// An ISO 3166-1 alpha-2 code.
    Country,
    /// A state or province, stored as a code where the country has codes.
    State,
    /// A postsale order status.
    Status,
    /// A carrier code from the catalogue.
    Carrier,
    /// A service code from the catalogue.
    Service,
    /// A package code from the catalogue.
    Package,
    /// One of a fixed list of codes (international contents, non-delivery, duties).
    Code(&'static [&'static str]),
    /// A weight with its unit.
    Weight,
    /// One package dimension with its unit.
    Length,
    /// A list of texts, such as tags.
    List,
}

/// One row of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    pub key: FieldKey,
    /// The key as written in maps.
    pub name: &'static str,
    /// The label of the mapping screen.
    pub label: &'static str,
    pub kind: FieldKind,
    /// Whether an import cannot do without this field.
    pub required: bool,
}

/// The error for a field key that is not in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown field {key:?}{hint}: see the field catalogue for the keys, such as order.number")]
pub struct UnknownField {
    pub key: String,
    hint: String,
}

/// Returns every field, by category in screen order.
pub fn catalogue() -> &'static [FieldDef] {
    super::catalogue_table::CATALOGUE
}

/// Returns the fields of one category, in screen order.
pub fn fields_of(category: Category) -> impl Iterator<Item = &'static FieldDef> {
    catalogue()
        .iter()
        .filter(move |def| def.key.category() == category)
}

impl FieldKey {
    /// Returns the catalogue row of this key.
    pub fn def(self) -> &'static FieldDef {
        let rows = catalogue();
        let index = rows
            .binary_search_by_key(&self, |def| def.key)
            .expect("every field key has a catalogue row, sorted by key");
        &rows[index]
    }

    /// Returns the key as written in maps, such as `ship_to.postal_code`.
    pub fn as_str(self) -> &'static str {
        self.def().name
    }

    /// Returns what the field holds, which decides its conversion.
    pub fn kind(self) -> FieldKind {
        self.def().kind
    }

    /// Returns the category the mapping screen shows the field in.
    pub fn category(self) -> Category {
        match self {
            FieldKey::Order(_) => Category::Order,
            FieldKey::Address(..) => Category::Address,
            FieldKey::Item(_) => Category::Items,
            FieldKey::Charge(_) => Category::Charges,
            FieldKey::Note(_) => Category::Notes,
            FieldKey::Payment(_) => Category::Payment,
            FieldKey::Shipment(_) => Category::Shipment,
        }
    }
}

impl Serialize for FieldDef {
    /// Writes the row as the mapping screen reads it: key, label, category, kind and required.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        let mut row = serializer.serialize_struct("FieldDef", 5)?;
        row.serialize_field("key", self.name)?;
        row.serialize_field("label", self.label)?;
        row.serialize_field("category", &self.key.category())?;
        row.serialize_field("kind", &self.kind)?;
        row.serialize_field("required", &self.required)?;
        row.end()
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FieldKey {
    type Err = UnknownField;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(def) = catalogue().iter().find(|def| def.name == text) {
            return Ok(def.key);
        }
        let hint = closest_name(text)
            .map(|name| format!(" (did you mean {name:?}?)"))
            .unwrap_or_default();
        Err(UnknownField {
            key: text.to_owned(),
            hint,
        })
    }
}

/// Finds a catalogue key with the same field part, to suggest in an error.
fn closest_name(text: &str) -> Option<&'static str> {
    let tail = text.rsplit('.').next()?;
    catalogue()
        .iter()
        .map(|def| def.name)
        .find(|name| name.rsplit('.').next() == Some(tail))
}

impl Serialize for FieldKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_key_round_trips_through_its_name() {
        for def in catalogue() {
            assert_eq!(
                def.name.parse::<FieldKey>().unwrap(),
                def.key,
                "{}",
                def.name
            );
        }
    }

    #[test]
    fn names_and_keys_are_unique() {
        let names: HashSet<_> = catalogue().iter().map(|def| def.name).collect();
        let keys: HashSet<_> = catalogue().iter().map(|def| def.key).collect();
        assert_eq!(names.len(), catalogue().len());
        assert_eq!(keys.len(), catalogue().len());
    }

    #[test]
    fn rows_are_sorted_by_key() {
        let keys: Vec<FieldKey> = catalogue().iter().map(|def| def.key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn categories_come_in_screen_order() {
        let categories: Vec<Category> = catalogue().iter().map(|def| def.key.category()).collect();
        let mut sorted = categories.clone();
        sorted.sort();
        assert_eq!(categories, sorted);
        assert_eq!(categories.first(), Some(&Category::Order));
        assert_eq!(categories.last(), Some(&Category::Shipment));
    }

    #[test]
    fn required_fields_are_the_documented_four() {
        let required: Vec<&str> = catalogue()
            .iter()
            .filter(|def| def.required)
            .map(|def| def.name)
            .collect();
        assert_eq!(
            required,
            [
                "order.source",
                "order.number",
                "items.name",
                "items.quantity"
            ]
        );
    }

    #[test]
    fn rows_serialize_for_the_mapping_screen() {
        let row = serde_json::to_value(FieldKey::Order(OrderField::Number).def()).unwrap();
        let expected = serde_json::json!({
            "key": "order.number",
            "label": "Order number",
            "category": "order",
            "kind": "id",
            "required": true
        });
        assert_eq!(row, expected);
        let contents = FieldKey::Shipment(ShipmentField::Contents).def();
        let kind = serde_json::to_value(contents).unwrap()["kind"].clone();
        assert_eq!(kind["code"][0], "merchandise");
    }

    #[test]
    fn unknown_key_error_suggests_a_key() {
        let error = "order.postal_code".parse::<FieldKey>().unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"order.postal_code\""), "{message}");
        assert!(message.contains("ship_to.postal_code"), "{message}");
    }
}
