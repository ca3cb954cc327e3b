//! What clients see when the log fails to commit (a full or broken disk):
//! nothing acknowledged or shown that the log does not hold, and no silent
//! rewind when even reading the log fails.

use crate::support::Hall;
use hoidap_protocol::{Action, ClientMsg, ErrorCode, Phase, Role, ServerMsg};
use hoidap_tests::{Client, Faults, Outcome};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

async fn hall_with_faults(pre_moderation: bool) -> anyhow::Result<(Hall, Arc<Faults>)> {
    let faults = Faults::new();
    let wrap = faults.clone();
    let body = json!({ "title": "Sổ ghi hỏng", "pre_moderation": pre_moderation });
    let hall = Hall::configured(body, |c| {
        c.wrap_log = Some(Box::new(move |log| wrap.wrap(log)));
    })
    .await?;
    Ok((hall, faults))
}

/// The answer to request `id` (skipping deltas and notices).
async fn answer(client: &mut Client, id: &str) -> anyhow::Result<Result<u64, ErrorCode>> {
    loop {
        match client.recv().await? {
            ServerMsg::Ack { id: got, seq, .. } if got == id => return Ok(Ok(seq)),
            ServerMsg::Error {
                id: Some(got),
                code,
                ..
            } if got == id => return Ok(Err(code)),
            _ => {}
        }
    }
}

/// What a new connection gets after its welcome: a snapshot's question
/// texts, or the error it was refused with.
async fn first_state(hall: &Hall) -> anyhow::Result<Result<(String, Vec<String>), ErrorCode>> {
    let mut client = Client::connect(&hall.server.ws_url()).await?;
    client
        .send(&ClientMsg::Hello {
            protocol: hoidap_protocol::PROTOCOL_VERSION,
            join_code: hall.event.join_code.clone(),
            role: Role::Attendee,
            secret: None,
            participant_token: None,
            delegate_code: None,
            resume: None,
        })
        .await?;
    loop {
        match client.recv().await {
            Ok(ServerMsg::Snapshot { snapshot }) => {
                let texts = snapshot.questions.into_iter().map(|q| q.text).collect();
                return Ok(Ok((snapshot.title, texts)));
            }
            Ok(ServerMsg::Error { code, .. }) => return Ok(Err(code)),
            Ok(_) => {}
            // Closed without a word is also a refusal, if an unclear one.
            Err(e) => anyhow::bail!("no snapshot and no error: {e}"),
        }
    }
}

/// A failed commit whose reload cannot read the log either: the event stops
/// serving (it used to carry on from an empty state under the same epoch,
/// a silent rewind for every client) until the log is readable again.
#[tokio::test]
async fn an_unreadable_log_after_a_failed_commit_stops_the_event_until_it_reads()
-> anyhow::Result<()> {
    let (hall, faults) = hall_with_faults(false).await?;
    let mut asker = hall.attendee().await?;
    asker.ask("Câu hỏi đã lưu").await?;

    faults.fail_replay(true);
    faults.script(&[Outcome::Fail]);
    let ask = Action::Ask {
        text: "Câu hỏi không lưu được".into(),
        name: None,
        unit: None,
        anonymous: false,
        identity: None,
        topic: None,
        official: None,
    };
    assert_eq!(
        asker
            .request_with_id("lost", ask)
            .await?
            .map_err(|r| r.code),
        Err(ErrorCode::Unavailable)
    );

    // While the log cannot be read, nobody is served a made-up state.
    for _ in 0..3 {
        let got = first_state(&hall).await?;
        assert_eq!(
            got,
            Err(ErrorCode::Unavailable),
            "served while the log is unreadable"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    faults.fail_replay(false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let state = loop {
        match first_state(&hall).await? {
            Ok(state) => break state,
            Err(code) if tokio::time::Instant::now() < deadline => {
                assert_eq!(code, ErrorCode::Unavailable);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(code) => anyhow::bail!("still refused once the log reads again: {code:?}"),
        }
    };
    assert_eq!(
        state,
        ("Sổ ghi hỏng".to_owned(), vec!["Câu hỏi đã lưu".to_owned()])
    );
    Ok(())
}

/// A refusal decided against changes that then failed to commit is not an
/// answer: it becomes `unavailable` like the rest of the batch (a vote
/// refused because the phase closed in the same, lost, batch).
#[tokio::test]
async fn refusals_that_depended_on_a_lost_batch_become_unavailable() -> anyhow::Result<()> {
    let (hall, faults) = hall_with_faults(false).await?;
    let mut asker = hall.attendee().await?;
    let question = asker.ask("Bỏ phiếu khi phiên đóng").await?;
    let mut moderator = hall.moderator().await?;
    let mut voter = hall.attendee().await?;

    // The first batch holds the room in its commit while the second gathers.
    faults.hold();
    let appends = faults.appends.load(Ordering::SeqCst);
    let vote = |up| Action::Vote { question, up };
    asker
        .send(&ClientMsg::Request {
            id: "first".into(),
            action: vote(true),
        })
        .await?;
    while faults.appends.load(Ordering::SeqCst) == appends {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let close = Action::SetPhase {
        phase: Phase::Closed,
    };
    moderator
        .send(&ClientMsg::Request {
            id: "close".into(),
            action: close,
        })
        .await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    voter
        .send(&ClientMsg::Request {
            id: "late".into(),
            action: vote(true),
        })
        .await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    faults.script(&[Outcome::Ok, Outcome::Fail]);
    faults.release();

    assert!(answer(&mut asker, "first").await?.is_ok());
    assert_eq!(
        answer(&mut moderator, "close").await?,
        Err(ErrorCode::Unavailable)
    );
    assert_eq!(
        answer(&mut voter, "late").await?,
        Err(ErrorCode::Unavailable),
        "refused against a phase change the log never stored"
    );
    Ok(())
}
