//! `history`: a server that has held many meetings. Writes `events` past
//! events of `entries` entries each (questions, then up-votes by distinct
//! participants) through the server's own SQLite log code, then, for each
//! binary given, times spawn → healthy `/healthz`, reads the RSS right
//! after, and times the first join of an old event (moderator hello →
//! snapshot) and a second one. Before lazy loading, start-up replays every
//! event; after it, only the joined event's log is read, on its first join.

use crate::server::Spawned;
use hoidap_protocol::{QuestionStatus, Role, Settings};
use hoidap_server::log::{EventRecord, Log, SqliteLog};
use hoidap_server::queue::{Entry, Event, Principal};
use hoidap_tests::Client;
use std::path::{Path, PathBuf};
use std::time::Instant;

const QUESTIONS: u64 = 50;

fn record(id: u64, created_at: u64) -> EventRecord {
    EventRecord {
        id,
        join_code: hoidap_server::auth::join_code(),
        title: format!("Hội nghị số {id}"),
        moderator_secret: hoidap_server::auth::secret(),
        screen_secret: hoidap_server::auth::secret(),
        epoch: hoidap_server::auth::epoch(),
        created_at,
    }
}

fn entries(created_at: u64, entries: u64) -> Vec<Entry> {
    let entry = |seq: u64, by: Principal, event: Event| Entry {
        seq,
        at: created_at + seq,
        by,
        req: Some(format!("r{seq}")),
        event,
    };
    (2..=entries)
        .map(|seq| {
            let k = seq - 2;
            let e = if k < QUESTIONS {
                Event::Asked {
                    id: k + 1,
                    text: format!("Câu hỏi số {k} về thủ tục hành chính một cửa?"),
                    name: None,
                    unit: Some("UBND xã".into()),
                    anonymous: false,
                    identity: None,
                    status: QuestionStatus::Live,
                    topic: None,
                    official: None,
                }
            } else {
                Event::Voted {
                    question: (k - QUESTIONS) % QUESTIONS + 1,
                    up: true,
                }
            };
            let who =
                Principal::participant(format!("p{}", k.saturating_sub(QUESTIONS) / QUESTIONS));
            entry(seq, who, e)
        })
        .collect()
}

/// Writes the data directory; returns the first event (the one joined).
async fn write(dir: &Path, bin: &Path, events: u64, per_event: u64) -> anyhow::Result<EventRecord> {
    // Starting a server once creates the keys and an empty log.
    drop(Spawned::start_in(bin, None, tempfile::TempDir::new_in(dir)?).await?);
    let log = SqliteLog::open(dir)?;
    let mut first = None;
    // Events in groups: their appends share the writer's transactions.
    for group in (1..=events).collect::<Vec<_>>().chunks(50) {
        let mut appends = Vec::new();
        for &id in group {
            let at = crate::wire::now_us() / 1000 - (events - id) * 86_400_000;
            let rec = record(id, at);
            let created = Event::Created {
                title: rec.title.clone(),
                settings: Settings::default(),
            };
            let entry = Entry {
                seq: 1,
                at,
                by: Principal::Admin {},
                req: None,
                event: created,
            };
            first.get_or_insert_with(|| rec.clone());
            log.create_event(rec, entry).await?;
            appends.push((id, entries(at, per_event)));
        }
        let log = &log;
        let pending = appends.into_iter().map(|(id, e)| log.append(id, e));
        for result in futures_util::future::join_all(pending).await {
            result?;
        }
    }
    first.ok_or_else(|| anyhow::anyhow!("no event written"))
}

/// One binary on a copy of the data: start, RSS, first and second join.
async fn measure(
    bin: &Path,
    data: &Path,
    event: &EventRecord,
) -> anyhow::Result<serde_json::Value> {
    let (mut starts, mut rss, mut joins) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let copy = tempfile::tempdir()?;
        for f in std::fs::read_dir(data)? {
            let f = f?;
            if f.file_type()?.is_file() {
                std::fs::copy(f.path(), copy.path().join(f.file_name()))?;
            }
        }
        let server = Spawned::start_in(bin, Some("0"), copy).await?;
        starts.push(crate::wire::round1(server.startup.as_secs_f64() * 1000.0));
        rss.push(server.rss_kib()?);
        let mut pair = Vec::new();
        for _ in 0..2 {
            let t = Instant::now();
            let secret = Some(event.moderator_secret.as_str());
            let m =
                Client::join(&server.ws_url(), &event.join_code, Role::Moderator, secret).await?;
            pair.push(crate::wire::round1(t.elapsed().as_secs_f64() * 1000.0));
            anyhow::ensure!(m.view.questions.len() as u64 == QUESTIONS, "wrong snapshot");
        }
        joins.push(pair);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let first: Vec<f64> = joins.iter().map(|p| p[0]).collect();
    let second: Vec<f64> = joins.iter().map(|p| p[1]).collect();
    Ok(serde_json::json!({
        "server": bin.display().to_string(),
        "start_ms": starts.clone(),
        "start_ms_median": median(starts),
        "rss_after_start_kib": rss,
        "first_join_ms": first.clone(),
        "first_join_ms_median": median(first),
        "second_join_ms_median": median(second),
    }))
}

pub async fn run(
    bin: &Path,
    others: &[PathBuf],
    events: u64,
    per_event: u64,
) -> anyhow::Result<serde_json::Value> {
    let data = tempfile::tempdir()?;
    let written = Instant::now();
    let event = write(data.path(), bin, events, per_event).await?;
    let write_s = crate::wire::round1(written.elapsed().as_secs_f64());
    let db = std::fs::metadata(data.path().join("hoidap.sqlite3"))?.len();
    let mut runs = Vec::new();
    for b in std::iter::once(bin).chain(others.iter().map(PathBuf::as_path)) {
        runs.push(measure(b, data.path(), &event).await?);
    }
    Ok(serde_json::json!({
        "scenario": "history",
        "events": events,
        "entries_per_event": per_event,
        "log_bytes": db,
        "write_s": write_s,
        "runs": runs,
    }))
}

/// `verify`: how long `hoidap verify` takes on one event of `entries`
/// entries (issue 12: the chain's check on a long meeting's log).
pub async fn verify_time(bin: &Path, entries: u64) -> anyhow::Result<serde_json::Value> {
    let data = tempfile::tempdir()?;
    let event = write(data.path(), bin, 1, entries).await?;
    drop(event);
    let mut runs = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let out = std::process::Command::new(bin)
            .args(["verify", "--data"])
            .arg(data.path())
            .output()?;
        anyhow::ensure!(out.status.success(), "verify failed: {out:?}");
        runs.push(started.elapsed().as_secs_f64());
    }
    runs.sort_by(f64::total_cmp);
    Ok(serde_json::json!({
        "scenario": "verify",
        "entries": entries,
        "log_bytes": std::fs::metadata(data.path().join("hoidap.sqlite3"))?.len(),
        "verify_s_median": crate::wire::round1(runs[1] * 1000.0) / 1000.0,
        "verify_s_runs": runs,
    }))
}
