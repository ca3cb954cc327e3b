//! Exports of an event (issue 12, item 1), over a real socket: the CSV
//! opens in Excel as UTF-8 and no cell of it is a formula, the XLSX holds
//! the same rows, the JSON follows its documented schema, no export names
//! an asker anonymous to everyone, and each export is a log entry naming
//! who made it; only the organiser and the chair may.

use crate::json_schema::violations;
use crate::support::{Hall, add_staff, join_staff};
use calamine::{Data, Reader, Xlsx};
use hoidap_protocol::{Action, Identity, Role};
use hoidap_server::export::{HEADERS, neutralise};
use hoidap_server::log::{Log, SqliteLog, chain};
use hoidap_server::queue::{Event, Principal, StaffId, due};
use hoidap_tests::http_get_bytes;
use serde_json::{Value, json};

/// What a spreadsheet could run, and ordinary Vietnamese beside it.
const HOSTILE: [&str; 8] = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\tx",
    "\rx",
    "=HYPERLINK(\"http://x\")",
    "Đề nghị làm rõ tiến độ giải phóng mặt bằng",
];
const SECRET_NAME: &str = "Phạm Thị Bí Mật";
const SECRET_UNIT: &str = "Ban Tổ chức Bí Mật";

fn ask(text: &str, name: &str, unit: &str, identity: Identity) -> Action {
    Action::Ask {
        text: text.into(),
        name: Some(name.into()),
        unit: Some(unit.into()),
        anonymous: false,
        identity: Some(identity),
        topic: None,
        official: None,
    }
}

type Download = (u16, Vec<(String, String)>, Vec<u8>);

async fn export(hall: &Hall, format: &str, auth: Option<&str>) -> anyhow::Result<Download> {
    let path = format!(
        "/api/events/{}/export?format={format}",
        hall.event.join_code
    );
    http_get_bytes(hall.server.addr, &path, auth).await
}

fn header<'a>(download: &'a Download, name: &str) -> &'a str {
    let found = download.1.iter().find(|(k, _)| k == name);
    found.map_or("", |(_, v)| v.as_str())
}

fn error_code(download: &Download) -> String {
    let body: Value = serde_json::from_slice(&download.2).unwrap_or(Value::Null);
    body["error"]["code"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn the_three_formats_hold_the_same_rows_and_no_anonymous_asker() -> anyhow::Result<()> {
    let levels = ["named", "hidden_from_hall", "anonymous"];
    let hall = Hall::with(json!({
        "title": "Đối thoại với cử tri", "pre_moderation": false, "identities": levels,
    }))
    .await?;
    let (official_id, official_secret) = add_staff(&hall, "Nguyễn Văn Quan", "official").await;
    let mut chair = hall.moderator().await?;
    let mut official = join_staff(&hall, Role::Moderator, &official_secret)
        .await?
        .0;
    let mut asker = hall.attendee().await?;
    let mut hostile = 0;
    for (n, text) in HOSTILE.iter().enumerate() {
        // Text cleaning may trim a leading tab or CR away; what is kept
        // is checked below whatever it is.
        let name = if n == 0 {
            "=Lê Văn Tên"
        } else {
            "Lê Văn Tên"
        };
        if asker
            .request(ask(text, name, "@Sở Nội vụ", Identity::Named))
            .await?
            .is_ok()
        {
            hostile += 1;
        }
    }
    assert!(hostile >= 6, "the hostile texts were refused");
    asker
        .ok(ask(
            "Câu hỏi kín",
            "Trần Văn Biết",
            "Sở Y tế",
            Identity::HiddenFromHall,
        ))
        .await?;
    let mut anonymous = hall.attendee().await?;
    let anonymous_participant = anonymous.participant.clone().expect("a participant").id;
    anonymous
        .ok(ask(
            "Câu hỏi không ai biết người hỏi",
            SECRET_NAME,
            SECRET_UNIT,
            Identity::Anonymous,
        ))
        .await?;
    let last = *anonymous.view.my_questions.keys().last().expect("asked");
    // The follow-up: answered live, in writing with a published answer,
    // forwarded to an authority whose name looks like a formula.
    chair.ok(Action::MarkAnswered { question: 1 }).await?;
    let in_writing = Action::AnswerInWriting {
        question: 2,
        working_days: 5,
        official: Some(official_id.clone()),
    };
    chair.ok(in_writing).await?;
    let draft = Action::DraftAnswer {
        question: 2,
        text: "-Trả lời: đã bố trí vốn".into(),
        answer: None,
    };
    official.ok(draft).await?;
    official
        .ok(Action::PublishAnswer {
            question: 2,
            answer: 1,
        })
        .await?;
    let forward = Action::Forward {
        question: 3,
        authority: "+Sở Tài nguyên và Môi trường".into(),
        reason: None,
    };
    chair.ok(forward).await?;

    let admin = format!("Bearer {}", hall.server.admin_token);
    let csv_file = export(&hall, "csv", Some(&admin)).await?;
    let xlsx_file = export(&hall, "xlsx", Some(&admin)).await?;
    let json_file = export(&hall, "json", Some(&admin)).await?;
    for (file, kind) in [
        (&csv_file, "text/csv; charset=utf-8"),
        (
            &xlsx_file,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (&json_file, "application/json"),
    ] {
        assert_eq!(file.0, 200, "{}", String::from_utf8_lossy(&file.2));
        assert_eq!(header(file, "content-type"), kind);
        let disposition = header(file, "content-disposition");
        let code = &hall.event.join_code;
        assert!(
            disposition.starts_with(&format!("attachment; filename=\"hoidap-{code}-")),
            "{disposition}"
        );
    }

    // CSV: a BOM, UTF-8, CRLF, and no cell a spreadsheet would run.
    let csv_bytes = &csv_file.2;
    assert!(csv_bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let csv_text = std::str::from_utf8(&csv_bytes[3..])?;
    assert!(csv_text.contains("\r\n"));
    let mut csv_rows: Vec<Vec<String>> = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
        .collect::<Result<_, _>>()?;
    // The questions, then the chain head (`Chuỗi băm`, entries, hash).
    let chain_row = csv_rows.pop().expect("the chain row");
    assert_eq!(csv_rows.len(), hostile + 2);
    let starts = ['=', '+', '-', '@', '\t', '\r'];
    let mut quoted = 0;
    for cell in csv_rows.iter().flatten() {
        assert!(!cell.starts_with(starts), "a formula cell: {cell:?}");
        quoted += usize::from(cell.starts_with('\'') && cell[1..].starts_with(starts));
    }
    for text in HOSTILE
        .iter()
        .filter(|t| t.starts_with(['=', '+', '-', '@']))
    {
        let cell = format!("'{text}");
        assert!(csv_rows.iter().flatten().any(|c| *c == cell), "{cell:?}");
    }
    // 5 hostile texts, a name, the hostile askers' unit, an authority.
    assert!(quoted > 5 + 1 + hostile, "{quoted} cells quoted");
    let answers = &csv_rows[1][14];
    assert!(
        answers.starts_with("Trả lời lần 1 (Nguyễn Văn Quan, "),
        "{answers}"
    );

    // XLSX: the same cells (typed, unquoted) on the first sheet; the
    // written and forwarded ones on theirs.
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(&xlsx_file.2))?;
    let names = book.sheet_names().to_vec();
    assert_eq!(
        names,
        [
            "Tất cả câu hỏi",
            "Trả lời bằng văn bản",
            "Đã chuyển",
            "Thông tin"
        ]
    );
    let about = sheet_texts(&book.worksheet_range("Thông tin")?);
    let sheets: Vec<Vec<Vec<String>>> = names[..3]
        .iter()
        .map(|name| Ok(sheet_texts(&book.worksheet_range(name)?)))
        .collect::<anyhow::Result<_>>()?;
    assert_eq!(sheets[0][0], HEADERS);
    let all = &sheets[0][1..];
    assert_eq!(all.len(), csv_rows.len());
    for (xlsx_row, csv_row) in all.iter().zip(&csv_rows) {
        let neutralised: Vec<String> = xlsx_row.iter().map(|c| neutralise(c).into()).collect();
        assert_eq!(&neutralised, csv_row);
    }
    assert_eq!(sheets[1].len(), 2, "one question in writing");
    assert_eq!(sheets[1][1][0], "2");
    assert_eq!(sheets[2].len(), 2, "one forwarded");
    assert_eq!(sheets[2][1][13], "+Sở Tài nguyên và Môi trường");

    // JSON: the documented schema, and the follow-up structured.
    let schema: Value = serde_json::from_str(include_str!("../../../docs/export.schema.json"))?;
    let doc: Value = serde_json::from_slice(&json_file.2)?;
    assert_eq!(violations(&schema, &doc), Vec::<String>::new());
    assert_eq!(doc["event"]["join_code"], hall.event.join_code);
    let questions = doc["questions"].as_array().expect("questions");
    assert_eq!(questions.len(), csv_rows.len());
    assert_eq!(questions[0]["status"], "answered");
    assert!(questions[0]["answered_live_at"].is_u64());
    assert_eq!(questions[1]["official"], official_id);
    assert_eq!(questions[1]["answers"][0]["signed_by"], "Nguyễn Văn Quan");
    let anon = questions
        .iter()
        .find(|q| q["id"] == last)
        .expect("anonymous");
    assert_eq!(
        (&anon["identity"], &anon["name"]),
        (&json!("anonymous"), &Value::Null)
    );
    assert!(
        all.iter()
            .any(|r| r[0] == last.to_string() && r[5] == "Ẩn danh hoàn toàn")
    );

    // The anonymous asker is in no export: not in the bytes, not in a cell.
    let cells: Vec<&String> = sheets.iter().flatten().flatten().collect();
    for secret in [SECRET_NAME, SECRET_UNIT, anonymous_participant.as_str()] {
        for bytes in [csv_bytes, &json_file.2] {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{secret:?} exported");
        }
        assert!(
            !cells.iter().any(|c| c.contains(secret)),
            "{secret:?} in the XLSX"
        );
    }
    assert!(
        cells.iter().any(|c| c.contains("Trần Văn Biết")),
        "the panel's view"
    );

    // Each export is an entry: who, when, which format.
    let (dir, event) = (hall.server.dir.clone(), hall.event.id);
    drop((chair, official, asker, anonymous));
    let _kept = hall.server.stop().await;
    let entries = SqliteLog::open(&dir)?.entries(event, 0).await?;
    let exported: Vec<(Principal, String, u64)> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Exported { format } => Some((e.by.clone(), format.clone(), e.seq)),
            _ => None,
        })
        .collect();
    let formats: Vec<&str> = exported.iter().map(|(_, f, _)| f.as_str()).collect();
    assert_eq!(formats, ["csv", "xlsx", "json"]);
    assert!(exported.iter().all(|(by, ..)| *by == Principal::Admin {}));
    assert_eq!(doc["event"]["entries_seq"], exported[2].2);
    // Each file's chain head is its own entry's hash, as stored.
    let log = &SqliteLog::open(&dir)?;
    let head = |seq| async move {
        Ok::<_, anyhow::Error>(chain::hex(&log.head(event, seq).await?.expect("stored")))
    };
    let (csv_seq, xlsx_seq, json_seq) = (exported[0].2, exported[1].2, exported[2].2);
    assert_eq!(
        chain_row[..3],
        [
            "Chuỗi băm".to_owned(),
            csv_seq.to_string(),
            head(csv_seq).await?
        ]
    );
    assert_eq!(about[3][1], xlsx_seq.to_string());
    assert_eq!(
        (about[4][0].as_str(), &about[4][1]),
        ("Đầu chuỗi băm", &head(xlsx_seq).await?)
    );
    assert_eq!(doc["event"]["chain_head"], head(json_seq).await?);
    Ok(())
}

/// A sheet as the CSV would spell it: numbers without a fraction, times
/// as `dd/mm/yyyy hh:mm` (due dates without the time).
fn sheet_texts(range: &calamine::Range<Data>) -> Vec<Vec<String>> {
    range
        .rows()
        .map(|row| {
            let mut texts: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(col, cell)| text_of(cell, HEADERS[col] == "Hạn trả lời"))
                .collect();
            texts.resize(HEADERS.len(), String::new());
            texts
        })
        .collect()
}

fn text_of(cell: &Data, date_only: bool) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        Data::DateTime(dt) => {
            // Excel's serial days since 1899-12-30, in local time.
            let v = dt.as_f64();
            // The cell keeps the seconds; the CSV's text drops them: the
            // minute is truncated, not rounded (a tiny epsilon absorbs the
            // float's error on a whole minute).
            let (days, minutes) = (v.floor(), ((v - v.floor()) * 1440.0 + 1e-6).floor() as i64);
            let day = due::format_day(days as i64 - 25_569);
            let [y, m, d] = [&day[..4], &day[5..7], &day[8..]];
            if date_only {
                format!("{d}/{m}/{y}")
            } else {
                format!("{d}/{m}/{y} {:02}:{:02}", minutes / 60, minutes % 60)
            }
        }
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn only_the_organiser_and_the_chair_export() -> anyhow::Result<()> {
    // No named panel staff: the shared moderator link is the chair.
    let hall = Hall::new(false).await?;
    let shared = format!("Staff {}", hall.event.moderator_secret);
    assert_eq!(export(&hall, "json", Some(&shared)).await?.0, 200);
    let (_, official) = add_staff(&hall, "Đỗ Thị Quan", "official").await;
    let (_, chair) = add_staff(&hall, "Chủ tọa Lan", "chair").await;
    let as_chair = export(&hall, "csv", Some(&format!("Staff {chair}"))).await?;
    assert_eq!(as_chair.0, 200);
    let as_official = export(&hall, "csv", Some(&format!("Staff {official}"))).await?;
    assert_eq!(
        (as_official.0, error_code(&as_official)),
        (403, "forbidden".into())
    );
    // Named panel staff now: every export has a name.
    let shared_now = export(&hall, "csv", Some(&shared)).await?;
    assert_eq!(
        (shared_now.0, error_code(&shared_now)),
        (403, "forbidden".into())
    );
    let admin = format!("Bearer {}", hall.server.admin_token);
    for (format, auth, status, code) in [
        ("pdf", Some(admin.as_str()), 400, "bad_format"),
        ("", Some(admin.as_str()), 400, "bad_format"),
        ("csv", None, 401, "unauthorized"),
        ("csv", Some("Bearer wrong"), 401, "unauthorized"),
        ("csv", Some("Staff wrong"), 401, "unauthorized"),
    ] {
        let refused = export(&hall, format, auth).await?;
        assert_eq!(
            (refused.0, error_code(&refused).as_str()),
            (status, code),
            "{format} {auth:?}"
        );
    }
    let path = "/api/events/ZZZZZZ/export?format=csv";
    let unknown = http_get_bytes(hall.server.addr, path, Some(&admin)).await?;
    assert_eq!(
        (unknown.0, error_code(&unknown)),
        (404, "unknown_event".into())
    );

    let (dir, event) = (hall.server.dir.clone(), hall.event.id);
    let _kept = hall.server.stop().await;
    let entries = SqliteLog::open(&dir)?.entries(event, 0).await?;
    let exported: Vec<(Principal, String)> = entries
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Exported { format } => Some((e.by, format)),
            _ => None,
        })
        .collect();
    let chair_id = Principal::Staff { id: StaffId(2) };
    assert_eq!(
        exported,
        [
            (Principal::moderator_link(), "json".to_owned()),
            (chair_id, "csv".to_owned())
        ],
        "refused exports are not logged"
    );
    Ok(())
}

/// The export of a full event over HTTP (1,000 questions of ~500
/// characters, the per-event quota), each format timed from the request
/// to the last byte: `cargo test --release -p hoidap-tests --test it
/// export_time -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn export_time_of_a_full_event_over_http() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let text: String = "Đề nghị làm rõ tiến độ giải phóng mặt bằng dự án. "
        .chars()
        .cycle()
        .take(490)
        .collect();
    let mut asker = hall.attendee().await?;
    for n in 0..1000 {
        let action = ask(
            &format!("{n}. {text}"),
            "Lê Văn Tên",
            "Sở Nội vụ",
            Identity::Named,
        );
        asker.ok(action).await?;
    }
    let admin = format!("Bearer {}", hall.server.admin_token);
    for format in ["csv", "xlsx", "json"] {
        let started = std::time::Instant::now();
        let file = export(&hall, format, Some(&admin)).await?;
        assert_eq!(file.0, 200);
        println!("{format}: {:?}, {} bytes", started.elapsed(), file.2.len());
    }
    Ok(())
}
