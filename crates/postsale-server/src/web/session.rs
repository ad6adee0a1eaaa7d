//! The session cookie of the web UI and the `SignedIn` extractor.
//!
//! The cookie `postsale_session` carries a random 256-bit value; the database keeps only its
//! SHA-256 hash. A session ends after `IDLE_LIFETIME` without use, and in any case
//! `ABSOLUTE_LIFETIME` after sign-in.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use postsale_store::accounts::Account;
use postsale_store::sessions::{self, ActiveSession, CreatedSession};
use postsale_store::users::User;
use postsale_store::{Database, StoreError};
use time::{Duration, OffsetDateTime};

use crate::app::AppState;
use crate::web::error::WebError;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "postsale_session";
/// A session without a request for this long ends.
pub const IDLE_LIFETIME: Duration = Duration::hours(12);
/// A session ends this long after sign-in, however much it is used.
pub const ABSOLUTE_LIFETIME: Duration = Duration::days(7);
/// A session's last use is written at most this often, so that page loads add few writes.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// The signed-in user of a page request, with the account every query is scoped to.
///
/// As an extractor it needs a valid session cookie. Without one it returns a redirect to
/// `/sign-in?next=<path>`.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub account: Account,
    pub user: User,
    /// The session's CSRF token, which forms send back as `csrf_token`.
    pub csrf_token: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let active = match active_session(state.db(), &parts.headers).await {
            Ok(active) => active,
            Err(error) => return Err(WebError::from(error).into_response()),
        };
        let Some(active) = active else {
            return Err(redirect_to_sign_in(parts));
        };
        tracing::Span::current().record("account.id", active.account.id.get());
        Ok(SignedIn {
            account: active.account,
            user: active.user,
            csrf_token: active.session.csrf_token,
        })
    }
}

/// Reads the session cookie and returns the valid session behind it, extending it when its
/// last use was recorded more than a minute ago. `None` when there is no cookie or the session
/// is unknown or expired.
pub async fn active_session(
    db: &Database,
    headers: &HeaderMap,
) -> Result<Option<ActiveSession>, StoreError> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = OffsetDateTime::now_utc();
    let Some(active) = sessions::authenticate(db, token, now).await? else {
        return Ok(None);
    };
    if now - active.session.last_seen_at >= TOUCH_INTERVAL {
        let expires_at = extended_expiry(active.session.created_at, now);
        sessions::extend(db, active.session.id, now, expires_at).await?;
    }
    Ok(Some(active))
}

/// Starts a session for a user and returns it with the `Set-Cookie` value that carries it.
pub async fn start(
    db: &Database,
    user: &User,
    secure: bool,
) -> Result<(CreatedSession, HeaderValue), StoreError> {
    let now = OffsetDateTime::now_utc();
    let created = sessions::create(db, user, now, extended_expiry(now, now)).await?;
    let cookie = session_cookie(&created.token, secure);
    Ok((created, cookie))
}

/// Returns the deadline of a session used at `now`: the idle lifetime from now, capped at the
/// absolute lifetime from sign-in.
fn extended_expiry(created_at: OffsetDateTime, now: OffsetDateTime) -> OffsetDateTime {
    (now + IDLE_LIFETIME).min(created_at + ABSOLUTE_LIFETIME)
}

/// Builds the `Set-Cookie` value of a new session.
fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let max_age = ABSOLUTE_LIFETIME.whole_seconds();
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&value).expect("a hex token makes a valid header value")
}

/// Builds the `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    HeaderValue::from_str(&value).expect("a fixed cookie is a valid header value")
}

/// Returns whether cookies must carry `Secure`: when the public URL is served over HTTPS.
pub fn secure_cookies(state: &AppState) -> bool {
    state.settings().public_url.starts_with("https://")
}

/// Finds a cookie's value in the `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// Redirects to the sign-in page. A GET request's path comes back as `next`, so that the user
/// lands where they were going; other methods cannot be repeated by a redirect.
fn redirect_to_sign_in(parts: &Parts) -> Response {
    let mut target = "/sign-in".to_owned();
    if parts.method == Method::GET || parts.method == Method::HEAD {
        let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
        let next: String =
            percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        target = format!("/sign-in?next={next}");
    }
    let mut response = Redirect::to(&target).into_response();
    if cookie_value(&parts.headers, SESSION_COOKIE).is_some() {
        // Drop a cookie that no longer names a session. `Secure` is left out here, and a
        // browser still removes a secure cookie of the same name and path with it.
        response
            .headers_mut()
            .append(header::SET_COOKIE, clear_session_cookie(false));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_value_finds_named_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; postsale_session=abc; b=2"),
        );

        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie_value(&headers, "b"), Some("2"));
        assert_eq!(cookie_value(&headers, "missing"), None);
    }

    #[test]
    fn expiry_capped_by_absolute_lifetime() {
        let created = OffsetDateTime::UNIX_EPOCH;
        let late = created + ABSOLUTE_LIFETIME - Duration::hours(1);

        assert_eq!(extended_expiry(created, created), created + IDLE_LIFETIME);
        assert_eq!(extended_expiry(created, late), created + ABSOLUTE_LIFETIME);
    }

    #[test]
    fn session_cookie_has_flags() {
        let cookie = session_cookie("abc", true);
        let text = cookie.to_str().unwrap();

        assert!(text.starts_with("postsale_session=abc;"), "{text}");
        assert!(text.contains("HttpOnly"), "{text}");
        assert!(text.contains("SameSite=Lax"), "{text}");
        assert!(text.contains("Path=/;"), "{text}");
        assert!(text.ends_with("; Secure"), "{text}");
        assert!(
            !session_cookie("abc", false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
