//! Crash loop: the real binary is killed with SIGKILL at random moments while
//! writers ask and vote. An acknowledgement promises durability, so after
//! every restart each acknowledged entry must be there, exactly once, and the
//! server's state must equal a replay of its log from scratch.
//!
//! Each round: replay the log in this process (server down) → restart the
//! server → its moderator snapshot must equal that replay → every writer
//! resends the request it had in flight at the kill, with the same id (one
//! ack per request, ever) → the state must equal a model built from the acks
//! alone → writers work for 50–500 ms → SIGKILL mid-request.
//!
//! `HOIDAP_CRASH_SEED` replays a seed's kill delays and choices (not the
//! scheduling, which is the point of a crash test).

use hoidap_protocol::{Action, QuestionId, Role, Seq, ServerMsg, Snapshot};
use hoidap_server::log::{Log, SqliteLog};
use hoidap_server::queue::view::{self, Audience};
use hoidap_server::queue::{State, evolve};
use hoidap_tests::{Client, EventInfo, Rejected, ServerProcess};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ROUNDS: usize = 20;
const WRITERS: usize = 4;
/// The kill comes this long after the writers start (uniform).
const KILL_AFTER_MS: std::ops::Range<u64> = 50..500;
/// Share of requests that are asks (the rest are votes).
const ASK_PERCENT: u64 = 30;
/// Share of votes that repeat the current value: acknowledged, no entry.
const NOOP_VOTE_PERCENT: u64 = 15;
/// How long writers may take to notice the kill (their sockets reset).
const WRITERS_STOP: Duration = Duration::from_secs(10);

/// splitmix64: tiny, seedable, good enough to pick delays and actions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

#[derive(Debug, Clone)]
struct Sent {
    id: String,
    action: Action,
}

/// One acknowledgement, as the writer recorded it.
#[derive(Debug, Clone)]
struct Ack {
    writer: usize,
    sent: Sent,
    seq: Seq,
    /// For asks: the question the ack names.
    question: Option<QuestionId>,
    /// Changed the state (a no-op vote is acknowledged without an entry).
    made_entry: bool,
}

/// A participant whose identity (token) and unanswered request survive the
/// server's deaths, as they would on a phone.
struct Writer {
    index: usize,
    token: Option<String>,
    participant: String,
    next_req: u64,
    /// Sent, not answered: resent with the same id after the restart.
    in_flight: Option<Sent>,
    /// This writer's votes according to its acks (to choose toggles).
    votes: BTreeMap<QuestionId, bool>,
    rng: Rng,
}

impl Writer {
    async fn connect(&mut self, url: &str, code: &str) -> anyhow::Result<Client> {
        let mut client = Client::connect(url).await?;
        client
            .hello(code, Role::Attendee, None, self.token.as_deref())
            .await?;
        let me = client
            .participant
            .clone()
            .expect("attendees get a participant");
        if self.token.is_none() {
            self.token = Some(me.token);
            self.participant = me.id;
        } else {
            assert_eq!(me.id, self.participant, "the token no longer names me");
        }
        Ok(client)
    }

    fn next_request(&mut self, known: &Mutex<Vec<QuestionId>>) -> Sent {
        self.next_req += 1;
        let id = format!("w{}-{}", self.index, self.next_req);
        let target = {
            let known = known.lock().unwrap();
            (!known.is_empty()).then(|| known[self.rng.below(known.len() as u64) as usize])
        };
        let action = match target {
            Some(question) if !self.rng.percent(ASK_PERCENT) => {
                let held = self.votes.get(&question).copied().unwrap_or(false);
                let up = if self.rng.percent(NOOP_VOTE_PERCENT) {
                    held
                } else {
                    !held
                };
                Action::Vote { question, up }
            }
            _ => Action::Ask {
                // Unique text: duplicates from a retry applied twice show up
                // as a text counted twice.
                text: format!("Câu hỏi {id}: đề nghị làm rõ chế độ phụ cấp đối với cán bộ cấp xã"),
                name: None,
                unit: None,
                anonymous: false,
                identity: None,
                topic: None,
                official: None,
            },
        };
        Sent { id, action }
    }

    /// Resends the request that was in flight at the kill, with its id.
    async fn resend(
        &mut self,
        client: &mut Client,
        known: &Mutex<Vec<QuestionId>>,
    ) -> anyhow::Result<Option<Ack>> {
        let Some(sent) = self.in_flight.clone() else {
            return Ok(None);
        };
        let (seq, question) = request(client, &sent)
            .await?
            .map_err(|r| anyhow::anyhow!("retry {sent:?} refused: {r:?}"))?;
        known.lock().unwrap().extend(question);
        Ok(Some(self.acked(sent, seq, question)))
    }

    fn acked(&mut self, sent: Sent, seq: Seq, question: Option<QuestionId>) -> Ack {
        let made_entry = match sent.action {
            Action::Vote { question, up } => self.votes.insert(question, up).unwrap_or(false) != up,
            _ => true,
        };
        self.in_flight = None;
        Ack {
            writer: self.index,
            sent,
            seq,
            question,
            made_entry,
        }
    }
}

/// Sends one request and waits for its answer: the ack's seq and question.
async fn request(
    client: &mut Client,
    sent: &Sent,
) -> anyhow::Result<Result<(Seq, Option<QuestionId>), Rejected>> {
    let seq = match client
        .request_with_id(&sent.id, sent.action.clone())
        .await?
    {
        Ok(seq) => seq,
        Err(rejected) => return Ok(Err(rejected)),
    };
    // `request_with_id` returns as soon as it has logged the ack.
    let question = match client.log.last() {
        Some(ServerMsg::Ack { question, .. }) => question.as_ref().map(|q| q.id),
        other => anyhow::bail!("expected the ack last, got {other:?}"),
    };
    Ok(Ok((seq, question)))
}

/// Asks and votes, one request in flight, until the server dies.
async fn work(
    mut writer: Writer,
    mut client: Client,
    known: Arc<Mutex<Vec<QuestionId>>>,
    killed: Arc<AtomicBool>,
) -> (Writer, Vec<Ack>, anyhow::Result<()>) {
    let mut acks = Vec::new();
    loop {
        let sent = writer.next_request(&known);
        writer.in_flight = Some(sent.clone());
        match request(&mut client, &sent).await {
            Ok(Ok((seq, question))) => {
                known.lock().unwrap().extend(question);
                acks.push(writer.acked(sent, seq, question));
            }
            Ok(Err(rejected)) => {
                let e = anyhow::anyhow!("{sent:?} refused: {rejected:?}");
                return (writer, acks, Err(e));
            }
            // Only the kill may end the connection.
            Err(_) if killed.load(Ordering::SeqCst) => return (writer, acks, Ok(())),
            Err(e) => {
                return (
                    writer,
                    acks,
                    Err(e.context("connection lost before the kill")),
                );
            }
        }
    }
}

/// What the acks alone say the state must be, compared with the server's.
#[derive(Default)]
struct Check {
    lost: usize,
    problems: Vec<String>,
}

fn check(
    acks: &[Ack],
    writers: &[Writer],
    snapshot: &Snapshot,
    mine: &[BTreeSet<QuestionId>],
) -> Check {
    let mut c = Check::default();
    let by_id: HashMap<QuestionId, _> = snapshot.questions.iter().map(|q| (q.id, q)).collect();
    let mut texts: HashMap<&str, usize> = HashMap::new();
    for q in &snapshot.questions {
        *texts.entry(q.text.as_str()).or_default() += 1;
    }
    // Positions of acknowledged entries: each must be its own log entry.
    let mut entry_seqs = Vec::new();
    // Final vote per (writer, question), in each writer's ack order (one
    // request in flight per writer makes that the order of application).
    let mut votes: BTreeMap<(usize, QuestionId), bool> = BTreeMap::new();
    let mut asked = 0;
    for ack in acks {
        match &ack.sent.action {
            Action::Ask { text, .. } => {
                asked += 1;
                entry_seqs.push(ack.seq);
                let Some(id) = ack.question else {
                    c.problems
                        .push(format!("ask {} acked without a question", ack.sent.id));
                    continue;
                };
                match by_id.get(&id) {
                    None => {
                        c.lost += 1;
                        c.problems
                            .push(format!("acked ask {} (question {id}) is gone", ack.sent.id));
                    }
                    Some(q) if q.text != *text => c
                        .problems
                        .push(format!("question {id}: text {:?}, acked {text:?}", q.text)),
                    Some(q) if q.asker.as_deref() != Some(&writers[ack.writer].participant) => {
                        c.problems
                            .push(format!("question {id}: wrong asker {:?}", q.asker));
                    }
                    Some(_) => {}
                }
                if texts.get(text.as_str()).copied().unwrap_or(0) > 1 {
                    c.problems.push(format!(
                        "ask {} stored {} times",
                        ack.sent.id,
                        texts[text.as_str()]
                    ));
                }
            }
            Action::Vote { question, up } => {
                let held = votes.insert((ack.writer, *question), *up).unwrap_or(false);
                if held != *up {
                    entry_seqs.push(ack.seq);
                }
            }
            other => c.problems.push(format!("unexpected action {other:?}")),
        }
    }
    if snapshot.questions.len() != asked {
        c.problems.push(format!(
            "{} questions stored, {asked} asks acknowledged",
            snapshot.questions.len()
        ));
    }
    let mut up: HashMap<QuestionId, u32> = HashMap::new();
    for (_, q) in votes.iter().filter(|(_, up)| **up).map(|(k, _)| k) {
        *up.entry(*q).or_default() += 1;
    }
    for q in &snapshot.questions {
        let acked = up.get(&q.id).copied().unwrap_or(0);
        if q.votes != acked {
            let msg = format!("question {}: {} votes, {acked} acknowledged", q.id, q.votes);
            c.problems.push(msg);
        }
    }
    for (w, held) in mine.iter().enumerate() {
        let expected: BTreeSet<QuestionId> = votes
            .iter()
            .filter(|((writer, _), up)| *writer == w && **up)
            .map(|((_, q), _)| *q)
            .collect();
        let wrong = expected.symmetric_difference(held).count();
        if wrong > 0 {
            c.lost += wrong;
            c.problems.push(format!(
                "writer {w}: votes {held:?}, acknowledged {expected:?}"
            ));
        }
    }
    // Entry 1 creates the event; every later entry answers exactly one
    // acknowledged request, at the position its ack gave.
    entry_seqs.sort_unstable();
    let expected_seqs: Vec<Seq> = (2..=snapshot.seq).collect();
    if entry_seqs != expected_seqs {
        let first = entry_seqs.iter().zip(&expected_seqs).find(|(a, b)| a != b);
        c.problems.push(format!(
            "the log holds entries 2..={}; acknowledged entries: {} (first mismatch {first:?})",
            snapshot.seq,
            entry_seqs.len()
        ));
    }
    c
}

/// The state the log holds, rebuilt in this process exactly as the server
/// rebuilds it at start-up, as the moderator audience sees it.
async fn replay(dir: &Path) -> anyhow::Result<Snapshot> {
    let log = SqliteLog::open(dir)?;
    let events = log.events().await?;
    let [record] = events.as_slice() else {
        anyhow::bail!("expected one event, found {}", events.len());
    };
    let mut state = State::default();
    for entry in log.entries(record.id, 0).await? {
        evolve(&mut state, &entry);
    }
    // Dropping the log joins its writer thread: the file is closed before
    // the server opens it again.
    Ok(view::snapshot(
        &state,
        Audience::Moderator,
        &record.epoch,
        &record.join_code,
    ))
}

async fn moderator_snapshot(server: &ServerProcess, event: &EventInfo) -> anyhow::Result<Snapshot> {
    let moderator = Client::join(
        &server.ws_url(),
        &event.join_code,
        Role::Moderator,
        Some(&event.moderator_secret),
    )
    .await?;
    moderator
        .log
        .iter()
        .find_map(|m| match m {
            ServerMsg::Snapshot { snapshot } => Some(snapshot.clone()),
            _ => None,
        })
        .map(|mut snapshot| {
            // The duplicate suggestions are the room's, derived from the
            // texts, not from the log: a replay has none to compare.
            for q in &mut snapshot.questions {
                q.follow.similar.clear();
            }
            snapshot
        })
        .ok_or_else(|| anyhow::anyhow!("no snapshot after the hello"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_entries_survive_sigkill() -> anyhow::Result<()> {
    let seed = match std::env::var("HOIDAP_CRASH_SEED") {
        Ok(s) => s.parse()?,
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as u64,
    };
    println!("crash loop seed {seed} (HOIDAP_CRASH_SEED={seed} to reuse)");
    let mut rng = Rng(seed);
    let temp = tempfile::tempdir()?;
    let dir = temp.path();
    let started = Instant::now();

    let mut writers: Vec<Writer> = (0..WRITERS)
        .map(|index| Writer {
            index,
            token: None,
            participant: String::new(),
            next_req: 0,
            in_flight: None,
            votes: BTreeMap::new(),
            rng: Rng(rng.next()),
        })
        .collect();
    let known = Arc::new(Mutex::new(Vec::new()));
    let mut acks: Vec<Ack> = Vec::new();
    let mut created: Option<EventInfo> = None;
    let (mut resent, mut committed_unacked, mut lost) = (0, 0, 0);
    let mut verified = None;

    // Round ROUNDS only restarts and verifies what the last kill left.
    for round in 0..=ROUNDS {
        let replayed = if round > 0 {
            Some(replay(dir).await?)
        } else {
            None
        };
        let mut server = ServerProcess::start(dir).await?;
        if created.is_none() {
            let body = json!({ "title": "Kỳ họp thứ tư", "pre_moderation": false });
            created = Some(server.create_event(body).await?);
        }
        let event = created.clone().expect("created in round 0");
        let restart_seq = replayed.as_ref().map_or(0, |s| s.seq);
        if let Some(replayed) = replayed {
            let restarted = moderator_snapshot(&server, &event).await?;
            assert_eq!(
                restarted, replayed,
                "round {round}: the restarted server differs from a replay of its log"
            );
        }

        let mut clients = Vec::new();
        for w in &mut writers {
            let mut client = w.connect(&server.ws_url(), &event.join_code).await?;
            if let Some(ack) = w.resend(&mut client, &known).await? {
                // Committed before the kill, its ack lost with the server:
                // the retry must have been answered from the log.
                if ack.made_entry && ack.seq <= restart_seq {
                    committed_unacked += 1;
                }
                acks.push(ack);
                resent += 1;
            }
            clients.push(client);
        }

        // Every request ever sent now has exactly one ack: the state must be
        // what the acks say.
        let snapshot = moderator_snapshot(&server, &event).await?;
        let mut mine = Vec::new();
        for w in &mut writers {
            let fresh = w.connect(&server.ws_url(), &event.join_code).await?;
            mine.push(fresh.view.my_votes);
        }
        let c = check(&acks, &writers, &snapshot, &mine);
        lost += c.lost;
        assert!(
            c.problems.is_empty(),
            "round {round} (seed {seed}): {} acknowledged, {lost} lost:\n{}",
            acks.len(),
            c.problems.join("\n")
        );
        verified = Some(snapshot);
        if round == ROUNDS {
            server.kill()?;
            break;
        }

        let killed = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = writers
            .drain(..)
            .zip(clients)
            .map(|(w, client)| tokio::spawn(work(w, client, known.clone(), killed.clone())))
            .collect();
        let delay = KILL_AFTER_MS.start + rng.below(KILL_AFTER_MS.end - KILL_AFTER_MS.start);
        // The random moment of death is the point of this sleep.
        tokio::time::sleep(Duration::from_millis(delay)).await;
        killed.store(true, Ordering::SeqCst);
        server.kill()?;
        let before = acks.len();
        for task in tasks {
            let (w, mut done, result) = tokio::time::timeout(WRITERS_STOP, task).await??;
            result.map_err(|e| e.context(format!("writer {} in round {round}", w.index)))?;
            acks.append(&mut done);
            writers.push(w);
        }
        let in_flight = writers.iter().filter(|w| w.in_flight.is_some()).count();
        println!(
            "round {round:2}: killed after {delay:3} ms, {:3} acks, {in_flight} in flight",
            acks.len() - before
        );
    }

    // Nothing was written after the last check: the log replayed once more
    // must give exactly the state verified against the model.
    assert_eq!(Some(replay(dir).await?), verified, "final replay");
    println!(
        "crash loop: {ROUNDS} rounds, {} acknowledged, {lost} lost; {resent} resent after a kill, \
         {committed_unacked} of them committed before it ({:.1} s)",
        acks.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0);
    // The loop must have exercised what it claims to.
    assert!(acks.len() >= ROUNDS && resent > 0, "too little happened");
    Ok(())
}
