//! Memory after stalled readers: attendee after attendee joins a watched
//! hall, never reads and is dropped by the server. Whatever a stalled
//! connection made the server allocate (its snapshots, the feed queued
//! behind it, the resyncs) must be given back to the system once it is gone:
//! the server's RSS must level off, not grow by each episode's backlog.
//!
//! The real binary runs as a child so its RSS is its own, with a short send
//! timeout so 50 episodes fit in a test run.

use hoidap_tests::ServerProcess;
use hoidap_tests::rss_kib;
use hoidap_tests::stalls::{HallShape, StallHall};
use serde_json::json;
use std::time::Duration;

const EPISODES: usize = 50;
/// RSS may still move after the first episodes (buffers and caches that are
/// then reused); after those, a leak or an allocator holding each stalled
/// reader's backlog grows RSS by megabytes per episode (before the fix: 2–5
/// MiB each), which 40 episodes turn into far more than this. Measured in
/// debug: 3.2 MiB from episode 10 to 50 (the load's own growth: the log and
/// its request ids); leaking what each closed outbox held (`mem::forget` of
/// its queue in `Outbox::close`) made it 9.3 MiB and failed the test.
const GROWTH_BOUND_KIB: u64 = 8 * 1024;
const SEND_TIMEOUT_MS: &str = "400";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rss_levels_off_over_stalled_readers() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server =
        ServerProcess::start_with_args(dir.path(), &["--send-timeout-ms", SEND_TIMEOUT_MS]).await?;
    let info = server
        .create_event(json!({ "title": "Stalls", "pre_moderation": false }))
        .await?;
    let shape = HallShape {
        questions: 200,
        ..Default::default()
    };
    let token = server.admin_token()?;
    let hall = StallHall::open(
        server.addr,
        &token,
        &info.join_code,
        &info.moderator_secret,
        shape,
    )
    .await?;
    let mut rss = Vec::new();
    for n in 1..=EPISODES {
        hall.episode(Duration::from_secs(20)).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let kib = rss_kib(server.pid())?;
        eprintln!("episode {n}: RSS {kib} KiB");
        rss.push(kib);
    }
    hall.close().await;
    let (after_1, after_10, after_50) = (rss[0], rss[9], rss[EPISODES - 1]);
    eprintln!("RSS after episode 1: {after_1} KiB, 10: {after_10} KiB, 50: {after_50} KiB");
    assert!(
        after_50.saturating_sub(after_10) < GROWTH_BOUND_KIB,
        "RSS grew by {} KiB from episode 10 to 50 ({after_10} → {after_50} KiB)",
        after_50 - after_10
    );
    Ok(())
}
