//! The audit trail and the chain head in exports (issue 12, items 1 and
//! 3), over a real server and its SQLite log: named staff's actions with
//! their names and log positions, no asks or votes, an asker anonymous to
//! everyone only as "the asker", the CSV's last row the head `hoidap
//! verify` prints; and exports by the staff roles the organiser allows.

use crate::json_schema::violations;
use crate::support::{Hall, add_staff, join_staff};
use hoidap_protocol::{Action, Identity, Role};
use hoidap_server::export::audit::AUDIT_HEADERS;
use hoidap_server::log::{Log, SqliteLog, chain};
use hoidap_server::queue::{Event, Principal, StaffId};
use hoidap_tests::{http_get_bytes, server_binary};
use serde_json::{Value, json};

const SECRET_NAME: &str = "Phạm Thị Bí Mật";
const SECRET_TEXT: &str = "Câu hỏi không ai biết người hỏi";
const ANSWER_TEXT: &str = "Nội dung trả lời bằng văn bản KÍN";

type Download = (u16, Vec<(String, String)>, Vec<u8>);

async fn get(hall: &Hall, what: &str, format: &str, auth: &str) -> anyhow::Result<Download> {
    let path = format!(
        "/api/events/{}/{what}?format={format}",
        hall.event.join_code
    );
    http_get_bytes(hall.server.addr, &path, Some(auth)).await
}

fn ask(text: &str, identity: Identity) -> Action {
    Action::Ask {
        text: text.into(),
        name: Some(SECRET_NAME.into()),
        unit: Some("Sở Bí Mật".into()),
        anonymous: false,
        identity: Some(identity),
        topic: None,
        official: None,
    }
}

fn csv_rows(bytes: &[u8]) -> anyhow::Result<Vec<Vec<String>>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let text = std::str::from_utf8(&bytes[3..])?;
    assert!(text.contains("\r\n"), "CRLF");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

#[tokio::test]
async fn the_audit_names_staff_and_positions_and_ends_with_the_verified_head() -> anyhow::Result<()>
{
    let levels = ["named", "hidden_from_hall", "anonymous"];
    let hall = Hall::with(json!({
        "title": "Đối thoại với cử tri", "pre_moderation": true, "identities": levels,
    }))
    .await?;
    let (official_id, official_secret) = add_staff(&hall, "Nguyễn Văn Quan", "official").await;
    let (_, chair_secret) = add_staff(&hall, "Chủ tọa Lan", "chair").await;
    let (moderator_id, moderator_secret) = add_staff(&hall, "=Điều hành Hùng", "moderator").await;
    let mut chair = join_staff(&hall, Role::Moderator, &chair_secret).await?.0;
    let mut moderator = join_staff(&hall, Role::Moderator, &moderator_secret)
        .await?
        .0;
    let mut official = join_staff(&hall, Role::Moderator, &official_secret)
        .await?
        .0;
    let mut named = hall.attendee().await?;
    let mut anonymous = hall.attendee().await?;
    let participant = anonymous.participant.clone().expect("a participant").id;

    let asked = [
        named.ok(ask("Câu hỏi có tên", Identity::Named)).await?,
        anonymous.ok(ask(SECRET_TEXT, Identity::Anonymous)).await?,
    ];
    let anon_q = *anonymous.view.my_questions.keys().last().expect("asked");
    let approved = moderator.ok(Action::Approve { question: 1 }).await?;
    moderator.ok(Action::Approve { question: anon_q }).await?;
    let voted = named
        .ok(Action::Vote {
            question: anon_q,
            up: true,
        })
        .await?;
    let current = chair.ok(Action::SetCurrent { question: anon_q }).await?;
    let answered = chair.ok(Action::MarkAnswered { question: anon_q }).await?;
    let unhappy = Action::NotSatisfied {
        question: anon_q,
        reason: format!("Tôi là {SECRET_NAME}"),
    };
    let not_satisfied = anonymous.ok(unhappy).await?;
    let in_writing = Action::AnswerInWriting {
        question: 1,
        working_days: 5,
        official: Some(official_id.clone()),
    };
    chair.ok(in_writing).await?;
    let draft = Action::DraftAnswer {
        question: 1,
        text: ANSWER_TEXT.into(),
        answer: None,
    };
    let drafted = official.ok(draft).await?;

    let admin = format!("Bearer {}", hall.server.admin_token);
    let questions = get(&hall, "export", "json", &admin).await?;
    assert_eq!(questions.0, 200);
    let as_chair = format!("Staff {chair_secret}");
    let audit_json = get(&hall, "audit", "json", &as_chair).await?;
    assert_eq!(
        audit_json.0,
        200,
        "{}",
        String::from_utf8_lossy(&audit_json.2)
    );
    let audit_csv = get(&hall, "audit", "csv", &admin).await?;
    assert_eq!(audit_csv.0, 200);
    let disposition = audit_csv.1.iter().find(|(k, _)| k == "content-disposition");
    assert!(
        disposition.is_some_and(|(_, v)| v.contains("-audit.csv\"")),
        "{disposition:?}"
    );

    // The CSV: the header, one row per action, the chain last.
    let rows = csv_rows(&audit_csv.2)?;
    assert_eq!(rows[0], AUDIT_HEADERS);
    let (actions, last) = (&rows[1..rows.len() - 1], &rows[rows.len() - 1]);
    let at = |seq: u64| actions.iter().find(|r| r[0] == seq.to_string());
    for seq in asked.iter().chain([&voted]) {
        assert!(
            at(*seq).is_none(),
            "an ask or a vote at {seq}: {:?}",
            at(*seq)
        );
    }
    let approve = at(approved).expect("the approval");
    assert_eq!(
        approve[2..8],
        [
            "'=Điều hành Hùng",
            "Điều hành viên",
            &moderator_id,
            "Duyệt câu hỏi",
            "approved",
            "1"
        ],
        "{approve:?}"
    );
    assert!(approve[1].ends_with("+07:00"), "{}", approve[1]);
    assert_eq!(at(current).expect("current")[6], "current_set");
    assert_eq!(at(answered).expect("answered")[2], "Chủ tọa Lan");
    let complaint = at(not_satisfied).expect("not satisfied");
    assert_eq!(
        complaint[2..8],
        [
            "Người hỏi",
            "",
            "",
            "Người hỏi chưa thỏa đáng",
            "not_satisfied",
            &anon_q.to_string()
        ]
    );
    let draft_row = at(drafted).expect("drafted");
    assert_eq!(
        draft_row[8],
        format!("trả lời số 1 (ký: Nguyễn Văn Quan ({official_id}))")
    );
    let exports: Vec<&str> = actions
        .iter()
        .filter(|r| r[6] == "exported")
        .map(|r| r[8].as_str())
        .collect();
    assert_eq!(
        exports,
        [
            "định dạng: json",
            "định dạng: audit_json",
            "định dạng: audit_csv"
        ],
        "the audit lists itself"
    );
    let starts = ['=', '+', '-', '@', '\t', '\r'];
    assert!(rows.iter().flatten().all(|c| !c.starts_with(starts)));
    assert_eq!(last[0], "Chuỗi băm");
    let own_seq: u64 = last[1].parse()?;
    assert_eq!(actions.last().expect("rows")[0], last[1]);
    let head = last[2].clone();
    assert!(
        head.len() == 64
            && head
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );

    // The JSON: its schema, the chair by name, the chain at its own entry.
    let schema: Value = serde_json::from_str(include_str!("../../../docs/audit.schema.json"))?;
    let doc: Value = serde_json::from_slice(&audit_json.2)?;
    assert_eq!(violations(&schema, &doc), Vec::<String>::new());
    let mine = doc["actions"].as_array().expect("actions").last().cloned();
    let mine = mine.expect("its own entry");
    assert_eq!(mine["action"], "exported");
    assert_eq!(mine["principal"]["name"], "Chủ tọa Lan");
    assert_eq!(doc["chain"]["entries"], mine["seq"]);
    assert_eq!(doc["event"]["chain_head"], doc["chain"]["head"]);
    let complaint = doc["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["action"] == "not_satisfied")
        .expect("not satisfied");
    assert_eq!(complaint["principal"], json!({"kind": "asker"}));

    // No export carries the anonymous asker, the answer's text or the question's.
    for bytes in [&audit_csv.2, &audit_json.2] {
        for secret in [SECRET_NAME, participant.as_str(), ANSWER_TEXT, SECRET_TEXT] {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{secret:?} in an audit");
        }
    }

    // What `hoidap verify` prints is the CSV's head: its entry was the last.
    let question_doc: Value = serde_json::from_slice(&questions.2)?;
    let (code, event) = (hall.event.join_code.clone(), hall.event.id);
    drop((chair, moderator, official, named, anonymous));
    let dir = hall.server.stop().await.expect("the data directory");
    let out = std::process::Command::new(server_binary()?)
        .args(["verify", "--event", &code, "--data"])
        .arg(dir.path())
        .output()?;
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}");
    assert!(
        printed.contains(&format!("{own_seq} entries, chain intact, head {head}")),
        "{printed} vs {head}"
    );
    // Later, with entries after it: `--at` the export's position.
    let seq = question_doc["event"]["entries_seq"]
        .as_u64()
        .expect("a seq");
    let out = std::process::Command::new(server_binary()?)
        .args([
            "verify",
            "--event",
            &code,
            "--at",
            &seq.to_string(),
            "--data",
        ])
        .arg(dir.path())
        .output()?;
    let printed = String::from_utf8_lossy(&out.stdout);
    let want = question_doc["event"]["chain_head"]
        .as_str()
        .unwrap_or("none");
    assert!(
        out.status.success() && printed.contains(&format!("{code} entry {seq}: head {want}")),
        "{printed}"
    );
    let log = SqliteLog::open(dir.path())?;
    let at_export = log.head(event, seq).await?.expect("stored");
    assert_eq!(question_doc["event"]["chain_head"], chain::hex(&at_export));
    let seq = doc["chain"]["entries"].as_u64().expect("a seq");
    let at_audit = log.head(event, seq).await?.expect("stored");
    assert_eq!(doc["chain"]["head"], chain::hex(&at_audit));
    Ok(())
}

fn code_of(download: &Download) -> String {
    let body: Value = serde_json::from_slice(&download.2).unwrap_or(Value::Null);
    body["error"]["code"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn a_clerk_exports_only_while_the_organiser_allows_it() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let (_, clerk_secret) = add_staff(&hall, "Thư ký Hà", "clerk").await;
    let (_, moderator_secret) = add_staff(&hall, "Điều hành Nam", "moderator").await;
    let (_, screen_secret) = add_staff(&hall, "Màn hình phụ", "screen").await;
    let clerk = format!("Staff {clerk_secret}");
    let refused = |d: &Download| (d.0, code_of(d));
    let forbidden = (403, "forbidden".to_owned());
    for (what, format) in [("export", "csv"), ("audit", "json")] {
        assert_eq!(refused(&get(&hall, what, format, &clerk).await?), forbidden);
    }

    // A moderator's update_settings cannot give it: only the organiser.
    let mut moderator = join_staff(&hall, Role::Moderator, &moderator_secret)
        .await?
        .0;
    let sneaky = json!({"type": "request", "id": "sneak", "action": {
        "type": "update_settings", "pre_moderation": true, "export_roles": ["clerk", "moderator"]}});
    moderator.send_raw(&sneaky.to_string()).await?;
    // Whatever the answer, a later request's ack comes after it.
    moderator
        .ok(Action::SetPhase {
            phase: hoidap_protocol::Phase::Open,
        })
        .await?;
    assert_eq!(
        refused(&get(&hall, "export", "csv", &clerk).await?),
        forbidden
    );
    let as_moderator = format!("Staff {moderator_secret}");
    assert_eq!(
        refused(&get(&hall, "export", "csv", &as_moderator).await?),
        forbidden
    );

    let path = format!("/api/events/{}", hall.event.join_code);
    let allow = |roles: Value| json!({ "export_roles": roles }).to_string();
    let (status, detail) = hall
        .admin("PATCH", &path, Some(&allow(json!(["clerk"]))))
        .await;
    assert_eq!(
        (status, &detail["settings"]["export_roles"]),
        (200, &json!(["clerk"]))
    );
    assert_eq!(get(&hall, "export", "xlsx", &clerk).await?.0, 200);
    assert_eq!(get(&hall, "audit", "csv", &clerk).await?.0, 200);
    assert_eq!(
        refused(&get(&hall, "export", "csv", &as_moderator).await?),
        forbidden,
        "only the roles allowed"
    );
    let (status, body) = hall
        .admin("PATCH", &path, Some(&allow(json!(["screen"]))))
        .await;
    assert_eq!(status, 400, "{body}");
    let screen = format!("Staff {screen_secret}");
    assert_eq!(
        refused(&get(&hall, "export", "csv", &screen).await?),
        forbidden
    );

    let (status, _) = hall.admin("PATCH", &path, Some(&allow(json!([])))).await;
    assert_eq!(status, 200);
    assert_eq!(
        refused(&get(&hall, "export", "csv", &clerk).await?),
        forbidden
    );

    let event = hall.event.id;
    drop(moderator);
    let dir = hall.server.stop().await.expect("the data directory");
    let entries = SqliteLog::open(dir.path())?.entries(event, 0).await?;
    let exported: Vec<(Principal, String)> = entries
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Exported { format } => Some((e.by, format)),
            _ => None,
        })
        .collect();
    let by_clerk = Principal::Staff { id: StaffId(1) };
    assert_eq!(
        exported,
        [
            (by_clerk.clone(), "xlsx".to_owned()),
            (by_clerk, "audit_csv".to_owned())
        ]
    );
    Ok(())
}
