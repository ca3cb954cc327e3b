//! Named staff: personal links, roles, revocation, and the log naming who
//! did what (issue 10, items 1 and 2).

use crate::support::{Hall, add_staff as add, join_staff as join, secret_of};
use hoidap_protocol::{Action, ErrorCode, Role, ServerMsg, StaffRole, close};
use hoidap_server::log::{Log, SqliteLog};
use hoidap_server::queue::{Event, Principal, StaffId};
use hoidap_tests::{Client, http_request};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `(status, body)` of an admin API call on the hall's server.
async fn admin(hall: &Hall, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    hall.admin(method, path, body.as_deref()).await
}

fn staff_path(hall: &Hall, rest: &str) -> String {
    format!("/api/events/{}/staff{rest}", hall.event.join_code)
}

#[tokio::test]
async fn staff_work_under_their_own_names_and_the_log_says_who() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    // Before any staff, the shared link opens the panel as it always did.
    let shared = hall.moderator().await?;
    drop(shared);

    let (chair_id, chair_secret) = add(&hall, "Nguyễn Văn Chủ", "chair").await;
    let (lan_id, lan_secret) = add(&hall, "Trần Thị Lan", "moderator").await;
    let (_, minh_secret) = add(&hall, "Lê Minh", "moderator").await;
    let (_, observer_secret) = add(&hall, "Ban Tổ chức", "observer").await;
    let (_, screen_secret) = add(&hall, "Máy chiếu hội trường", "screen").await;

    let (mut chair, who) = join(&hall, Role::Moderator, &chair_secret).await?;
    let who = who.expect("a personal link says who");
    assert_eq!(
        (who.id.as_str(), who.role),
        (chair_id.as_str(), StaffRole::Chair)
    );
    assert_eq!(who.name, "Nguyễn Văn Chủ");
    let (mut lan, _) = join(&hall, Role::Moderator, &lan_secret).await?;
    let (mut minh, _) = join(&hall, Role::Moderator, &minh_secret).await?;
    let (mut observer, _) = join(&hall, Role::Moderator, &observer_secret).await?;
    let (screen, who) = join(&hall, Role::Screen, &screen_secret).await?;
    assert_eq!(who.map(|w| w.role), Some(StaffRole::Screen));
    drop(screen);

    // Named staff exist: the shared moderator link no longer opens the
    // panel, or actions there would have no name. A screen's personal link
    // does not open the panel either.
    let (code, closed) = hall
        .refused_hello(Role::Moderator, Some(&hall.event.moderator_secret))
        .await?;
    assert_eq!((code, closed), (ErrorCode::BadSecret, Some(close::REFUSED)));
    let (code, _) = hall
        .refused_hello(Role::Moderator, Some(&screen_secret))
        .await?;
    assert_eq!(code, ErrorCode::BadSecret);

    let mut asker = hall.attendee().await?;
    let q1 = asker.ask("Câu hỏi thứ nhất về cán bộ").await?;
    let q2 = asker.ask("Câu hỏi thứ hai").await?;
    // Several moderators at once, each under their name.
    lan.ok(Action::Approve { question: q1 }).await?;
    minh.ok(Action::Approve { question: q2 }).await?;
    lan.ok(Action::Edit {
        question: q2,
        text: "Câu hỏi thứ hai, đã sửa".into(),
    })
    .await?;
    minh.ok(Action::Hide { question: q2 }).await?;
    // The observer reads the panel and may do nothing.
    let refused_obs = observer.request(Action::Restore { question: q2 }).await?;
    assert_eq!(refused_obs.unwrap_err().code, ErrorCode::Forbidden);
    observer
        .wait_until("the observer sees the hidden question", |v| {
            v.questions.contains_key(&q2)
        })
        .await?;

    // The chair may keep the current question to themselves; moderators
    // may not take that back.
    let keep = Action::UpdateSettings {
        pre_moderation: None,
        allow_anonymous: None,
        max_length: None,
        chair_sets_current: Some(true),
        identities: None,
        asker_routes: None,
    };
    let by_moderator = lan.request(keep.clone()).await?;
    assert_eq!(by_moderator.unwrap_err().code, ErrorCode::Forbidden);
    chair.ok(keep).await?;
    let set = lan.request(Action::SetCurrent { question: q1 }).await?;
    assert_eq!(set.unwrap_err().code, ErrorCode::Forbidden);
    chair.ok(Action::SetCurrent { question: q1 }).await?;

    // Every moderation entry names the member who made it.
    let dir = hall.server.dir.clone();
    let event = hall.event.id;
    drop((chair, lan, minh, observer, asker));
    let _kept = hall.server.stop().await;
    let log = SqliteLog::open(&dir)?;
    let entries = log.entries(event, 0).await?;
    let staff = |id: &str| Principal::Staff {
        id: id.parse::<StaffId>().unwrap(),
    };
    let mut moderation = 0;
    for entry in &entries {
        let who = match &entry.event {
            Event::StatusSet { question, .. } if *question == q1 => staff(&lan_id),
            Event::StatusSet { .. } | Event::Edited { .. } => continue,
            Event::CurrentSet { .. } | Event::SettingsSet { .. } => staff(&chair_id),
            _ => continue,
        };
        moderation += 1;
        assert_eq!(entry.by, who, "entry {}: {:?}", entry.seq, entry.event);
    }
    let by_staff = entries
        .iter()
        .filter(|e| matches!(e.event, Event::StatusSet { .. } | Event::Edited { .. }))
        .all(|e| matches!(e.by, Principal::Staff { .. }));
    assert!(by_staff, "every approve, edit and hide names a member");
    assert_eq!(moderation, 3, "approve q1, settings, current");
    // The log never holds a usable link.
    let text = format!("{entries:?}");
    for secret in [&chair_secret, &lan_secret, &minh_secret] {
        assert!(!text.contains(secret.as_str()));
    }
    Ok(())
}

/// The connection is told its link was revoked (presence and deltas may
/// come first), then closed with 4003.
async fn told_revoked(client: &mut Client) -> anyhow::Result<()> {
    loop {
        match client.recv().await? {
            ServerMsg::Error {
                code: ErrorCode::Revoked,
                ..
            } => break,
            ServerMsg::Error { code, message, .. } => anyhow::bail!("{code:?}: {message}"),
            _ => continue,
        }
    }
    assert_eq!(client.closed().await?, Some(close::REVOKED));
    Ok(())
}

#[tokio::test]
async fn a_revoked_link_is_cut_off_within_a_second_and_refused_after() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let (id, secret) = add(&hall, "Phạm Thu", "moderator").await;
    let (mut first, _) = join(&hall, Role::Moderator, &secret).await?;
    let (mut second, _) = join(&hall, Role::Moderator, &secret).await?;
    let (status, list) = admin(&hall, "GET", &staff_path(&hall, ""), None).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["connected"], 2, "{list}");
    assert!(list[0].get("link").is_none(), "the link is shown only once");

    let started = Instant::now();
    let (status, member) = admin(
        &hall,
        "POST",
        &staff_path(&hall, &format!("/{id}/revoke")),
        None,
    )
    .await;
    assert_eq!(
        (status, &member["active"]),
        (200, &json!(false)),
        "{member}"
    );
    for client in [&mut first, &mut second] {
        told_revoked(client).await?;
    }
    let cut_off = started.elapsed();
    assert!(
        cut_off < Duration::from_secs(1),
        "cut off after {cut_off:?}"
    );
    let (code, closed) = hall.refused_hello(Role::Moderator, Some(&secret)).await?;
    assert_eq!((code, closed), (ErrorCode::Revoked, Some(close::REFUSED)));

    // Re-issued: a new link works, the old one stays dead.
    let path = staff_path(&hall, &format!("/{id}/reissue"));
    let (status, member) = admin(&hall, "POST", &path, None).await;
    assert_eq!(status, 200, "{member}");
    let fresh = secret_of(&member);
    assert_ne!(fresh, secret);
    let (code, _) = hall.refused_hello(Role::Moderator, Some(&secret)).await?;
    assert_eq!(code, ErrorCode::Revoked);
    let (mut back, _) = join(&hall, Role::Moderator, &fresh).await?;
    let asker_q = hall.attendee().await?.ask("Sau khi cấp lại").await?;
    back.ok(Action::Approve { question: asker_q }).await?;

    // Re-issuing again cuts off the connection on the previous new link.
    let (_, member) = admin(&hall, "POST", &path, None).await;
    assert_ne!(secret_of(&member), fresh);
    told_revoked(&mut back).await?;
    Ok(())
}

#[tokio::test]
async fn a_new_role_applies_at_once_and_staff_survive_a_restart() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let (id, secret) = add(&hall, "Đỗ Hùng", "moderator").await;
    let (mut panel, _) = join(&hall, Role::Moderator, &secret).await?;
    let path = staff_path(&hall, &format!("/{id}"));
    let body = json!({ "role": "observer", "name": "Đỗ Văn Hùng" });
    let (status, member) = admin(&hall, "PATCH", &path, Some(body)).await;
    assert_eq!(status, 200, "{member}");
    assert_eq!(
        (&member["role"], &member["name"]),
        (&json!("observer"), &json!("Đỗ Văn Hùng"))
    );
    // The open connection is told to reconnect, and comes back an observer.
    assert_eq!(panel.closed().await?, Some(close::RESUME));
    let (mut panel, who) = join(&hall, Role::Moderator, &secret).await?;
    assert_eq!(who.map(|w| w.role), Some(StaffRole::Observer));
    let q = hall.attendee().await?.ask("Câu hỏi").await?;
    let refused_now = panel.request(Action::Approve { question: q }).await?;
    assert_eq!(refused_now.unwrap_err().code, ErrorCode::Forbidden);
    drop(panel);

    // Bad input gets a clear error.
    for (body, code) in [
        (json!({ "name": "  ", "role": "chair" }), "invalid_name"),
        (json!({ "name": "A", "role": "king" }), "invalid_role"),
        (json!({ "name": "A" }), "bad_request"),
    ] {
        let (status, err) = admin(&hall, "POST", &staff_path(&hall, ""), Some(body)).await;
        assert_eq!(
            (status, &err["error"]["code"]),
            (400, &json!(code)),
            "{err}"
        );
    }
    let (status, err) = admin(&hall, "POST", &staff_path(&hall, "/s99/revoke"), None).await;
    assert_eq!(
        (status, &err["error"]["code"]),
        (404, &json!("unknown_staff"))
    );
    let (status, _) =
        http_request(hall.server.addr, "GET", &staff_path(&hall, ""), None, None).await?;
    assert_eq!(status, 401);

    // Who was who is in the log: after a restart the link still opens the
    // panel with the same role.
    let Hall { server, event } = hall;
    let dir = server.dir.clone();
    let kept = server.stop().await;
    let server = hoidap_tests::TestServer::start_in(&dir).await?;
    let hall = Hall { server, event };
    let (_, who) = join(&hall, Role::Moderator, &secret).await?;
    assert_eq!(
        who.map(|w| (w.name, w.role)),
        Some(("Đỗ Văn Hùng".into(), StaffRole::Observer))
    );
    drop(kept);
    Ok(())
}
