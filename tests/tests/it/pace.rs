//! When vote counts go out (issue 15): the first vote after a quiet period
//! goes with its commit, not on a tick, and deltas stay continuous when
//! leading-edge and coalesced flushes mix.

use crate::support::Hall;
use hoidap_protocol::ServerMsg;

/// The position of the first message in `log` matching `pred`.
fn position(log: &[ServerMsg], pred: impl Fn(&ServerMsg) -> bool) -> Option<usize> {
    log.iter().position(pred)
}

#[tokio::test]
async fn a_vote_on_a_quiet_room_reaches_the_phones_before_its_own_ack() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut asker = hall.attendee().await?;
    let question = asker.ask("Câu hỏi về tinh giản biên chế?").await?;
    // Quiet: nothing else is happening in the room.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for round in 0..5 {
        let mut voter = hall.attendee().await?;
        let before = voter.log.len();
        voter.vote(question, true).await?;
        let log = &voter.log[before..];
        let counted = position(log, |m| match m {
            ServerMsg::Delta { changes, .. } => changes.iter().any(|c| {
                matches!(c, hoidap_protocol::Change::Votes { counts }
                    if counts.iter().any(|v| v.id == question && v.votes == round + 1))
            }),
            _ => false,
        });
        let acked = position(log, |m| matches!(m, ServerMsg::Ack { .. }));
        // A fixed tick sent the count up to 100 ms after the ack; with the
        // leading edge it leaves with the commit, ahead of the ack in the
        // same ordered queue.
        assert!(
            matches!((counted, acked), (Some(c), Some(a)) if c < a),
            "round {round}: count at {counted:?}, ack at {acked:?}: {log:?}"
        );
        drop(voter);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test]
async fn a_burst_of_votes_arrives_as_continuous_deltas_with_the_final_counts() -> anyhow::Result<()>
{
    let hall = Hall::new(false).await?;
    let mut asker = hall.attendee().await?;
    let questions = [
        asker.ask("Câu hỏi thứ nhất?").await?,
        asker.ask("Câu hỏi thứ hai?").await?,
    ];
    let mut watcher = hall.attendee().await?;
    let mut screen = hall.screen().await?;
    let mut voters = Vec::new();
    for _ in 0..30 {
        voters.push(hall.attendee().await?);
    }
    // Everyone at once: some counts leave on the leading edge, the rest
    // coalesced; the watcher's view checks every delta's `prev` (a gap
    // fails `recv`).
    let votes = voters.iter_mut().enumerate().map(|(i, v)| async move {
        v.vote(questions[i % 2], true).await?;
        if i % 3 == 0 {
            v.vote(questions[(i + 1) % 2], true).await?;
        }
        anyhow::Ok(())
    });
    for result in futures_util::future::join_all(votes).await {
        result?;
    }
    let want = |q: usize| {
        (0..30)
            .filter(|i| i % 2 == q || (i % 3 == 0 && (i + 1) % 2 == q))
            .count() as u32
    };
    for client in [&mut watcher, &mut screen] {
        client.wait_votes(questions[0], want(0)).await?;
        client.wait_votes(questions[1], want(1)).await?;
        assert!(client.view.deltas >= 2, "{} deltas", client.view.deltas);
    }
    Ok(())
}
