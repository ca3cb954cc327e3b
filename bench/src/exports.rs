//! `exports`: how long the exports and `hoidap verify` take on one event of
//! `entries` log entries (issue 12): 1,000 questions of about 300
//! characters, each approved by the chair, one in ten answered in the
//! hall, one in twenty in writing with a drafted and published answer,
//! the current question set 1,000 times, and up-votes by distinct
//! participants for the rest. Written through the server's own SQLite log
//! code, then a release server serves it: the room's first load, each
//! export over HTTP (request to last byte, median of 3) and `hoidap verify`
//! on the same directory (median of 3, the server idle beside it); then
//! every asker's name detached at once and `verify` again.

use crate::server::Spawned;
use hoidap_protocol::{QuestionStatus, Settings, StaffRole};
use hoidap_server::log::{EventRecord, Log, SqliteLog};
use hoidap_server::queue::{Entry, Event, Principal, Signer, StaffId};
use std::path::Path;
use std::time::Instant;

const QUESTIONS: u64 = 1000;

/// The event's entries after `created`, `entries` in all.
fn entries(at: u64, entries: u64) -> Vec<Entry> {
    let chair = Principal::Staff { id: StaffId(1) };
    let official = Principal::Staff { id: StaffId(2) };
    let mut events: Vec<(Principal, Event)> = Vec::new();
    for (id, name, role) in [
        (1, "Chủ tọa Nguyễn Văn An", StaffRole::Chair),
        (2, "Giám đốc Sở Trần Thị Bình", StaffRole::Official),
    ] {
        let added = Event::StaffAdded {
            id: StaffId(id),
            name: name.into(),
            role,
            secret_hash: format!("{id:064}"),
        };
        events.push((Principal::Admin {}, added));
    }
    let text = "Đề nghị làm rõ tiến độ giải phóng mặt bằng dự án đường vành đai. ";
    for q in 1..=QUESTIONS {
        let asked = Event::Asked {
            id: q,
            text: format!("{q}. {}", text.repeat(4)),
            name: Some(format!("Đại biểu số {q}")),
            unit: Some("UBND xã".into()),
            anonymous: false,
            identity: None,
            status: QuestionStatus::Pending,
            topic: None,
            official: None,
        };
        events.push((Principal::participant(format!("p{q}")), asked));
        let approved = Event::StatusSet {
            question: q,
            status: QuestionStatus::Live,
            from: QuestionStatus::Pending,
        };
        events.push((chair.clone(), approved));
    }
    for q in 1..=QUESTIONS {
        events.push((chair.clone(), Event::CurrentSet { question: Some(q) }));
        if q % 10 == 0 {
            let answered = Event::StatusSet {
                question: q,
                status: QuestionStatus::Answered,
                from: QuestionStatus::Live,
            };
            events.push((chair.clone(), answered));
        } else if q % 20 == 5 {
            let follow = [
                (
                    chair.clone(),
                    Event::InWriting {
                        question: q,
                        official: StaffId(2),
                        due: "2026-12-18".into(),
                        from: QuestionStatus::Live,
                    },
                ),
                (
                    official.clone(),
                    Event::AnswerDrafted {
                        question: q,
                        answer: 1,
                        text: text.repeat(6),
                        signer: Signer::Official(StaffId(2)),
                    },
                ),
                (
                    official.clone(),
                    Event::AnswerPublished {
                        question: q,
                        answer: 1,
                        from: QuestionStatus::InWriting,
                    },
                ),
            ];
            events.extend(follow);
        }
    }
    // Votes fill the rest: voter v / QUESTIONS on question v % QUESTIONS,
    // so no participant votes for a question twice.
    let votes = (entries - 1).saturating_sub(events.len() as u64);
    for v in 0..votes {
        let vote = Event::Voted {
            question: v % QUESTIONS + 1,
            up: true,
        };
        events.push((Principal::participant(format!("v{}", v / QUESTIONS)), vote));
    }
    events
        .into_iter()
        .enumerate()
        .map(|(n, (by, event))| Entry {
            seq: n as u64 + 2,
            at: at + n as u64 * 50,
            by,
            req: None,
            event,
        })
        .collect()
}

async fn write(dir: &Path, entries_in_all: u64) -> anyhow::Result<EventRecord> {
    let log = SqliteLog::open(dir)?;
    let at = crate::wire::now_us() / 1000 - 3 * 3_600_000;
    let record = EventRecord {
        id: 1,
        join_code: hoidap_server::auth::join_code(),
        title: "Đối thoại giữa lãnh đạo tỉnh với cán bộ chủ chốt".into(),
        moderator_secret: hoidap_server::auth::secret(),
        screen_secret: hoidap_server::auth::secret(),
        epoch: hoidap_server::auth::epoch(),
        created_at: at,
    };
    let created = Entry {
        seq: 1,
        at,
        by: Principal::Admin {},
        req: None,
        event: Event::Created {
            title: record.title.clone(),
            settings: Settings::default(),
        },
    };
    log.create_event(record.clone(), created).await?;
    let rest = entries(at, entries_in_all);
    for chunk in rest.chunks(10_000) {
        log.append(record.id, chunk.to_vec()).await?;
    }
    Ok(record)
}

pub async fn run(bin: &Path, entries_in_all: u64) -> anyhow::Result<serde_json::Value> {
    let data = tempfile::tempdir()?;
    let path = data.path().to_owned();
    let record = write(&path, entries_in_all).await?;
    let db = std::fs::metadata(path.join("hoidap.sqlite3"))?.len();
    let server = Spawned::start_in(bin, None, data).await?;
    let auth = format!("Bearer {}", server.admin_token());
    let code = &record.join_code;
    let loaded = Instant::now();
    let (status, _) = hoidap_tests::http_request(
        server.addr,
        "GET",
        &format!("/api/events/{code}"),
        Some(&auth),
        None,
    )
    .await?;
    anyhow::ensure!(status == 200, "the event did not load: {status}");
    let load_s = loaded.elapsed().as_secs_f64();
    let mut formats = serde_json::Map::new();
    for (what, format) in [
        ("export", "csv"),
        ("export", "xlsx"),
        ("export", "json"),
        ("audit", "csv"),
        ("audit", "json"),
    ] {
        let mut runs = Vec::new();
        let mut bytes = 0;
        for _ in 0..3 {
            let started = Instant::now();
            let url = format!("/api/events/{code}/{what}?format={format}");
            let (status, _, body) =
                hoidap_tests::http_get_bytes(server.addr, &url, Some(&auth)).await?;
            anyhow::ensure!(status == 200, "{url}: {status}");
            runs.push(started.elapsed().as_secs_f64());
            bytes = body.len();
        }
        runs.sort_by(f64::total_cmp);
        let name = format!("{what}_{format}");
        formats.insert(
            name,
            serde_json::json!({ "s_median": rounded(runs[1]), "s_runs": runs, "bytes": bytes }),
        );
    }
    // Beside the idle server, as an auditor would run it on a live one.
    let mut runs = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let out = std::process::Command::new(bin)
            .args(["verify", "--event", code, "--data"])
            .arg(&path)
            .output()?;
        anyhow::ensure!(out.status.success(), "verify failed: {out:?}");
        runs.push(started.elapsed().as_secs_f64());
    }
    runs.sort_by(f64::total_cmp);
    // Every asker's name detached at once (what the retention period's end
    // does), then the chain checked again: each rewritten entry vouched for.
    let started = Instant::now();
    let (status, body) = hoidap_tests::http_request(
        server.addr,
        "POST",
        &format!("/api/events/{code}/people/detach"),
        Some(&auth),
        Some(r#"{"all": true}"#),
    )
    .await?;
    anyhow::ensure!(status == 200, "detach: {status} {body}");
    let detach_s = started.elapsed().as_secs_f64();
    let detached: serde_json::Value = serde_json::from_str(&body)?;
    let started = Instant::now();
    let out = std::process::Command::new(bin)
        .args(["verify", "--event", code, "--data"])
        .arg(&path)
        .output()?;
    anyhow::ensure!(out.status.success(), "verify after detach failed: {out:?}");
    let verify_detached_s = started.elapsed().as_secs_f64();
    drop(server);
    Ok(serde_json::json!({
        "detach_all_s": rounded(detach_s),
        "detach_entries_rewritten": detached["entries_rewritten"],
        "verify_after_detach_s": rounded(verify_detached_s),
        "scenario": "exports",
        "entries": entries_in_all,
        "questions": QUESTIONS,
        "log_bytes": db,
        "first_load_s": rounded(load_s),
        "exports": formats,
        "verify_s_median": rounded(runs[1]),
        "verify_s_runs": runs,
    }))
}

fn rounded(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}
