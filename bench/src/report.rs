//! The suite and the smoke run: which runs, in which order, and the
//! Markdown tables written for docs/performance.md.

use crate::load::LoadConfig;
use crate::systems::{self, Env, System};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The small halls hoidap is built for (20, 300, 1,000 phones at 10, 50
/// and 200 votes/s), then the big ones.
pub const DEFAULT_TIERS: &str = "20x10,20x50,20x200,300x10,300x50,300x200,1000x10,1000x50,1000x200,\
     1000x1000,1000x5000,10000x100,10000x1000,10000x5000,19000x100,19000x1000,19000x5000";
const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

pub struct Plan {
    pub tiers: Vec<(usize, f64)>,
    pub systems: Vec<System>,
    pub window_s: f64,
    pub others: bool,
    pub write_doc: bool,
}

pub fn parse_tiers(s: &str) -> anyhow::Result<Vec<(usize, f64)>> {
    s.split(',')
        .map(|t| {
            let (n, r) = t.split_once('x').context("tier: ATTENDEESxVOTES")?;
            Ok((n.trim().parse()?, r.trim().parse()?))
        })
        .collect()
}

/// A stress tier: all questions live, voters enough for the rate.
pub fn tier_config(env: &Env, attendees: usize, votes_per_s: f64, window_s: f64) -> LoadConfig {
    LoadConfig {
        attendees,
        voters: ((votes_per_s / 20.0) as usize).clamp(10, 250),
        votes_per_s,
        questions: 200,
        warmup_s: 3.0,
        window_s,
        ramp_s: 0.0,
        churn: 0.0,
        moderate: false,
        cpu: env.generator_cpu.clone(),
    }
}

/// The hall: 1,800 phones join over 60 s and 200 more ask one question
/// each and vote (2,000 phones); about 100 of them (5%) drop and resume;
/// 250 votes/s for 80 s make 20,000 votes; the moderator approves and sets
/// the current question every 5 s.
pub fn hall_config(env: &Env) -> LoadConfig {
    LoadConfig {
        attendees: 1800,
        voters: 200,
        votes_per_s: 250.0,
        questions: 0,
        warmup_s: 0.0,
        window_s: 20.0,
        ramp_s: 60.0,
        churn: 100.0 / 1800.0,
        moderate: true,
        cpu: env.generator_cpu.clone(),
    }
}

pub async fn suite(env: &Env, plan: Plan) -> anyhow::Result<()> {
    let out = PathBuf::from("target/bench");
    std::fs::create_dir_all(&out)?;
    let started = std::time::Instant::now();
    let mut fanout = Vec::new();
    for &(n, rate) in &plan.tiers {
        for &system in &plan.systems {
            let cfg = tier_config(env, n, rate, plan.window_s);
            eprintln!("== {} × {n} attendees, {rate} votes/s", system.name());
            let r = match systems::fanout(env, system, &cfg).await {
                Ok(r) => r,
                Err(e) => {
                    json!({"system": system.name(), "attendees": n, "votes_per_s_target": rate, "error": format!("{e:#}")})
                }
            };
            eprintln!("{r}");
            fanout.push(r);
            save(&out, "fanout", &json!(fanout))?;
        }
    }
    let mut other = json!({});
    if plan.others {
        eprintln!("== hall");
        other["hall"] = systems::fanout(env, System::Hoidap, &hall_config(env))
            .await
            .unwrap_or_else(|e| json!({"error": format!("{e:#}")}));
        eprintln!("== ingest");
        let s = &env.server;
        other["ingest_1"] = crate::scenarios::ingest(s, 10, 64, 100, 1, 32).await?;
        other["ingest_100"] = crate::scenarios::ingest(s, 10, 200, 10, 100, 32).await?;
        eprintln!("== cold start");
        other["coldstart"] = crate::scenarios::coldstart(s, 1_000_000).await?;
        save(&out, "other", &other)?;
    }
    let md = tables(&fanout, &other, started.elapsed().as_secs());
    std::fs::write(out.join("tables.md"), &md)?;
    println!("{md}");
    if plan.write_doc {
        let path = PathBuf::from("docs/performance.md");
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        let (Some(a), Some(b)) = (doc.find(BEGIN), doc.find(END)) else {
            bail!("docs/performance.md has no {BEGIN} … {END} section");
        };
        let doc = format!("{}{BEGIN}\n{md}\n{}", &doc[..a], &doc[b..]);
        std::fs::write(&path, doc)?;
    }
    Ok(())
}

/// A small run of every path through the harness; fails when a number is
/// missing, never because of how fast anything is.
pub async fn smoke(env: &Env) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    let mut systems = vec![System::Hoidap, System::Reference];
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok()
    {
        systems.push(System::Node);
    }
    // Centrifuge when Go and Debian's Centrifuge packages are there (CI's
    // machine may have neither); a peer that then fails to build fails.
    let centrifuge =
        std::path::Path::new("/usr/share/gocode/src/github.com/centrifugal/centrifuge");
    if centrifuge.is_dir()
        && std::process::Command::new("go")
            .arg("version")
            .output()
            .is_ok()
    {
        systems.push(System::Centrifuge);
    }
    for system in systems {
        let mut cfg = tier_config(env, 200, 100.0, 4.0);
        cfg.warmup_s = 1.0;
        let r = systems::fanout(env, system, &cfg).await?;
        let checks = [
            ("connected", r["connected"].as_u64() == Some(200)),
            ("frames", r["frames_per_s"].as_f64() > Some(0.0)),
            (
                "screen latency",
                r["vote_to_screen"]["n"].as_u64() > Some(0),
            ),
            (
                "attendee latency",
                r["vote_to_last_attendee"]["n"].as_u64() > Some(0),
            ),
            ("memory", r["kib_per_connection"].as_f64().is_some()),
            ("cpu", r["frames_per_cpu_s"].as_f64().is_some()),
        ];
        for (what, ok) in checks {
            anyhow::ensure!(ok, "{}: no {what} figure: {r}", system.name());
        }
        if system == System::Hoidap {
            anyhow::ensure!(
                r["server_metrics"]["frames_sent_total"].as_f64() > Some(0.0),
                "hoidap /metrics has no frames: {r}"
            );
        }
        runs.push(r);
    }
    let mut other = json!({});
    other["ingest_1"] = crate::scenarios::ingest(&env.server, 2, 8, 10, 1, 8).await?;
    anyhow::ensure!(
        other["ingest_1"]["acked_votes"].as_u64() > Some(0),
        "no acked votes"
    );
    other["coldstart"] = crate::scenarios::coldstart(&env.server, 20_000).await?;
    anyhow::ensure!(
        other["coldstart"]["start_ms_median"].as_f64() > Some(0.0),
        "no cold start"
    );
    println!("{}", tables(&runs, &other, 0));
    println!("benchmark smoke: 1 passed, 0 failed");
    Ok(())
}

fn save(dir: &std::path::Path, name: &str, v: &Value) -> anyhow::Result<()> {
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_string_pretty(v)?,
    )?;
    Ok(())
}

fn lat(v: &Value) -> String {
    match (
        v["p50_ms"].as_f64(),
        v["p99_ms"].as_f64(),
        v["max_ms"].as_f64(),
    ) {
        (Some(a), Some(b), Some(c)) => format!("{a} / {b} / {c}"),
        _ => "–".into(),
    }
}

fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x >= 10_000.0 => format!("{:.0}k", x / 1000.0),
        // Three decimals at most: CPU cores come out of a division.
        Some(x) => format!("{}", (x * 1000.0).round() / 1000.0),
        None => "–".into(),
    }
}

/// Markdown for docs/performance.md.
pub fn tables(fanout: &[Value], other: &Value, took_s: u64) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Measured {} (suite took {took_s} s).\n",
        chrono_free_date()
    );
    md.push_str("### Fan-out (vote → screen and → last attendee, ms: p50 / p99 / max)\n\n");
    md.push_str("| attendees | votes/s | system | vote→screen | vote→last attendee | acked votes/s | frames/s | MB/s | server CPU (cores) | CPU µs/frame | frames per CPU-s | KiB/conn | resyncs | drops |\n");
    md.push_str("|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in fanout {
        if let Some(e) = r["error"].as_str() {
            let _ = writeln!(
                md,
                "| {} | {} | {} | failed: {} |||||||||||",
                r["attendees"],
                r["votes_per_s_target"],
                r["system"].as_str().unwrap_or(""),
                e.replace('|', "/").lines().next().unwrap_or("")
            );
            continue;
        }
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            r["attendees"],
            r["votes_per_s_target"],
            r["system"].as_str().unwrap_or(""),
            lat(&r["vote_to_screen"]),
            lat(&r["vote_to_last_attendee"]),
            num(&r["votes_acked_per_s"]),
            num(&r["frames_per_s"]),
            r["bytes_per_s"].as_f64().unwrap_or(0.0) / 1e6,
            num(&r["server_cpu_cores"]),
            num(&r["server_cpu_us_per_frame"]),
            num(&r["frames_per_cpu_s"]),
            r["kib_per_connection"],
            r["resyncs"],
            r["drops"],
        );
    }
    md.push_str("\n### Delivered frames per server CPU-second, as a ratio\n\n");
    md.push_str("| attendees | votes/s | hoidap | ÷ reference | ÷ node-ws | ÷ centrifuge | p99 last attendee: hoidap / node-ws (ms) |\n|---:|---:|---:|---:|---:|---:|---|\n");
    let find = |n: &Value, rate: &Value, sys: &str| {
        fanout.iter().find(|r| {
            &r["attendees"] == n
                && &r["votes_per_s_target"] == rate
                && r["system"] == sys
                && r["error"].is_null()
        })
    };
    for r in fanout
        .iter()
        .filter(|r| r["system"] == "hoidap" && r["error"].is_null())
    {
        let (n, rate) = (&r["attendees"], &r["votes_per_s_target"]);
        let h = r["frames_per_cpu_s"].as_f64().unwrap_or(0.0);
        let ratio = |sys: &str| {
            find(n, rate, sys)
                .and_then(|p| p["frames_per_cpu_s"].as_f64())
                .filter(|&p| p > 0.0)
                .map_or("–".into(), |p| format!("{:.2}", h / p))
        };
        let node_p99 = find(n, rate, "node-ws").map_or("–".into(), |p| {
            p["vote_to_last_attendee"]["p99_ms"].to_string()
        });
        let _ = writeln!(
            md,
            "| {n} | {rate} | {} | {} | {} | {} | {} / {} |",
            num(&r["frames_per_cpu_s"]),
            ratio("reference"),
            ratio("node-ws"),
            ratio("centrifuge"),
            r["vote_to_last_attendee"]["p99_ms"],
            node_p99
        );
    }
    if let Some(h) = other.get("hall").filter(|h| h["error"].is_null()) {
        md.push_str("\n### Hall\n\n| phones | votes acked | vote→screen | vote→last attendee | approve/current→screen | approve/current→last attendee | resyncs | reconnects | drops | server CPU (cores) |\n|---:|---:|---|---|---|---|---:|---:|---:|---:|\n");
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            h["attendees"].as_u64().unwrap_or(0) + h["voters"].as_u64().unwrap_or(0),
            h["votes_acked_total"],
            lat(&h["vote_to_screen"]),
            lat(&h["vote_to_last_attendee"]),
            lat(&h["action_to_screen"]),
            lat(&h["action_to_last_attendee"]),
            h["resyncs"],
            h["reconnects"],
            h["drops"],
            num(&h["server_cpu_cores"]),
        );
    }
    if other.get("ingest_1").is_some() {
        md.push_str("\n### Ingestion and cold start\n\n| scenario | figure |\n|---|---:|\n");
        for (k, label) in [("ingest_1", "one event"), ("ingest_100", "100 events")] {
            if let Some(i) = other.get(k) {
                let _ = writeln!(
                    md,
                    "| acknowledged durable votes/s, {label} ({} voters) | {} |",
                    i["voters"], i["acked_votes_per_s"]
                );
            }
        }
        if let Some(c) = other.get("coldstart") {
            let _ = writeln!(
                md,
                "| cold start, {} entries ({:.0} MB log): spawn → healthy, ms (3 starts) | {} |",
                c["entries"],
                c["log_bytes"].as_f64().unwrap_or(0.0) / 1e6,
                c["start_ms"]
            );
        }
    }
    md
}

/// Today's date (UTC) without a date crate: `date -u +%F`.
fn chrono_free_date() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%F"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or("(unknown date)".into(), |s| s.trim().to_owned())
}

/// The Centrifuge peer, built from Debian's Go packages (see
/// bench/peer-centrifuge/README.md); an error says why it is not available.
pub fn centrifuge_binary(env: &Env) -> anyhow::Result<PathBuf> {
    let src = env.bench_dir.join("peer-centrifuge");
    let bin = PathBuf::from("target/bench/centrifuge-peer");
    // Built once, and again whenever main.go is newer than the binary.
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let Some(built) = modified(&bin)
        && modified(&src.join("main.go")).is_none_or(|m| m <= built)
    {
        return Ok(bin);
    }
    if !src.join("main.go").exists() {
        bail!("no Centrifuge peer in {}", src.display());
    }
    std::fs::create_dir_all("target/bench")?;
    let out = std::process::Command::new("go")
        .args(["build", "-o"])
        .arg(std::fs::canonicalize("target/bench")?.join("centrifuge-peer"))
        .arg(".")
        .current_dir(&src)
        .env("GOPATH", "/usr/share/gocode")
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .output()
        .context(
            "go is not installed (see bench/peer-centrifuge/README.md for the apt-get line)",
        )?;
    if !out.status.success() {
        bail!(
            "Centrifuge peer does not build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(bin)
}
