use super::*;
use crate::log::Summary;
use crate::queue::{Event, Principal};
use hoidap_protocol::{QuestionStatus, Settings};

fn record(id: EventId, code: &str) -> EventRecord {
    EventRecord {
        id,
        join_code: code.to_owned(),
        title: format!("Event {id}"),
        moderator_secret: format!("mod-{id}"),
        screen_secret: format!("screen-{id}"),
        epoch: format!("epoch-{id}"),
        created_at: 1_700_000_000_000 + id,
    }
}

fn created(id: EventId) -> Entry {
    Entry {
        seq: 1,
        at: 1_700_000_000_000 + id,
        by: Principal::moderator_link(),
        req: None,
        event: Event::Created {
            title: format!("Event {id}"),
            settings: Settings::default(),
        },
    }
}

fn vote(seq: Seq) -> Entry {
    Entry {
        seq,
        at: 1_700_000_001_000 + seq,
        by: Principal::participant("p1"),
        req: Some(format!("r{seq}")),
        event: Event::Voted {
            question: 1,
            up: seq % 2 == 1,
        },
    }
}

fn code(id: EventId) -> String {
    format!("CODE{id}")
}

async fn create(log: &SqliteLog, id: EventId) {
    log.create_event(record(id, &code(id)), created(id))
        .await
        .unwrap();
}

fn seqs(entries: &[Entry]) -> Vec<Seq> {
    entries.iter().map(|e| e.seq).collect()
}

#[tokio::test]
async fn reopen_reads_back_identical_entries() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    assert_eq!(log.path(), dir.path().join(FILE_NAME));
    let asked = Entry {
        seq: 2,
        at: 1_700_000_000_500,
        by: Principal::participant("p7"),
        req: Some("req-1".into()),
        event: Event::Asked {
            id: 1,
            text: "Xin chào — \"quoted\" ✓".into(),
            name: Some("Lan".into()),
            unit: None,
            anonymous: false,
            identity: None,
            status: QuestionStatus::Pending,
            topic: None,
            official: None,
        },
    };
    let mut written = vec![created(1), asked];
    log.create_event(record(1, "ABCDEF"), written[0].clone())
        .await
        .unwrap();
    log.append(1, written[1..].to_vec()).await.unwrap();
    let more = vec![vote(3), vote(4), vote(5)];
    log.append(1, more.clone()).await.unwrap();
    written.extend(more);
    create(&log, 2).await;
    drop(log);

    let log = SqliteLog::open(dir.path()).unwrap();
    assert_eq!(
        log.events().await.unwrap(),
        vec![record(1, "ABCDEF"), record(2, &code(2))]
    );
    assert_eq!(log.entries(1, 0).await.unwrap(), written);
    assert_eq!(log.entries(1, 3).await.unwrap(), written[3..].to_vec());
    assert_eq!(log.entries(1, 5).await.unwrap(), vec![]);
    assert_eq!(log.entries(1, u64::MAX).await.unwrap(), vec![]);
    assert_eq!(log.entries(2, 0).await.unwrap(), vec![created(2)]);
    // The reopened writer reloads the last seq from the file.
    log.append(1, vec![vote(6)]).await.unwrap();
    assert!(log.append(1, vec![vote(6)]).await.is_err());
}

#[tokio::test]
async fn gap_and_duplicate_seq_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    create(&log, 1).await;
    log.append(1, vec![vote(2), vote(3)]).await.unwrap();
    for bad in [
        vec![vote(5)],
        vec![vote(3)],
        vec![vote(1)],
        vec![vote(4), vote(6)],
        vec![vote(4), vote(4)],
    ] {
        let err = log.append(1, bad.clone()).await.unwrap_err();
        assert!(matches!(err, LogError::Storage(_)), "{bad:?}: {err:?}");
    }
    // A rejected job leaves nothing behind, not even its valid prefix.
    assert_eq!(seqs(&log.entries(1, 0).await.unwrap()), vec![1, 2, 3]);
    log.append(1, vec![vote(4)]).await.unwrap();
    assert!(matches!(
        log.append(9, vec![vote(1)]).await,
        Err(LogError::Storage(_))
    ));
    let mut not_first = created(3);
    not_first.seq = 2;
    assert!(
        log.create_event(record(3, "OTHER"), not_first)
            .await
            .is_err()
    );
    assert_eq!(
        log.events().await.unwrap().len(),
        1,
        "a failed create leaves no event"
    );
    // SQLite integers are i64: larger values are refused, never wrapped.
    let mut huge = record(3, "HUGE");
    huge.id = u64::MAX;
    let huge = log.create_event(huge, created(3)).await;
    assert!(matches!(huge, Err(LogError::Storage(_))), "{huge:?}");
    let mut late = vote(5);
    late.at = u64::MAX;
    assert!(log.append(1, vec![late]).await.is_err());
    log.append(1, vec![]).await.unwrap();
    assert_eq!(seqs(&log.entries(1, 0).await.unwrap()), vec![1, 2, 3, 4]);
}

/// Drives the writer directly so that good and bad jobs certainly share one
/// transaction: each must get its own answer and the good ones must commit.
#[tokio::test]
async fn a_bad_job_fails_alone_in_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    create(&log, 1).await;
    let conn = Connection::open(log.path()).unwrap();
    configure(&conn).unwrap();
    let mut writer = Writer::new(conn, Arc::new(AtomicU64::new(0)), Default::default()).unwrap();

    let ops = vec![
        Op::Create(Box::new((record(2, "TWO"), created(2)))),
        Op::Create(Box::new((record(3, "TWO"), created(3)))),
        Op::Append {
            event: 1,
            entries: vec![vote(2)],
        },
        Op::Append {
            event: 2,
            entries: vec![vote(3)],
        },
        Op::Append {
            event: 1,
            entries: vec![vote(3), vote(4)],
        },
        Op::Append {
            event: 1,
            entries: vec![vote(4)],
        },
        Op::Append {
            event: 7,
            entries: vec![vote(1)],
        },
        Op::Append {
            event: 2,
            entries: vec![vote(2)],
        },
        Op::Create(Box::new((record(1, "ONE"), created(1)))),
    ];
    let mut answers = Vec::new();
    let jobs = ops
        .into_iter()
        .map(|op| {
            let (reply, rx) = oneshot::channel();
            answers.push(rx);
            Job { op, reply }
        })
        .collect();
    writer.write(jobs);
    let answers: Vec<_> = answers
        .into_iter()
        .map(|mut rx| rx.try_recv().unwrap())
        .collect();
    let ok: Vec<bool> = answers.iter().map(Result::is_ok).collect();
    assert_eq!(
        ok,
        [true, false, true, false, true, false, false, true, false],
        "{answers:?}"
    );
    assert!(matches!(answers[1], Err(LogError::DuplicateCode)));
    assert!(
        matches!(answers[8], Err(LogError::Storage(_))),
        "a taken id is not a taken code"
    );
    assert_eq!(writer.commits.load(Ordering::Relaxed), 1);

    assert_eq!(seqs(&log.entries(1, 0).await.unwrap()), vec![1, 2, 3, 4]);
    assert_eq!(seqs(&log.entries(2, 0).await.unwrap()), vec![1, 2]);
    let codes: Vec<_> = log
        .events()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.join_code)
        .collect();
    assert_eq!(codes, [code(1), "TWO".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_bad_appends_do_not_break_others() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(SqliteLog::open(dir.path()).unwrap());
    create(&log, 1).await;
    create(&log, 2).await;
    let good = {
        let log = log.clone();
        tokio::spawn(async move {
            for seq in 2..=200 {
                log.append(1, vec![vote(seq)]).await.unwrap();
            }
        })
    };
    let bad = {
        let log = log.clone();
        tokio::spawn(async move {
            for seq in 2..=200 {
                // A gap, then the right entry, then a duplicate of it.
                assert!(log.append(2, vec![vote(seq + 1)]).await.is_err());
                log.append(2, vec![vote(seq)]).await.unwrap();
                assert!(log.append(2, vec![vote(seq)]).await.is_err());
            }
        })
    };
    good.await.unwrap();
    bad.await.unwrap();
    let expected: Vec<Seq> = (1..=200).collect();
    assert_eq!(seqs(&log.entries(1, 0).await.unwrap()), expected);
    assert_eq!(
        log.entries(2, 0).await.unwrap(),
        [vec![created(2)], (2..=200).map(vote).collect()].concat()
    );
}

#[tokio::test]
async fn duplicate_join_code_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    log.create_event(record(1, "ABCDEF"), created(1))
        .await
        .unwrap();
    let err = log
        .create_event(record(2, "ABCDEF"), created(2))
        .await
        .unwrap_err();
    assert!(matches!(err, LogError::DuplicateCode), "{err:?}");
    log.create_event(record(2, "GHJKLM"), created(2))
        .await
        .unwrap();
    assert_eq!(
        log.events().await.unwrap(),
        vec![record(1, "ABCDEF"), record(2, "GHJKLM")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_commit_serves_100_concurrent_appenders() {
    const EVENTS: u64 = 100;
    const APPENDS: u64 = 100;
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(SqliteLog::open(dir.path()).unwrap());
    let tasks: Vec<_> = (1..=EVENTS)
        .map(|id| {
            let log = log.clone();
            tokio::spawn(async move {
                create(&log, id).await;
                for seq in 2..=APPENDS + 1 {
                    log.append(id, vec![vote(seq)]).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let jobs = EVENTS * (APPENDS + 1);
    let commits = log.commits();
    assert!(
        commits < jobs,
        "{commits} commits for {jobs} jobs: no grouping"
    );
    let expected: Vec<Seq> = (1..=APPENDS + 1).collect();
    for id in 1..=EVENTS {
        assert_eq!(
            seqs(&log.entries(id, 0).await.unwrap()),
            expected,
            "event {id}"
        );
    }
    assert_eq!(log.events().await.unwrap().len() as u64, EVENTS);
}

#[tokio::test]
async fn unreadable_rows_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    create(&log, 1).await;
    create(&log, 2).await;
    let conn = Connection::open(log.path()).unwrap();
    let insert = "INSERT INTO entries (event, seq, at, body) VALUES (?1, 2, 0, ?2)";
    conn.execute(insert, params![1, "{not json"]).unwrap();
    // Valid JSON whose seq disagrees with the key.
    conn.execute(insert, params![2, serde_json::to_string(&vote(3)).unwrap()])
        .unwrap();
    for id in [1, 2] {
        match log.entries(id, 0).await {
            Err(LogError::Corrupt { event, seq: 2, .. }) => assert_eq!(event, id),
            other => panic!("event {id}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn schema_version_and_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    create(&log, 1).await;
    drop(log);
    let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    assert!(matches!(
        SqliteLog::open(dir.path()),
        Err(LogError::Storage(_))
    ));
}

#[tokio::test]
async fn summaries_survive_a_reopen_beside_the_entries() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    create(&log, 1).await;
    create(&log, 2).await;
    log.append(1, vec![vote(2), vote(3)]).await.unwrap();
    let summary = Summary {
        phase: hoidap_protocol::Phase::VotingOnly,
        questions: 7,
        pending: 2,
        last_activity: 1_700_000_009_000,
        detach_at: Some(1_800_000_000_000),
    };
    log.save_summary(1, summary).await.unwrap();
    // A second save replaces the first.
    let newer = Summary {
        questions: 8,
        ..summary
    };
    log.save_summary(1, newer).await.unwrap();
    drop(log);
    let log = SqliteLog::open(dir.path()).unwrap();
    let rows = log.summaries().await.unwrap();
    assert_eq!(
        rows,
        vec![
            (1, Some(newer), Some(vote(3).at)),
            (2, None, Some(created(2).at)),
        ]
    );
    // Summaries are not entries: the log is unchanged.
    assert_eq!(seqs(&log.entries(1, 0).await.unwrap()), [1, 2, 3]);
}

/// A commit whose durability is in doubt (`Writer::confirm` failed) stops
/// the log until a restart: no write, no read, no probe clearing it; a new
/// process on the same file works again.
#[tokio::test]
async fn a_doubted_commit_stops_writes_and_reads_until_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    create(&log, 1).await;
    log.append(1, vec![vote(2)]).await.unwrap();
    log.inner.health.failed("COMMIT: disk I/O error");
    log.inner
        .health
        .doubt("syncing the WAL again after COMMIT: EROFS");
    log.inner.health.wrote();
    let status = log.unwritable().expect("still unwritable after a write");
    assert!(status.reason.contains("restart"), "{}", status.reason);
    assert!(log.append(1, vec![vote(3)]).await.is_err());
    assert!(log.entries(1, 0).await.is_err());
    assert!(log.replay(1).await.is_err());
    drop(log);
    let log = SqliteLog::open(dir.path()).unwrap();
    assert!(log.unwritable().is_none());
    assert_eq!(seqs(&log.entries(1, 0).await.unwrap()), vec![1, 2]);
    log.append(1, vec![vote(3)]).await.unwrap();
}

#[tokio::test]
async fn head_is_the_hash_verify_ends_with() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    create(&log, 1).await;
    log.append(1, vec![vote(2), vote(3)]).await.unwrap();
    let at_2 = log.head(1, 2).await.unwrap().expect("stored");
    let at_3 = log.head(1, 3).await.unwrap().expect("stored");
    assert_ne!(at_2, at_3);
    assert_eq!(log.head(1, 4).await.unwrap(), None);
    assert_eq!(log.head(2, 1).await.unwrap(), None);
    let checked = super::super::chain::verify_dir(dir.path(), Some(&code(1))).unwrap();
    assert_eq!(
        checked[0].verdict,
        super::super::chain::Verdict::Intact {
            entries: 3,
            head: at_3
        }
    );
}
