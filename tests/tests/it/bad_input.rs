//! Bad input gets a clear error and nobody else notices.

use crate::support::Hall;
use hoidap_protocol::{Action, ClientMsg, ErrorCode, Role, ServerMsg, close};
use hoidap_tests::Client;

async fn expect_error(client: &mut Client, raw: &str) -> anyhow::Result<ErrorCode> {
    client.send_raw(raw).await?;
    loop {
        if let ServerMsg::Error { code, .. } = client.recv().await? {
            return Ok(code);
        }
    }
}

#[tokio::test]
async fn malformed_messages_get_errors_and_the_server_keeps_serving() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut bystander = hall.attendee().await?;
    let mut rude = hall.attendee().await?;

    assert_eq!(
        expect_error(&mut rude, "{this is not json").await?,
        ErrorCode::BadJson
    );
    assert_eq!(
        expect_error(&mut rude, r#"{"type":"dance","steps":3}"#).await?,
        ErrorCode::UnknownType
    );
    assert_eq!(
        expect_error(&mut rude, r#"{"type":"request","id":"x"}"#).await?,
        ErrorCode::BadMessage
    );
    assert_eq!(
        expect_error(
            &mut rude,
            r#"{"type":"request","id":"x","action":{"type":"fly"}}"#
        )
        .await?,
        ErrorCode::BadMessage
    );
    let long_id = "x".repeat(65);
    let msg = serde_json::to_string(&ClientMsg::Request {
        id: long_id,
        action: Action::ClearCurrent {},
    })?;
    assert_eq!(
        expect_error(&mut rude, &msg).await?,
        ErrorCode::BadRequestId
    );
    assert_eq!(
        expect_error(
            &mut rude,
            r#"{"type":"hello","protocol":1,"join_code":"X","role":"attendee"}"#
        )
        .await?,
        ErrorCode::AlreadyJoined
    );

    // A 10,000-character question fits in a frame but not in the event.
    let long = "Hỏi ".repeat(2500);
    let refused = rude
        .request(Action::Ask {
            text: long,
            name: None,
            unit: None,
            anonymous: false,
            identity: None,
            topic: None,
            official: None,
        })
        .await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::TooLong);
    let refused = rude
        .request(Action::Ask {
            text: "a\u{202E}b".into(),
            name: None,
            unit: None,
            anonymous: false,
            identity: None,
            topic: None,
            official: None,
        })
        .await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidText);
    let refused = rude
        .request(Action::Vote {
            question: 999,
            up: true,
        })
        .await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::UnknownQuestion);

    // The same connection still works, and so does everyone else's.
    let id = rude.ask("Vẫn hỏi được chứ?").await?;
    bystander
        .wait_until("bystander sees it", |v| v.question(id).is_some())
        .await?;

    // An oversized frame (over 16 KiB) closes that connection only.
    let huge = format!(
        r#"{{"type":"request","id":"big","action":{{"type":"ask","text":"{}"}}}}"#,
        "x".repeat(40_000)
    );
    let _ = rude.send_raw(&huge).await;
    let closed = rude.closed().await?;
    assert!(
        closed.is_none() || closed == Some(1009),
        "oversized frame: {closed:?}"
    );
    let id2 = bystander.ask("Người khác vẫn bình thường").await?;
    let mut fresh = hall.attendee().await?;
    assert!(fresh.view.question(id).is_some() && fresh.view.question(id2).is_some());
    fresh
        .ok(Action::Vote {
            question: id,
            up: true,
        })
        .await?;
    Ok(())
}

#[tokio::test]
async fn hello_is_checked_before_anything_else() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let url = hall.server.ws_url();

    let mut early = Client::connect(&url).await?;
    let req = serde_json::to_string(&ClientMsg::Request {
        id: "1".into(),
        action: Action::ClearCurrent {},
    })?;
    assert_eq!(expect_error(&mut early, &req).await?, ErrorCode::NotJoined);
    assert_eq!(
        expect_error(&mut early, "nonsense").await?,
        ErrorCode::BadJson
    );

    let mut old = Client::connect(&url).await?;
    let hello = format!(
        r#"{{"type":"hello","protocol":99,"join_code":"{}","role":"attendee"}}"#,
        hall.event.join_code
    );
    assert_eq!(
        expect_error(&mut old, &hello).await?,
        ErrorCode::UnsupportedVersion
    );
    assert_eq!(old.closed().await?, Some(close::REFUSED));

    let mut lost = Client::connect(&url).await?;
    let hello = r#"{"type":"hello","protocol":1,"join_code":"ZZZZZZ","role":"attendee"}"#;
    assert_eq!(
        expect_error(&mut lost, hello).await?,
        ErrorCode::UnknownEvent
    );
    assert_eq!(lost.closed().await?, Some(close::REFUSED));

    // Anonymous questions refused where the event does not allow them.
    let strict = Hall::with(
        serde_json::json!({"title": "Kín", "allow_anonymous": false, "pre_moderation": false}),
    )
    .await?;
    let mut a = Client::join(
        &strict.server.ws_url(),
        &strict.event.join_code,
        Role::Attendee,
        None,
    )
    .await?;
    let refused = a
        .request(Action::Ask {
            text: "Ẩn danh?".into(),
            name: None,
            unit: None,
            anonymous: true,
            identity: None,
            topic: None,
            official: None,
        })
        .await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::AnonymousNotAllowed);
    Ok(())
}
