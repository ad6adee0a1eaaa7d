//! CSRF protection of the web UI's forms.
//!
//! Every session has a random token. Forms carry it as the hidden field `csrf_token`, and
//! handlers compare it with [`verify`] before they change anything. The sign-in form, which
//! has no session yet, uses a token in its own short cookie instead (double submit).

use axum::http::HeaderValue;
use maud::{Markup, html};
use subtle::ConstantTimeEq;

use crate::web::error::WebError;
use crate::web::session::SignedIn;

/// The name of the hidden form field, and of the cookie of the sign-in form.
pub const FIELD: &str = "csrf_token";
/// The cookie that carries the sign-in form's token.
pub const SIGN_IN_COOKIE: &str = "postsale_sign_in";

/// Renders `<input type=hidden name=csrf_token>` with the session's token.
pub fn hidden_field(signed_in: &SignedIn) -> Markup {
    html! { input type="hidden" name=(FIELD) value=(signed_in.csrf_token); }
}

/// Checks a form's token against the session's. A mismatch is a 403 page that asks the user
/// to reload the form.
pub fn verify(signed_in: &SignedIn, form_token: &str) -> Result<(), WebError> {
    if tokens_match(&signed_in.csrf_token, form_token) {
        return Ok(());
    }
    tracing::warn!(
        account.id = signed_in.account.id.get(),
        user.id = signed_in.user.id.get(),
        "form rejected: CSRF token missing or wrong"
    );
    Err(WebError::forbidden(
        "This form is out of date or came from another site, so nothing was changed. Reload \
         the page and submit it again.",
    ))
}

/// Compares two tokens in constant time. An empty token never matches.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Builds the `Set-Cookie` value that carries the sign-in form's token for the form's path.
pub fn sign_in_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!("{SIGN_IN_COOKIE}={token}; Path=/sign-in; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&value).expect("a hex token makes a valid header value")
}

/// Builds the `Set-Cookie` value that removes the sign-in form's cookie.
pub fn clear_sign_in_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value =
        format!("{SIGN_IN_COOKIE}=; Path=/sign-in; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    HeaderValue::from_str(&value).expect("a fixed cookie is a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
        assert!(!tokens_match("", ""));
    }
}
