//! Currency codes: the ISO 4217 codes of money in circulation, and codes withdrawn since 2007
//! that older orders still carry. The tables are written by hand after the ISO 4217 lists of
//! current and historic codes, not generated from them. A code left out by mistake fails the
//! import with an error that names it.
//!
//! Fund codes (such as `BOV` and `USN`) are left in, because a bank code is still a currency an
//! amount may be in. Precious metals, special drawing rights and the codes for testing and for
//! "no currency" (`XAU`, `XDR`, `XTS`, `XXX` and the like) are left out: no order is priced in
//! them, and a cart that sends one has sent a wrong value.

/// Active codes, in alphabetical order.
// NOTE: a code that ISO adds later fails the import until it is added here.
const ACTIVE: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD",
    "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT",
    "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST",
    "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// Codes withdrawn since 2007, in alphabetical order.
const WITHDRAWN: &[&str] = &[
    "ANG", "BYR", "CUC", "CYP", "EEK", "GHC", "HRK", "LTL", "LVL", "MRO", "MTL", "SDD", "SIT",
    "SKK", "SLL", "STD", "TMM", "USS", "VEB", "VEF", "ZMK", "ZWD", "ZWL", "ZWN", "ZWR",
];

/// Returns whether `code`, three uppercase letters, is a currency an order may be priced in.
pub fn is_currency(code: &str) -> bool {
    ACTIVE.binary_search(&code).is_ok() || WITHDRAWN.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_without_repeats() {
        for table in [ACTIVE, WITHDRAWN] {
            assert!(table.windows(2).all(|pair| pair[0] < pair[1]), "{table:?}");
            assert!(
                table
                    .iter()
                    .all(|code| code.len() == 3
                        && code.bytes().all(|byte| byte.is_ascii_uppercase()))
            );
        }
        assert!(ACTIVE.iter().all(|code| !WITHDRAWN.contains(code)));
    }

    #[test]
    fn known_codes_pass_and_others_do_not() {
        for code in [
            "USD", "EUR", "GBP", "JPY", "CNY", "XCG", "HRK", "ANG", "VEB", "ZWR",
        ] {
            assert!(is_currency(code), "{code}");
        }
        for code in ["ZZZ", "ABC", "XXX", "XTS", "XAU", "RMB", "usd"] {
            assert!(!is_currency(code), "{code}");
        }
    }
}
