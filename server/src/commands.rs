//! The commands besides `serve`: online backups and restores
//! (`hoidap_server::backup` does the work; this prints what happened).

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
