//! Rooms load on first use and unload when idle (`rooms::slot`): an event
//! nobody used since start costs no replay, the next join after an unload
//! gets exactly the state it left, concurrent first joins replay once, and
//! nothing in flight is lost to an unload.

use hoidap_protocol::{Action, ClientMsg, Question, QuestionId, Role};
use hoidap_tests::{Client, EventInfo, Faults, TestServer, http_request};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Short enough for a test, long enough that a join's own traffic keeps
/// its room.
const IDLE: Duration = Duration::from_millis(300);

async fn start(dir: &std::path::Path, faults: &Arc<Faults>) -> anyhow::Result<TestServer> {
    let wrap = faults.clone();
    TestServer::start_in_with(dir, move |c| {
        c.limits.room_idle = IDLE;
        c.wrap_log = Some(Box::new(move |log| wrap.wrap(log)));
    })
    .await
}

/// The `stats` of the event `code` in `GET /api/events`.
async fn stats(server: &TestServer, code: &str) -> anyhow::Result<Value> {
    let auth = format!("Bearer {}", server.admin_token);
    let (status, body) = http_request(server.addr, "GET", "/api/events", Some(&auth), None).await?;
    anyhow::ensure!(status == 200, "list events: {status} {body}");
    let list: Vec<Value> = serde_json::from_str(&body)?;
    let item = list.into_iter().find(|e| e["join_code"] == code);
    let item = item.ok_or_else(|| anyhow::anyhow!("{code} not listed"))?;
    Ok(item["stats"].clone())
}

async fn wait_unloaded(server: &TestServer, code: &str) -> anyhow::Result<Value> {
    for _ in 0..100 {
        let s = stats(server, code).await?;
        if s["loaded"] == false {
            return Ok(s);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the room of {code} never unloaded")
}

async fn moderator(server: &TestServer, e: &EventInfo) -> anyhow::Result<Client> {
    let secret = Some(e.moderator_secret.as_str());
    Client::join(&server.ws_url(), &e.join_code, Role::Moderator, secret).await
}

/// Two approved questions with votes, one pending: what the moderator sees.
async fn hold_meeting(
    server: &TestServer,
    e: &EventInfo,
) -> anyhow::Result<(String, BTreeMap<QuestionId, Question>)> {
    let mut m = moderator(server, e).await?;
    let mut a = Client::join(&server.ws_url(), &e.join_code, Role::Attendee, None).await?;
    let first = a.ask("Khi nào có lịch tiếp dân tháng tới?").await?;
    let second = a.ask("Đường vào xã bao giờ được sửa?").await?;
    a.ask("Câu hỏi còn chờ duyệt").await?;
    m.ok(Action::Approve { question: first }).await?;
    let last = m.ok(Action::Approve { question: second }).await?;
    a.vote(first, true).await?;
    let last = last.max(a.vote(second, true).await?);
    let mut b = Client::join(&server.ws_url(), &e.join_code, Role::Attendee, None).await?;
    let last = last.max(b.vote(first, true).await?);
    m.wait_until("every vote", |v| {
        v.seq >= last && v.questions.get(&first).is_some_and(|q| q.votes == 2)
    })
    .await?;
    Ok((m.view.epoch.clone(), m.view.questions.clone()))
}

#[tokio::test]
async fn an_event_unused_since_start_is_not_loaded_yet_joins_with_its_state() -> anyhow::Result<()>
{
    let temp = tempfile::tempdir()?;
    let faults = Faults::new();
    let server = start(temp.path(), &faults).await?;
    let event = server
        .create_event(json!({ "title": "Tiếp xúc cử tri" }))
        .await?;
    let (epoch, questions) = hold_meeting(&server, &event).await?;
    server.stop().await;

    let faults = Faults::new();
    let server = start(temp.path(), &faults).await?;
    let s = stats(&server, &event.join_code).await?;
    assert_eq!(s["loaded"], false, "{s}");
    assert_eq!(
        faults.replays.load(Ordering::SeqCst),
        0,
        "start-up replayed a log"
    );
    // Saved when the room stopped at shutdown.
    assert_eq!(s["questions"], 3, "{s}");
    assert_eq!(s["pending"], 1, "{s}");
    assert_eq!(s["phase"], "open", "{s}");
    assert_eq!(s["connections"], 0, "{s}");

    let m = moderator(&server, &event).await?;
    assert_eq!(m.view.epoch, epoch);
    assert_eq!(m.view.questions, questions);
    let s = stats(&server, &event.join_code).await?;
    assert_eq!(s["loaded"], true, "{s}");
    assert_eq!(faults.replays.load(Ordering::SeqCst), 1);
    Ok(())
}

#[tokio::test]
async fn an_idle_room_unloads_and_the_next_join_gets_the_same_state() -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let faults = Faults::new();
    let server = start(temp.path(), &faults).await?;
    let event = server.create_event(json!({ "title": "Đối thoại" })).await?;
    let (epoch, questions) = hold_meeting(&server, &event).await?;
    // Every client of the meeting is dropped: the room has nobody left.
    let s = wait_unloaded(&server, &event.join_code).await?;
    assert_eq!(s["questions"], 3, "{s}");
    assert_eq!(s["connections"], 0, "{s}");
    let loads = faults.replays.load(Ordering::SeqCst);

    let m = moderator(&server, &event).await?;
    assert_eq!(m.view.epoch, epoch, "an unload must not change the epoch");
    assert_eq!(m.view.questions, questions);
    assert_eq!(faults.replays.load(Ordering::SeqCst), loads + 1);
    // A loaded room's figures are refreshed on its tick (25 ms).
    let mut s = stats(&server, &event.join_code).await?;
    for _ in 0..40 {
        if s["connections"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        s = stats(&server, &event.join_code).await?;
    }
    assert_eq!(
        (s["loaded"].clone(), s["connections"].clone()),
        (json!(true), json!(1))
    );
    assert_eq!(s["pending"], 1, "{s}");
    Ok(())
}

#[tokio::test]
async fn many_concurrent_first_joins_load_the_room_once() -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let faults = Faults::new();
    let server = start(temp.path(), &faults).await?;
    let event = server.create_event(json!({ "title": "Hội nghị" })).await?;
    let before = faults.replays.load(Ordering::SeqCst);
    assert_eq!(before, 0, "creating an event loads no room");
    let s = stats(&server, &event.join_code).await?;
    let fresh = json!({"loaded": false, "phase": "open", "questions": 0, "pending": 0,
        "connections": 0, "last_activity": event.created_at});
    assert_eq!(s, fresh);
    let url = server.ws_url();
    let joins = (0..64).map(|_| {
        let (url, code) = (url.clone(), event.join_code.clone());
        tokio::spawn(async move { Client::join(&url, &code, Role::Attendee, None).await })
    });
    let mut clients = Vec::new();
    for join in joins {
        clients.push(join.await??);
    }
    assert_eq!(faults.replays.load(Ordering::SeqCst), 1);
    assert!(clients.iter().all(|c| c.view.title == "Hội nghị"));
    // Process-wide (tests share the recorder): present, not exact.
    let m = hoidap_tests::metrics(server.addr, &server.admin_token).await?;
    assert!(
        m.get("hoidap_room_loads_total").is_some_and(|n| *n >= 1.0),
        "{m:?}"
    );
    assert!(
        m.get("hoidap_rooms_loaded").is_some_and(|n| *n >= 1.0),
        "{m:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_commit_in_flight_keeps_its_room_and_is_not_lost() -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let faults = Faults::new();
    let server = start(temp.path(), &faults).await?;
    let event = server.create_event(json!({ "title": "Họp dân" })).await?;
    let mut a = Client::join(&server.ws_url(), &event.join_code, Role::Attendee, None).await?;
    faults.hold();
    let appends = faults.appends.load(Ordering::SeqCst);
    let ask = Action::Ask {
        text: "Câu hỏi gửi khi phòng sắp nghỉ".into(),
        name: None,
        unit: None,
        anonymous: false,
        identity: None,
        topic: None,
        official: None,
    };
    a.send(&ClientMsg::Request {
        id: "r1".into(),
        action: ask,
    })
    .await?;
    while faults.appends.load(Ordering::SeqCst) == appends {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The asker leaves while its commit is held, and the room stays idle
    // for longer than its idle period.
    drop(a);
    tokio::time::sleep(IDLE * 3).await;
    let s = stats(&server, &event.join_code).await?;
    assert_eq!(s["loaded"], true, "a room unloaded during a commit: {s}");
    faults.release();
    wait_unloaded(&server, &event.join_code).await?;
    let m = moderator(&server, &event).await?;
    let texts: Vec<_> = m.view.questions.values().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, ["Câu hỏi gửi khi phòng sắp nghỉ"]);
    Ok(())
}

#[tokio::test]
async fn joins_racing_the_unload_all_get_the_room() -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let faults = Faults::new();
    let server = start(temp.path(), &faults).await?;
    let event = server.create_event(json!({ "title": "Chất vấn" })).await?;
    let url = server.ws_url();
    let mut asked = 0;
    // Each join lands around the moment the previous one's room offers to
    // stop (the idle period, give or take a tick): none may fail or see
    // less than what was acknowledged before it.
    for i in 0..12u64 {
        let mut a = Client::join(&url, &event.join_code, Role::Attendee, None).await?;
        a.ask(&format!("Câu hỏi {i}")).await?;
        asked += 1;
        drop(a);
        tokio::time::sleep(IDLE + Duration::from_millis(i * 5)).await;
        let m = moderator(&server, &event).await?;
        assert_eq!(m.view.questions.len(), asked);
    }
    assert!(
        faults.replays.load(Ordering::SeqCst) > 1,
        "the room never unloaded"
    );
    Ok(())
}

#[tokio::test]
async fn a_log_that_does_not_read_turns_the_hello_away_until_it_does() -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let faults = Faults::new();
    let server = start(temp.path(), &faults).await?;
    let event = server.create_event(json!({ "title": "Hội nghị" })).await?;
    faults.fail_replay(true);
    let mut c = Client::connect(&server.ws_url()).await?;
    let refused = c.hello(&event.join_code, Role::Attendee, None, None).await;
    let refused = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(refused.contains("Unavailable"), "{refused}");
    // 4002: come back, as after a restart; nothing was loaded half-way.
    assert_eq!(c.closed().await?, Some(hoidap_protocol::close::RESTART));
    assert_eq!(stats(&server, &event.join_code).await?["loaded"], false);
    faults.fail_replay(false);
    let a = Client::join(&server.ws_url(), &event.join_code, Role::Attendee, None).await?;
    assert_eq!(a.view.title, "Hội nghị");
    Ok(())
}
