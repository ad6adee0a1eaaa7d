//! Sign-in and sign-out: `GET` and `POST /sign-in`, `POST /sign-out`.
//!
//! Failed sign-ins are limited per email and per client address over a window, counted in the
//! database so that the limit applies across processes. Over the limit, the form returns 429
//! with `Retry-After` and does not check the password.
//!
//! Element ids: `#sign-in-form`, `#email`, `#password`, `#sign-in` (submit button),
//! `#sign-in-error` (the error message), `#sign-in-notice` (after sign-out).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use postsale_core::ingress::client_address;
use postsale_store::sign_in_failures::{self, RecentFailures};
use postsale_store::users::{self, User, normalize_email};
use postsale_store::{Database, StoreError, sessions};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::app::AppState;
use crate::web::csrf::{self, SIGN_IN_COOKIE, tokens_match};
use crate::web::error::{Query, WebError};
use crate::web::form::Form;
use crate::web::layout::bare_page;
use crate::web::password;
use crate::web::session::{self, SESSION_COOKIE, SignedIn, active_session, cookie_value};

/// Failed sign-ins count for this long.
const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Failures of one email inside the window after which its sign-in pauses.
const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures from one client address inside the window after which its sign-ins pause. Higher
/// than the per-email limit because several people may share an address behind one NAT.
const MAX_FAILURES_PER_ADDRESS: i64 = 30;
/// Old failures and expired sessions are deleted at most this often per process.
const HOUSEKEEPING_INTERVAL_MS: i64 = 60_000;

/// Builds the routes of sign-in and sign-out.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(show_form).post(submit))
        .route("/sign-out", post(sign_out))
}

/// The query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    /// The path to open after sign-in.
    next: Option<String>,
    /// Present after sign-out, to say so.
    signed_out: Option<String>,
}

/// The fields of the sign-in form. Missing fields are empty, so that they get a clear message.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

impl std::fmt::Debug for SignInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForm")
            .field("email", &self.email)
            .field("password", &"***")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// The form of a button that only needs the CSRF token, such as sign-out.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// The content of the sign-in form besides its fields.
#[derive(Debug, Default)]
struct FormView<'a> {
    email: &'a str,
    next: &'a str,
    error: Option<String>,
    notice: Option<&'static str>,
}

/// A pause of sign-in after repeated failures, with its message.
#[derive(Debug, PartialEq, Eq)]
struct Lockout {
    message: String,
    retry_after_seconds: i64,
}

async fn show_form(
    State(state): State<AppState>,
    Query(query): Query<SignInQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let next = safe_next(query.next.as_deref());
    if active_session(state.db(), &headers).await?.is_some() {
        return Ok(Redirect::to(next).into_response());
    }
    let view = FormView {
        next,
        notice: query.signed_out.map(|_| "You are signed out."),
        ..FormView::default()
    };
    Ok(render_form(&state, StatusCode::OK, &view))
}

async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let next = safe_next(Some(&form.next));
    let email = normalize_email(&form.email);
    let mut view = FormView {
        email: &email,
        next,
        ..FormView::default()
    };

    let form_is_current = cookie_value(&headers, SIGN_IN_COOKIE)
        .is_some_and(|expected| tokens_match(expected, &form.csrf_token));
    if !form_is_current {
        view.error = Some(
            "The sign-in form expired or was opened on another site. Enter your email and \
             password again."
                .to_owned(),
        );
        return Ok(render_form(&state, StatusCode::FORBIDDEN, &view));
    }
    if email.is_empty() || form.password.is_empty() {
        view.error = Some("Enter your email and your password.".to_owned());
        return Ok(render_form(&state, StatusCode::UNPROCESSABLE_ENTITY, &view));
    }

    let db = state.db();
    let trusted = &state.settings().ingress.trusted_proxies;
    let address = client_address(peer.ip(), &headers, trusted).to_string();
    let now = OffsetDateTime::now_utc();
    housekeeping(db, now).await?;
    // The attempt is recorded as a failure before the password check, so that concurrent
    // attempts see each other and at most the limit reach the check. An attempt stopped by
    // the limit stays recorded, so a pause lasts while the attempts go on.
    sign_in_failures::record(db, &email, &address, now).await?;
    let recent = sign_in_failures::recent(db, &email, &address, now - FAILURE_WINDOW).await?;
    if let Some(lockout) = lockout(&without_current_attempt(recent), now) {
        tracing::info!(client.address = %address, "sign-in paused after repeated failures");
        view.error = Some(lockout.message);
        let mut response = render_form(&state, StatusCode::TOO_MANY_REQUESTS, &view);
        let retry_after = HeaderValue::from(lockout.retry_after_seconds);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after);
        return Ok(response);
    }

    let Some(user) = check_password(db, &email, form.password).await? else {
        tracing::info!(client.address = %address, "sign-in failed: wrong email or password");
        view.error = Some(failure_message(recent.email.count));
        return Ok(render_form(&state, StatusCode::UNPROCESSABLE_ENTITY, &view));
    };

    sign_in_failures::clear_email(db, &email).await?;
    if let Some(old) = cookie_value(&headers, SESSION_COOKIE) {
        sessions::delete(db, old).await?;
    }
    let secure = session::secure_cookies(&state);
    let (created, cookie) = session::start(db, &user, secure).await?;
    tracing::info!(
        user.id = user.id.get(),
        account.id = user.account_id.get(),
        session.id = created.session.id,
        "user signed in"
    );
    let mut response = Redirect::to(next).into_response();
    let response_headers = response.headers_mut();
    response_headers.append(header::SET_COOKIE, cookie);
    response_headers.append(header::SET_COOKIE, csrf::clear_sign_in_cookie(secure));
    Ok(response)
}

async fn sign_out(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        sessions::delete(state.db(), token).await?;
    }
    tracing::info!(user.id = signed_in.user.id.get(), "user signed out");
    let mut response = Redirect::to("/sign-in?signed_out=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session::clear_session_cookie(session::secure_cookies(&state)),
    );
    Ok(response)
}

/// Checks the password of the user with this email, off the async threads because argon2 is
/// slow on purpose. An unknown email costs the same time as a wrong password.
async fn check_password(
    db: &Database,
    email: &str,
    password: String,
) -> Result<Option<User>, WebError> {
    let credentials = users::find_for_sign_in(db, email).await?;
    let checked = tokio::task::spawn_blocking(move || match credentials {
        Some(credentials) => password::verify_password(&password, &credentials.password_hash)
            .then_some(credentials.user),
        None => {
            password::verify_against_dummy(&password);
            None
        }
    })
    .await
    .map_err(|error| WebError::internal(&error))?;
    Ok(checked)
}

/// Returns the pause in force for these failures, if any.
fn lockout(recent: &RecentFailures, now: OffsetDateTime) -> Option<Lockout> {
    // NOTE: the pause is computed from the oldest failure in the window. When concurrent
    // requests pushed the count past the limit, the count is still at the limit once that
    // failure leaves the window, and the next attempt gets a new Retry-After.
    let (window, message) = if recent.email.count >= MAX_FAILURES_PER_EMAIL {
        (recent.email, "Too many failed sign-ins for this email")
    } else if recent.client_address.count >= MAX_FAILURES_PER_ADDRESS {
        (
            recent.client_address,
            "Too many failed sign-ins from your network address",
        )
    } else {
        return None;
    };
    let ends = window.oldest.unwrap_or(now) + FAILURE_WINDOW;
    let seconds = (ends - now).whole_seconds().max(1);
    let minutes = (seconds + 59) / 60;
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    Some(Lockout {
        message: format!("{message}. Sign-in is paused: try again in {minutes} {unit}."),
        retry_after_seconds: seconds,
    })
}

/// Returns the failures counted before the current attempt, which `recent` already includes.
fn without_current_attempt(recent: RecentFailures) -> RecentFailures {
    let mut previous = recent;
    previous.email.count = (previous.email.count - 1).max(0);
    previous.client_address.count = (previous.client_address.count - 1).max(0);
    previous
}

/// Returns the message after a failed attempt, the `failures`-th of this email in the window.
fn failure_message(failures: i64) -> String {
    let left = MAX_FAILURES_PER_EMAIL - failures;
    let window = FAILURE_WINDOW.whole_minutes();
    match left {
        left if left <= 0 => format!(
            "The email or the password is wrong. Sign-in for this email is now paused for \
             {window} minutes."
        ),
        1 => format!(
            "The email or the password is wrong. One attempt is left before sign-in for this \
             email pauses for {window} minutes."
        ),
        left if left <= 2 => format!(
            "The email or the password is wrong. {left} attempts are left before sign-in for \
             this email pauses for {window} minutes."
        ),
        _ => "The email or the password is wrong. Check both and try again.".to_owned(),
    }
}

/// Deletes failures that left the window and expired sessions, at most once a minute per
/// process, so that neither table grows without bound.
async fn housekeeping(db: &Database, now: OffsetDateTime) -> Result<(), StoreError> {
    static LAST_RUN_MS: AtomicI64 = AtomicI64::new(0);
    let now_ms = postsale_store::to_millis(now);
    let last = LAST_RUN_MS.load(Ordering::Relaxed);
    if now_ms - last < HOUSEKEEPING_INTERVAL_MS
        || LAST_RUN_MS
            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return Ok(());
    }
    let failures = sign_in_failures::delete_older_than(db, now - FAILURE_WINDOW).await?;
    let expired = sessions::delete_expired(db, now).await?;
    tracing::debug!(
        failures,
        expired,
        "old sign-in failures and expired sessions deleted"
    );
    Ok(())
}

/// Returns `next` when it is a path on this site, or `/orders`. Anything that a browser could
/// read as another host (`//host`, `/\host`, a scheme) is dropped.
fn safe_next(next: Option<&str>) -> &str {
    let Some(next) = next else {
        return "/orders";
    };
    let on_this_site = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && !next.starts_with("/sign-in")
        && !next.starts_with("/sign-out");
    if on_this_site { next } else { "/orders" }
}

fn render_form(state: &AppState, status: StatusCode, view: &FormView<'_>) -> Response {
    let token = sessions::new_token();
    let body = html! {
        h1 { "Sign in to postsale" }
        @if let Some(notice) = view.notice {
            p.notice #sign-in-notice role="status" { (notice) }
        }
        @if let Some(error) = &view.error {
            p.form-error #sign-in-error role="alert" { (error) }
        }
        form #sign-in-form.stacked method="post" action="/sign-in" {
            input type="hidden" name="csrf_token" value=(token);
            input type="hidden" name="next" value=(view.next);
            div.field {
                label for="email" { "Email" }
                input #email type="email" name="email" value=(view.email) required
                    autocomplete="username" autofocus;
            }
            div.field {
                label for="password" { "Password" }
                input #password type="password" name="password" required
                    autocomplete="current-password";
            }
            button #sign-in.primary type="submit" { "Sign in" }
        }
        p.hint {
            "No user yet? Create one on the server with "
            code { "postsale user create --account ID --email EMAIL" }
            "."
        }
    };
    let mut response = bare_page(status, "Sign in", body);
    response.headers_mut().append(
        header::SET_COOKIE,
        csrf::sign_in_cookie(&token, session::secure_cookies(state)),
    );
    response
}

#[cfg(test)]
mod tests {
    use postsale_store::sign_in_failures::FailureWindow;

    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/orders/5?tab=1")), "/orders/5?tab=1");
        assert_eq!(safe_next(Some("//evil.example/x")), "/orders");
        assert_eq!(safe_next(Some("/\\evil.example")), "/orders");
        assert_eq!(safe_next(Some("https://evil.example")), "/orders");
        assert_eq!(safe_next(Some("/sign-in?next=/x")), "/orders");
        assert_eq!(safe_next(None), "/orders");
    }

    #[test]
    fn lockout_starts_at_email_limit() {
        let now = OffsetDateTime::now_utc();
        let oldest = now - Duration::minutes(5);
        let below = RecentFailures {
            email: FailureWindow {
                count: MAX_FAILURES_PER_EMAIL - 1,
                oldest: Some(oldest),
            },
            client_address: FailureWindow::default(),
        };
        let at = RecentFailures {
            email: FailureWindow {
                count: MAX_FAILURES_PER_EMAIL,
                oldest: Some(oldest),
            },
            client_address: FailureWindow::default(),
        };

        assert_eq!(lockout(&below, now), None);
        let paused = lockout(&at, now).expect("paused at the limit");
        assert_eq!(paused.retry_after_seconds, 600);
        assert!(paused.message.contains("10 minutes"), "{}", paused.message);
    }

    #[test]
    fn lockout_starts_at_address_limit() {
        let now = OffsetDateTime::now_utc();
        let recent = RecentFailures {
            email: FailureWindow::default(),
            client_address: FailureWindow {
                count: MAX_FAILURES_PER_ADDRESS,
                oldest: Some(now - Duration::minutes(14)),
            },
        };

        let paused = lockout(&recent, now).expect("paused at the limit");

        assert!(
            paused.message.contains("network address"),
            "{}",
            paused.message
        );
        assert_eq!(paused.retry_after_seconds, 60);
    }
}
