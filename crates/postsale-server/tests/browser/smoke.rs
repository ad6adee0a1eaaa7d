//! The harness itself: Chromium loads a page from the test server, reads it and saves a
//! screenshot.

use crate::browser_tests;
use crate::common::TestServer;
use crate::harness::Browser;

async fn browser_reads_health_check(server: TestServer, mut browser: Browser) {
    browser.goto(&server.url("/healthz")).await.unwrap();

    let text = browser.wait_for_text("body", "status").await;
    assert!(text.contains(r#""status":"ok""#), "the page shows {text:?}");
    let shot = browser.screenshot("health-check").await;
    let size = std::fs::metadata(&shot).expect("the screenshot file").len();
    assert!(
        size > 100,
        "the screenshot {} has {size} bytes",
        shot.display()
    );
    browser.assert_no_script_errors().await;
}

browser_tests!(browser_reads_health_check);
