//! The rows of the field catalogue, one per field, in the order of the mapping screen.

use super::catalogue::FieldKind::{
    Boolean, Carrier, Code, Country, Currency, DateTime, Id, Length, List, Money, Package,
    Quantity, Service, SignedMoney, State, Status, Text, Weight,
};
use super::catalogue::{
    AddressField, AddressRole, ChargeField, FieldDef, FieldKey, FieldKind, ItemField, NoteField,
    OrderField, PaymentField, ShipmentField,
};
use super::codes::{CONFIRMATIONS, CONTENTS, DUTIES_PAID_BY, NON_DELIVERY};

/// Every field of the catalogue.
#[rustfmt::skip]
pub(crate) static CATALOGUE: &[FieldDef] = &[
    order(OrderField::Source, "order.source", "Order source", Text).required(),
    order(OrderField::Number, "order.number", "Order number", Id).required(),
    order(OrderField::ExternalId, "order.external_id", "External order id", Id),
    order(OrderField::Date, "order.date", "Order date", DateTime),
    order(OrderField::UpdatedAt, "order.updated_at", "Updated at", DateTime),
    order(OrderField::ChannelStatus, "order.channel_status", "Channel status", Text),
    order(OrderField::Status, "order.status", "Status", Status),
    order(OrderField::Currency, "order.currency", "Currency", Currency),
    order(OrderField::CustomerName, "order.customer_name", "Customer name", Text),
    order(OrderField::CustomerEmail, "order.customer_email", "Customer email", Text),
    order(OrderField::CustomerPhone, "order.customer_phone", "Customer phone", Text),
    order(OrderField::CustomerId, "order.customer_id", "Customer id", Id),
    order(OrderField::Tags, "order.tags", "Tags", List),
    order(OrderField::CustomField1, "order.custom_field_1", "Custom field 1", Text),
    order(OrderField::CustomField2, "order.custom_field_2", "Custom field 2", Text),
    order(OrderField::CustomField3, "order.custom_field_3", "Custom field 3", Text),
    order(OrderField::Url, "order.url", "Order URL", Text),
    ship_to(AddressField::Name, "ship_to.name", "Ship To name", Text),
    ship_to(AddressField::FirstName, "ship_to.first_name", "Ship To first name", Text),
    ship_to(AddressField::LastName, "ship_to.last_name", "Ship To last name", Text),
    ship_to(AddressField::Company, "ship_to.company", "Ship To company", Text),
    ship_to(AddressField::Street1, "ship_to.street1", "Ship To street 1", Text),
    ship_to(AddressField::Street2, "ship_to.street2", "Ship To street 2", Text),
    ship_to(AddressField::Street3, "ship_to.street3", "Ship To street 3", Text),
    ship_to(AddressField::City, "ship_to.city", "Ship To city", Text),
    ship_to(AddressField::State, "ship_to.state", "Ship To state or province", State),
    ship_to(AddressField::PostalCode, "ship_to.postal_code", "Ship To postal code", Id),
    ship_to(AddressField::Country, "ship_to.country", "Ship To country", Country),
    ship_to(AddressField::Phone, "ship_to.phone", "Ship To phone", Text),
    ship_to(AddressField::Email, "ship_to.email", "Ship To email", Text),
    ship_to(AddressField::Residential, "ship_to.residential", "Ship To residential", Boolean),
    bill_to(AddressField::Name, "bill_to.name", "Bill To name", Text),
    bill_to(AddressField::FirstName, "bill_to.first_name", "Bill To first name", Text),
    bill_to(AddressField::LastName, "bill_to.last_name", "Bill To last name", Text),
    bill_to(AddressField::Company, "bill_to.company", "Bill To company", Text),
    bill_to(AddressField::Street1, "bill_to.street1", "Bill To street 1", Text),
    bill_to(AddressField::Street2, "bill_to.street2", "Bill To street 2", Text),
    bill_to(AddressField::Street3, "bill_to.street3", "Bill To street 3", Text),
    bill_to(AddressField::City, "bill_to.city", "Bill To city", Text),
    bill_to(AddressField::State, "bill_to.state", "Bill To state or province", State),
    bill_to(AddressField::PostalCode, "bill_to.postal_code", "Bill To postal code", Id),
    bill_to(AddressField::Country, "bill_to.country", "Bill To country", Country),
    bill_to(AddressField::Phone, "bill_to.phone", "Bill To phone", Text),
    bill_to(AddressField::Email, "bill_to.email", "Bill To email", Text),
    bill_to(AddressField::Residential, "bill_to.residential", "Bill To residential", Boolean),
    item(ItemField::LineId, "items.line_id", "Line id", Id),
    item(ItemField::Sku, "items.sku", "SKU", Text),
    item(ItemField::Name, "items.name", "Name", Text).required(),
    item(ItemField::Quantity, "items.quantity", "Quantity", Quantity).required(),
    item(ItemField::UnitPrice, "items.unit_price", "Unit price", Money),
    item(ItemField::LineTotal, "items.line_total", "Line total", Money),
    item(ItemField::Tax, "items.tax", "Tax", Money),
    item(ItemField::Discount, "items.discount", "Discount", Money),
    item(ItemField::Weight, "items.weight", "Weight", Weight),
    item(ItemField::ImageUrl, "items.image_url", "Image URL", Text),
    item(ItemField::ProductId, "items.product_id", "Product id", Id),
    item(ItemField::VariantId, "items.variant_id", "Variant id", Id),
    item(ItemField::Upc, "items.upc", "UPC", Id),
    item(ItemField::WarehouseLocation, "items.warehouse_location", "Warehouse location", Text),
    item(ItemField::RequiresShipping, "items.requires_shipping", "Requires shipping", Boolean),
    item(ItemField::HsCode, "items.hs_code", "HS code", Id),
    item(ItemField::CountryOfOrigin, "items.country_of_origin", "Country of origin", Country),
    charge(ChargeField::Subtotal, "charges.subtotal", "Subtotal", Money),
    charge(ChargeField::Shipping, "charges.shipping", "Shipping paid", Money),
    charge(ChargeField::Tax, "charges.tax", "Tax", Money),
    charge(ChargeField::Discount, "charges.discount", "Discount", SignedMoney),
    charge(ChargeField::OtherFees, "charges.other_fees", "Other fees", SignedMoney),
    charge(ChargeField::Total, "charges.total", "Order total", Money),
    charge(ChargeField::AmountPaid, "charges.amount_paid", "Amount paid", Money),
    charge(ChargeField::PricesIncludeTax,
        "charges.prices_include_tax", "Prices include tax", Boolean),
    note(NoteField::Customer, "notes.customer", "Customer notes", Text),
    note(NoteField::Internal, "notes.internal", "Internal notes", Text),
    note(NoteField::Gift, "notes.gift", "Gift", Boolean),
    note(NoteField::GiftMessage, "notes.gift_message", "Gift message", Text),
    payment(PaymentField::Date, "payment.date", "Payment date", DateTime),
    payment(PaymentField::Method, "payment.method", "Payment method", Text),
    payment(PaymentField::Status, "payment.status", "Payment status", Text),
    shipment(ShipmentField::RequestedService,
        "shipment.requested_service", "Requested shipping service", Text),
    shipment(ShipmentField::Carrier, "shipment.carrier", "Carrier", Carrier),
    shipment(ShipmentField::Service, "shipment.service", "Service", Service),
    shipment(ShipmentField::Package, "shipment.package", "Package", Package),
    shipment(ShipmentField::Confirmation,
        "shipment.confirmation", "Confirmation", Code(CONFIRMATIONS)),
    shipment(ShipmentField::Weight, "shipment.weight", "Order weight", Weight),
    shipment(ShipmentField::Length, "shipment.length", "Length", Length),
    shipment(ShipmentField::Width, "shipment.width", "Width", Length),
    shipment(ShipmentField::Height, "shipment.height", "Height", Length),
    shipment(ShipmentField::InsuredValue, "shipment.insured_value", "Insured value", Money),
    shipment(ShipmentField::ShipBy, "shipment.ship_by", "Ship-by date", DateTime),
    shipment(ShipmentField::HoldUntil, "shipment.hold_until", "Hold-until date", DateTime),
    shipment(ShipmentField::Contents,
        "shipment.contents", "International contents", Code(CONTENTS)),
    shipment(ShipmentField::NonDelivery,
        "shipment.non_delivery", "Non-delivery", Code(NON_DELIVERY)),
    shipment(ShipmentField::DutiesPaidBy,
        "shipment.duties_paid_by", "Duties paid by", Code(DUTIES_PAID_BY)),
];

type Label = &'static str;

const fn def(key: FieldKey, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    FieldDef {
        key,
        name,
        label,
        kind,
        required: false,
    }
}

const fn order(field: OrderField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(FieldKey::Order(field), name, label, kind)
}

const fn ship_to(field: AddressField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(
        FieldKey::Address(AddressRole::ShipTo, field),
        name,
        label,
        kind,
    )
}

const fn bill_to(field: AddressField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(
        FieldKey::Address(AddressRole::BillTo, field),
        name,
        label,
        kind,
    )
}

const fn item(field: ItemField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(FieldKey::Item(field), name, label, kind)
}

const fn charge(field: ChargeField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(FieldKey::Charge(field), name, label, kind)
}

const fn note(field: NoteField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(FieldKey::Note(field), name, label, kind)
}

const fn payment(field: PaymentField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(FieldKey::Payment(field), name, label, kind)
}

const fn shipment(field: ShipmentField, name: Label, label: Label, kind: FieldKind) -> FieldDef {
    def(FieldKey::Shipment(field), name, label, kind)
}

impl FieldDef {
    /// Marks a field as one an import cannot do without.
    const fn required(self) -> FieldDef {
        FieldDef {
            required: true,
            ..self
        }
    }
}
