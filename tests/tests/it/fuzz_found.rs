//! Regressions for what `tests/fuzz` found, over real sockets.

use crate::support::Hall;
use hoidap_protocol::Role;
use hoidap_tests::raw;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `frames` after a hello, half-closes, and returns how long the
/// server took to end the connection (at most `limit`).
async fn time_to_close(
    hall: &Hall,
    frames: &[Vec<u8>],
    limit: Duration,
) -> anyhow::Result<Duration> {
    let (mut stream, _) = raw::upgrade(hall.server.addr, None).await?;
    let hello = raw::hello(&hall.event.join_code, Role::Attendee, None).into_data();
    let mut bytes = raw::frame(0x1, &hello, false);
    for f in frames {
        bytes.extend(f);
    }
    stream.write_all(&bytes).await?;
    stream.shutdown().await?;
    let start = Instant::now();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await;
    Ok(start.elapsed())
}

/// Found by `frames::hostile_frames_get_well_formed_answers`: a hello and
/// a protocol error in one read put the room's `Join` and `Leave` in one
/// batch; the leave was handled first, then the join made the closed
/// connection a member again, holding its socket open (a descriptor per
/// such client) until the next broadcast pruned it: in a quiet event,
/// never. Several connections, because the two must land in one batch.
#[tokio::test]
async fn a_connection_that_fails_right_after_hello_is_closed() -> anyhow::Result<()> {
    let hall = std::sync::Arc::new(Hall::new(false).await?);
    // A pong over 125 bytes is a protocol error (close 1002).
    let frames = vec![
        raw::frame(0xA, &[b'a'; 255], false),
        raw::frame(0x0, &[b'b'; 143], false),
    ];
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (hall, frames) = (hall.clone(), frames.clone());
        tasks.push(tokio::spawn(async move {
            time_to_close(&hall, &frames, Duration::from_secs(20)).await
        }));
    }
    for task in tasks {
        let took = task.await??;
        // Closed within a second or so; before the fix, not at all.
        assert!(took < Duration::from_secs(10), "still open after {took:?}");
    }
    Ok(())
}
