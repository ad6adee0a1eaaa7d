//! Headless Chromium for the browser tests: finds `chromium` and `chromedriver`, starts the
//! driver on a free port, opens a session, saves screenshots, and stops both afterwards.
//!
//! Without Chromium or its driver the tests print that they were skipped, except under
//! `CI=true`, where they fail with a message that names what to install. `POSTSALE_CHROMIUM` and
//! `POSTSALE_CHROMEDRIVER` name the programs when they are not on the `PATH`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::webdriver::{LogEntry, Session, decode_png};

/// The window size of every session: a laptop screen, in CSS pixels.
pub const DESKTOP: (u32, u32) = (1280, 900);

/// How long chromedriver may take to respond on its status route after it starts.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a cleanup request to the driver may take when the test ends.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(20);

/// The programs the browser tests run.
#[derive(Debug)]
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

/// A headless Chromium session and the chromedriver process behind it. Dropping it ends the
/// session and stops both processes, after saving a screenshot when the test failed.
#[derive(Debug)]
pub struct Browser {
    pub session: Session,
    driver: Child,
    driver_port: u16,
    screenshots: PathBuf,
    shots_taken: u32,
}

impl Deref for Browser {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl Browser {
    /// Starts Chromium for the test `name`, or returns `None` (after printing a notice) when
    /// Chromium or chromedriver is missing outside CI.
    pub async fn start(name: &str) -> Option<Browser> {
        let tools = match locate_tools() {
            Ok(tools) => tools,
            Err(missing) => return skip_or_fail(name, &missing),
        };
        let screenshots = screenshot_dir(name);

        let mut last_error = String::new();
        // A free port found by binding and releasing it may be taken again before the driver
        // binds it, so a failed start is retried on another port.
        for _ in 0..3 {
            match start_session(&tools).await {
                Ok((session, driver, driver_port)) => {
                    return Some(Browser {
                        session,
                        driver,
                        driver_port,
                        screenshots,
                        shots_taken: 0,
                    });
                }
                Err(error) => last_error = error,
            }
        }
        panic!("cannot start headless Chromium for {name}: {last_error}");
    }

    /// Saves a screenshot as `NN-label.png` in this test's screenshot folder and returns its
    /// path.
    pub async fn screenshot(&mut self, label: &str) -> PathBuf {
        self.shots_taken += 1;
        let path = self
            .screenshots
            .join(format!("{:02}-{label}.png", self.shots_taken));
        let png = self
            .session
            .screenshot()
            .await
            .unwrap_or_else(|error| panic!("cannot take the screenshot {label}: {error}"));
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot {label} is not a PNG"
        );
        std::fs::write(&path, png)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        path
    }

    /// Fails when the console shows a Content-Security-Policy violation or an uncaught
    /// script error since the last read of the log.
    pub async fn assert_no_script_errors(&self) {
        let entries = self
            .session
            .browser_log()
            .await
            .expect("read the browser console");
        let bad: Vec<&LogEntry> = entries
            .iter()
            .filter(|entry| is_script_error(entry))
            .collect();
        assert!(
            bad.is_empty(),
            "the browser console shows script errors or CSP violations: {bad:#?}"
        );
    }

    /// Sends a WebDriver command without the async runtime, for cleanup in `Drop`.
    fn command_blocking(&self, method: &str, tail: &str) -> Option<Value> {
        let path = format!("/session/{}{tail}", self.session.id);
        let text = blocking_request(self.driver_port, method, &path)?;
        let parsed: Value = serde_json::from_str(&text).ok()?;
        Some(parsed["value"].clone())
    }

    fn save_failure_evidence(&self) {
        if let Some(png) = self
            .command_blocking("GET", "/screenshot")
            .and_then(|value| decode_png(&value).ok())
        {
            let path = self.screenshots.join("failure.png");
            if std::fs::write(&path, png).is_ok() {
                eprintln!(
                    "browser test failed; screenshot saved to {}",
                    path.display()
                );
            }
        }
        if let Some(url) = self.command_blocking("GET", "/url") {
            eprintln!("the browser was at {url}");
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.save_failure_evidence();
        }
        self.command_blocking("DELETE", "");
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if let Some(pid) = self.session.browser_pid {
            stop_leftover_browser(pid);
        }
    }
}

/// Says whether a console entry is a script error or a blocked inline script or style.
fn is_script_error(entry: &LogEntry) -> bool {
    let message = &entry.message;
    message.contains("Content Security Policy")
        || message.contains("Refused to")
        || message.contains("Uncaught")
}

fn skip_or_fail(name: &str, missing: &str) -> Option<Browser> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{missing}; CI=true needs the browser tests: install Chromium and its driver \
             (apt-get install chromium chromium-driver), or set POSTSALE_CHROMIUM and \
             POSTSALE_CHROMEDRIVER"
        );
    }
    eprintln!(
        "skipped browser test {name}: {missing}; install chromium and chromium-driver to run it"
    );
    None
}

fn locate_tools() -> Result<Tools, String> {
    Ok(Tools {
        chromium: locate(
            "Chromium",
            "POSTSALE_CHROMIUM",
            &["chromium", "chromium-browser"],
        )?,
        chromedriver: locate("chromedriver", "POSTSALE_CHROMEDRIVER", &["chromedriver"])?,
    })
}

/// Finds the program `what` at the path in `variable`, or else as the first of `names` on
/// the `PATH`.
fn locate(what: &str, variable: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        return Err(format!(
            "{what} was not found at {variable}={}",
            path.display()
        ));
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .find_map(|name| {
            std::env::split_paths(&search)
                .map(|folder| folder.join(name))
                .find(|candidate| candidate.is_file())
        })
        .ok_or_else(|| format!("{what} was not found on the PATH ({})", names.join(" or ")))
}

/// Creates the empty folder for one test's screenshots: `browser-screenshots/NAME` in the
/// target folder (`CARGO_TARGET_DIR`, or `target` in the workspace).
fn screenshot_dir(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let folder = target.join("browser-screenshots").join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", folder.display()));
    folder
}

async fn start_session(tools: &Tools) -> Result<(Session, Child, u16), String> {
    let port = free_port()?;
    let mut driver = Command::new(&tools.chromedriver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", tools.chromedriver.display()))?;

    let driver_url = format!("http://127.0.0.1:{port}");
    if let Err(error) = wait_until_ready(&mut driver, &driver_url).await {
        let _ = driver.kill();
        let _ = driver.wait();
        return Err(error);
    }

    match Session::create(&driver_url, capabilities(&tools.chromium)).await {
        Ok(session) => Ok((session, driver, port)),
        Err(error) => {
            let _ = driver.kill();
            let _ = driver.wait();
            Err(format!("chromedriver could not open Chromium: {error}"))
        }
    }
}

/// Builds the session's capabilities: headless Chromium without a sandbox, GPU or background
/// traffic, with its console log kept and dialogs left open so that a test can see them.
fn capabilities(chromium: &Path) -> Value {
    let size = format!("--window-size={},{}", DESKTOP.0, DESKTOP.1);
    json!({
        "browserName": "chrome",
        "unhandledPromptBehavior": "ignore",
        "goog:loggingPrefs": {"browser": "ALL"},
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--lang=en-US",
                size,
            ],
        },
    })
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("cannot find a free port: {error}"))?;
    let port = listener
        .local_addr()
        .map_err(|error| format!("cannot read the bound port: {error}"))?
        .port();
    Ok(port)
}

async fn wait_until_ready(driver: &mut Child, driver_url: &str) -> Result<(), String> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + DRIVER_START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!("chromedriver exited at start with {status}"));
        }
        if let Ok(response) = client.get(format!("{driver_url}/status")).send().await
            && let Ok(status) = response.json::<Value>().await
            && status["value"]["ready"] == json!(true)
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "chromedriver did not answer on {driver_url} within {DRIVER_START_TIMEOUT:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends an HTTP request to the driver and returns the response body, or `None` on any
/// failure. The driver keeps the connection open after responding, so the body is read by its
/// `Content-Length`.
fn blocking_request(port: u16, method: &str, path: &str) -> Option<String> {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(CLEANUP_TIMEOUT)).ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\
         Content-Length: 0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;

    let mut received = Vec::new();
    let mut chunk = [0_u8; 8192];
    let header_end = loop {
        if let Some(end) = find(&received, b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        received.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&received[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())?;
    while received.len() < header_end + length {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        received.extend_from_slice(&chunk[..read]);
    }
    let body = &received[header_end..header_end + length];
    Some(String::from_utf8_lossy(body).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Stops the browser process when ending the session left it running, as killing the driver
/// does not stop the browser it started.
fn stop_leftover_browser(pid: u32) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let Ok(command_line) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            return;
        };
        // A reused process id belongs to some other program: leave it alone.
        if !String::from_utf8_lossy(&command_line).contains("--test-type=webdriver") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill").arg(pid.to_string()).status();
}
