//! The page frame every screen renders into (head, navigation, sign-out), and small pieces
//! that several pages share: time formatting and status labels.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use postsale_core::{OrderStatus, WebhookState};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::web::assets::asset_url;
use crate::web::csrf;
use crate::web::session::SignedIn;

/// The section of the main navigation a page belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    Orders,
    Stores,
}

/// Renders a page of a signed-in user with status 200.
///
/// `scripts` are asset names: each `.js` name becomes a deferred `<script src>`, and each
/// `.css` name a stylesheet link after `app.css`.
pub fn page(
    title: &str,
    signed_in: &SignedIn,
    nav: Nav,
    scripts: &[&str],
    body: Markup,
) -> Response {
    page_with_status(StatusCode::OK, title, signed_in, nav, scripts, body)
}

/// Renders a page of a signed-in user with another status, such as 422 for a form with errors.
pub fn page_with_status(
    status: StatusCode,
    title: &str,
    signed_in: &SignedIn,
    nav: Nav,
    scripts: &[&str],
    body: Markup,
) -> Response {
    let current = |section: Nav| (section == nav).then_some("page");
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                (head_common(title, scripts))
                meta name="csrf-token" content=(signed_in.csrf_token);
            }
            body {
                a.skip-link href="#main" { "Skip to content" }
                header.site-header {
                    a.brand href="/orders" { "postsale" }
                    nav.main-nav aria-label="Main" {
                        ul {
                            li { a href="/orders" aria-current=[current(Nav::Orders)] { "Orders" } }
                            li {
                                a href="/settings/stores" aria-current=[current(Nav::Stores)] {
                                    "Settings: Store Settings"
                                }
                            }
                        }
                    }
                    div.signed-in-as {
                        span #signed-in-email { (signed_in.user.email) }
                        span.account-name { (signed_in.account.name) }
                        form method="post" action="/sign-out" {
                            (csrf::hidden_field(signed_in))
                            button #sign-out type="submit" { "Sign out" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// Renders a page outside a session: the sign-in form and error pages.
pub fn bare_page(status: StatusCode, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head { (head_common(title, &[])) }
            body.bare {
                header.site-header { a.brand href="/" { "postsale" } }
                main #main { (body) }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

fn head_common(title: &str, assets: &[&str]) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · postsale" }
        link rel="stylesheet" href=(asset_url("app.css"));
        @for name in assets.iter().filter(|name| name.ends_with(".css")) {
            link rel="stylesheet" href=(asset_url(name));
        }
        script src=(asset_url("app.js")) defer {}
        @for name in assets.iter().filter(|name| name.ends_with(".js")) {
            script src=(asset_url(name)) defer {}
        }
    }
}

/// Formats an instant for display: `2025-01-24 04:10:16 UTC`.
pub fn format_time(instant: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    instant
        .to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| instant.to_string())
}

/// Renders an instant as a `<time>` element with its RFC 3339 form in `datetime`.
pub fn time_element(instant: OffsetDateTime) -> Markup {
    let machine = instant
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    html! { time datetime=(machine) { (format_time(instant)) } }
}

/// Returns the label of an order status as the pages show it; `None` is blank.
pub fn status_label(status: Option<OrderStatus>) -> &'static str {
    match status {
        None => "Blank",
        Some(OrderStatus::AwaitingPayment) => "Awaiting payment",
        Some(OrderStatus::AwaitingShipment) => "Awaiting shipment",
        Some(OrderStatus::OnHold) => "On hold",
        Some(OrderStatus::PendingFulfillment) => "Pending fulfillment",
        Some(OrderStatus::Shipped) => "Shipped",
        Some(OrderStatus::Cancelled) => "Cancelled",
        Some(OrderStatus::Voided) => "Voided",
    }
}

/// Returns the label of a webhook state as the pages show it. A capturing webhook is either
/// paused by the merchant or still waiting for a map that sets order source and number.
pub fn webhook_state_label(state: WebhookState, paused: bool) -> &'static str {
    match state {
        WebhookState::Capturing if paused => "Paused (requests wait)",
        WebhookState::Capturing => "Capturing (no complete map yet)",
        WebhookState::Active => "Active",
        WebhookState::Disabled => "Disabled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_formats_in_utc() {
        let instant = time::macros::datetime!(2025-01-24 06:10:16 +02:00);

        assert_eq!(format_time(instant), "2025-01-24 04:10:16 UTC");
    }
}
