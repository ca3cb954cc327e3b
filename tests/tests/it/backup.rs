//! Online backup and restore (issue 16, part 4): `hoidap backup` copies the
//! log of a real server process while attendees ask and vote; `hoidap
//! restore` puts it into a new directory (and refuses a live one); a server
//! started there holds every request acknowledged before the backup began,
//! each once, keeps every attendee's token valid, and gives a phone that
//! resumes with the old epoch a fresh snapshot.

use hoidap_protocol::{Action, Role, Seq, ServerMsg};
use hoidap_server::log::{Log, SqliteLog};
use hoidap_tests::{Client, ServerProcess, server_binary};
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const WRITERS: usize = 4;

/// One acknowledged request: its id, position, and when the ack arrived.
struct Acked {
    id: String,
    action: Action,
    seq: Seq,
    at: Instant,
}

struct Writer {
    token: String,
    participant: String,
    acks: Vec<Acked>,
}

/// Asks and toggles votes until `stop`, one request in flight.
async fn write(index: usize, mut client: Client, stop: Arc<AtomicBool>) -> anyhow::Result<Writer> {
    let me = client.participant.clone().expect("an attendee");
    let mut acks = Vec::new();
    let mut votes: HashMap<u64, bool> = HashMap::new();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let id = format!("w{index}-{n}");
        let known: Vec<u64> = client.view.questions.keys().copied().collect();
        let action = if n % 4 == 1 || known.is_empty() {
            Action::Ask {
                text: format!("Câu hỏi {id} về kế hoạch đầu tư công năm tới"),
                name: None,
                unit: None,
                anonymous: false,
                identity: None,
                topic: None,
                official: None,
            }
        } else {
            let question = known[(n as usize * 7 + index) % known.len()];
            let up = !votes.get(&question).copied().unwrap_or(false);
            votes.insert(question, up);
            Action::Vote { question, up }
        };
        let seq = client
            .request_with_id(&id, action.clone())
            .await?
            .map_err(|r| anyhow::anyhow!("{id} refused: {r:?}"))?;
        acks.push(Acked {
            id,
            action,
            seq,
            at: Instant::now(),
        });
    }
    Ok(Writer {
        token: me.token,
        participant: me.id,
        acks,
    })
}

fn hoidap<A: AsRef<std::ffi::OsStr>>(args: &[A]) -> anyhow::Result<std::process::Output> {
    let output = std::process::Command::new(server_binary()?)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()?;
    Ok(output)
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_backup_taken_while_votes_flow_restores_every_acknowledged_entry() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let (live, restored) = (tmp.path().join("live"), tmp.path().join("restored"));
    let file = tmp.path().join("backup.sqlite3");
    let server = ServerProcess::start(&live).await?;
    let body = json!({ "title": "Kỳ họp thứ năm", "pre_moderation": false });
    let event = server.create_event(body).await?;
    let (url, code) = (server.ws_url(), event.join_code.clone());
    let secret = Some(event.moderator_secret.as_str());
    let moderator = Client::join(&url, &code, Role::Moderator, secret).await?;
    let old_view = moderator.view.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let client = Client::join(&url, &code, Role::Attendee, None).await?;
        tasks.push(tokio::spawn(write(i, client, stop.clone())));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let started = Instant::now();
    let args = [
        "backup".into(),
        "--data".into(),
        live.clone().into_os_string(),
        "--to".into(),
        file.clone().into_os_string(),
    ];
    let out: std::process::Output = tokio::task::spawn_blocking(move || hoidap(&args)).await??;
    let took = started.elapsed();
    assert!(out.status.success(), "backup failed: {out:?}");
    // Votes kept flowing after the copy too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut writers = Vec::new();
    for task in tasks {
        writers.push(task.await??);
    }
    let before: usize = writers
        .iter()
        .map(|w| w.acks.iter().filter(|a| a.at < started).count())
        .sum();
    let total: usize = writers.iter().map(|w| w.acks.len()).sum();
    eprintln!("backup took {took:?}; {before} acks before it began, {total} in all");
    assert!(before > 20, "too few requests before the backup: {before}");
    assert_eq!(mode(&file), 0o600, "the backup holds every secret");

    // A live data directory is refused, and left untouched.
    let args = [
        "restore".as_ref(),
        "--from".as_ref(),
        file.as_os_str(),
        "--data".as_ref(),
        live.as_os_str(),
        "--force".as_ref(),
    ] as [&std::ffi::OsStr; 6];
    let out = hoidap(&args)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("serving"),
        "{stderr}"
    );

    let args = [
        "restore".as_ref(),
        "--from".as_ref(),
        file.as_os_str(),
        "--data".as_ref(),
        restored.as_os_str(),
    ] as [&std::ffi::OsStr; 5];
    let out = hoidap(&args)?;
    assert!(out.status.success(), "restore failed: {out:?}");
    assert_eq!(mode(&restored), 0o700);
    for entry in std::fs::read_dir(&restored)? {
        let path = entry?.path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }

    // The restored log, read as the server would: every request
    // acknowledged before the backup began is there, at its position, once.
    let log = SqliteLog::open(&restored)?;
    let events = log.events().await?;
    assert_eq!(events.len(), 1);
    assert_ne!(
        events[0].epoch, old_view.epoch,
        "a restored log has a new epoch"
    );
    let entries = log.entries(events[0].id, 0).await?;
    let mut by_req: HashMap<&str, Vec<Seq>> = HashMap::new();
    for entry in &entries {
        if let Some(req) = &entry.req {
            by_req.entry(req).or_default().push(entry.seq);
        }
    }
    assert!(
        by_req.values().all(|seqs| seqs.len() == 1),
        "a request applied twice"
    );
    let last = entries.last().map_or(0, |e| e.seq);
    let mut lost = Vec::new();
    for ack in writers.iter().flat_map(|w| &w.acks) {
        let stored = by_req.get(ack.id.as_str());
        if ack.at < started && stored != Some(&vec![ack.seq]) {
            // A vote that changed nothing has no entry of its own.
            let noop =
                matches!(ack.action, Action::Vote { .. }) && stored.is_none() && ack.seq <= last;
            if !noop {
                lost.push((ack.id.clone(), ack.seq, stored.cloned()));
            }
        }
    }
    assert!(
        lost.is_empty(),
        "acknowledged before the backup, missing: {lost:?}"
    );
    drop(log);

    // A server on the restored directory.
    drop(server);
    let server = ServerProcess::start(&restored).await?;
    let url = server.ws_url();
    let mut phone = Client::rejoin(&url, &code, Role::Moderator, secret, None, old_view).await?;
    let first = loop {
        match phone.recv().await? {
            ServerMsg::Snapshot { snapshot } => break snapshot,
            ServerMsg::Delta { .. } => anyhow::bail!("a delta under the old epoch"),
            _ => {}
        }
    };
    assert_eq!(first.seq, last);
    assert_eq!(first.epoch, events[0].epoch);

    // Tokens still name the same attendees; a retry of an acknowledged
    // request (same id) gets its original position and applies nothing.
    for writer in &writers {
        let mut client = Client::connect(&url).await?;
        client
            .hello(&code, Role::Attendee, None, Some(&writer.token))
            .await?;
        let me = client.participant.clone().expect("an attendee");
        assert_eq!(me.id, writer.participant, "the token names someone else");
        let Some(ack) = writer.acks.iter().rfind(|a| a.at < started) else {
            continue;
        };
        let seq = client
            .request_with_id(&ack.id, ack.action.clone())
            .await?
            .map_err(|r| anyhow::anyhow!("retry refused: {r:?}"))?;
        assert_eq!(seq, ack.seq, "retry of {}", ack.id);
    }
    phone.drain(Duration::from_millis(300)).await?;
    assert_eq!(phone.view.seq, last, "the retries applied something");
    Ok(())
}
