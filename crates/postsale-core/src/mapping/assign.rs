//! Writing converted values into the order being built, field by field.

use rust_decimal::Decimal;

use super::catalogue::{
    AddressField, AddressRole, ChargeField, FieldKey, ItemField, NoteField, OrderField,
    PaymentField, ShipmentField,
};
use super::convert::Converted;
use crate::order::{Address, Line, Order};
use crate::units::{LengthUnit, Weight};

/// An order while its fields are filled, with the parts that are combined at the end.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub order: Order,
    pub ship_to: AddressDraft,
    pub bill_to: AddressDraft,
    /// Length, width and height, each with its unit, combined into dimensions at the end.
    pub dimensions: [Option<(Decimal, LengthUnit)>; 3],
    /// The position in the items array of each line, for messages.
    pub line_entries: Vec<usize>,
}

/// An address while its fields are filled: the name may come as first and last name.
#[derive(Debug, Default)]
pub(crate) struct AddressDraft {
    pub address: Address,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// Writes an order-level value. Returns `false` when the value does not fit the field.
pub(crate) fn assign_order(draft: &mut Draft, key: FieldKey, value: Converted) -> bool {
    match key {
        FieldKey::Order(field) => assign_order_field(&mut draft.order, field, value),
        FieldKey::Address(AddressRole::ShipTo, field) => {
            assign_address(&mut draft.ship_to, field, value)
        }
        FieldKey::Address(AddressRole::BillTo, field) => {
            assign_address(&mut draft.bill_to, field, value)
        }
        FieldKey::Item(_) => false,
        FieldKey::Charge(field) => assign_charge(&mut draft.order, field, value),
        FieldKey::Note(field) => assign_note(&mut draft.order, field, value),
        FieldKey::Payment(field) => assign_payment(&mut draft.order, field, value),
        FieldKey::Shipment(field) => assign_shipment(draft, field, value),
    }
}

fn assign_order_field(order: &mut Order, field: OrderField, value: Converted) -> bool {
    match (field, value) {
        (OrderField::Source, Converted::Text(text)) => order.source = text,
        (OrderField::Number, Converted::Text(text)) => order.number = text,
        (OrderField::ExternalId, Converted::Text(text)) => order.external_id = Some(text),
        (OrderField::Date, Converted::Time(time)) => order.order_date = Some(time),
        (OrderField::UpdatedAt, Converted::Time(time)) => order.updated_at = Some(time),
        (OrderField::ChannelStatus, Converted::Text(text)) => order.channel_status = Some(text),
        (OrderField::Status, Converted::Status(status)) => order.status = Some(status),
        (OrderField::Currency, Converted::Text(text)) => order.currency = Some(text),
        (OrderField::CustomerName, Converted::Text(text)) => order.customer.name = Some(text),
        (OrderField::CustomerEmail, Converted::Text(text)) => order.customer.email = Some(text),
        (OrderField::CustomerPhone, Converted::Text(text)) => order.customer.phone = Some(text),
        (OrderField::CustomerId, Converted::Text(text)) => order.customer.id = Some(text),
        (OrderField::Tags, Converted::List(tags)) => order.tags = tags,
        (OrderField::CustomField1, Converted::Text(text)) => order.custom_field_1 = Some(text),
        (OrderField::CustomField2, Converted::Text(text)) => order.custom_field_2 = Some(text),
        (OrderField::CustomField3, Converted::Text(text)) => order.custom_field_3 = Some(text),
        (OrderField::Url, Converted::Text(text)) => order.order_url = Some(text),
        _ => return false,
    }
    true
}

fn assign_address(draft: &mut AddressDraft, field: AddressField, value: Converted) -> bool {
    let address = &mut draft.address;
    match (field, value) {
        (AddressField::Name, Converted::Text(text)) => address.name = Some(text),
        (AddressField::FirstName, Converted::Text(text)) => draft.first_name = Some(text),
        (AddressField::LastName, Converted::Text(text)) => draft.last_name = Some(text),
        (AddressField::Company, Converted::Text(text)) => address.company = Some(text),
        (AddressField::Street1, Converted::Text(text)) => address.street1 = Some(text),
        (AddressField::Street2, Converted::Text(text)) => address.street2 = Some(text),
        (AddressField::Street3, Converted::Text(text)) => address.street3 = Some(text),
        (AddressField::City, Converted::Text(text)) => address.city = Some(text),
        (AddressField::State, Converted::Text(text)) => address.state = Some(text),
        (AddressField::PostalCode, Converted::Text(text)) => address.postal_code = Some(text),
        (AddressField::Country, Converted::Text(text)) => address.country = Some(text),
        (AddressField::Phone, Converted::Text(text)) => address.phone = Some(text),
        (AddressField::Email, Converted::Text(text)) => address.email = Some(text),
        (AddressField::Residential, Converted::Bool(flag)) => address.residential = Some(flag),
        _ => return false,
    }
    true
}

fn assign_charge(order: &mut Order, field: ChargeField, value: Converted) -> bool {
    let charges = &mut order.charges;
    if let (ChargeField::PricesIncludeTax, Converted::Bool(flag)) = (field, &value) {
        charges.prices_include_tax = Some(*flag);
        return true;
    }
    let Converted::Amount(amount) = value else {
        return false;
    };
    let slot = match field {
        ChargeField::Subtotal => &mut charges.subtotal,
        ChargeField::Shipping => &mut charges.shipping,
        ChargeField::Tax => &mut charges.tax,
        ChargeField::Discount => &mut charges.discount,
        ChargeField::OtherFees => &mut charges.other_fees,
        ChargeField::Total => &mut charges.total,
        ChargeField::AmountPaid => &mut charges.amount_paid,
        ChargeField::PricesIncludeTax => return false,
    };
    *slot = Some(amount);
    true
}

fn assign_note(order: &mut Order, field: NoteField, value: Converted) -> bool {
    let notes = &mut order.notes;
    match (field, value) {
        (NoteField::Customer, Converted::Text(text)) => notes.customer = Some(text),
        (NoteField::Internal, Converted::Text(text)) => notes.internal = Some(text),
        (NoteField::Gift, Converted::Bool(flag)) => notes.gift = Some(flag),
        (NoteField::GiftMessage, Converted::Text(text)) => notes.gift_message = Some(text),
        _ => return false,
    }
    true
}

fn assign_payment(order: &mut Order, field: PaymentField, value: Converted) -> bool {
    let payment = &mut order.payment;
    match (field, value) {
        (PaymentField::Date, Converted::Time(time)) => payment.date = Some(time),
        (PaymentField::Method, Converted::Text(text)) => payment.method = Some(text),
        (PaymentField::Status, Converted::Text(text)) => payment.status = Some(text),
        _ => return false,
    }
    true
}

fn assign_shipment(draft: &mut Draft, field: ShipmentField, value: Converted) -> bool {
    let shipment = &mut draft.order.shipment;
    match (field, value) {
        (ShipmentField::RequestedService, Converted::Text(text)) => {
            shipment.requested_service = Some(text)
        }
        (ShipmentField::Carrier, Converted::Text(code)) => shipment.carrier = Some(code),
        (ShipmentField::Service, Converted::Text(code)) => shipment.service = Some(code),
        (ShipmentField::Package, Converted::Text(code)) => shipment.package = Some(code),
        (ShipmentField::Confirmation, Converted::Text(code)) => shipment.confirmation = Some(code),
        (ShipmentField::Weight, Converted::Weight(value, unit)) => {
            shipment.weight = Some(Weight { value, unit })
        }
        (ShipmentField::Length, Converted::Length(value, unit)) => {
            draft.dimensions[0] = Some((value, unit))
        }
        (ShipmentField::Width, Converted::Length(value, unit)) => {
            draft.dimensions[1] = Some((value, unit))
        }
        (ShipmentField::Height, Converted::Length(value, unit)) => {
            draft.dimensions[2] = Some((value, unit))
        }
        (ShipmentField::InsuredValue, Converted::Amount(amount)) => {
            shipment.insured_value = Some(amount)
        }
        (ShipmentField::ShipBy, Converted::Time(time)) => shipment.ship_by = Some(time),
        (ShipmentField::HoldUntil, Converted::Time(time)) => shipment.hold_until = Some(time),
        (ShipmentField::Contents, Converted::Text(code)) => {
            shipment.international.contents = Some(code)
        }
        (ShipmentField::NonDelivery, Converted::Text(code)) => {
            shipment.international.non_delivery = Some(code)
        }
        (ShipmentField::DutiesPaidBy, Converted::Text(code)) => {
            shipment.international.duties_paid_by = Some(code)
        }
        _ => return false,
    }
    true
}

/// Writes an item value into a line. Returns `false` when the value does not fit the field.
pub(crate) fn assign_line(line: &mut Line, field: ItemField, value: Converted) -> bool {
    match (field, value) {
        (ItemField::LineId, Converted::Text(text)) => line.line_id = Some(text),
        (ItemField::Sku, Converted::Text(text)) => line.sku = Some(text),
        (ItemField::Name, Converted::Text(text)) => line.name = text,
        (ItemField::Quantity, Converted::Quantity(quantity)) => line.quantity = quantity,
        (ItemField::UnitPrice, Converted::Amount(amount)) => line.unit_price = Some(amount),
        (ItemField::LineTotal, Converted::Amount(amount)) => line.line_total = Some(amount),
        (ItemField::Tax, Converted::Amount(amount)) => line.tax = Some(amount),
        (ItemField::Discount, Converted::Amount(amount)) => line.discount = Some(amount),
        (ItemField::Weight, Converted::Weight(value, unit)) => {
            line.weight = Some(Weight { value, unit })
        }
        (ItemField::ImageUrl, Converted::Text(text)) => line.image_url = Some(text),
        (ItemField::ProductId, Converted::Text(text)) => line.product_id = Some(text),
        (ItemField::VariantId, Converted::Text(text)) => line.variant_id = Some(text),
        (ItemField::Upc, Converted::Text(text)) => line.upc = Some(text),
        (ItemField::WarehouseLocation, Converted::Text(text)) => {
            line.warehouse_location = Some(text)
        }
        (ItemField::RequiresShipping, Converted::Bool(flag)) => line.requires_shipping = Some(flag),
        (ItemField::HsCode, Converted::Text(text)) => line.hs_code = Some(text),
        (ItemField::CountryOfOrigin, Converted::Text(text)) => line.country_of_origin = Some(text),
        _ => return false,
    }
    true
}
