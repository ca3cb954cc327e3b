//! The log is the source of truth: a restart on the same data directory
//! rebuilds exactly what was acknowledged.

use crate::support::Hall;
use hoidap_protocol::{Action, Question, Role, Seq, ServerMsg};
use hoidap_tests::{Client, TestServer};

#[tokio::test]
async fn restart_rebuilds_identical_state_and_positions() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let event = hall.event.clone();
    let mut moderator = hall.moderator().await?;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut a = hall.attendee().await?;
        ids.push(
            a.ask(&format!("Câu hỏi số {i} về đào tạo, bồi dưỡng"))
                .await?,
        );
        for id in &ids {
            // Pending questions cannot be voted on yet.
            let _ = a
                .request(Action::Vote {
                    question: *id,
                    up: true,
                })
                .await?;
        }
    }
    for id in &ids[..4] {
        moderator.ok(Action::Approve { question: *id }).await?;
    }
    let mut voter = hall.attendee().await?;
    for id in &ids[..4] {
        voter
            .ok(Action::Vote {
                question: *id,
                up: true,
            })
            .await?;
    }
    moderator.ok(Action::Hide { question: ids[3] }).await?;
    moderator
        .ok(Action::Edit {
            question: ids[0],
            text: "Câu hỏi số 0 (đã sửa chính tả)".into(),
        })
        .await?;
    let last = moderator
        .ok(Action::SetCurrent { question: ids[1] })
        .await?;
    moderator
        .wait_until("all applied", |v| v.seq == last)
        .await?;
    let before_mod = Client::join(
        &hall.server.ws_url(),
        &event.join_code,
        Role::Moderator,
        Some(&event.moderator_secret),
    )
    .await?;
    let before_pub = Client::join(
        &hall.server.ws_url(),
        &event.join_code,
        Role::Screen,
        Some(&event.screen_secret),
    )
    .await?;

    let dir = hall.server.dir.clone();
    let temp = hall.server.stop().await;
    let server = TestServer::start_in(&dir).await?;
    let after_mod = Client::join(
        &server.ws_url(),
        &event.join_code,
        Role::Moderator,
        Some(&event.moderator_secret),
    )
    .await?;
    let after_pub = Client::join(
        &server.ws_url(),
        &event.join_code,
        Role::Screen,
        Some(&event.screen_secret),
    )
    .await?;
    assert_eq!(after_mod.view.epoch, before_mod.view.epoch);
    assert_eq!(after_mod.view.shared(), before_mod.view.shared());
    assert_eq!(after_pub.view.shared(), before_pub.view.shared());
    assert_eq!(after_mod.view.seq, last);
    assert_eq!(
        after_mod
            .view
            .question(ids[0])
            .unwrap()
            .original_text
            .as_deref(),
        Some("Câu hỏi số 0 về đào tạo, bồi dưỡng")
    );

    // The old participant token still works after the restart.
    let token = voter.participant.clone().unwrap().token;
    let mut back = Client::connect(&server.ws_url()).await?;
    back.hello(&event.join_code, Role::Attendee, None, Some(&token))
        .await?;
    assert_eq!(back.view.my_votes.len(), 4, "every vote remembered");
    drop(temp);
    Ok(())
}

/// A request with this id that must be acknowledged; its seq.
async fn acked(client: &mut Client, id: &str, action: Action) -> anyhow::Result<Seq> {
    client
        .request_with_id(id, action)
        .await?
        .map_err(|r| anyhow::anyhow!("{id} refused: {r:?}"))
}

/// The question an ask's ack carried (the ack is the last message logged
/// when `request_with_id` returns).
fn acked_question(client: &Client) -> anyhow::Result<Question> {
    match client.log.last() {
        Some(ServerMsg::Ack {
            question: Some(q), ..
        }) => Ok(q.clone()),
        other => anyhow::bail!("expected an ack with a question, got {other:?}"),
    }
}

/// A phone that lost the answer resends with the same id, after the server
/// restarted and on a new connection: it must get the original answer from
/// the log, and nothing may apply twice.
#[tokio::test]
async fn a_retry_after_restart_gets_the_original_ack_and_applies_once() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let event = hall.event.clone();
    let mut asker = hall.attendee().await?;
    let mut voter = hall.attendee().await?;
    let text = "Bao giờ triển khai bảng lương mới theo vị trí việc làm?";
    let ask = Action::Ask {
        text: text.into(),
        name: Some("Trần Thị Bình".into()),
        unit: None,
        anonymous: false,
        identity: None,
        topic: None,
        official: None,
    };
    let ask_seq = acked(&mut asker, "ask-1", ask.clone()).await?;
    let question = acked_question(&asker)?;
    let vote = |up| Action::Vote {
        question: question.id,
        up,
    };
    // Up, down, up: re-applying the "down" would withdraw the vote.
    acked(&mut voter, "vote-1", vote(true)).await?;
    let down_seq = acked(&mut voter, "vote-2", vote(false)).await?;
    acked(&mut voter, "vote-3", vote(true)).await?;
    // One more entry, so a retry wrongly answered as a fresh no-op would
    // carry a newer seq than the original.
    hall.attendee().await?.ask("Câu hỏi khác").await?;
    let mut moderator = hall.moderator().await?;
    let last = moderator.ok(Action::ClearCurrent {}).await?;
    assert!(down_seq < last && ask_seq < last);

    let asker_token = asker.participant.clone().unwrap().token;
    let voter_token = voter.participant.clone().unwrap().token;
    drop((asker, voter, moderator));
    let dir = hall.server.dir.clone();
    let temp = hall.server.stop().await;
    let server = TestServer::start_in(&dir).await?;
    let rejoin = |token: String| {
        let (url, code) = (server.ws_url(), event.join_code.clone());
        async move {
            let mut c = Client::connect(&url).await?;
            c.hello(&code, Role::Attendee, None, Some(&token)).await?;
            anyhow::Ok(c)
        }
    };

    let mut asker = rejoin(asker_token).await?;
    assert_eq!(acked(&mut asker, "ask-1", ask).await?, ask_seq);
    let again = acked_question(&asker)?;
    assert_eq!((again.id, again.text.as_str()), (question.id, text));
    let mut voter = rejoin(voter_token.clone()).await?;
    assert_eq!(acked(&mut voter, "vote-2", vote(false)).await?, down_seq);

    let moderator = Client::join(
        &server.ws_url(),
        &event.join_code,
        Role::Moderator,
        Some(&event.moderator_secret),
    )
    .await?;
    assert_eq!(moderator.view.seq, last, "a retry appended to the log");
    let copies = moderator
        .view
        .questions
        .values()
        .filter(|q| q.text == text)
        .count();
    assert_eq!(copies, 1, "the retried ask created another question");
    assert_eq!(moderator.view.question(question.id).unwrap().votes, 1);
    let voter = rejoin(voter_token).await?;
    assert!(voter.view.my_votes.contains(&question.id), "vote withdrawn");
    drop(temp);
    Ok(())
}
