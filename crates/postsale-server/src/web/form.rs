//! Form pieces that several pages share: the [`Form`] extractor of URL-encoded form bodies,
//! the errors of a submitted form by field, and labelled inputs that show their error beside
//! them and point to it with `aria-describedby`.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, RawForm, Request};
use axum::http::StatusCode;
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use crate::http::nul::find_nul_in_urlencoded;
use crate::web::error::WebError;

/// A submitted `application/x-www-form-urlencoded` form, read like axum's `Form`. A body that
/// cannot be read gets a 400 page, and a field that contains a NUL character (`%00`) a 422 page
/// naming the field, because PostgreSQL cannot store that character.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, WebError> {
        let RawForm(bytes) = RawForm::from_request(request, state)
            .await
            .map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
        if let Some(field) = find_nul_in_urlencoded(&bytes) {
            return Err(WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                nul_field_message(&field),
            ));
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|error| {
                WebError::bad_request(format!(
                    "The form could not be read: {error}. Reload the page and submit it again."
                ))
            })
    }
}

/// Returns the message for a form field that contains a NUL character.
pub fn nul_field_message(field: &str) -> String {
    format!(
        "The form field {field} contains a NUL character (U+0000), which cannot be stored. \
         Remove it and submit the form again."
    )
}

/// The errors of a submitted form, by field name, in field order of insertion.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors {
    by_field: BTreeMap<String, String>,
    order: Vec<String>,
}

impl FieldErrors {
    /// Records an error of a field; the first error of a field wins.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.by_field.contains_key(field) {
            return;
        }
        self.by_field.insert(field.to_owned(), message.into());
        self.order.push(field.to_owned());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.by_field.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_field.len()
    }

    /// Lists the errors as (field, message) in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.order
            .iter()
            .filter_map(|field| Some((field.as_str(), self.by_field.get(field)?.as_str())))
    }
}

/// Turns a field name into an element id: `address_postal_code` becomes
/// `address-postal-code`.
pub fn field_id(name: &str) -> String {
    name.replace(['_', '.'], "-")
}

/// The id of the element that shows a field's error.
pub fn error_id(name: &str) -> String {
    format!("{}-error", field_id(name))
}

/// Renders a field's error, when it has one, as `<p id="NAME-error" class="field-error">`.
pub fn field_error(errors: &FieldErrors, name: &str) -> Markup {
    html! {
        @if let Some(message) = errors.get(name) {
            p.field-error id=(error_id(name)) { (message) }
        }
    }
}

/// Renders the summary above a form with errors, so a screen reader hears it first.
pub fn error_summary(errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.form-error #form-errors role="alert" {
                @if errors.len() == 1 {
                    p { "Nothing was saved: one field needs a change." }
                } @else {
                    p { "Nothing was saved: " (errors.len()) " fields need a change." }
                }
                ul {
                    @for (name, message) in errors.iter() {
                        li { a href={ "#" (field_id(name)) } { (message) } }
                    }
                }
            }
        }
    }
}

/// Renders a labelled single-line input with its error. `input_type` is `text`, `email`,
/// `date` or another HTML input type.
pub fn input_field(
    name: &str,
    label: &str,
    input_type: &str,
    value: &str,
    errors: &FieldErrors,
) -> Markup {
    let id = field_id(name);
    let has_error = errors.get(name).is_some();
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) type=(input_type) name=(name) value=(value)
                aria-invalid=[has_error.then_some("true")]
                aria-describedby=[has_error.then(|| error_id(name))];
            (field_error(errors, name))
        }
    }
}

/// Renders a labelled check box with its error.
pub fn checkbox_field(name: &str, label: &str, checked: bool, errors: &FieldErrors) -> Markup {
    let id = field_id(name);
    html! {
        div.field.inline {
            input id=(id) type="checkbox" name=(name) value="on" checked[checked];
            " "
            label for=(id) { (label) }
            (field_error(errors, name))
        }
    }
}
