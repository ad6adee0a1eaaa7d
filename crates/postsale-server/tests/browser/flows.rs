//! Steps that several browser tests share: an account with a user, signing in through the
//! form, moving the focus with the keyboard, checking that nothing was injected, and posting a
//! body with `send-test`.

use std::path::PathBuf;
use std::time::Duration;

use postsale_core::Plan;
use postsale_core::verify::{Preset, Secret};
use postsale_server::send_test::{self, SendTestArgs};
use serde_json::Value;

use crate::common::TestServer;
use crate::common::web::{PASSWORD, create_user};
use crate::harness::Browser;
use crate::webdriver::{Element, keys};

/// The email of the user every browser test signs in as.
pub const EMAIL: &str = "ops@acme.example";

/// A soar account with a user and an API key.
pub struct Merchant {
    pub api_key: String,
}

pub async fn merchant(server: &TestServer) -> Merchant {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(server, acme.account.id, EMAIL).await;
    Merchant {
        api_key: acme.api_key,
    }
}

/// Signs in through the sign-in form and waits for the orders page.
pub async fn sign_in(browser: &Browser, server: &TestServer) {
    browser.goto(&server.url("/sign-in")).await.unwrap();
    browser
        .wait_for("#email")
        .await
        .send_keys(EMAIL)
        .await
        .unwrap();
    browser
        .find("#password")
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find("#sign-in")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_path("/orders").await;
}

/// Presses Tab until the element matching `selector` has the focus, and fails after `max`
/// presses.
pub async fn tab_to(browser: &Browser, selector: &str, max: usize) -> Element {
    for _ in 0..max {
        browser.press_keys(keys::TAB).await.unwrap();
        let matches = browser
            .execute(
                "return document.activeElement !== null && document.activeElement.matches(arguments[0]);",
                vec![Value::from(selector)],
            )
            .await
            .unwrap();
        if matches == Value::Bool(true) {
            return browser.active_element().await.unwrap();
        }
    }
    let focused = browser
        .execute(
            "const e = document.activeElement; return e ? e.outerHTML.slice(0, 200) : 'nothing';",
            Vec::new(),
        )
        .await
        .unwrap();
    panic!(
        "{selector} did not get the focus after {max} presses of Tab; the focus is on {focused}"
    );
}

/// Returns the focused element's computed outline style and width, to check that the focus
/// is visible.
pub async fn focus_outline(browser: &Browser) -> (String, f64) {
    let outline = browser
        .execute(
            "const style = getComputedStyle(document.activeElement); \
             return [style.outlineStyle, parseFloat(style.outlineWidth) || 0];",
            Vec::new(),
        )
        .await
        .unwrap();
    (
        outline[0].as_str().unwrap_or_default().to_owned(),
        outline[1].as_f64().unwrap_or_default(),
    )
}

/// Fails when the page is wider than the window, naming the elements that stick out or whose
/// content does.
pub async fn assert_fits_width(browser: &Browser) {
    let report = browser
        .execute(
            "const width = document.documentElement.clientWidth; \
             const overflow = document.documentElement.scrollWidth - width; \
             const wide = Array.from(document.querySelectorAll('body *')) \
               .filter((e) => e.getBoundingClientRect().right > width + 1 || \
                 (e.scrollWidth > e.clientWidth + 1 && \
                  getComputedStyle(e).overflowX === 'visible')) \
               .slice(-5) \
               .map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + \
                 Math.round(e.getBoundingClientRect().right) + 'px'); \
             return [overflow, wide];",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        report[0],
        Value::from(0),
        "the page scrolls sideways; elements past the right edge: {}",
        report[1]
    );
}

/// Fails when a dialog is open or the page contains an element that a captured request could
/// have injected: an `<img>` with `src="x"`, or a `<script>` without `src`.
pub async fn assert_nothing_injected(browser: &Browser) {
    assert_eq!(
        browser.alert_text().await.unwrap(),
        None,
        "a dialog opened: request data ran as script"
    );
    let injected = browser
        .execute(
            "return document.querySelectorAll('img[src=\"x\"], script:not([src]), [onerror]').length;",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        injected,
        Value::from(0),
        "request data became page elements"
    );
}

/// Returns the value of a form control.
pub async fn value_of(browser: &Browser, selector: &str) -> String {
    let element = browser.find(selector).await.unwrap();
    element
        .property("value")
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Returns the path of a shared payload file, for `send-test --file`.
pub fn payload_path(name: &str) -> PathBuf {
    let path = crate::common::shared_dir().join("payloads").join(name);
    assert!(path.is_file(), "payload {} not found", path.display());
    path
}

/// Posts a payload file to a webhook URL through the `send-test` command's code, signed with
/// a preset's scheme.
pub async fn send_test(url: &str, file: PathBuf, preset: Preset, secret: &str) {
    let args = SendTestArgs {
        url: url.to_owned(),
        file,
        preset: Some(preset),
        secret: Some(Secret::new(secret)),
        headers: Vec::new(),
        basic: None,
        delivery_id: None,
        content_type: "application/json".to_owned(),
        gzip: false,
    };
    send_test::run(args)
        .await
        .expect("send-test delivers the body and the webhook answers 2xx");
}

/// Reloads a server-rendered page until `selector` contains `expected`, for pages that
/// change only on the server (an import finishing), and fails after `timeout`.
pub async fn reload_until_text(
    browser: &Browser,
    url: &str,
    selector: &str,
    expected: &str,
    timeout: Duration,
) {
    let what = format!("{selector:?} on {url} to contain {expected:?} after a reload");
    browser
        .wait(&what, timeout, || async {
            browser.goto(url).await?;
            for element in browser.find_all(selector).await? {
                if element.text().await?.contains(expected) {
                    return Ok(Some(()));
                }
            }
            Ok(None)
        })
        .await;
}
