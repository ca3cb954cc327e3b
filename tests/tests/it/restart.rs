//! The log is the source of truth: a restart on the same data directory
//! rebuilds exactly what was acknowledged.

use crate::support::Hall;
use hoidap_protocol::{Action, Role};
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
