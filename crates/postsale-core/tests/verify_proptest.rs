//! Properties: any change to a signed body makes the HMAC check fail, for every preset, and
//! arbitrary signature headers are rejected with 401 without a panic.

mod verify_support;

use postsale_core::verify::{Check, HmacConfig, Preset, Reason, SecurityConfig};
use proptest::prelude::*;
use verify_support::{insert, instant, sign, verify};

const SECRETS: [(Preset, &str); 6] = [
    (Preset::Shopify, "shpss_property_secret"),
    (Preset::WooCommerce, "wc_property_secret"),
    (
        Preset::StandardWebhooks,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ),
    (Preset::Stripe, "whsec_property_secret"),
    (Preset::GitHub, "property_secret"),
    (Preset::Squarespace, "a1b2c3d4e5f60718"),
];

proptest! {
    #[test]
    fn any_body_change_fails(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        preset_index in 0..SECRETS.len(),
        edit in 0..3_usize,
        position in any::<usize>(),
        byte in any::<u8>(),
    ) {
        let (preset, secret) = SECRETS[preset_index];
        let config = SecurityConfig::single(Check::Hmac(HmacConfig::preset(preset, secret)));
        let now = instant("2025-01-24T04:10:16Z");
        let headers = sign(&config, &body, now);
        prop_assert!(verify(&config, &headers, &body, now).is_ok());

        let mut changed = body.clone();
        match edit {
            0 if !changed.is_empty() => {
                let index = position % changed.len();
                changed[index] = changed[index].wrapping_add(byte.max(1));
            }
            1 if !changed.is_empty() => {
                changed.remove(position % changed.len());
            }
            _ => changed.insert(position % (changed.len() + 1), byte),
        }
        prop_assume!(changed != body);

        let rejection = verify(&config, &headers, &changed, now).unwrap_err();
        prop_assert_eq!(rejection.reason, Reason::BadSignature);
    }
}

proptest! {
    #[test]
    fn arbitrary_signature_headers_fail_closed(
        preset_index in 0..SECRETS.len(),
        value in proptest::collection::vec(32_u8..=255, 0..120),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (preset, secret) = SECRETS[preset_index];
        let hmac = HmacConfig::preset(preset, secret);
        let header = hmac.header.clone();
        let config = SecurityConfig::single(Check::Hmac(hmac));
        let now = instant("2025-01-24T04:10:16Z");

        let mut headers = sign(&config, &body, now);
        let value: Vec<u8> = value.into_iter().filter(|&byte| byte != 127).collect();
        insert(&mut headers, &header, &value);

        let rejection = verify(&config, &headers, &body, now).unwrap_err();
        prop_assert_eq!(rejection.status.as_u16(), 401);
    }
}
