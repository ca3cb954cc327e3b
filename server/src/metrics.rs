//! Prometheus metrics, rendered at `GET /metrics`.
//!
//! Every call site is one line calling a function here, so the names and
//! labels live in one place. Hot paths count per *broadcast* (frames ×
//! receivers, added once by the room), never per send in each connection:
//! a metric must not add cost per frame per connection.
//!
//! The recorder is global (one per process); tests start many servers in one
//! process, so it is installed once and shared.

use hoidap_protocol::Role;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once per process). `None` if another recorder was
/// installed first (e.g. by an embedding program): metrics then go there.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                // Latencies in seconds: 50 µs .. 10 s.
                .set_buckets(&[
                    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                    0.25, 0.5, 1.0, 2.5, 10.0,
                ])
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

/// Set by the binary once its dhat profiler runs: asking dhat for stats
/// without one panics (tests embed the server with the feature on).
#[cfg(feature = "dhat-heap")]
pub static HEAP_PROFILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The exposition text.
pub fn render() -> String {
    // Only with the heap profiler (see the dhat-heap feature).
    #[cfg(feature = "dhat-heap")]
    if install().is_some() && HEAP_PROFILED.load(std::sync::atomic::Ordering::Relaxed) {
        let stats = dhat::HeapStats::get();
        gauge!("hoidap_heap_live_bytes").set(stats.curr_bytes as f64);
    }
    install().map(|h| h.render()).unwrap_or_default()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_gauge!("hoidap_connections", "Open WebSocket connections by role");
    describe_counter!(
        "hoidap_frames_sent_total",
        "Frames handed to connections (broadcast frames × receivers, plus joins)"
    );
    describe_counter!("hoidap_bytes_sent_total", "Payload bytes of those frames");
    describe_counter!(
        "hoidap_connections_refused_total",
        "TCP connections dropped at accept: too many from one address"
    );
    describe_counter!(
        "hoidap_resyncs_total",
        "Connections that lagged behind their feed and got a fresh snapshot"
    );
    describe_counter!(
        "hoidap_drops_total",
        "Connections closed because a frame could not be sent in time"
    );
    describe_histogram!(
        "hoidap_log_commit_seconds",
        "Log transaction time, fsync included"
    );
    describe_histogram!("hoidap_log_batch_entries", "Entries per log transaction");
    describe_histogram!(
        "hoidap_attendee_fanout_seconds",
        "Time to write one delta to every attendee's outbox"
    );
    describe_histogram!(
        "hoidap_panel_fanout_seconds",
        "Time to write one delta to every screen or panel connection"
    );
    describe_histogram!(
        "hoidap_vote_wait_seconds",
        "How long the oldest coalesced vote count of a delta waited for its flush, after its commit"
    );
    describe_histogram!("hoidap_room_batch_messages", "Messages per room batch");
    describe_histogram!(
        "hoidap_room_apply_seconds",
        "Time to decide and apply one room batch, before its commit"
    );
    describe_gauge!(
        "hoidap_rooms_loaded",
        "Rooms in memory (loaded on first use, unloaded when idle)"
    );
    describe_counter!(
        "hoidap_room_loads_total",
        "Rooms loaded: a log replayed because an event was used"
    );
    describe_histogram!(
        "hoidap_room_tick_seconds",
        "Time of one room tick: serialising and broadcasting coalesced changes"
    );
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Attendee => "attendee",
        Role::Moderator => "moderator",
        Role::Screen => "screen",
    }
}

pub fn connection_opened(role: Role) {
    gauge!("hoidap_connections", "role" => role_label(role)).increment(1.0);
}

pub fn connection_closed(role: Role) {
    gauge!("hoidap_connections", "role" => role_label(role)).decrement(1.0);
}

/// One frame of `bytes` handed to `receivers` connections of `audience`.
pub fn broadcast(audience: &'static str, receivers: usize, bytes: usize) {
    counter!("hoidap_frames_sent_total", "audience" => audience).increment(receivers as u64);
    counter!("hoidap_bytes_sent_total", "audience" => audience)
        .increment((receivers * bytes) as u64);
}

pub fn resync() {
    counter!("hoidap_resyncs_total").increment(1);
}

/// A room stopped serving because its log could not be read (or started
/// again): a gauge a monitor can alert on.
/// The wall clock stepped back behind an event's last entry (see
/// `room::clock`).
pub fn clock_stepped_back() {
    counter!("hoidap_clock_steps_back_total").increment(1);
}

/// A connection's heartbeat fired seconds late: the process had been
/// stopped or the machine asleep (see `conn::ASLEEP`).
pub fn woke_late() {
    counter!("hoidap_heartbeats_late_total").increment(1);
}

/// 1 while the log cannot write (see `log::health`).
pub fn log_unwritable(failing: bool) {
    gauge!("hoidap_log_unwritable").set(if failing { 1.0 } else { 0.0 });
}

pub fn room_broken(broken: bool) {
    let gauge = gauge!("hoidap_rooms_unavailable");
    if broken {
        gauge.increment(1.0);
    } else {
        gauge.decrement(1.0);
    }
}

/// A TCP connection dropped at accept: its address holds too many.
pub fn connection_refused() {
    counter!("hoidap_connections_refused_total").increment(1);
}

pub fn dropped() {
    counter!("hoidap_drops_total").increment(1);
}

pub fn log_commit(took: Duration, entries: usize) {
    histogram!("hoidap_log_commit_seconds").record(took.as_secs_f64());
    histogram!("hoidap_log_batch_entries").record(entries as f64);
}

/// One delta written to its audience (`attendees`: the worker's feed).
pub fn fanout(attendees: bool, took: Duration) {
    let name = if attendees {
        "hoidap_attendee_fanout_seconds"
    } else {
        "hoidap_panel_fanout_seconds"
    };
    histogram!(name).record(took.as_secs_f64());
}

/// A delta of coalesced votes went out, the oldest having waited `waited`.
pub fn vote_wait(waited: Duration) {
    histogram!("hoidap_vote_wait_seconds").record(waited.as_secs_f64());
}

pub fn room_batch(messages: usize, apply: Duration) {
    histogram!("hoidap_room_batch_messages").record(messages as f64);
    histogram!("hoidap_room_apply_seconds").record(apply.as_secs_f64());
}

/// A room was loaded (its log replayed) and is now in memory.
pub fn room_loaded() {
    counter!("hoidap_room_loads_total").increment(1);
    gauge!("hoidap_rooms_loaded").increment(1.0);
}

/// A room left the registry (idle, or shutdown).
pub fn room_unloaded() {
    gauge!("hoidap_rooms_loaded").decrement(1.0);
}

pub fn room_tick(took: Duration) {
    histogram!("hoidap_room_tick_seconds").record(took.as_secs_f64());
}
