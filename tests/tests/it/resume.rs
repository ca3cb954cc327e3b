//! Resume: a reconnecting client gets exactly what it missed, or a fresh
//! snapshot — never a silent gap, never a rewind.

use crate::support::Hall;
use hoidap_protocol::{Action, Role, ServerMsg};
use hoidap_tests::{Client, View};
use std::time::Duration;

/// What came after the welcome: the kinds of messages, in order.
fn kinds(client: &Client) -> Vec<&'static str> {
    client
        .log
        .iter()
        .skip(1)
        .map(|m| match m {
            ServerMsg::Snapshot { .. } => "snapshot",
            ServerMsg::Delta { .. } => "delta",
            ServerMsg::Mine { .. } => "mine",
            ServerMsg::Presence { .. } => "presence",
            _ => "other",
        })
        .filter(|k| *k == "snapshot" || *k == "delta")
        .collect()
}

enum From {
    /// The position the client held before the changes.
    Past,
    /// The current position.
    Current,
    /// Ahead of the server.
    Future,
    /// Another log's epoch.
    OtherEpoch,
    /// No usable resume at all.
    Malformed,
}

#[tokio::test]
async fn resume_table() -> anyhow::Result<()> {
    // (case, role, expect a snapshot?)
    let cases = [
        (From::Past, Role::Attendee, false),
        (From::Past, Role::Moderator, false),
        (From::Current, Role::Attendee, false),
        (From::Current, Role::Moderator, false),
        (From::Future, Role::Attendee, true),
        (From::OtherEpoch, Role::Moderator, true),
        (From::Malformed, Role::Attendee, true),
    ];
    let hall = Hall::new(true).await?;
    let url = hall.server.ws_url();
    let code = hall.event.join_code.clone();
    let mut asker = hall.attendee().await?;
    let mut moderator = hall.moderator().await?;
    let first = asker.ask("Câu hỏi trước khi mất kết nối").await?;
    moderator.ok(Action::Approve { question: first }).await?;
    for (case, role, expect_snapshot) in cases {
        let secret = (role == Role::Moderator).then_some(hall.event.moderator_secret.as_str());
        let mut device = Client::join(&url, &code, role, secret).await?;
        let token = device.participant.as_ref().map(|p| p.token.clone());
        device.drain(Duration::from_millis(150)).await?;
        let held = device.view.clone();
        drop(device);
        // Changes while the device is away: asked, approved, voted, current.
        let id = asker.ask("Câu hỏi trong lúc mất kết nối").await?;
        moderator.ok(Action::Approve { question: id }).await?;
        asker
            .ok(Action::Vote {
                question: id,
                up: true,
            })
            .await?;
        moderator.ok(Action::SetCurrent { question: id }).await?;

        let (resume_view, raw) = match case {
            From::Past => (held.clone(), None),
            From::Current => {
                // A device that is fully up to date: what a newcomer gets.
                let now = Client::join(&url, &code, role, secret).await?;
                (now.view.clone(), None)
            }
            From::Future => (
                View {
                    seq: held.seq + 1000,
                    ..held.clone()
                },
                None,
            ),
            From::OtherEpoch => (
                View {
                    epoch: "0000000000000000".into(),
                    ..held.clone()
                },
                None,
            ),
            From::Malformed => (View::default(), Some(r#"{"epoch": 7, "seq": "many"}"#)),
        };
        let mut back = match raw {
            None => {
                Client::rejoin(&url, &code, role, secret, token.as_deref(), resume_view).await?
            }
            Some(bad) => {
                let mut c = Client::connect(&url).await?;
                let hello = format!(
                    r#"{{"type":"hello","protocol":1,"join_code":"{code}","role":"attendee","resume":{bad}}}"#
                );
                c.send_raw(&hello).await?;
                c
            }
        };
        back.drain(Duration::from_millis(300)).await?;
        let got = kinds(&back);
        assert_eq!(got.contains(&"snapshot"), expect_snapshot, "{got:?}");
        // Whatever the path, the device converges on a fresh client's state.
        let mut fresh = Client::join(&url, &code, role, secret).await?;
        fresh.drain(Duration::from_millis(150)).await?;
        assert_eq!(back.view.shared(), fresh.view.shared());
        assert_eq!(back.view.current, Some(id));
        moderator.ok(Action::MarkAnswered { question: id }).await?;
    }
    Ok(())
}

#[tokio::test]
async fn beyond_the_replay_bound_resume_is_a_snapshot() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let url = hall.server.ws_url();
    let code = hall.event.join_code.clone();
    let mut device = hall.attendee().await?;
    let token = device.participant.clone().unwrap().token;
    device.drain(Duration::from_millis(100)).await?;
    let held = device.view.clone();
    drop(device);
    // More deltas than the server keeps for resuming (512).
    let mut asker = hall.attendee().await?;
    for i in 0..530 {
        asker.ask(&format!("Câu hỏi số {i}")).await?;
    }
    let mut back = Client::rejoin(
        &url,
        &code,
        Role::Attendee,
        None,
        Some(&token),
        held.clone(),
    )
    .await?;
    back.drain(Duration::from_millis(300)).await?;
    assert_eq!(kinds(&back).first(), Some(&"snapshot"));
    assert_eq!(back.view.questions.len(), 530);

    // Within the bound, only deltas.
    let held = back.view.clone();
    drop(back);
    for i in 0..20 {
        asker.ask(&format!("Câu hỏi thêm {i}")).await?;
    }
    let mut back = Client::rejoin(&url, &code, Role::Attendee, None, Some(&token), held).await?;
    back.drain(Duration::from_millis(300)).await?;
    assert!(
        kinds(&back).iter().all(|k| *k == "delta"),
        "{:?}",
        kinds(&back)
    );
    assert_eq!(back.view.questions.len(), 550);
    assert_eq!(back.view.seq, asker.view.seq.max(back.view.seq));
    Ok(())
}
