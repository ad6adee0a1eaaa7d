//! Property: any change to a signed body makes the HMAC check fail, for every preset.

mod verify_support;

use postsale_core::verify::{Check, HmacConfig, Preset, Reason, SecurityConfig};
use proptest::prelude::*;
use verify_support::{instant, sign, verify};

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
