//! The element names that suggestions look for, per field, best name first. Names are
//! normalized: lowercase, without `_`, `-` or spaces.

use super::catalogue::{
    AddressField, ChargeField, FieldKey, ItemField, NoteField, OrderField, PaymentField,
};

/// Order-level fields and the element names that suggest them.
pub(crate) static ORDER_NAMES: &[(FieldKey, &[&str])] = &[
    (
        FieldKey::Order(OrderField::Number),
        &[
            "ordernumber",
            "orderno",
            "ordernum",
            "incrementid",
            "number",
            "ordername",
            "reference",
        ],
    ),
    (
        FieldKey::Order(OrderField::ExternalId),
        &["id", "orderid", "uuid"],
    ),
    (
        FieldKey::Order(OrderField::Date),
        &[
            "createdatgmt",
            "datecreatedgmt",
            "createdat",
            "datecreated",
            "createdon",
            "orderdate",
            "processedat",
            "placedat",
            "created",
        ],
    ),
    (
        FieldKey::Order(OrderField::UpdatedAt),
        &[
            "updatedatgmt",
            "datemodifiedgmt",
            "updatedat",
            "datemodified",
            "modifiedon",
            "lastmodified",
            "updated",
        ],
    ),
    (
        FieldKey::Order(OrderField::ChannelStatus),
        &[
            "status",
            "orderstatus",
            "financialstatus",
            "fulfillmentstatus",
            "state",
        ],
    ),
    (
        FieldKey::Order(OrderField::Currency),
        &["currency", "currencycode", "currencyiso"],
    ),
    (
        FieldKey::Order(OrderField::CustomerEmail),
        &["email", "customeremail", "buyeremail", "contactemail"],
    ),
    (
        FieldKey::Order(OrderField::CustomerPhone),
        &["phone", "customerphone", "telephone"],
    ),
    (
        FieldKey::Order(OrderField::CustomerId),
        &["customerid", "buyerid", "userid"],
    ),
    (FieldKey::Order(OrderField::Tags), &["tags"]),
    (
        FieldKey::Charge(ChargeField::Total),
        &[
            "total",
            "totalprice",
            "grandtotal",
            "ordertotal",
            "totalinctax",
            "totalamount",
        ],
    ),
    (
        FieldKey::Charge(ChargeField::Subtotal),
        &["subtotal", "subtotalprice", "subtotalextax", "itemstotal"],
    ),
    (
        FieldKey::Charge(ChargeField::Shipping),
        &[
            "shippingtotal",
            "shipping",
            "shippingcost",
            "shippingprice",
            "shippingamount",
            "totalshipping",
            "shippingcostextax",
        ],
    ),
    (
        FieldKey::Charge(ChargeField::Tax),
        &["totaltax", "taxtotal", "tax", "taxamount"],
    ),
    (
        FieldKey::Charge(ChargeField::Discount),
        &[
            "totaldiscounts",
            "totaldiscount",
            "discounttotal",
            "discount",
            "discountamount",
        ],
    ),
    (
        FieldKey::Note(NoteField::Customer),
        &[
            "customernote",
            "note",
            "notes",
            "customermessage",
            "comments",
            "comment",
        ],
    ),
    (
        FieldKey::Payment(PaymentField::Method),
        &[
            "paymentmethodtitle",
            "paymentmethod",
            "gateway",
            "paymentgateway",
        ],
    ),
];

/// Container names of the ship-to address.
pub(crate) static SHIP_TO_PARENTS: &[&str] = &[
    "shippingaddress",
    "shipping",
    "shipto",
    "deliveryaddress",
    "delivery",
    "recipient",
];

/// Container names of the bill-to address.
pub(crate) static BILL_TO_PARENTS: &[&str] = &["billingaddress", "billing", "billto"];

/// Address fields and the element names that suggest them.
pub(crate) static ADDRESS_NAMES: &[(AddressField, &[&str])] = &[
    (AddressField::Name, &["name", "fullname"]),
    (AddressField::FirstName, &["firstname", "givenname"]),
    (
        AddressField::LastName,
        &["lastname", "surname", "familyname"],
    ),
    (
        AddressField::Company,
        &["company", "companyname", "organization"],
    ),
    (
        AddressField::Street1,
        &[
            "address1",
            "street1",
            "addressline1",
            "line1",
            "street",
            "address",
        ],
    ),
    (
        AddressField::Street2,
        &["address2", "street2", "addressline2", "line2"],
    ),
    (AddressField::City, &["city", "town", "locality"]),
    (
        AddressField::State,
        &[
            "provincecode",
            "statecode",
            "state",
            "province",
            "region",
            "county",
        ],
    ),
    (
        AddressField::PostalCode,
        &["zip", "postcode", "postalcode", "zipcode"],
    ),
    (
        AddressField::Country,
        &["countrycode", "countryiso2", "country"],
    ),
    (AddressField::Phone, &["phone", "telephone", "phonenumber"]),
    (AddressField::Email, &["email"]),
];

/// Item fields and the element names inside an entry that suggest them.
pub(crate) static ITEM_NAMES: &[(ItemField, &[&str])] = &[
    (ItemField::LineId, &["id", "lineid", "lineitemid"]),
    (ItemField::Sku, &["sku", "productsku", "itemsku"]),
    (
        ItemField::Name,
        &["name", "title", "productname", "itemname", "description"],
    ),
    (ItemField::Quantity, &["quantity", "qty", "quantityordered"]),
    (
        ItemField::UnitPrice,
        &[
            "price",
            "unitprice",
            "unitpricepaid",
            "baseprice",
            "priceextax",
        ],
    ),
    (
        ItemField::LineTotal,
        &["total", "linetotal", "totalprice", "totalextax"],
    ),
    (
        ItemField::ImageUrl,
        &["imageurl", "image", "imagesrc", "thumbnail"],
    ),
    (ItemField::ProductId, &["productid"]),
    (ItemField::VariantId, &["variantid", "variationid"]),
    (ItemField::Upc, &["upc", "barcode", "gtin"]),
];

/// Names that mark an array entry as an order line.
pub(crate) static QUANTITY_NAMES: &[&str] = &["quantity", "qty", "quantityordered"];
