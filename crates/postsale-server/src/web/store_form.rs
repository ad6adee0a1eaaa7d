//! The details form of a store: automation, name, logo and address. Step 3 of the setup
//! wizard and the store's edit page both show it; it posts as `multipart/form-data` because of
//! the logo file.
//!
//! Element ids: `#status-on-import`, `#set-shipped`, `#set-voided`, `#store-name`, `#logo`,
//! `#remove-logo` (only with a logo), `#address-name`, `#address-company`, `#address-street1`
//! to `#address-street3`, `#address-city`, `#address-state`, `#address-postal-code`,
//! `#address-country`, `#address-phone`, `#address-email`, `#ship-from-store-address`. A
//! field's error is `#<id>-error`, and `#form-errors` lists them all.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use maud::{Markup, html};
use postsale_core::{AccountId, OrderStatus};
use postsale_documents::logo::LogoLimits;
use postsale_store::logos::{self, StoredLogo};
use postsale_store::stores::{self, Automation, Store, StorePatch};
use serde_json::{Map, Value};

use crate::api::address::{ADDRESS_FIELDS, normalize_address};
use crate::api::logo::TurnError;
use crate::app::AppState;
use crate::web::error::WebError;
use crate::web::form::{
    FieldErrors, checkbox_field, error_id, field_error, input_field, nul_field_message,
};
use crate::web::layout::status_label;

/// The values the form shows: a store's, or what was submitted.
#[derive(Clone, Debug)]
pub struct DetailsView {
    pub status_on_import: Option<OrderStatus>,
    pub set_shipped: bool,
    pub set_voided: bool,
    pub name: String,
    /// Address members by name (`city`, `postal_code`, ...), as text.
    pub address: BTreeMap<String, String>,
    pub ship_from_store_address: bool,
    /// The URL of the current logo, when the store has one.
    pub logo_url: Option<String>,
}

impl DetailsView {
    /// Shows a stored store.
    pub fn from_store(store: &Store) -> DetailsView {
        let address = store
            .address
            .as_deref()
            .and_then(|text| serde_json::from_str::<Map<String, Value>>(text).ok())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(key, value)| Some((key, value.as_str()?.to_owned())))
            .collect();
        DetailsView {
            status_on_import: store.automation.status_on_import,
            set_shipped: store.automation.set_shipped,
            set_voided: store.automation.set_voided,
            name: store.name.clone(),
            address,
            ship_from_store_address: store.ship_from_store_address,
            logo_url: logo_url(store),
        }
    }
}

/// Builds the URL of a store's logo with part of its ETag, so a new logo is fetched at once.
pub fn logo_url(store: &Store) -> Option<String> {
    let etag = store.logo_etag.as_deref()?;
    let version = etag.get(..16).unwrap_or(etag);
    Some(format!("/api/v1/stores/{}/logo?v={version}", store.id))
}

/// A submitted details form.
#[derive(Debug)]
pub struct Submission {
    pub csrf_token: String,
    status_on_import: String,
    set_shipped: bool,
    set_voided: bool,
    name: String,
    address: BTreeMap<String, String>,
    ship_from_store_address: bool,
    logo: Option<Bytes>,
    remove_logo: bool,
}

impl Submission {
    /// Shows the submitted values again, with the store's current logo.
    pub fn view(&self, store: &Store) -> DetailsView {
        DetailsView {
            status_on_import: self.status_on_import.parse().ok(),
            set_shipped: self.set_shipped,
            set_voided: self.set_voided,
            name: self.name.clone(),
            address: self.address.clone(),
            ship_from_store_address: self.ship_from_store_address,
            logo_url: logo_url(store),
        }
    }
}

/// A checked submission, ready to save.
#[derive(Debug)]
pub struct ValidDetails {
    patch: StorePatch,
    logo: LogoChange,
}

#[derive(Debug)]
enum LogoChange {
    Keep,
    Remove,
    Replace(StoredLogo),
}

/// Returns the maximum request body of the form: the largest logo upload and room for the
/// fields.
pub fn body_limit() -> usize {
    LogoLimits::default().max_input_bytes + 64 * 1024
}

/// Reads the multipart form. An unreadable body is a 400 page, or 413 when it is too large. A
/// text field that contains a NUL character is a 422 page naming the field, because
/// PostgreSQL cannot store that character. Unlike a URL-encoded field, a multipart field can
/// carry it as a raw byte, so the middleware that checks URLs cannot see it.
pub async fn read(mut multipart: Multipart) -> Result<Submission, WebError> {
    let mut submission = Submission {
        csrf_token: String::new(),
        status_on_import: String::new(),
        set_shipped: false,
        set_voided: false,
        name: String::new(),
        address: BTreeMap::new(),
        ship_from_store_address: false,
        logo: None,
        remove_logo: false,
    };
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "logo" {
            let bytes = field.bytes().await.map_err(multipart_error)?;
            submission.logo = (!bytes.is_empty()).then_some(bytes);
            continue;
        }
        let value = field.text().await.map_err(multipart_error)?;
        if name.contains('\0') || value.contains('\0') {
            return Err(WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                nul_field_message(&name.escape_debug().to_string()),
            ));
        }
        match name.as_str() {
            "csrf_token" => submission.csrf_token = value,
            "status_on_import" => submission.status_on_import = value,
            "set_shipped" => submission.set_shipped = true,
            "set_voided" => submission.set_voided = true,
            "name" => submission.name = value,
            "ship_from_store_address" => submission.ship_from_store_address = true,
            "remove_logo" => submission.remove_logo = true,
            other => {
                if let Some(member) = other.strip_prefix("address_")
                    && ADDRESS_FIELDS.contains(&member)
                {
                    submission.address.insert(member.to_owned(), value);
                }
            }
        }
    }
    Ok(submission)
}

/// Checks every field and returns all errors at once, each by its field name.
pub async fn validate(submission: &Submission) -> Result<ValidDetails, FieldErrors> {
    let mut errors = FieldErrors::default();

    let status_on_import = match submission.status_on_import.as_str() {
        "off" => None,
        text => match text.parse::<OrderStatus>() {
            Ok(status) if status.is_open() => Some(status),
            _ => {
                errors.add(
                    "status_on_import",
                    "Choose an open status for new orders (awaiting payment, awaiting shipment, on hold or pending fulfillment), or Off to leave it blank.",
                );
                None
            }
        },
    };

    let name = match crate::api::stores::store_name(&submission.name) {
        Ok(name) => name,
        Err(problem) => {
            errors.add("name", format!("The name is invalid: {problem}."));
            String::new()
        }
    };

    let address = validate_address(&submission.address, &mut errors);
    let logo = match (&submission.logo, submission.remove_logo) {
        (Some(bytes), _) => match check_logo(bytes.clone()).await {
            Ok(logo) => LogoChange::Replace(logo),
            Err(message) => {
                errors.add("logo", message);
                LogoChange::Keep
            }
        },
        (None, true) => LogoChange::Remove,
        (None, false) => LogoChange::Keep,
    };
    if submission.logo.is_some() && !errors.is_empty() && errors.get("logo").is_none() {
        errors.add(
            "logo",
            "The logo was not saved because of the other errors: choose the file again.",
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let patch = StorePatch {
        name: Some(name),
        address: Some(address),
        automation: Some(Automation {
            status_on_import,
            set_shipped: submission.set_shipped,
            set_voided: submission.set_voided,
        }),
        ship_from_store_address: Some(submission.ship_from_store_address),
        ..StorePatch::default()
    };
    Ok(ValidDetails { patch, logo })
}

/// Saves checked details. Returns the updated store, or 404 when the account has no such store.
pub async fn save(
    state: &AppState,
    account_id: AccountId,
    store_id: postsale_core::StoreId,
    details: ValidDetails,
) -> Result<Store, WebError> {
    let db = state.db();
    let store = stores::update(db, account_id, store_id, &details.patch)
        .await?
        .ok_or_else(|| WebError::not_found("Store", store_id))?;
    match details.logo {
        LogoChange::Keep => {}
        LogoChange::Remove => {
            logos::delete(db, account_id, store_id).await?;
            tracing::info!(store.id = store_id.get(), "store logo removed");
        }
        LogoChange::Replace(logo) => {
            logos::set(db, account_id, store_id, &logo).await?;
            tracing::info!(
                store.id = store_id.get(),
                logo.bytes = logo.bytes.len(),
                "store logo stored"
            );
        }
    }
    tracing::info!(store.id = store_id.get(), "store details saved");
    let store = stores::get(db, account_id, store_id)
        .await?
        .unwrap_or(store);
    Ok(store)
}

/// Returns the ids that describe the status select: its hint, and its error when it has one.
fn status_on_import_described_by(errors: &FieldErrors) -> String {
    match errors.get("status_on_import") {
        Some(_) => format!("status-on-import-hint {}", error_id("status_on_import")),
        None => "status-on-import-hint".to_owned(),
    }
}

/// Renders the form's fields (without the `<form>` element and its buttons).
pub fn fields(view: &DetailsView, errors: &FieldErrors) -> Markup {
    html! {
        fieldset {
            legend { "Automation" }
            div.field {
                label for="status-on-import" { "When an order is first imported, set its status to" }
                select #status-on-import name="status_on_import"
                    aria-describedby=(status_on_import_described_by(errors)) {
                    option value="off" selected[view.status_on_import.is_none()] {
                        "Off: leave the status blank"
                    }
                    @for status in OrderStatus::ALL.into_iter().filter(|status| status.is_open()) {
                        option value=(status.as_str()) selected[view.status_on_import == Some(status)] {
                            (status_label(Some(status)))
                        }
                    }
                }
                p.hint #status-on-import-hint {
                    "An order that the channel already shipped, cancelled or voided keeps that \
                     status, as the map's status field gives it."
                }
                (field_error(errors, "status_on_import"))
            }
            (checkbox_field("set_shipped",
                "When a shipment is processed, set the order's status to Shipped",
                view.set_shipped, errors))
            (checkbox_field("set_voided",
                "When a shipment is voided, set the order's status to Voided",
                view.set_voided, errors))
        }
        fieldset {
            legend { "Store" }
            div.field {
                label for="store-name" { "Store name" }
                input #store-name type="text" name="name" value=(view.name) required
                    maxlength=(crate::api::stores::MAX_NAME_CHARS)
                    aria-invalid=[errors.get("name").map(|_| "true")]
                    aria-describedby=[errors.get("name").map(|_| error_id("name"))];
                (field_error(errors, "name"))
            }
            div.field {
                @if let Some(url) = &view.logo_url {
                    p { img.logo-preview #logo-current src=(url) alt="The store's current logo"; }
                }
                label for="logo" { "Logo (PNG or JPEG)" }
                input #logo type="file" name="logo" accept="image/png,image/jpeg"
                    aria-describedby="logo-hint";
                p.hint #logo-hint {
                    "Files up to 25 MB are accepted; logos above 3 MB are reduced. The logo \
                     appears on the invoice."
                }
                (field_error(errors, "logo"))
                @if view.logo_url.is_some() {
                    (checkbox_field("remove_logo", "Remove the current logo", false, errors))
                }
            }
        }
        fieldset {
            legend { "Store address (optional)" }
            p.hint { "Leave every field blank for no address." }
            div.grid {
                @for member in ADDRESS_FIELDS {
                    (input_field(
                        &format!("address_{member}"),
                        address_label(member),
                        if member == "email" { "email" } else { "text" },
                        view.address.get(member).map_or("", String::as_str),
                        errors,
                    ))
                }
            }
            (checkbox_field("ship_from_store_address",
                "Use this address as the Ship From address of new shipments",
                view.ship_from_store_address, errors))
        }
    }
}

fn address_label(member: &str) -> &'static str {
    match member {
        "name" => "Name",
        "company" => "Company",
        "street1" => "Street 1",
        "street2" => "Street 2",
        "street3" => "Street 3",
        "city" => "City",
        "state" => "State or province",
        "postal_code" => "Postal code",
        "country" => "Country",
        "phone" => "Phone",
        "email" => "Email",
        _ => "Address",
    }
}

/// Checks the address members and records an error for each invalid one. Returns the address
/// to store (`None` when every member is blank), or `None` when a member is invalid.
fn validate_address(values: &BTreeMap<String, String>, errors: &mut FieldErrors) -> Option<String> {
    let mut members: Map<String, Value> = values
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
        .collect();
    if members.is_empty() {
        return None;
    }
    // The address check stops at its first error, so each invalid member is noted and left
    // out, and the rest is checked again until it passes.
    let mut invalid = false;
    for _ in 0..=ADDRESS_FIELDS.len() {
        match normalize_address(&Value::Object(members.clone())) {
            Ok(normalized) if !invalid => {
                return serde_json::to_string(&normalized).ok();
            }
            Ok(_) => return None,
            Err(error) => {
                invalid = true;
                let member = error
                    .extension("field")
                    .and_then(Value::as_str)
                    .and_then(|field| field.strip_prefix("address."))
                    .map(str::to_owned);
                let Some(member) = member else {
                    errors.add("address_name", error.detail());
                    return None;
                };
                errors.add(
                    &format!("address_{member}"),
                    readable_address_error(&member, error.detail()),
                );
                members.remove(&member);
            }
        }
    }
    None
}

/// Rewrites the API's `invalid address.state "X": ...` as `Invalid state or province "X": ...`.
fn readable_address_error(member: &str, detail: &str) -> String {
    let prefix = format!("invalid address.{member}");
    match detail.strip_prefix(&prefix) {
        Some(rest) => format!("Invalid {}{rest}.", address_label(member).to_lowercase()),
        None => detail.to_owned(),
    }
}

/// Processes an uploaded logo off the async threads. Returns the message for the form when
/// the file is refused.
async fn check_logo(bytes: Bytes) -> Result<StoredLogo, String> {
    let processed = crate::api::logo::process_in_turn(bytes, None)
        .await
        .map_err(|error| match error {
            TurnError::Busy(_) => {
                format!("The logo was not processed: {error}. Send it again in a minute.")
            }
            TurnError::Stopped(_) => {
                format!("The logo could not be processed ({error}): try again.")
            }
        })?;
    match processed {
        Ok(logo) => Ok(StoredLogo {
            content_type: logo.format.content_type().to_owned(),
            bytes: logo.bytes,
            etag: logo.etag,
        }),
        Err(error) => Err(format!(
            "The logo was refused: {error}. Choose a PNG or JPEG file and try again."
        )),
    }
}

fn multipart_error(error: MultipartError) -> WebError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return WebError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The upload is larger than 25 MB. Choose a smaller logo file and try again.",
        );
    }
    WebError::bad_request(format!(
        "The form could not be read ({}). Reload the page and try again.",
        error.body_text()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn blank_address_is_none_without_errors() {
        let mut errors = FieldErrors::default();

        let stored = validate_address(&address(&[("city", "  ")]), &mut errors);

        assert_eq!(stored, None);
        assert!(errors.is_empty());
    }

    #[test]
    fn every_invalid_member_gets_its_error() {
        let mut errors = FieldErrors::default();
        let values = address(&[
            ("country", "Atlantis"),
            ("email", "not-an-address"),
            ("city", "Austin"),
        ]);

        let stored = validate_address(&values, &mut errors);

        assert_eq!(stored, None);
        let country = errors.get("address_country").expect("country error");
        assert!(
            country.starts_with("Invalid country \"Atlantis\""),
            "{country}"
        );
        assert!(errors.get("address_email").is_some());
        assert!(errors.get("address_city").is_none());
    }

    #[test]
    fn valid_address_is_normalized() {
        let mut errors = FieldErrors::default();
        let values = address(&[("state", "Texas"), ("country", "United States")]);

        let stored = validate_address(&values, &mut errors).expect("valid");

        assert!(errors.is_empty());
        assert!(stored.contains("\"state\":\"TX\""), "{stored}");
        assert!(stored.contains("\"country\":\"US\""), "{stored}");
    }
}
