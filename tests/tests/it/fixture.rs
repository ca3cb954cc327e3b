//! Old logs replay: `tests/fixtures/v1` holds a log written by an earlier
//! hoidap (see its README.md) and the state every role was sent after
//! replaying it. Whatever the stored entry format becomes, that log must
//! start and replay to the same state: nothing recorded at an earlier
//! meeting may become unreadable.

mod generate;

use anyhow::{Context, bail, ensure};
use hoidap_protocol::{Action, Role, ServerMsg};
use hoidap_tests::{Client, TestServer, http_request};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// The log file inside a data directory (`SqliteLog`'s `FILE_NAME`).
const LOG_FILE: &str = "hoidap.sqlite3";
/// The participant signing key of the fixture's data directory. Public on
/// purpose: it only signs the fixture's participants, so their tokens (kept
/// in expected.json) can rejoin as them. Never a real server's key.
const FIXTURE_KEY: &str = "hoidap-fixture-participant-key-public-test-only";

fn v1_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1")
}

/// A fresh data directory holding only a copy of the fixture's log and the
/// fixed participant key (the admin token is created on start).
fn data_dir_with(log: &Path) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    std::fs::copy(log, dir.path().join(LOG_FILE))
        .with_context(|| format!("copying {}", log.display()))?;
    write_key(dir.path())?;
    Ok(dir)
}

fn write_key(dir: &Path) -> anyhow::Result<()> {
    std::fs::write(dir.join("participant-key"), format!("{FIXTURE_KEY}\n"))?;
    Ok(())
}

#[tokio::test]
async fn the_v1_log_replays_to_the_recorded_state() -> anyhow::Result<()> {
    let fixture = v1_dir();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture.join("expected.json")).context("expected.json")?,
    )?;
    let dir = data_dir_with(&fixture.join(LOG_FILE))?;
    let server = TestServer::start_in(dir.path()).await?;

    let tokens = tokens(&expected)?;
    let got = observe(&server, &tokens).await?;
    if let Some(diff) = first_difference("state", &expected["state"], &got) {
        bail!("the v1 fixture replays to another state: {diff}");
    }

    // The request ids each requester used last are part of the state too:
    // a device retrying after the restart gets the original answer and
    // applies nothing twice.
    let retries = expected["retries"].as_array().context("retries")?;
    ensure!(!retries.is_empty(), "the fixture records retried requests");
    for retry in retries {
        let event = find_event(&got, retry["join_code"].as_str().context("join_code")?)?;
        let mut client = join_as(
            &server,
            event,
            retry["who"].as_str().context("who")?,
            &tokens,
        )
        .await?;
        let action: Action = serde_json::from_value(retry["action"].clone())?;
        let id = retry["id"].as_str().context("id")?;
        let answer = client.request_with_id(id, action).await?;
        ensure!(
            answer.as_ref().ok() == retry["seq"].as_u64().as_ref(),
            "retrying {retry} after replay: {answer:?}"
        );
    }
    let again = observe(&server, &tokens).await?;
    if let Some(diff) = first_difference("state", &expected["state"], &again) {
        bail!("retrying remembered requests changed the state: {diff}");
    }
    server.stop().await;
    Ok(())
}

/// The fixture's participants: label → token.
fn tokens(expected: &Value) -> anyhow::Result<Vec<(String, String)>> {
    let map = expected["participants"]
        .as_object()
        .context("participants")?;
    Ok(map
        .iter()
        .map(|(label, token)| (label.clone(), token.as_str().unwrap_or_default().to_owned()))
        .collect())
}

fn find_event<'a>(state: &'a Value, join_code: &str) -> anyhow::Result<&'a Value> {
    state["events"]
        .as_array()
        .context("events")?
        .iter()
        .find(|e| e["join_code"] == join_code)
        .with_context(|| format!("no event {join_code}"))
}

/// Joins `event` as "moderator" or as the participant labelled `who`.
async fn join_as(
    server: &TestServer,
    event: &Value,
    who: &str,
    tokens: &[(String, String)],
) -> anyhow::Result<Client> {
    let code = event["join_code"].as_str().context("join_code")?;
    if who == "moderator" {
        let secret = event["moderator_secret"].as_str().context("secret")?;
        return Client::join(&server.ws_url(), code, Role::Moderator, Some(secret)).await;
    }
    let (_, token) = tokens
        .iter()
        .find(|(label, _)| label == who)
        .with_context(|| format!("no participant {who}"))?;
    let mut client = Client::connect(&server.ws_url()).await?;
    client
        .hello(code, Role::Attendee, None, Some(token))
        .await?;
    Ok(client)
}

/// What a server sends about every event it holds: the event as the admin
/// API lists it, the snapshot each role gets on joining, and each fixture
/// participant's `mine`. Left out, because they legitimately differ per run:
/// the links (they hold the server's address, a random port here), presence
/// (counts this observer's own connections), and the participant a fresh
/// attendee is issued (random, and not in the log).
pub(crate) async fn observe(
    server: &TestServer,
    tokens: &[(String, String)],
) -> anyhow::Result<Value> {
    let auth = format!("Bearer {}", server.admin_token);
    let (status, body) = http_request(server.addr, "GET", "/api/events", Some(&auth), None).await?;
    ensure!(status == 200, "list events: {status} {body}");
    let listed: Vec<Value> = serde_json::from_str(&body)?;
    let mut events = Vec::new();
    for info in listed {
        let code = info["join_code"].as_str().context("join_code")?.to_owned();
        let mut event = Map::new();
        for key in [
            "id",
            "title",
            "join_code",
            "moderator_secret",
            "screen_secret",
            "created_at",
        ] {
            event.insert(key.into(), info[key].clone());
        }
        let url = server.ws_url();
        let secret = |key: &str| info[key].as_str().map(str::to_owned);
        let moderator = Client::join(
            &url,
            &code,
            Role::Moderator,
            secret("moderator_secret").as_deref(),
        )
        .await?;
        let screen = Client::join(
            &url,
            &code,
            Role::Screen,
            secret("screen_secret").as_deref(),
        )
        .await?;
        let attendee = Client::join(&url, &code, Role::Attendee, None).await?;
        event.insert("moderator".into(), snapshot(&moderator)?);
        event.insert("screen".into(), snapshot(&screen)?);
        event.insert("attendee".into(), snapshot(&attendee)?);
        let mut mine = Map::new();
        for (label, token) in tokens {
            let mut client = Client::connect(&url).await?;
            client
                .hello(&code, Role::Attendee, None, Some(token))
                .await?;
            let got = client.log.iter().find_map(|m| match m {
                ServerMsg::Mine { votes, questions } => {
                    Some(json!({ "votes": votes, "questions": questions }))
                }
                _ => None,
            });
            mine.insert(label.clone(), got.context("no mine")?);
        }
        event.insert("mine".into(), Value::Object(mine));
        events.push(Value::Object(event));
    }
    Ok(json!({ "events": events }))
}

fn snapshot(client: &Client) -> anyhow::Result<Value> {
    let snapshot = client
        .log
        .iter()
        .find_map(|m| match m {
            ServerMsg::Snapshot { snapshot } => Some(snapshot),
            _ => None,
        })
        .context("no snapshot")?;
    Ok(serde_json::to_value(snapshot)?)
}

/// A field added to the views since the fixture was recorded: the value an
/// old event must show for it, given the object it is in as recorded (what
/// the old fields meant). Everything else must be exactly as recorded.
fn added_since_v1(key: &str, recorded: &serde_json::Map<String, Value>) -> Option<Value> {
    let flag = |name: &str| recorded.get(name).and_then(Value::as_bool);
    match key {
        "chair_sets_current" => Some(Value::Bool(false)),
        // Settings: every v1 event was an open event.
        "roster" => Some(Value::Bool(false)),
        // Settings (follow-up): askers did not route, the screen showed
        // what it always had. A snapshot: no topics, no officials.
        "asker_routes" => Some(Value::Bool(false)),
        "screen" => Some(serde_json::json!(
            { "up_next": true, "votes": true, "routing": false, "blank": false }
        )),
        "topics" | "officials" => Some(serde_json::json!([])),
        // Settings: only the organiser and the chair exported.
        "export_roles" => Some(serde_json::json!([])),
        // Settings: v1's anonymous questions were hidden from the hall.
        "identities" => flag("allow_anonymous").map(|anonymous| match anonymous {
            true => serde_json::json!(["named", "hidden_from_hall"]),
            false => serde_json::json!(["named"]),
        }),
        // A question.
        "identity" => flag("anonymous").map(|anonymous| match anonymous {
            true => Value::from("hidden_from_hall"),
            false => Value::from("named"),
        }),
        _ => None,
    }
}

/// The path and both values of the first place `want` and `got` differ.
fn first_difference(path: &str, want: &Value, got: &Value) -> Option<String> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for key in w.keys().chain(g.keys()) {
                // A question's follow-up history is read from its entries:
                // a v1 log holds only answers given live.
                if key == "history" && !w.contains_key(key) {
                    let steps = g[key].as_array().map_or(&[][..], Vec::as_slice);
                    match steps.iter().find(|s| s["kind"] != "answered_live") {
                        Some(step) => return Some(format!("at {path}.history: {step}")),
                        None => continue,
                    }
                }
                let added = (!w.contains_key(key))
                    .then(|| added_since_v1(key, w))
                    .flatten();
                let (a, b) = (
                    w.get(key).or(added.as_ref()).unwrap_or(&Value::Null),
                    g.get(key).unwrap_or(&Value::Null),
                );
                if let Some(d) = first_difference(&format!("{path}.{key}"), a, b) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(&format!("{path}[{i}]"), a, b)),
        _ if want == got => None,
        _ => Some(format!("at {path}: expected {want}, got {got}")),
    }
}
