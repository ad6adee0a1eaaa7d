//! A small W3C WebDriver client over `reqwest`: sessions, navigation, elements, keyboard
//! actions, scripts and screenshots, as the browser tests use them.

#![allow(dead_code)]

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The key under which WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How often a wait checks its condition again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long a wait lasts unless the caller gives its own timeout.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Keys as WebDriver encodes them: code points in the Unicode private use area.
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SPACE: &str = "\u{E00D}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const BACKSPACE: &str = "\u{E003}";
}

/// An error that WebDriver returned, or a transport failure on the way to it.
#[derive(Debug)]
pub struct WebDriverError {
    /// The W3C error code, such as `no such element`, or `transport` for HTTP failures.
    pub code: String,
    pub message: String,
}

impl fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebDriver error {:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for WebDriverError {}

pub type WebDriverResult<T> = Result<T, WebDriverError>;

/// One browser session on a WebDriver server.
#[derive(Clone, Debug)]
pub struct Session {
    client: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    base: String,
    pub id: String,
    /// The browser's process id, when the driver reports it (`goog:processID`).
    pub browser_pid: Option<u32>,
}

/// A reference to an element of the current page.
#[derive(Clone, Debug)]
pub struct Element {
    session: Session,
    pub id: String,
    /// The selector that found it, for error messages.
    selector: String,
}

impl Session {
    /// Creates a session on the WebDriver server at `driver_url` with these capabilities.
    pub async fn create(driver_url: &str, capabilities: Value) -> WebDriverResult<Session> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(transport)?;
        let body = json!({"capabilities": {"alwaysMatch": capabilities}});
        let value = send(
            &client,
            reqwest::Method::POST,
            &format!("{driver_url}/session"),
            Some(body),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| protocol("new session returned no sessionId", &value))?
            .to_owned();
        let browser_pid = value["capabilities"]["goog:processID"]
            .as_u64()
            .and_then(|pid| u32::try_from(pid).ok());
        Ok(Session {
            base: format!("{driver_url}/session/{id}"),
            client,
            id,
            browser_pid,
        })
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> WebDriverResult<Value> {
        send(&self.client, method, &format!("{}{path}", self.base), body).await
    }

    async fn get(&self, path: &str) -> WebDriverResult<Value> {
        self.command(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> WebDriverResult<Value> {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    /// Ends the session, which closes the browser.
    pub async fn delete(&self) -> WebDriverResult<()> {
        self.command(reqwest::Method::DELETE, "", None).await?;
        Ok(())
    }

    /// Loads `url` and waits for the page's load event.
    pub async fn goto(&self, url: &str) -> WebDriverResult<()> {
        self.post("/url", json!({"url": url})).await?;
        Ok(())
    }

    pub async fn current_url(&self) -> WebDriverResult<String> {
        let value = self.get("/url").await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    pub async fn title(&self) -> WebDriverResult<String> {
        let value = self.get("/title").await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Sets the size of the browser window in CSS pixels.
    pub async fn set_window_size(&self, width: u32, height: u32) -> WebDriverResult<()> {
        self.post("/window/rect", json!({"width": width, "height": height}))
            .await?;
        Ok(())
    }

    /// Finds the first element that matches a CSS selector.
    pub async fn find(&self, selector: &str) -> WebDriverResult<Element> {
        let value = self
            .post(
                "/element",
                json!({"using": "css selector", "value": selector}),
            )
            .await
            .map_err(|error| with_selector(error, selector))?;
        Ok(self.element(&value, selector))
    }

    /// Finds every element that matches a CSS selector, in document order.
    pub async fn find_all(&self, selector: &str) -> WebDriverResult<Vec<Element>> {
        let value = self
            .post(
                "/elements",
                json!({"using": "css selector", "value": selector}),
            )
            .await?;
        let list = value.as_array().cloned().unwrap_or_default();
        Ok(list
            .iter()
            .map(|item| self.element(item, selector))
            .collect())
    }

    /// Returns the element that has the keyboard focus.
    pub async fn active_element(&self) -> WebDriverResult<Element> {
        let value = self.get("/element/active").await?;
        Ok(self.element(&value, "the focused element"))
    }

    fn element(&self, value: &Value, selector: &str) -> Element {
        Element {
            session: self.clone(),
            id: value[ELEMENT_KEY].as_str().unwrap_or_default().to_owned(),
            selector: selector.to_owned(),
        }
    }

    /// Runs a script in the page and returns its result. `arguments` in the script are `args`.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> WebDriverResult<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// Types keys into whatever has the focus, as a user at the keyboard would, one key
    /// down and up after another. Each `char` is one key; see [`keys`] for special keys.
    pub async fn press_keys(&self, text: &str) -> WebDriverResult<()> {
        let mut actions = Vec::new();
        for key in text.chars() {
            actions.push(json!({"type": "keyDown", "value": key.to_string()}));
            actions.push(json!({"type": "keyUp", "value": key.to_string()}));
        }
        self.perform_keys(actions).await
    }

    /// Presses Shift+Tab, moving the focus backwards.
    pub async fn press_shift_tab(&self) -> WebDriverResult<()> {
        let actions = vec![
            json!({"type": "keyDown", "value": keys::SHIFT}),
            json!({"type": "keyDown", "value": keys::TAB}),
            json!({"type": "keyUp", "value": keys::TAB}),
            json!({"type": "keyUp", "value": keys::SHIFT}),
        ];
        self.perform_keys(actions).await
    }

    async fn perform_keys(&self, actions: Vec<Value>) -> WebDriverResult<()> {
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.post("/actions", body).await?;
        self.command(reqwest::Method::DELETE, "/actions", None)
            .await?;
        Ok(())
    }

    /// Returns the text of an open alert, confirm or prompt dialog, or `None` when no dialog
    /// is open.
    pub async fn alert_text(&self) -> WebDriverResult<Option<String>> {
        match self.get("/alert/text").await {
            Ok(value) => Ok(Some(value.as_str().unwrap_or_default().to_owned())),
            Err(error) if error.code == "no such alert" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Accepts an open confirm dialog.
    pub async fn accept_alert(&self) -> WebDriverResult<()> {
        self.post("/alert/accept", json!({})).await?;
        Ok(())
    }

    /// Takes a screenshot of the window as PNG bytes.
    pub async fn screenshot(&self) -> WebDriverResult<Vec<u8>> {
        let value = self.get("/screenshot").await?;
        decode_png(&value)
    }

    /// Reads and clears the browser console log (errors, CSP violations, `console.*`), as
    /// Chromium's driver keeps it for `goog:loggingPrefs`.
    pub async fn browser_log(&self) -> WebDriverResult<Vec<LogEntry>> {
        let value = self.post("/se/log", json!({"type": "browser"})).await?;
        let entries = value.as_array().cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .map(|entry| LogEntry {
                level: entry["level"].as_str().unwrap_or_default().to_owned(),
                message: entry["message"].as_str().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    /// Polls `check` until it returns `Some`, and fails with `what` after `timeout`.
    pub async fn wait<T, F, Fut>(&self, what: &str, timeout: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = WebDriverResult<Option<T>>>,
    {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            match check().await {
                Ok(Some(found)) => return found,
                Ok(None) => {}
                // An element that a re-render replaced is found again on the next pass.
                Err(error) => last_error = Some(error),
            }
            if Instant::now() >= deadline {
                let url = self.current_url().await.unwrap_or_default();
                panic!(
                    "timed out after {timeout:?} waiting for {what} on {url}; last error: \
                     {last_error:?}"
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits until an element matching `selector` is displayed, and returns it.
    pub async fn wait_for(&self, selector: &str) -> Element {
        self.wait_for_within(selector, DEFAULT_WAIT).await
    }

    /// Waits up to `timeout` until an element matching `selector` is displayed.
    pub async fn wait_for_within(&self, selector: &str, timeout: Duration) -> Element {
        let what = format!("a displayed element matching {selector:?}");
        self.wait(&what, timeout, || async {
            for element in self.find_all(selector).await? {
                if element.is_displayed().await? {
                    return Ok(Some(element));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Waits until the text of an element matching `selector` contains `expected`, and
    /// returns that text. It returns the text rather than the element because pages re-render
    /// lists, which leaves an element reference stale.
    pub async fn wait_for_text(&self, selector: &str, expected: &str) -> String {
        let what = format!("{selector:?} to contain the text {expected:?}");
        self.wait(&what, DEFAULT_WAIT, || async {
            for element in self.find_all(selector).await? {
                let text = element.text().await?;
                if text.contains(expected) {
                    return Ok(Some(text));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Waits until the page's path (and query) is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let what = format!("the browser to reach {path}");
        self.wait(&what, DEFAULT_WAIT, || async {
            let url = self.current_url().await?;
            let here = url
                .split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|slash| &rest[slash..]))
                .unwrap_or_default();
            Ok((here == path).then_some(()))
        })
        .await
    }
}

/// One line of the browser console.
#[derive(Clone, Debug)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO` or `DEBUG`.
    pub level: String,
    pub message: String,
}

impl Element {
    fn path(&self, tail: &str) -> String {
        format!("/element/{}{tail}", self.id)
    }

    /// Clicks the element after scrolling it to the middle of the window, where no sticky
    /// bar of the page covers it.
    pub async fn click(&self) -> WebDriverResult<()> {
        self.session
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
                vec![self.as_arg()],
            )
            .await?;
        self.session
            .post(&self.path("/click"), json!({}))
            .await
            .map_err(|error| with_selector(error, &self.selector))?;
        Ok(())
    }

    /// Clears a text field.
    pub async fn clear(&self) -> WebDriverResult<()> {
        self.session.post(&self.path("/clear"), json!({})).await?;
        Ok(())
    }

    /// Focuses the element and types `text` into it.
    pub async fn send_keys(&self, text: &str) -> WebDriverResult<()> {
        self.session
            .post(&self.path("/value"), json!({"text": text}))
            .await
            .map_err(|error| with_selector(error, &self.selector))?;
        Ok(())
    }

    /// Returns the rendered text of the element, as a user sees it.
    pub async fn text(&self) -> WebDriverResult<String> {
        let value = self.session.get(&self.path("/text")).await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    pub async fn attribute(&self, name: &str) -> WebDriverResult<Option<String>> {
        let value = self
            .session
            .get(&self.path(&format!("/attribute/{name}")))
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Returns a DOM property, such as `value` or `checked`.
    pub async fn property(&self, name: &str) -> WebDriverResult<Value> {
        self.session
            .get(&self.path(&format!("/property/{name}")))
            .await
    }

    pub async fn is_enabled(&self) -> WebDriverResult<bool> {
        let value = self.session.get(&self.path("/enabled")).await?;
        Ok(value.as_bool().unwrap_or(false))
    }

    pub async fn is_displayed(&self) -> WebDriverResult<bool> {
        let value = self.session.get(&self.path("/displayed")).await?;
        Ok(value.as_bool().unwrap_or(false))
    }

    /// Finds the first descendant that matches a CSS selector.
    pub async fn find(&self, selector: &str) -> WebDriverResult<Element> {
        let value = self
            .session
            .post(
                &self.path("/element"),
                json!({"using": "css selector", "value": selector}),
            )
            .await
            .map_err(|error| with_selector(error, selector))?;
        Ok(self.session.element(&value, selector))
    }

    /// Returns the element as a script argument.
    pub fn as_arg(&self) -> Value {
        json!({ELEMENT_KEY: self.id})
    }
}

/// Sends one WebDriver command and returns its `value`, or the error it reports.
async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> WebDriverResult<Value> {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    let text = response.text().await.map_err(transport)?;
    let mut parsed: Value = serde_json::from_str(&text).map_err(|error| WebDriverError {
        code: "invalid response".to_owned(),
        message: format!("{error}; the driver answered {status}: {text}"),
    })?;
    let value = parsed["value"].take();
    if status.is_success() {
        return Ok(value);
    }
    Err(WebDriverError {
        code: value["error"]
            .as_str()
            .unwrap_or("unknown error")
            .to_owned(),
        message: value["message"].as_str().unwrap_or(&text).to_owned(),
    })
}

/// Decodes the base64 PNG that the screenshot command returns.
pub fn decode_png(value: &Value) -> WebDriverResult<Vec<u8>> {
    let encoded = value
        .as_str()
        .ok_or_else(|| protocol("the screenshot is not a string", value))?;
    STANDARD.decode(encoded).map_err(|error| WebDriverError {
        code: "invalid response".to_owned(),
        message: format!("the screenshot is not base64: {error}"),
    })
}

fn transport(error: reqwest::Error) -> WebDriverError {
    WebDriverError {
        code: "transport".to_owned(),
        message: error.to_string(),
    }
}

fn protocol(problem: &str, value: &Value) -> WebDriverError {
    WebDriverError {
        code: "invalid response".to_owned(),
        message: format!("{problem}: {value}"),
    }
}

fn with_selector(mut error: WebDriverError, selector: &str) -> WebDriverError {
    error.message = format!("{} (selector {selector:?})", error.message);
    error
}
