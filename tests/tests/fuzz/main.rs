//! Fuzzing everything that reads client bytes, with proptest generators of
//! arbitrary and near-valid input (mutations of valid frames and requests).
//! The machine has only the stable toolchain, so no coverage-guided fuzzer:
//! the generators aim at the edges instead (dropped, duplicated and retyped
//! fields, huge numbers, odd Unicode, truncation).
//!
//! `cargo test` runs a short pass (256 cases per property, a few seconds).
//! A long run, for a time budget per property, printing the cases tried:
//!
//! ```text
//! HOIDAP_FUZZ_SECS=600 nice -n 19 cargo test -p hoidap-tests --test fuzz -- --nocapture --test-threads=1
//! ```
//!
//! `HOIDAP_FUZZ_CASES=N` sets the cases per batch instead (default 256).
//! A failure prints the shrunk input: add it to the regression tests of
//! the module that found it.

mod decode;
mod frames;
// The integration tests' set-up: a server with one event.
#[allow(dead_code)]
#[path = "../it/support.rs"]
mod support;
mod text;
mod upgrade;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};
use std::fmt::Debug;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Panics anywhere in this process so far, the server's tasks included
/// (tokio catches those, so a failed property alone would not show them).
pub fn panics() -> usize {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
    PANICS.load(Ordering::SeqCst)
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// A real server with one event, and the runtime that serves it while the
/// properties (which are synchronous) drive it with `block_on`.
pub fn hall() -> (tokio::runtime::Runtime, support::Hall) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let hall = rt
        .block_on(support::Hall::new(false))
        .expect("a server with one event");
    (rt, hall)
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.parse().ok()
}

/// Runs `property` on values of `strategy`: one batch, or batches with
/// fresh random seeds until `HOIDAP_FUZZ_SECS` have passed.
pub fn fuzz<S>(name: &str, strategy: S, property: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: Debug,
{
    let cases = env("HOIDAP_FUZZ_CASES").unwrap_or(256);
    let budget = env("HOIDAP_FUZZ_SECS").map(Duration::from_secs);
    let start = Instant::now();
    let mut tried = 0u64;
    loop {
        let config = Config {
            cases,
            // Failures are printed shrunk and kept as named regression tests.
            failure_persistence: None,
            ..Config::default()
        };
        if let Err(e) = TestRunner::new(config).run(&strategy, &property) {
            panic!("fuzz {name}: {e} (after {tried} passing cases)");
        }
        tried += u64::from(cases);
        if budget.is_none_or(|b| start.elapsed() >= b) {
            break;
        }
    }
    println!("fuzz {name}: {tried} cases in {:.1?}", start.elapsed());
}
