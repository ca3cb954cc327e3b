//! Who may do what: secrets, roles, the admin API.

use crate::support::Hall;
use hoidap_protocol::{Action, ErrorCode, Role, close};
use hoidap_tests::{Client, http_request};
use std::time::Duration;

#[tokio::test]
async fn moderation_needs_the_moderator_secret() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let mut asker = hall.attendee().await?;
    let id = asker.ask("Câu hỏi chờ duyệt").await?;

    // The screen secret does not open the moderator role, nor does nothing.
    for secret in [Some(hall.event.screen_secret.as_str()), None, Some("guess")] {
        let (code, closed) = hall.refused_hello(Role::Moderator, secret).await?;
        assert_eq!(code, ErrorCode::BadSecret);
        assert_eq!(closed, Some(close::REFUSED));
    }
    let (code, _) = hall
        .refused_hello(Role::Screen, Some(&hall.event.moderator_secret))
        .await?;
    assert_eq!(code, ErrorCode::BadSecret);

    // An attendee or a screen asking for moderation is refused.
    let refused = asker.request(Action::Approve { question: id }).await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::Forbidden);
    let mut screen = hall.screen().await?;
    let refused = screen.request(Action::SetCurrent { question: id }).await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::Forbidden);
    let refused = screen
        .request(Action::Vote {
            question: id,
            up: true,
        })
        .await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::Forbidden);

    // ...and changed nothing.
    let moderator = hall.moderator().await?;
    assert_eq!(
        moderator.view.question(id).unwrap().status,
        hoidap_protocol::QuestionStatus::Pending
    );
    assert_eq!(moderator.view.current, None);
    Ok(())
}

#[tokio::test]
async fn a_participant_token_keeps_one_identity_and_forgeries_get_a_new_one() -> anyhow::Result<()>
{
    let hall = Hall::new(false).await?;
    let mut first = hall.attendee().await?;
    let id = first.ask("Một câu hỏi").await?;
    first
        .ok(Action::Vote {
            question: id,
            up: true,
        })
        .await?;
    let me = first.participant.clone().unwrap();

    // Same device later: same identity, the vote is remembered, voting
    // again does not add a second one.
    let mut again = Client::connect(&hall.server.ws_url()).await?;
    again
        .hello(&hall.event.join_code, Role::Attendee, None, Some(&me.token))
        .await?;
    assert_eq!(again.participant.as_ref().unwrap().id, me.id);
    assert!(again.view.my_votes.contains(&id));
    assert!(again.view.my_questions.contains_key(&id));
    again
        .ok(Action::Vote {
            question: id,
            up: true,
        })
        .await?;
    again.drain(Duration::from_millis(250)).await?;
    assert_eq!(again.view.question(id).unwrap().votes, 1);

    // A token with another id but the same signature is not accepted.
    let forged = format!("someone-else.{}", me.token.split_once('.').unwrap().1);
    let mut forger = Client::connect(&hall.server.ws_url()).await?;
    forger
        .hello(&hall.event.join_code, Role::Attendee, None, Some(&forged))
        .await?;
    assert_ne!(forger.participant.as_ref().unwrap().id, "someone-else");
    assert!(forger.view.my_votes.is_empty());
    Ok(())
}

#[tokio::test]
async fn admin_api_creates_and_lists_events_with_links() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let addr = hall.server.addr;
    let (status, body) = http_request(addr, "GET", "/api/events", None, None).await?;
    assert_eq!(status, 401, "{body}");
    let (status, _) = http_request(addr, "GET", "/api/events", Some("Bearer wrong"), None).await?;
    assert_eq!(status, 401);
    let auth = format!("Bearer {}", hall.server.admin_token);
    let (status, body) = http_request(addr, "GET", "/api/events", Some(&auth), None).await?;
    assert_eq!(status, 200);
    let list: Vec<hoidap_tests::EventInfo> = serde_json::from_str(&body)?;
    assert_eq!(list.len(), 1);
    let event = &list[0];
    assert_eq!(event.join_code, hall.event.join_code);
    assert_eq!(event.join_code.len(), 6);
    assert!(!event.join_code.contains(['0', 'O', '1', 'I']));
    assert_ne!(event.moderator_secret, event.screen_secret);
    assert!(
        event
            .links
            .attendee
            .ends_with(&format!("/j/{}", event.join_code))
    );
    assert!(
        event
            .links
            .moderator
            .contains(&format!("#{}", event.moderator_secret)),
        "secret in the fragment"
    );
    assert!(
        !event.links.moderator.contains('?'),
        "never in a query string"
    );

    let (status, body) = http_request(
        addr,
        "POST",
        "/api/events",
        Some(&auth),
        Some(r#"{"title": "  "}"#),
    )
    .await?;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid_title"));
    let (status, _) =
        http_request(addr, "POST", "/api/events", Some(&auth), Some("{not json")).await?;
    assert_eq!(status, 400);
    let (status, _) = http_request(addr, "GET", "/healthz", None, None).await?;
    assert_eq!(status, 200);
    // The join code is case-insensitive for people typing it.
    let lower = hall.event.join_code.to_lowercase();
    Client::join(&hall.server.ws_url(), &lower, Role::Attendee, None).await?;
    Ok(())
}
