//! Personal data (issue 12, item 4): one delegate's data handed over,
//! their identity detached on request (gone from every file of the data
//! directory, the chain still verifying, any other change still caught),
//! and every asker's identity detached by itself once the event's
//! retention period after the follow-up is over.

use crate::support::{Hall, claim, code_of, import_roster};
use hoidap_protocol::{Action, Identity, Phase};
use hoidap_server::log::{Log, SqliteLog};
use hoidap_server::queue::Event;
use hoidap_server::queue::privacy::DetachReason;
use hoidap_server::room::Clock;
use hoidap_tests::server_binary;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

fn ask(text: &str, identity: Identity) -> Action {
    Action::Ask {
        text: text.into(),
        name: None,
        unit: None,
        anonymous: false,
        identity: Some(identity),
        topic: None,
        official: None,
    }
}

/// `(succeeded, output)` of `hoidap verify --data dir`.
fn verify(dir: &Path) -> anyhow::Result<(bool, String)> {
    let out = Command::new(server_binary()?)
        .args(["verify", "--data"])
        .arg(dir)
        .output()?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    Ok((out.status.success(), text))
}

/// Every file of the data directory that holds `needle`.
fn files_holding(dir: &Path, needle: &str) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for file in std::fs::read_dir(dir)? {
        let path = file?.path();
        let bytes = std::fs::read(&path)?;
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.push(path.display().to_string());
        }
    }
    Ok(found)
}

fn id_of(cards: &[Value], name: &str) -> String {
    let card = cards.iter().find(|c| c["name"] == name).expect(name);
    card["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn a_delegate_gets_their_data_and_has_it_detached() -> anyhow::Result<()> {
    let levels = ["named", "hidden_from_hall", "anonymous"];
    let body = json!({
        "title": "Đối thoại công tác cán bộ", "pre_moderation": false, "roster": true,
        "identities": levels,
    });
    let hall = Hall::with(body).await?;
    let cards = import_roster(&hall).await;
    let an_id = id_of(&cards, "Nguyễn Văn An");
    let mut moderator = hall.moderator().await?;
    let mut an = claim(&hall, &code_of(&cards, "Nguyễn Văn An"))
        .await?
        .expect("claimed");
    let mut ngoc = claim(&hall, &code_of(&cards, "Trần Thị Bích Ngọc"))
        .await?
        .expect("claimed");
    an.ok(ask(
        "Câu hỏi MARKERQZX về quy hoạch cán bộ?",
        Identity::Named,
    ))
    .await?;
    an.ok(ask("Vì sao chậm bổ nhiệm?", Identity::HiddenFromHall))
        .await?;
    an.ok(ask("Câu hỏi không ai biết người hỏi", Identity::Anonymous))
        .await?;
    ngoc.ok(ask("Câu hỏi của chị Ngọc", Identity::Named))
        .await?;
    an.vote(4, true).await?;
    moderator
        .wait_until("four questions", |v| v.question(4).is_some())
        .await?;

    // What hoidap holds about An: the record, two questions (the one
    // anonymous to everyone is linked to nobody), one vote.
    let path = format!(
        "/api/events/{}/people?delegate={an_id}",
        hall.event.join_code
    );
    let (status, data) = hall.admin("GET", &path, None).await;
    assert_eq!(status, 200, "{data}");
    assert_eq!(data["delegate"]["name"], "Nguyễn Văn An");
    assert_eq!(data["delegate"]["position"], "Giám đốc");
    let asked: Vec<&Value> = data["questions"].as_array().unwrap().iter().collect();
    assert_eq!(asked.len(), 2, "{data}");
    assert!(asked.iter().all(|q| q["identity"] != "anonymous"));
    assert_eq!(data["votes"][0]["question"], 4);
    // Only the organiser, and it is on the record.
    let chair = format!("Staff {}", hall.event.moderator_secret);
    let (status, _) =
        hoidap_tests::http_request(hall.server.addr, "GET", &path, Some(&chair), None).await?;
    assert_eq!(status, 401);
    let anonymous = format!("/api/events/{}/people?question=3", hall.event.join_code);
    let (status, body) = hall.admin("GET", &anonymous, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    // Detached on request.
    let detach = format!("/api/events/{}/people/detach", hall.event.join_code);
    let body = json!({ "delegate": an_id }).to_string();
    let (status, done) = hall.admin("POST", &detach, Some(&body)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["questions"], json!([1, 2]));
    assert_eq!(done["delegates"], json!([an_id]));
    // Two `asked` entries and the roster's import.
    assert_eq!(done["entries_rewritten"], 3);
    moderator
        .wait_until("the names gone", |v| {
            v.question(1)
                .is_some_and(|q| q.name.is_none() && q.unit.is_none())
        })
        .await?;
    assert_eq!(
        moderator.view.question(4).unwrap().name.as_deref(),
        Some("Trần Thị Bích Ngọc")
    );
    // Counts stay: An's vote is still one delegate's vote.
    assert_eq!(moderator.view.question(4).unwrap().votes, 1);
    let (_, again) = hall.admin("POST", &detach, Some(&body)).await;
    assert_eq!(again["seq"], Value::Null, "nothing left: {again}");
    let (status, data) = hall.admin("GET", &path, None).await;
    assert_eq!((status, data["delegate"]["name"].as_str()), (200, Some("")));
    // The exports say so, and still follow their schema.
    let export = format!("/api/events/{}/export?format=json", hall.event.join_code);
    let (status, export) = hall.admin("GET", &export, None).await;
    assert_eq!(status, 200);
    let schema: Value = serde_json::from_str(include_str!("../../../docs/export.schema.json"))?;
    let violations = crate::json_schema::violations(&schema, &export);
    assert_eq!(violations, Vec::<String>::new());
    assert_eq!(export["questions"][0]["detached"], true);
    assert_eq!(export["questions"][0]["name"], Value::Null);
    assert_eq!(export["questions"][3].get("detached"), None);

    // The audit trail lists the detach, and names no one.
    let audit = format!("/api/events/{}/audit?format=json", hall.event.join_code);
    let (status, audit) = hall.admin("GET", &audit, None).await;
    assert_eq!(status, 200);
    let schema: Value = serde_json::from_str(include_str!("../../../docs/audit.schema.json"))?;
    let violations = crate::json_schema::violations(&schema, &audit);
    assert_eq!(violations, Vec::<String>::new());
    let actions = audit["actions"].as_array().expect("actions");
    assert!(actions.iter().any(|a| a["action"] == "detached"), "{audit}");
    assert!(!audit.to_string().contains("Nguyễn Văn An"));

    // Then everyone's: the roster's import is rewritten a second time.
    let all = json!({ "all": true }).to_string();
    let (status, done) = hall.admin("POST", &detach, Some(&all)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["questions"], json!([4]));
    assert_eq!(done["entries_rewritten"], 2, "{done}");

    drop((an, ngoc, moderator));
    let event = hall.event.id;
    let dir = hall.server.stop().await.expect("the data directory");
    for gone in [
        "Nguyễn Văn An",
        "Giám đốc",
        "Sở Nội vụ",
        "Trần Thị Bích Ngọc",
    ] {
        let holding = files_holding(dir.path(), gone)?;
        assert_eq!(holding, Vec::<String>::new(), "{gone}");
    }
    // The search finds what stays: the questions' texts.
    assert!(!files_holding(dir.path(), "Câu hỏi của chị Ngọc")?.is_empty());
    let (ok, text) = verify(dir.path())?;
    assert!(ok, "{text}");
    let log = SqliteLog::open(dir.path())?;
    let entries = log.entries(event, 0).await?;
    let detached = entries
        .iter()
        .find(|e| matches!(e.event, Event::Detached { .. }));
    let Some(Event::Detached {
        reason, redacted, ..
    }) = detached.map(|e| &e.event)
    else {
        panic!("no detached entry");
    };
    assert_eq!(*reason, DetachReason::Request);
    // The replayed state is the one the room had: names gone.
    let state = log.replay(event).await?;
    assert!(state.questions[&1].name.is_none() && state.questions[&1].detached);
    let asked = redacted
        .iter()
        .find(|r| r.seq != 2)
        .expect("an asked entry")
        .seq;
    drop(log);

    // A change the detach did not make is still caught, at its position.
    let file = dir.path().join(hoidap_server::log::FILE_NAME);
    let mut bytes = std::fs::read(&file)?;
    let at: Vec<usize> = (0..bytes.len().saturating_sub(9))
        .filter(|&i| &bytes[i..i + 9] == b"MARKERQZX")
        .collect();
    assert!(!at.is_empty());
    for i in at {
        bytes[i + 6] = b'R';
    }
    std::fs::write(&file, &bytes)?;
    let (ok, text) = verify(dir.path())?;
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!("BROKEN at entry {asked}:")),
        "{text}"
    );
    Ok(())
}

const T0: u64 = 2_000_000_000_000;
static NOW: AtomicU64 = AtomicU64::new(T0);

fn fake_now() -> u64 {
    NOW.load(Ordering::SeqCst)
}

#[tokio::test]
async fn names_are_detached_when_the_retention_period_ends() -> anyhow::Result<()> {
    let body = json!({ "title": "Đối thoại", "pre_moderation": false, "retention_days": 30 });
    let hall = Hall::configured(body, |c| c.limits.clock = Clock(fake_now)).await?;
    let mut phone = hall.attendee().await?;
    let mut chair = hall.moderator().await?;
    let named = Action::Ask {
        text: "Chính sách thu hút nhân tài ra sao?".into(),
        name: Some("Lê Thị Hồng Nhung".into()),
        unit: Some("Sở Khoa học".into()),
        anonymous: false,
        identity: Some(Identity::Named),
        topic: None,
        official: None,
    };
    phone.ok(named).await?;
    // To answer in writing within 10 working days: the follow-up period
    // runs to that date, whatever the closing.
    let (status, official) = hall
        .admin(
            "POST",
            &format!("/api/events/{}/staff", hall.event.join_code),
            Some(r#"{"name":"Ông Quan","role":"official"}"#),
        )
        .await;
    assert_eq!(status, 201, "{official}");
    let official = official["id"].as_str().unwrap().to_owned();
    chair
        .ok(Action::AnswerInWriting {
            question: 1,
            working_days: 10,
            official: Some(official),
        })
        .await?;
    chair
        .ok(Action::SetPhase {
            phase: Phase::Closed,
        })
        .await?;
    let day = 86_400_000;
    // 30 days after closing, but before the due date's 30 days: kept.
    NOW.store(T0 + 31 * day, Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    chair.drain(std::time::Duration::from_millis(100)).await?;
    assert_eq!(
        chair.view.question(1).unwrap().name.as_deref(),
        Some("Lê Thị Hồng Nhung")
    );
    // Past 30 days after the due date (two weeks after): detached.
    NOW.store(T0 + 46 * day, Ordering::SeqCst);
    chair
        .wait_until("the name gone", |v| {
            v.question(1).is_some_and(|q| q.name.is_none())
        })
        .await?;
    assert!(chair.view.question(1).unwrap().unit.is_none());

    drop((phone, chair));
    let event = hall.event.id;
    let dir = hall.server.stop().await.expect("the data directory");
    assert_eq!(
        files_holding(dir.path(), "Lê Thị Hồng Nhung")?,
        Vec::<String>::new()
    );
    let (ok, text) = verify(dir.path())?;
    assert!(ok, "{text}");
    let log = SqliteLog::open(dir.path())?;
    let last = log.entries(event, 0).await?.pop().expect("entries");
    assert!(
        matches!(
            last.event,
            Event::Detached {
                reason: DetachReason::Retention,
                ..
            }
        ),
        "{last:?}"
    );
    Ok(())
}

static LATER: AtomicU64 = AtomicU64::new(T0);

fn later_now() -> u64 {
    LATER.load(Ordering::SeqCst)
}

#[tokio::test]
async fn an_event_nobody_opens_again_is_detached_all_the_same() -> anyhow::Result<()> {
    let body = json!({ "title": "Đối thoại", "pre_moderation": false, "retention_days": 1 });
    let clock = |c: &mut hoidap_server::Config| c.limits.clock = Clock(later_now);
    let hall = Hall::configured(body, clock).await?;
    let mut phone = hall.attendee().await?;
    let named = Action::Ask {
        text: "Khi nào có kết quả thi tuyển?".into(),
        name: Some("Đỗ Minh Khôi".into()),
        unit: Some("Sở Giáo dục".into()),
        anonymous: false,
        identity: Some(Identity::Named),
        topic: None,
        official: None,
    };
    phone.ok(named).await?;
    let mut chair = hall.moderator().await?;
    chair
        .ok(Action::SetPhase {
            phase: Phase::Closed,
        })
        .await?;
    drop((phone, chair));
    let dir = hall.server.stop().await.expect("the data directory");

    // Two days later the server starts again; nobody opens the event.
    LATER.store(T0 + 2 * 86_400_000, Ordering::SeqCst);
    let server = hoidap_tests::TestServer::start_in_with(dir.path(), clock).await?;
    let file = dir.path().join(hoidap_server::log::FILE_NAME);
    let detached = || -> anyhow::Result<i64> {
        let conn = rusqlite::Connection::open_with_flags(
            &file,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let sql = "SELECT count(*) FROM entries WHERE body LIKE '%\"type\":\"detached\"%'";
        Ok(conn.query_row(sql, [], |r| r.get(0))?)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while detached()? == 0 {
        assert!(std::time::Instant::now() < deadline, "not detached");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.stop().await;
    assert_eq!(
        files_holding(dir.path(), "Đỗ Minh Khôi")?,
        Vec::<String>::new()
    );
    let (ok, text) = verify(dir.path())?;
    assert!(ok, "{text}");
    Ok(())
}
