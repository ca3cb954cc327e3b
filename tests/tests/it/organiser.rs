//! The organiser's API for one event: reading and changing its title and
//! settings, roster mode included (issue 10, items 3 and 5).

use crate::support::Hall;
use hoidap_protocol::{Action, Role};
use hoidap_tests::{Client, TestServer, http_request};
use serde_json::json;

#[tokio::test]
async fn the_organiser_renames_an_event_and_changes_its_settings() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let path = format!("/api/events/{}", hall.event.join_code);
    let (status, event) = hall.admin("GET", &path, None).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["title"], "Hội nghị đối thoại");
    assert_eq!(event["settings"]["roster"], false);
    assert_eq!(event["settings"]["pre_moderation"], true);
    assert!(event["stats"].is_object(), "{event}");
    let mut attendee = hall.attendee().await?;
    let mut moderator = hall.moderator().await?;

    let change = json!({
        "title": "  Đối thoại với cán bộ chủ chốt  ",
        "roster": true,
        "identities": ["anonymous", "named"],
    });
    let (status, event) = hall.admin("PATCH", &path, Some(&change.to_string())).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["title"], "Đối thoại với cán bộ chủ chốt");
    assert_eq!(event["settings"]["roster"], true);
    assert_eq!(
        event["settings"]["identities"],
        json!(["named", "anonymous"])
    );
    assert_eq!(event["settings"]["pre_moderation"], true, "untouched");
    // Every page hears of it.
    attendee
        .wait_until("the new title", |v| {
            v.title == "Đối thoại với cán bộ chủ chốt"
        })
        .await?;
    attendee
        .wait_until("roster mode", |v| {
            v.settings.as_ref().is_some_and(|s| s.roster)
        })
        .await?;

    // Moderators change their settings, never roster mode.
    moderator
        .ok(Action::UpdateSettings {
            pre_moderation: Some(false),
            allow_anonymous: None,
            max_length: None,
            identities: None,
            chair_sets_current: None,
            asker_routes: None,
        })
        .await?;
    let (_, event) = hall.admin("GET", &path, None).await;
    assert_eq!(event["settings"]["roster"], true);
    assert_eq!(event["settings"]["pre_moderation"], false);

    for (body, code) in [
        (json!({ "title": "   " }), "invalid_title"),
        (json!({ "identities": [] }), "invalid_setting"),
        (json!({ "max_length": 0 }), "invalid_setting"),
        (json!({ "colour": "red" }), "bad_request"),
    ] {
        let (status, answer) = hall.admin("PATCH", &path, Some(&body.to_string())).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}"
        );
    }
    let (status, _) = http_request(hall.server.addr, "PATCH", &path, None, Some("{}")).await?;
    assert_eq!(status, 401);

    // The new title is the list's, and survives a restart.
    let (_, list) = hall.admin("GET", "/api/events", None).await;
    assert_eq!(list[0]["title"], "Đối thoại với cán bộ chủ chốt");
    let (dir, token) = (hall.server.dir.clone(), hall.server.admin_token.clone());
    drop((attendee, moderator));
    let _kept = hall.server.stop().await;
    let server = TestServer::start_in(&dir).await?;
    let auth = format!("Bearer {token}");
    let (_, text) = http_request(server.addr, "GET", "/api/events", Some(&auth), None).await?;
    let list: serde_json::Value = serde_json::from_str(&text)?;
    assert_eq!(list[0]["title"], "Đối thoại với cán bộ chủ chốt");
    let moderator = Client::join(
        &server.ws_url(),
        &hall.event.join_code,
        Role::Moderator,
        Some(&hall.event.moderator_secret),
    )
    .await?;
    assert_eq!(moderator.view.title, "Đối thoại với cán bộ chủ chốt");
    Ok(())
}
