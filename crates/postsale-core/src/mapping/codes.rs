//! postsale's catalogue of carrier, service and package codes, and the other fixed code lists.

/// A code of the catalogue with its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub label: &'static str,
    /// The carrier a service or package belongs to; `None` for generic packages.
    pub carrier: Option<&'static str>,
}

const fn code(code: &'static str, label: &'static str, carrier: Option<&'static str>) -> Code {
    Code {
        code,
        label,
        carrier,
    }
}

/// The carriers.
#[rustfmt::skip]
pub static CARRIERS: &[Code] = &[
    code("usps", "USPS", None),
    code("ups", "UPS", None),
    code("fedex", "FedEx", None),
    code("dhl_express", "DHL Express", None),
];

/// Other names of carriers that channels send, lowercase.
#[rustfmt::skip]
static CARRIER_ALIASES: &[(&str, &str)] = &[
    ("united states postal service", "usps"),
    ("u.s.p.s.", "usps"),
    ("us postal service", "usps"),
    ("united parcel service", "ups"),
    ("federal express", "fedex"),
    ("fed ex", "fedex"),
    ("dhl", "dhl_express"),
    ("dhl worldwide express", "dhl_express"),
];

const USPS: Option<&str> = Some("usps");
const UPS: Option<&str> = Some("ups");
const FEDEX: Option<&str> = Some("fedex");
const DHL: Option<&str> = Some("dhl_express");

/// The services of every carrier.
#[rustfmt::skip]
pub static SERVICES: &[Code] = &[
    code("usps_ground_advantage", "USPS Ground Advantage", USPS),
    code("usps_first_class_mail", "USPS First Class Mail", USPS),
    code("usps_priority_mail", "USPS Priority Mail", USPS),
    code("usps_priority_mail_express", "USPS Priority Mail Express", USPS),
    code("usps_media_mail", "USPS Media Mail", USPS),
    code("usps_parcel_select", "USPS Parcel Select Ground", USPS),
    code("usps_first_class_mail_international", "USPS First Class Mail Intl", USPS),
    code("usps_priority_mail_international", "USPS Priority Mail Intl", USPS),
    code("usps_priority_mail_express_international", "USPS Priority Mail Express Intl", USPS),
    code("ups_ground", "UPS Ground", UPS),
    code("ups_ground_saver", "UPS Ground Saver", UPS),
    code("ups_3_day_select", "UPS 3 Day Select", UPS),
    code("ups_2nd_day_air", "UPS 2nd Day Air", UPS),
    code("ups_2nd_day_air_am", "UPS 2nd Day Air A.M.", UPS),
    code("ups_next_day_air_saver", "UPS Next Day Air Saver", UPS),
    code("ups_next_day_air", "UPS Next Day Air", UPS),
    code("ups_next_day_air_early", "UPS Next Day Air Early", UPS),
    code("ups_standard_international", "UPS Standard", UPS),
    code("ups_worldwide_saver", "UPS Worldwide Saver", UPS),
    code("ups_worldwide_expedited", "UPS Worldwide Expedited", UPS),
    code("ups_worldwide_express", "UPS Worldwide Express", UPS),
    code("fedex_ground", "FedEx Ground", FEDEX),
    code("fedex_home_delivery", "FedEx Home Delivery", FEDEX),
    code("fedex_ground_economy", "FedEx Ground Economy", FEDEX),
    code("fedex_express_saver", "FedEx Express Saver", FEDEX),
    code("fedex_2day", "FedEx 2Day", FEDEX),
    code("fedex_2day_am", "FedEx 2Day A.M.", FEDEX),
    code("fedex_standard_overnight", "FedEx Standard Overnight", FEDEX),
    code("fedex_priority_overnight", "FedEx Priority Overnight", FEDEX),
    code("fedex_first_overnight", "FedEx First Overnight", FEDEX),
    code("fedex_international_economy", "FedEx International Economy", FEDEX),
    code("fedex_international_priority", "FedEx International Priority", FEDEX),
    code("fedex_international_ground", "FedEx International Ground", FEDEX),
    code("dhl_express_worldwide", "DHL Express Worldwide", DHL),
    code("dhl_express_9_00", "DHL Express 9:00", DHL),
    code("dhl_express_10_30", "DHL Express 10:30", DHL),
    code("dhl_express_12_00", "DHL Express 12:00", DHL),
    code("dhl_express_easy", "DHL Express Easy", DHL),
    code("dhl_economy_select", "DHL Economy Select", DHL),
];

/// The package types: generic ones first, then each carrier's own.
#[rustfmt::skip]
pub static PACKAGES: &[Code] = &[
    code("parcel", "Package", None),
    code("letter", "Letter", None),
    code("large_envelope", "Large envelope or flat", None),
    code("thick_envelope", "Thick envelope", None),
    code("usps_flat_rate_envelope", "USPS Flat Rate Envelope", USPS),
    code("usps_flat_rate_legal_envelope", "USPS Flat Rate Legal Envelope", USPS),
    code("usps_flat_rate_padded_envelope", "USPS Flat Rate Padded Envelope", USPS),
    code("usps_small_flat_rate_box", "USPS Small Flat Rate Box", USPS),
    code("usps_medium_flat_rate_box", "USPS Medium Flat Rate Box", USPS),
    code("usps_large_flat_rate_box", "USPS Large Flat Rate Box", USPS),
    code("usps_regional_rate_box_a", "USPS Regional Rate Box A", USPS),
    code("usps_regional_rate_box_b", "USPS Regional Rate Box B", USPS),
    code("ups_letter", "UPS Letter", UPS),
    code("ups_pak", "UPS Pak", UPS),
    code("ups_tube", "UPS Tube", UPS),
    code("ups_express_box_small", "UPS Express Box Small", UPS),
    code("ups_express_box_medium", "UPS Express Box Medium", UPS),
    code("ups_express_box_large", "UPS Express Box Large", UPS),
    code("ups_10kg_box", "UPS 10 KG Box", UPS),
    code("ups_25kg_box", "UPS 25 KG Box", UPS),
    code("fedex_envelope", "FedEx Envelope", FEDEX),
    code("fedex_pak", "FedEx Pak", FEDEX),
    code("fedex_small_box", "FedEx Small Box", FEDEX),
    code("fedex_medium_box", "FedEx Medium Box", FEDEX),
    code("fedex_large_box", "FedEx Large Box", FEDEX),
    code("fedex_extra_large_box", "FedEx Extra Large Box", FEDEX),
    code("fedex_tube", "FedEx Tube", FEDEX),
    code("fedex_10kg_box", "FedEx 10kg Box", FEDEX),
    code("fedex_25kg_box", "FedEx 25kg Box", FEDEX),
    code("dhl_express_envelope", "DHL Express Envelope", DHL),
    code("dhl_express_flyer", "DHL Express Flyer", DHL),
    code("dhl_express_box", "DHL Express Box", DHL),
];

/// Delivery confirmation options.
pub static CONFIRMATIONS: &[&str] = &[
    "none",
    "delivery",
    "signature",
    "adult_signature",
    "direct_signature",
];

/// The contents types of an international shipment.
pub static CONTENTS: &[&str] = &[
    "merchandise",
    "gift",
    "documents",
    "sample",
    "returned_goods",
];

/// The instructions for an international shipment that cannot be delivered.
pub static NON_DELIVERY: &[&str] = &["return_to_sender", "treat_as_abandoned"];

/// The parties that can pay duties on an international shipment.
pub static DUTIES_PAID_BY: &[&str] = &["sender", "recipient", "third_party"];

/// Finds a code in `list` by its code or, ignoring case, by its label.
pub fn lookup(list: &'static [Code], text: &str) -> Option<&'static Code> {
    let text = text.trim();
    list.iter().find(|entry| entry.code == text).or_else(|| {
        list.iter()
            .find(|entry| entry.label.eq_ignore_ascii_case(text))
    })
}

/// Finds a carrier by code, label or a common other name such as "Federal Express".
pub fn lookup_carrier(text: &str) -> Option<&'static Code> {
    if let Some(found) = lookup(CARRIERS, text) {
        return Some(found);
    }
    let lowered = text.trim().to_lowercase();
    let code = CARRIER_ALIASES
        .iter()
        .find(|(alias, _)| *alias == lowered)
        .map(|(_, code)| *code)?;
    lookup(CARRIERS, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_lowercase_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for entry in CARRIERS.iter().chain(SERVICES).chain(PACKAGES) {
            assert_eq!(entry.code, entry.code.to_lowercase(), "{}", entry.code);
            assert!(seen.insert(entry.code), "duplicate code {}", entry.code);
        }
    }

    #[test]
    fn every_service_names_a_known_carrier() {
        for entry in SERVICES.iter().chain(PACKAGES) {
            if let Some(carrier) = entry.carrier {
                assert!(lookup(CARRIERS, carrier).is_some(), "{}", entry.code);
            }
        }
    }

    #[test]
    fn carriers_are_found_by_other_names() {
        assert_eq!(lookup_carrier("FedEx").unwrap().code, "fedex");
        assert_eq!(lookup_carrier("Federal Express").unwrap().code, "fedex");
        assert_eq!(lookup_carrier("DHL").unwrap().code, "dhl_express");
        assert!(lookup_carrier("Pigeon Post").is_none());
    }

    #[test]
    fn services_are_found_by_code_or_label() {
        assert_eq!(
            lookup(SERVICES, "usps_priority_mail").unwrap().carrier,
            Some("usps")
        );
        assert_eq!(lookup(SERVICES, "ups ground").unwrap().code, "ups_ground");
        assert!(lookup(SERVICES, "USPS_PRIORITY_MAIL").is_none());
    }
}
