//! The wall clock steps back (issue 16, part 3): entry times never go
//! backwards within an event's log, and a step of more than a few seconds
//! is reported once. The room's clock is injected (`Limits::clock`).

use crate::support::Hall;
use hoidap_server::log::{Log, SqliteLog};
use hoidap_server::room::Clock;
use hoidap_tests::metrics;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

/// 2033-05-18, far from today: times from the system clock stand out.
const T0: u64 = 2_000_000_000_000;
/// Only this test's server reads it.
static NOW: AtomicU64 = AtomicU64::new(T0);

fn fake_now() -> u64 {
    NOW.load(Ordering::SeqCst)
}

#[tokio::test]
async fn entry_times_never_go_back_when_the_wall_clock_does() -> anyhow::Result<()> {
    let body = json!({ "title": "Phiên chất vấn", "pre_moderation": false });
    let hall = Hall::configured(body, |c| c.limits.clock = Clock(fake_now)).await?;
    let steps = || async {
        let m = metrics(hall.server.addr, &hall.server.admin_token).await?;
        anyhow::Ok(
            m.get("hoidap_clock_steps_back_total")
                .copied()
                .unwrap_or(0.0),
        )
    };
    let before = steps().await?;
    let mut phone = hall.attendee().await?;
    let first = phone.ask("Câu hỏi lúc 10 giờ").await?;
    NOW.store(T0 + 1_000, Ordering::SeqCst);
    phone.ask("Câu hỏi một giây sau").await?;
    // A time server corrects the laptop by a minute.
    NOW.store(T0 - 59_000, Ordering::SeqCst);
    phone.ask("Câu hỏi sau khi đồng hồ lùi").await?;
    phone.vote(first, true).await?;
    assert_eq!(steps().await? - before, 1.0, "one step back, reported once");
    // Caught up, then a small wobble (2 s): not a step worth reporting.
    NOW.store(T0 + 3_000, Ordering::SeqCst);
    phone.vote(first, false).await?;
    NOW.store(T0 + 1_000, Ordering::SeqCst);
    phone.vote(first, true).await?;
    // Forward jumps are taken as they come.
    NOW.store(T0 + 3_600_000, Ordering::SeqCst);
    phone.vote(first, false).await?;
    assert_eq!(steps().await? - before, 1.0);

    let id = hall.event.id;
    let dir = hall.server.stop().await.expect("a temporary directory");
    let log = SqliteLog::open(dir.path())?;
    let times: Vec<u64> = log.entries(id, 0).await?.iter().map(|e| e.at).collect();
    // Created, asked ×3, voted ×4.
    let expected = [
        T0,
        T0,
        T0 + 1_000,
        T0 + 1_000,
        T0 + 1_000,
        T0 + 3_000,
        T0 + 3_000,
        T0 + 3_600_000,
    ];
    assert_eq!(times, expected);
    Ok(())
}
