//! The log's hash chain, checked by `hoidap verify` as an auditor would:
//! intact on a real log, the first broken entry named after a one-byte edit
//! of the SQLite file and after a deleted entry, and a log written before
//! chains existed chained when a server opens it (issue 12, item 3).

use crate::support::Hall;
use hoidap_protocol::Action;
use hoidap_tests::{TestServer, server_binary};
use std::path::Path;
use std::process::Command;

/// `(succeeded, stdout + stderr)` of `hoidap verify --data dir`.
fn verify(dir: &Path) -> anyhow::Result<(bool, String)> {
    let out = Command::new(server_binary()?)
        .args(["verify", "--data"])
        .arg(dir)
        .output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

/// A stopped server's data directory: an event with questions, votes and a
/// moderation, and the seq of the question marked `MARKER`.
async fn written_log() -> anyhow::Result<(tempfile::TempDir, u64)> {
    let hall = Hall::new(false).await?;
    let mut asker = hall.attendee().await?;
    let mut moderator = hall.moderator().await?;
    for i in 0..5 {
        let text = if i == 2 {
            "Câu hỏi MARKERQZX về luân chuyển cán bộ?".to_owned()
        } else {
            format!("Câu hỏi số {i} về quy hoạch cán bộ?")
        };
        let q = asker.ask(&text).await?;
        asker.vote(q, true).await?;
        moderator.ok(Action::MarkAnswered { question: q }).await?;
    }
    drop((asker, moderator));
    let dir = hall.server.stop().await.expect("the data directory");
    // Created at 1, then an ask, a vote and an answer per question.
    Ok((dir, 2 + 3 * 2))
}

#[tokio::test]
async fn verify_names_the_entry_changed_by_one_byte_or_deleted() -> anyhow::Result<()> {
    let (dir, marked) = written_log().await?;
    let (ok, text) = verify(dir.path())?;
    assert!(ok, "{text}");
    assert!(text.contains("16 entries, chain intact, head "), "{text}");

    // One byte of the entry in the file: the marker's Q becomes R. A clean
    // stop checkpointed the WAL into the main file; pages the B-tree has
    // since rewritten may still hold stale copies, so every copy is
    // edited (the live one among them).
    let file = dir.path().join(hoidap_server::log::FILE_NAME);
    let mut bytes = std::fs::read(&file)?;
    let copies: Vec<usize> = bytes
        .windows(9)
        .enumerate()
        .filter(|(_, w)| *w == b"MARKERQZX")
        .map(|(at, _)| at)
        .collect();
    assert!(!copies.is_empty(), "the marker is in the database file");
    for at in copies {
        bytes[at + 6] = b'R';
    }
    std::fs::write(&file, &bytes)?;
    let (ok, text) = verify(dir.path())?;
    assert!(!ok, "a changed byte passed: {text}");
    assert!(
        text.contains(&format!("BROKEN at entry {marked}: its bytes do not match")),
        "{text}"
    );

    // A deleted entry, on a fresh copy.
    let (dir, _) = written_log().await?;
    let conn = rusqlite::Connection::open(dir.path().join(hoidap_server::log::FILE_NAME))?;
    conn.execute("DELETE FROM entries WHERE seq = 7", [])?;
    drop(conn);
    let (ok, text) = verify(dir.path())?;
    assert!(!ok, "a deleted entry passed: {text}");
    assert!(text.contains("BROKEN at entry 7: missing"), "{text}");
    Ok(())
}

#[tokio::test]
async fn a_log_from_before_chains_is_chained_when_opened() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1");
    std::fs::copy(
        fixture.join(hoidap_server::log::FILE_NAME),
        dir.path().join(hoidap_server::log::FILE_NAME),
    )?;
    let (ok, text) = verify(dir.path())?;
    assert!(!ok && text.contains("without chains"), "{text}");
    let server = TestServer::start_in(dir.path()).await?;
    drop(server.stop().await);
    let (ok, text) = verify(dir.path())?;
    assert!(ok, "{text}");
    assert_eq!(text.matches("chain intact").count(), 3, "{text}");
    Ok(())
}
