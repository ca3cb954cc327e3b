//! hoidap benchmarks. Each scenario starts the real server binary (release
//! build) on a fresh data directory and drives it through the protocol.
//!
//! - `suite`: everything below, server pinned to CPU 0 and the generator to
//!   CPU 1, each system under test in turn; writes JSON and Markdown tables
//!   under `target/bench/` (and into docs/performance.md with `--write-doc`).
//! - `smoke`: a small suite (200 connections, a few seconds) for CI; fails
//!   if a number was not produced.
//! - `fanout`: one fan-out run (attendees, screen, moderator, voters).
//! - `hall`: a meeting hall: joins over 60 s, questions, moderation, churn.
//! - `ingest`: acknowledged durable votes per second.
//! - `idle`: server memory per idle WebSocket connection.
//! - `coldstart`: time to replay a log of a million entries.
//! - `stalls`: server memory over repeated stalled readers, each dropped.
//! - `history`: start-up time, RSS and first join with 1,000 past events.
//! - `roster`: memory per delegate on a roster, imported and claimed.

mod exports;
mod history;
mod load;
mod report;
mod roster;
mod scenarios;
mod server;
mod shard;
mod systems;
mod wire;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use systems::System;

#[derive(Parser)]
struct Cli {
    /// The server binary to measure.
    #[arg(long, default_value = "target/release/hoidap", global = true)]
    server: PathBuf,
    /// Print the result as JSON too.
    #[arg(long, global = true)]
    json: bool,
    /// Do not pin (server to CPU 0, generator to CPU 1).
    #[arg(long, global = true)]
    no_pin: bool,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Every scenario and system; Markdown tables and JSON in target/bench.
    Suite {
        /// Tiers as ATTENDEESxVOTES_PER_S, comma-separated.
        #[arg(long, default_value = report::DEFAULT_TIERS)]
        tiers: String,
        /// Systems compared at every tier.
        #[arg(long, default_value = "hoidap,reference,node,centrifuge")]
        systems: String,
        #[arg(long, default_value_t = 15.0)]
        window_s: f64,
        /// Also replace the tables in docs/performance.md.
        #[arg(long)]
        write_doc: bool,
        /// Skip the hall, ingestion and cold start scenarios.
        #[arg(long)]
        fanout_only: bool,
    },
    /// The CI smoke run: small, quick, asserts that numbers were produced.
    Smoke,
    /// One fan-out run.
    Fanout {
        #[arg(long, default_value = "hoidap")]
        system: System,
        #[arg(long, default_value_t = 1000)]
        attendees: usize,
        #[arg(long, default_value_t = 1000.0)]
        votes_per_s: f64,
        #[arg(long, default_value_t = 15.0)]
        window_s: f64,
    },
    /// The meeting hall scenario.
    Hall,
    /// Acknowledged durable votes per second.
    Ingest {
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Voting connections (each a participant), spread over the events.
        #[arg(long, default_value_t = 64)]
        voters: usize,
        #[arg(long, default_value_t = 100)]
        questions: u64,
        #[arg(long, default_value_t = 1)]
        events: usize,
        /// Requests each voter keeps in flight.
        #[arg(long, default_value_t = 32)]
        window: usize,
    },
    /// Server memory per idle connection.
    Idle {
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Questions in the event (the snapshot each connection receives).
        #[arg(long, default_value_t = 20)]
        questions: u64,
    },
    /// Time to replay a long log at start-up.
    Coldstart {
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
    },
    /// Server memory over repeated stalled attendees (each joins, never
    /// reads and is dropped) while a hall watches edits fan out.
    Stalls {
        #[arg(long, default_value_t = 50)]
        episodes: usize,
        #[arg(long, default_value_t = 200)]
        attendees: usize,
        /// Questions in the event (the snapshot each join is sent).
        #[arg(long, default_value_t = 300)]
        questions: usize,
        /// The server's send timeout: how long a stalled peer is kept.
        #[arg(long, default_value_t = 1000)]
        send_timeout_ms: u64,
        /// The same hall and load for the same time, with no stalled
        /// attendee: what the load alone grows.
        #[arg(long)]
        control: bool,
        /// Fail when RSS grows faster than this per episode (a leak; CI).
        #[arg(long)]
        max_kib_per_episode: Option<f64>,
    },
    /// Start-up, RSS and an old event's first join on a server holding
    /// many past events (not in CI: writing the data takes a while).
    History {
        #[arg(long, default_value_t = 1000)]
        events: u64,
        #[arg(long, default_value_t = 1000)]
        entries: u64,
        /// Other binaries measured on the same data (e.g. main's build).
        #[arg(long)]
        compare: Vec<PathBuf>,
    },
    /// Each export (questions: csv, xlsx, json; audit: csv, json) over
    /// HTTP and `hoidap verify` on one event of `entries` entries.
    Exports {
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
    },
    /// `hoidap verify` on one event of `entries` entries (the hash chain).
    Verify {
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
    },
    /// Memory per delegate: RSS before and after importing a roster and
    /// claiming cards (docs/performance.md).
    Roster {
        #[arg(long, default_value_t = 5000)]
        delegates: usize,
        #[arg(long, default_value_t = 1000)]
        claimed: usize,
    },
    /// Internal: a generator shard holding attendee connections.
    #[command(hide = true)]
    Shard(shard::ShardArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let pin = !cli.no_pin && !matches!(cli.command, Cmd::Shard(_)) && systems::can_pin();
    if pin {
        // The generator (and the shards it starts) on CPU 1, before the
        // runtime starts its threads: they inherit it.
        let me = std::process::id().to_string();
        let ok = std::process::Command::new("taskset")
            .args(["-a", "-p", "-c", "1", &me])
            .stdout(std::process::Stdio::null())
            .status()?
            .success();
        anyhow::ensure!(ok, "taskset failed");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli, pin))
}

async fn run(cli: Cli, pin: bool) -> anyhow::Result<()> {
    let env = systems::Env::new(cli.server.clone(), pin)?;
    let result = match cli.command {
        Cmd::Shard(args) => return shard::run(args).await,
        Cmd::Suite {
            tiers,
            systems,
            window_s,
            write_doc,
            fanout_only,
        } => {
            let systems = systems
                .split(',')
                .map(|s| s.parse())
                .collect::<Result<Vec<System>, _>>()
                .map_err(anyhow::Error::msg)?;
            let tiers = report::parse_tiers(&tiers)?;
            let plan = report::Plan {
                tiers,
                systems,
                window_s,
                others: !fanout_only,
                write_doc,
            };
            return report::suite(&env, plan).await;
        }
        Cmd::Smoke => return report::smoke(&env).await,
        Cmd::Fanout {
            system,
            attendees,
            votes_per_s,
            window_s,
        } => {
            let cfg = report::tier_config(&env, attendees, votes_per_s, window_s);
            systems::fanout(&env, system, &cfg).await?
        }
        Cmd::Hall => systems::fanout(&env, System::Hoidap, &report::hall_config(&env)).await?,
        Cmd::Ingest {
            seconds,
            voters,
            questions,
            events,
            window,
        } => scenarios::ingest(&cli.server, seconds, voters, questions, events, window).await?,
        Cmd::Idle {
            connections,
            questions,
        } => scenarios::idle(&cli.server, connections, questions).await?,
        Cmd::Coldstart { entries } => scenarios::coldstart(&cli.server, entries).await?,
        Cmd::History {
            events,
            entries,
            compare,
        } => history::run(&cli.server, &compare, events, entries).await?,
        Cmd::Roster { delegates, claimed } => roster::run(&cli.server, delegates, claimed).await?,
        Cmd::Verify { entries } => history::verify_time(&cli.server, entries).await?,
        Cmd::Exports { entries } => exports::run(&cli.server, entries).await?,
        Cmd::Stalls {
            episodes,
            attendees,
            questions,
            send_timeout_ms,
            control,
            max_kib_per_episode,
        } => {
            let shape = hoidap_tests::stalls::HallShape {
                watchers: attendees,
                questions,
                ..Default::default()
            };
            let (timeout, max) = (send_timeout_ms, max_kib_per_episode);
            scenarios::stalls(&cli.server, episodes, shape, timeout, control, max).await?
        }
    };
    print(&result)?;
    if cli.json {
        println!("{result}");
    }
    Ok(())
}

fn print(result: &serde_json::Value) -> anyhow::Result<()> {
    for (k, v) in result.as_object().context("object")? {
        println!("{k:>28}  {v}");
    }
    Ok(())
}
