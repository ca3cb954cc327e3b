//! The commands besides `serve`: online backups and restores
//! (`hoidap_server::backup` does the work; this prints what happened), and
//! checking the logs' hash chains (`verify`).

use anyhow::Context;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The data directory of the (running or stopped) server.
    #[arg(long, env = "HOIDAP_DATA", default_value = "./hoidap-data")]
    data: PathBuf,
    /// The backup file to write (replaced once the copy is complete). It
    /// holds every secret: keep it as private as the data directory.
    #[arg(long)]
    to: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// A file written by `hoidap backup`.
    #[arg(long)]
    from: PathBuf,
    /// The data directory to restore into; no server may be serving it.
    #[arg(long, env = "HOIDAP_DATA", default_value = "./hoidap-data")]
    data: PathBuf,
    /// Replace the log already in the data directory.
    #[arg(long)]
    force: bool,
}

pub fn backup(args: &BackupArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let contents = hoidap_server::backup::backup(&args.data, &args.to)
        .with_context(|| format!("cannot back up {}", args.data.display()))?;
    println!(
        "Backed up {} events, {} entries, and the keys, to {} in {:.1} s.",
        contents.events,
        contents.entries,
        args.to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn restore(args: &RestoreArgs) -> anyhow::Result<()> {
    let contents = hoidap_server::backup::restore(&args.from, &args.data, args.force)
        .with_context(|| format!("cannot restore {}", args.from.display()))?;
    println!(
        "Restored {} events, {} entries, and the keys, into {}. Every event has a new epoch: \
         phones reload their state when they reconnect.",
        contents.events,
        contents.entries,
        args.data.display()
    );
    Ok(())
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The data directory (a running server may keep serving it).
    #[arg(long, env = "HOIDAP_DATA", default_value = "./hoidap-data")]
    data: PathBuf,
    /// Only the event with this join code.
    #[arg(long)]
    event: Option<String>,
    /// With `--event`: also print the hash of the entry at this position,
    /// the chain head an export made there printed (`entries_seq`), once
    /// the whole chain is found intact.
    #[arg(long, requires = "event")]
    at: Option<u64>,
}

/// Prints each event's entries and chain head, or where its chain breaks;
/// fails if any does.
pub fn verify(args: &VerifyArgs) -> anyhow::Result<()> {
    use hoidap_server::log::chain::{self, Verdict};
    let started = std::time::Instant::now();
    let checked = chain::verify_dir(&args.data, args.event.as_deref())
        .with_context(|| format!("cannot verify {}", args.data.display()))?;
    let mut broken = 0;
    let mut entries = 0;
    for c in &checked {
        match &c.verdict {
            Verdict::Intact { entries: n, head } => {
                entries += n;
                println!(
                    "{} \"{}\": {n} entries, chain intact, head {}",
                    c.join_code,
                    c.title,
                    chain::hex(head)
                );
            }
            Verdict::Broken { seq, reason } => {
                broken += 1;
                println!(
                    "{} \"{}\": BROKEN at entry {seq}: {reason}",
                    c.join_code, c.title
                );
            }
        }
    }
    eprintln!(
        "Checked {} events ({entries} entries in intact chains) in {:.2} s.",
        checked.len(),
        started.elapsed().as_secs_f64()
    );
    anyhow::ensure!(broken == 0, "{broken} chain(s) broken");
    if let (Some(seq), Some(code)) = (args.at, &args.event) {
        // The chain holds up to its head, so every stored hash is the one
        // recomputed from the bytes: the head at `seq` is the stored one.
        let hash = stored_hash(&args.data, code, seq)?;
        println!(
            "{} entry {seq}: head {}",
            code.trim().to_uppercase(),
            chain::hex(&hash)
        );
    }
    Ok(())
}

/// The stored hash of the event's entry at `seq`, read only.
fn stored_hash(
    data: &std::path::Path,
    code: &str,
    seq: u64,
) -> anyhow::Result<hoidap_server::log::chain::Hash> {
    use rusqlite::OpenFlags;
    let path = data.join(hoidap_server::log::FILE_NAME);
    let conn = rusqlite::Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let found: Option<Vec<u8>> = conn
        .query_row(
            "SELECT e.hash FROM entries e JOIN events v ON v.id = e.event \
             WHERE upper(v.join_code) = upper(?1) AND e.seq = ?2",
            rusqlite::params![code.trim(), seq.min(i64::MAX as u64)],
            |row| row.get(0),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => anyhow::anyhow!("the event has no entry {seq}"),
            e => e.into(),
        })?;
    let hash = found.and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok());
    hash.ok_or_else(|| anyhow::anyhow!("entry {seq} has no hash stored"))
}
