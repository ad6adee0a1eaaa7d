//! The printed output of the import benchmark: the machine, the throughput table and the
//! per-step breakdown, as Markdown tables.

use std::time::Duration;

use crate::steps::Breakdown;

/// The figures of one import run on one database.
#[derive(Debug)]
pub struct Measurement {
    pub database: &'static str,
    pub requests: usize,
    pub body_bytes: usize,
    pub keep: Duration,
    pub import: Duration,
    pub created: usize,
    pub updated: usize,
    pub orders: i64,
    pub load_before: String,
    pub load_after: String,
}

/// Prints the core count, CPU model, memory and current load average.
pub fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = proc_value(&cpuinfo, "model name").unwrap_or("unknown");
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = proc_value(&meminfo, "MemTotal").unwrap_or("unknown");
    println!("machine: {cores} cores, {model}, memory {memory}");
    println!("load average (1, 5, 15 min): {}", load_average());
}

/// Reads the 1, 5 and 15 minute load averages, or `unknown` outside Linux.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    if fields.len() == 3 {
        fields.join(" ")
    } else {
        "unknown".to_owned()
    }
}

fn proc_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find(|line| line.starts_with(key))
        .and_then(|line| line.split_once(':'))
        .map(|(_, value)| value.trim())
}

/// Prints one row per database run.
pub fn print_measurements(measurements: &[Measurement]) {
    println!();
    println!(
        "| database | requests | mean body | keep (setup) | import | requests/s | created | \
         updated | orders | load before → after |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for run in measurements {
        let mean_body = run.body_bytes / run.requests.max(1);
        let rate = run.requests as f64 / run.import.as_secs_f64();
        println!(
            "| {} | {} | {mean_body} B | {:.2} s | {:.2} s | {rate:.0} | {} | {} | {} | {} → {} |",
            run.database,
            run.requests,
            run.keep.as_secs_f64(),
            run.import.as_secs_f64(),
            run.created,
            run.updated,
            run.orders,
            run.load_before,
            run.load_after,
        );
    }
}

/// Prints the time of each step, per request and as a share of the steps' sum.
pub fn print_breakdown(database: &str, breakdown: &Breakdown) {
    let steps = breakdown.steps();
    let sum: Duration = steps.iter().map(|(_, time)| *time).sum();
    let requests = breakdown.requests.max(1) as f64;
    println!();
    println!(
        "{database}, timed steps: {} requests in {:.2} s ({:.0} requests/s with the clocks)",
        breakdown.requests,
        breakdown.wall.as_secs_f64(),
        breakdown.requests as f64 / breakdown.wall.as_secs_f64(),
    );
    println!();
    println!("| step | total | per request | share |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, time) in steps {
        println!(
            "| {name} | {:.0} ms | {:.1} µs | {:.1} % |",
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() * 1e6 / requests,
            100.0 * time.as_secs_f64() / sum.as_secs_f64(),
        );
    }
}
