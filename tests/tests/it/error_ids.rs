//! Every answer to a frame that carried a request `id` carries it back, so
//! a client can drop the request instead of resending it forever (issue 9,
//! item 7): also when the action is one this server does not know.

use crate::support::Hall;
use hoidap_protocol::{ErrorCode, ServerMsg};
use hoidap_tests::Client;

/// Sends `raw` and returns the first error's id and code (feed frames in
/// between are skipped).
async fn error_for(client: &mut Client, raw: &str) -> anyhow::Result<(Option<String>, ErrorCode)> {
    client.send_raw(raw).await?;
    loop {
        if let ServerMsg::Error { id, code, .. } = client.recv().await? {
            return Ok((id, code));
        }
    }
}

#[tokio::test]
async fn unparsable_actions_are_refused_with_their_id() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut moderator = hall.moderator().await?;
    let frames = [
        r#"{"type":"request","id":"m-3","action":{"type":"dance"}}"#,
        r#"{"type":"request","id":"m-3","action":{"type":"set_phase","phase":"party"}}"#,
        r#"{"type":"request","action":{"type":"approve","question":"one"},"id":"m-3"}"#,
        r#"{"type":"request","id":"m-3"}"#,
    ];
    for raw in frames {
        let answer = error_for(&mut moderator, raw).await?;
        assert_eq!(answer, (Some("m-3".into()), ErrorCode::BadMessage), "{raw}");
    }
    // An id the server would refuse anyway keeps the bad_request_id answer.
    let long = "x".repeat(65);
    let raw = format!(r#"{{"type":"request","id":"{long}","action":{{"type":"dance"}}}}"#);
    let answer = error_for(&mut moderator, &raw).await?;
    assert_eq!(answer, (Some(long), ErrorCode::BadRequestId));
    let answer = error_for(&mut moderator, r#"{"type":"request","id":"","action":{}}"#).await?;
    assert_eq!(answer, (Some(String::new()), ErrorCode::BadRequestId));
    // No string id: nothing to carry back.
    let answer = error_for(&mut moderator, r#"{"type":"request","id":7,"action":{}}"#).await?;
    assert_eq!(answer, (None, ErrorCode::BadMessage));
    // The connection still works.
    assert!(
        moderator
            .request(hoidap_protocol::Action::ClearCurrent {})
            .await?
            .is_ok()
    );
    Ok(())
}

#[tokio::test]
async fn requests_before_hello_are_refused_with_their_id() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut early = Client::connect(&hall.server.ws_url()).await?;
    let answer = error_for(
        &mut early,
        r#"{"type":"request","id":"a-1","action":{"type":"dance"}}"#,
    )
    .await?;
    assert_eq!(answer, (Some("a-1".into()), ErrorCode::BadMessage));
    let answer = error_for(
        &mut early,
        r#"{"type":"request","id":"a-2","action":{"type":"clear_current"}}"#,
    )
    .await?;
    assert_eq!(answer, (Some("a-2".into()), ErrorCode::NotJoined));
    Ok(())
}
