//! The webhook ingest benchmark: wrk posts signed 5 KB order bodies to a bare axum server and
//! to the real `postsale serve` on SQLite, and the kept requests are counted afterwards. Each
//! server's CPU time during the measured run, divided by the requests it accepted, shows what
//! a request costs apart from wrk's share of the machine.
//!
//! Run it with `cargo bench -p postsale-server --bench ingest`. It needs `wrk` on the `PATH`.
//! `POSTSALE_BENCH_SECONDS` and `POSTSALE_BENCH_WARMUP_SECONDS` change the durations (20 s and
//! 3 s), and `POSTSALE_BENCH_WRK_THREADS` the number of wrk threads (2).
//! `POSTSALE_BENCH_DELIVERY_IDS=random` gives each request a random delivery id, as Shopify's
//! are, in place of ids that count up and so land next to each other in the index by delivery
//! id.
//! `POSTSALE_BENCH_BODY` names a JSON file to post, compacted, instead of the grown example
//! order. The example's lines repeat, so zstd stores it smaller than it stores real orders.
//!
//! Every step has a deadline, so a run ends in bounded time: a wrk run is killed 30 s after
//! its duration, the server must respond to `/healthz` within 30 s and stop within 60 s of
//! SIGTERM, and the server is killed when the benchmark fails part way.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use postsale_core::verify::{HmacConfig, Preset, Secret, sign_request};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Open connections, which are concurrent requests, during both wrk runs.
const CONNECTIONS: u32 = 64;
/// The size the order body is grown to, in bytes.
const BODY_BYTES: usize = 5 * 1024;
const SIGNING_SECRET: &str = "bench-shopify-webhook-secret";
/// Time a wrk run may take beyond its duration before it is killed.
const WRK_GRACE: Duration = Duration::from_secs(30);
/// Time `postsale serve` may take to exit after SIGTERM before it is killed.
const STOP_DEADLINE: Duration = Duration::from_secs(60);
/// The maximum number of pages of kept requests read back, far above what a run can keep.
const MAX_PAGES: usize = 10_000;

/// The delivery id header that the wrk script fills with a new value for every request.
const DELIVERY_ID_HEADER: &str = "X-Shopify-Webhook-Id";

/// The wrk script. `BODY_PATH`, `SIGNATURE_HEADERS`, `DELIVERY_ID_HEADER` and `RANDOM_IDS`
/// are replaced before it is written. Each request gets the delivery id `RUN-THREAD-COUNTER`,
/// where RUN is the script argument (`warmup` or `measured`), or with `RANDOM_IDS` true
/// `RUN-UUID` with a random id in the form of a UUID, as Shopify sends. Either way the kept
/// requests of each run can be counted apart. `done` prints the figures as one JSON line.
const WRK_SCRIPT: &str = r#"
local body_file = assert(io.open([[BODY_PATH]], "rb"))
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
SIGNATURE_HEADERS
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local run_name = "run"
local sent = 0
local random_ids = RANDOM_IDS
function init(args)
  run_name = args[1] or "run"
  math.randomseed(os.time() * 100 + thread_number)
end

local function random_id()
  local r = math.random
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x", r(0, 65535), r(0, 65535),
    r(0, 65535), r(0, 4095), r(32768, 49151), r(0, 65535), r(0, 65535), r(0, 65535))
end

function request()
  sent = sent + 1
  if random_ids then
    wrk.headers["DELIVERY_ID_HEADER"] = run_name .. "-" .. random_id()
  else
    wrk.headers["DELIVERY_ID_HEADER"] = run_name .. "-" .. thread_number .. "-" .. sent
  end
  return wrk.format()
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write, errors.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
    math.floor(latency.max)))
end
"#;

/// wrk's figures for one run, as the script's `done` function prints them.
#[derive(Debug, serde::Deserialize)]
struct WrkResult {
    requests: u64,
    duration_us: u64,
    status_errors: u64,
    socket_errors: u64,
    timeouts: u64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
}

impl WrkResult {
    /// Responses with a status below 400, which wrk does not count as errors.
    fn accepted(&self) -> u64 {
        self.requests - self.status_errors
    }

    fn accepted_per_second(&self) -> f64 {
        self.accepted() as f64 / (self.duration_us as f64 / 1e6)
    }
}

/// The durations of the warm-up and measured wrk runs, and wrk's thread count.
struct LoadSettings {
    warmup: Duration,
    measured: Duration,
    wrk_threads: u64,
}

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("ingest: skipped; run it with `cargo bench -p postsale-server --bench ingest`");
        return Ok(());
    }
    require_wrk()?;
    let settings = LoadSettings {
        warmup: Duration::from_secs(number_from_env("POSTSALE_BENCH_WARMUP_SECONDS", 3)?),
        measured: Duration::from_secs(number_from_env("POSTSALE_BENCH_SECONDS", 20)?),
        wrk_threads: number_from_env("POSTSALE_BENCH_WRK_THREADS", 2)?,
    };

    let machine = machine_description();
    let load_before = load_average();
    eprintln!("ingest: {machine}; load average before: {load_before}");

    let work_dir =
        std::env::temp_dir().join(format!("postsale-ingest-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("cannot create {}", work_dir.display()))?;
    let script = write_wrk_script(&work_dir)?;
    let runtime = tokio::runtime::Runtime::new()?;

    let bare_address = runtime.block_on(start_bare_server())?;
    let bare_url = format!("http://{bare_address}/hooks/bare");
    // The bare server runs on this process's runtime, which does nothing else meanwhile.
    let bare = load(&script, &bare_url, &settings, "self")?;

    let server = PostsaleServer::start(&work_dir)?;
    let (store_id, hook_url) = runtime.block_on(server.create_store())?;
    let durable = load(
        &script,
        &hook_url,
        &settings,
        &server.child.id().to_string(),
    )?;
    std::thread::sleep(Duration::from_secs(1));
    let kept = runtime.block_on(server.count_kept(store_id))?;
    server.stop()?;

    let load_after = load_average();
    println!("machine: {machine}");
    println!("load average (1, 5, 15 min) before: {load_before}; after: {load_after}");
    print_report(&bare, &durable, &kept);
    std::fs::remove_dir_all(&work_dir).ok();
    Ok(())
}

fn require_wrk() -> anyhow::Result<()> {
    let found = Command::new("wrk").arg("--version").output().is_ok();
    ensure!(
        found,
        "wrk not found on the PATH: install it, such as with `apt-get install wrk`"
    );
    Ok(())
}

/// Reads a whole number from the environment variable `name`, or returns `default`.
fn number_from_env(name: &str, default: u64) -> anyhow::Result<u64> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .with_context(|| format!("invalid {name} {text:?}: give a whole number, such as 20")),
        Err(_) => Ok(default),
    }
}

/// Starts a server that reads each body and responds 200 OK, the upper bound for ingress.
async fn start_bare_server() -> anyhow::Result<SocketAddr> {
    let app = Router::new().route(
        "/hooks/{token}",
        post(|_body: Bytes| async { StatusCode::OK }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(address)
}

/// Grows the example order to [`BODY_BYTES`] by repeating its lines with new line ids, and
/// returns it as compact JSON, the form carts send.
fn order_body() -> anyhow::Result<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/orders/custom-cart-order.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the example order {}", path.display()))?;
    let mut order: Value = serde_json::from_str(&text)?;

    let lines = order["lines"]
        .as_array()
        .cloned()
        .context("the example order has no lines")?;
    let mut next_id = lines.len() as u64;
    while serde_json::to_vec(&order)?.len() < BODY_BYTES {
        let mut line = lines[next_id as usize % lines.len()].clone();
        next_id += 1;
        line["line_id"] = json!(next_id);
        order["lines"]
            .as_array_mut()
            .context("lines is an array")?
            .push(line);
    }
    Ok(serde_json::to_vec(&order)?)
}

/// Reads a JSON file and returns it as compact JSON.
fn compact_body(path: &Path) -> anyhow::Result<Vec<u8>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read POSTSALE_BENCH_BODY {}", path.display()))?;
    let body: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "POSTSALE_BENCH_BODY {} is not JSON: name a JSON order body",
            path.display()
        )
    })?;
    Ok(serde_json::to_vec(&body)?)
}

/// Writes the body and a wrk script that posts it with a Shopify signature and a new
/// delivery id per request, so that the requests are distinct deliveries.
fn write_wrk_script(work_dir: &Path) -> anyhow::Result<PathBuf> {
    let body = match std::env::var_os("POSTSALE_BENCH_BODY") {
        Some(path) => compact_body(Path::new(&path))?,
        None => order_body()?,
    };
    eprintln!("ingest: posting a body of {} bytes", body.len());
    let body_path = work_dir.join("body.json");
    std::fs::write(&body_path, &body)?;

    let hmac = HmacConfig::preset(Preset::Shopify, SIGNING_SECRET);
    let now = OffsetDateTime::now_utc();
    let secret = Secret::new(SIGNING_SECRET);
    let mut headers = String::new();
    for (name, value) in sign_request(&hmac, &secret, &body, now, "set-by-the-script")? {
        if !name.eq_ignore_ascii_case(DELIVERY_ID_HEADER) {
            headers.push_str(&format!("wrk.headers[{name:?}] = {value:?}\n"));
        }
    }

    let script = WRK_SCRIPT
        .replace("BODY_PATH", &body_path.display().to_string())
        .replace("SIGNATURE_HEADERS", &headers)
        .replace("DELIVERY_ID_HEADER", DELIVERY_ID_HEADER)
        .replace(
            "RANDOM_IDS",
            if random_delivery_ids()? {
                "true"
            } else {
                "false"
            },
        );
    let script_path = work_dir.join("ingest.lua");
    std::fs::write(&script_path, script)?;
    eprintln!(
        "ingest: body of {} bytes in {}",
        body.len(),
        body_path.display()
    );
    Ok(script_path)
}

/// Returns whether `POSTSALE_BENCH_DELIVERY_IDS` requests random delivery ids (`random`) in
/// place of ids that count up (`counter`, the default).
fn random_delivery_ids() -> anyhow::Result<bool> {
    match std::env::var("POSTSALE_BENCH_DELIVERY_IDS").as_deref() {
        Err(std::env::VarError::NotPresent) | Ok("counter") => Ok(false),
        Ok("random") => Ok(true),
        Ok(other) => {
            bail!("invalid POSTSALE_BENCH_DELIVERY_IDS {other:?}: use `counter` or `random`")
        }
        Err(error) => bail!("invalid POSTSALE_BENCH_DELIVERY_IDS: {error}"),
    }
}

/// A measured wrk run and the CPU time the server process used during it.
struct Measured {
    wrk: WrkResult,
    server_cpu: Duration,
}

impl Measured {
    /// Returns the server's CPU time per accepted request, in microseconds.
    fn cpu_us_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.wrk.accepted().max(1) as f64
    }
}

/// Runs wrk for the warm-up, then for the measured duration, and returns the measured run with
/// the CPU time that the server process `server_pid` (a number, or `self`) used during it.
fn load(
    script: &Path,
    url: &str,
    settings: &LoadSettings,
    server_pid: &str,
) -> anyhow::Result<Measured> {
    let threads = settings.wrk_threads;
    run_wrk(script, url, threads, settings.warmup, "warmup")?;
    let cpu_before = cpu_time(server_pid)?;
    let wrk = run_wrk(script, url, threads, settings.measured, "measured")?;
    let server_cpu = cpu_time(server_pid)?.saturating_sub(cpu_before);
    Ok(Measured { wrk, server_cpu })
}

/// Reads the user and system CPU time that a process, all its threads together, has used so
/// far, from `/proc/PID/stat`.
fn cpu_time(pid: &str) -> anyhow::Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    // The command name in parentheses may hold spaces; the fields after it are separated by
    // single spaces, starting with the state (field 3 of proc(5)).
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .with_context(|| format!("{path} has no command name"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |field: usize| -> anyhow::Result<u64> {
        let text = fields
            .get(field - 3)
            .with_context(|| format!("{path} has no field {field}"))?;
        text.parse()
            .with_context(|| format!("field {field} of {path} is {text:?}, not a number"))
    };
    let total = ticks(14)? + ticks(15)?;
    Ok(Duration::from_secs_f64(
        total as f64 / clock_ticks_per_second()? as f64,
    ))
}

/// Returns the clock ticks per second that the CPU times in `/proc/PID/stat` count, as
/// `getconf CLK_TCK` prints it.
fn clock_ticks_per_second() -> anyhow::Result<u64> {
    let output = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .context("cannot run getconf CLK_TCK")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .parse()
        .with_context(|| format!("getconf CLK_TCK printed {text:?}, not a number"))
}

fn run_wrk(
    script: &Path,
    url: &str,
    threads: u64,
    duration: Duration,
    run: &str,
) -> anyhow::Result<WrkResult> {
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{CONNECTIONS}"))
        .arg(format!("-d{}s", duration.as_secs()))
        .args(["--latency", "--timeout", "10s", "-s"])
        .arg(script)
        .arg(url)
        .args(["--", run]);
    eprintln!("ingest: {}", command_line(&command));

    let deadline = duration + WRK_GRACE;
    let output = output_within(&mut command, deadline).context("cannot run wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{stdout}");

    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("WRK_RESULT "))
        .context("wrk printed no WRK_RESULT line: check the script's done function")?;
    Ok(serde_json::from_str(line)?)
}

/// Runs `command` and collects its output, killing it when it runs longer than `deadline`.
fn output_within(command: &mut Command, deadline: Duration) -> anyhow::Result<Output> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let started = Instant::now();
    while child.try_wait()?.is_none() {
        if started.elapsed() > deadline {
            child.kill().ok();
            child.wait().ok();
            bail!(
                "{} ran longer than {deadline:?} and was killed",
                command_line(command)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(child.wait_with_output()?)
}

/// Describes the CPU model and count and the memory size, from /proc.
fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |count| count.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{cores} cores ({model}), {memory_gib:.0} GiB")
}

/// Reads the 1, 5 and 15 minute load averages from /proc/loadavg.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let figures: Vec<&str> = text.split_whitespace().take(3).collect();
    if figures.len() == 3 {
        figures.join(" ")
    } else {
        "unknown".to_owned()
    }
}

fn command_line(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    parts.join(" ")
}

/// The kept requests of the store, split by the run named in their delivery id.
#[derive(Debug, Default)]
struct KeptCounts {
    warmup: u64,
    measured: u64,
    other: u64,
}

/// A `postsale serve` process on SQLite in a temporary data folder, with a soar account.
struct PostsaleServer {
    child: Child,
    base_url: String,
    api_key: String,
    client: reqwest::Client,
}

impl PostsaleServer {
    fn start(work_dir: &Path) -> anyhow::Result<PostsaleServer> {
        let data_dir = work_dir.join("data");
        let api_key = create_account(&data_dir)?;
        let port = free_port()?;
        let log = std::fs::File::create(work_dir.join("serve.log"))?;

        let child = Command::new(env!("CARGO_BIN_EXE_postsale"))
            .arg("serve")
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit-per-minute", "0"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("cannot start postsale serve")?;
        let server = PostsaleServer {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            api_key,
            client: reqwest::Client::new(),
        };
        server.wait_until_healthy()?;
        Ok(server)
    }

    fn wait_until_healthy(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        while started.elapsed() < Duration::from_secs(30) {
            let response =
                runtime.block_on(self.client.get(format!("{}/healthz", self.base_url)).send());
            if response.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "postsale serve did not respond to /healthz within 30 s: see serve.log in the work folder"
        )
    }

    /// Creates a store with the Shopify HMAC preset and returns its id and webhook URL.
    async fn create_store(&self) -> anyhow::Result<(i64, String)> {
        let store = json!({
            "name": "Ingest benchmark",
            "security": {"checks": [
                {"type": "hmac", "preset": "shopify", "secrets": [{"value": SIGNING_SECRET}]}
            ]},
        });
        let response = self
            .client
            .post(format!("{}/api/v1/stores", self.base_url))
            .bearer_auth(&self.api_key)
            .json(&store)
            .send()
            .await?;
        let status = response.status();
        let created: Value = response.json().await?;
        ensure!(
            status == StatusCode::CREATED,
            "creating the store answered {status}: {created}"
        );

        let id = created["id"].as_i64().context("the store has no id")?;
        let url = created["webhook"]["url"]
            .as_str()
            .context("the store has no webhook URL")?;
        Ok((id, url.to_owned()))
    }

    /// Reads every kept request of the store through the API and counts them by run.
    async fn count_kept(&self, store_id: i64) -> anyhow::Result<KeptCounts> {
        let mut kept = KeptCounts::default();
        let mut cursor: Option<i64> = None;
        for _ in 0..MAX_PAGES {
            let mut url = format!(
                "{}/api/v1/stores/{store_id}/requests?status=accepted&limit=500",
                self.base_url
            );
            if let Some(cursor) = cursor {
                url.push_str(&format!("&cursor={cursor}"));
            }
            let page: Value = self
                .client
                .get(url)
                .bearer_auth(&self.api_key)
                .send()
                .await?
                .json()
                .await?;

            for item in page["items"].as_array().context("the page has no items")? {
                match item["delivery_id"]
                    .as_str()
                    .and_then(|id| id.split('-').next())
                {
                    Some("warmup") => kept.warmup += 1,
                    Some("measured") => kept.measured += 1,
                    _ => kept.other += 1,
                }
            }
            cursor = page["next_cursor"].as_i64();
            if cursor.is_none() {
                return Ok(kept);
            }
        }
        bail!("the store lists more than {MAX_PAGES} pages of kept requests")
    }

    /// Stops the server with SIGTERM, as an operator would, and waits for it to exit; kills
    /// it when it has not exited within [`STOP_DEADLINE`].
    fn stop(mut self) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        ensure!(status.success(), "cannot send SIGTERM to postsale serve");
        let started = Instant::now();
        while self.child.try_wait()?.is_none() {
            if started.elapsed() > STOP_DEADLINE {
                bail!("postsale serve did not exit within {STOP_DEADLINE:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}

impl Drop for PostsaleServer {
    /// Kills the server when the benchmark ends early, so that no server outlives it.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

fn create_account(data_dir: &Path) -> anyhow::Result<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["account", "create", "--name", "bench", "--plan", "soar"])
        .args(["--email", "bench@example.com", "--data-dir"])
        .arg(data_dir)
        .output()
        .context("cannot run postsale account create")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "account create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    stdout
        .lines()
        .find_map(|line| line.strip_prefix("api key:"))
        .map(|key| key.trim().to_owned())
        .context("account create printed no API key")
}

/// Returns a port that was free a moment ago, for `--listen`.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn print_report(bare: &Measured, durable: &Measured, kept: &KeptCounts) {
    let ratio = durable.wrk.accepted_per_second() / bare.wrk.accepted_per_second();
    println!(
        "| server | accepted | accepted/s | p50 | p99 | max | server CPU per request | non-2xx \
         | socket errors | timeouts |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, measured) in [("bare axum", bare), ("postsale serve", durable)] {
        let result = &measured.wrk;
        println!(
            "| {name} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} µs | {} | {} | {} |",
            result.accepted(),
            result.accepted_per_second(),
            result.p50_us as f64 / 1000.0,
            result.p99_us as f64 / 1000.0,
            result.max_us as f64 / 1000.0,
            measured.cpu_us_per_request(),
            result.status_errors,
            result.socket_errors,
            result.timeouts,
        );
    }
    println!();
    println!("durable / bare rate: {ratio:.3} (target at least 0.333)");
    println!(
        "durable p99: {:.2} ms (target under 25 ms)",
        durable.wrk.p99_us as f64 / 1000.0
    );
    println!(
        "kept by postsale: {} of the measured run (wrk counted {} accepted), {} of the warm-up, \
         {} other",
        kept.measured,
        durable.wrk.accepted(),
        kept.warmup,
        kept.other
    );
}
