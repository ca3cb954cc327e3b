//! A room: the one task that owns an event's state.
//!
//! Connections send it messages; it decides commands in arrival order,
//! appends the resulting entries to the log in one batch, and only after the
//! append returns (durable) acknowledges them and lets their changes out.
//! While a batch commits, new messages queue in the inbox and form the next
//! batch: group commit without timers.
//!
//! Invariants: only this task mutates the state; it never waits on a
//! connection (it pushes to outboxes, which never block: see `outbox`).

mod answer;
mod askers;
mod clock;
mod commit;
mod deliver;
mod export;
mod failure;
mod fanout;
mod handle;
mod idle;
mod join;
mod members;
mod pace;
mod presence;
mod privacy;
mod roster;
mod similar;
mod sources;
mod staff;

pub use clock::Clock;
pub use export::ExportReply;
pub use fanout::{Catchup, Frame, frame};
pub use handle::{AdminRefusal, AdminReply, RoomGone, RoomHandle, RoomMsg};
pub use idle::{Idle, Live};
pub use pace::DEFAULT_BUDGET as DEFAULT_FANOUT_BUDGET;
pub use privacy::PersonReply;
pub use roster::{Cards, DelegatePass, RosterListed};
pub use staff::{Credentials, Found, Listed, StaffPass};

use crate::log::{EventRecord, Log, LogError};
use crate::outbox::{Outbox, Wire};
use crate::queue::view::{self, Audience};
use crate::queue::{AdminAction, DelegateId, Entry, Op, Principal, StaffId, State};
use answer::{Reply, unavailable};
use deliver::Job;
use fanout::Feeds;
use hoidap_protocol::{Action, Change, ResumeFrom, Role, Seq, ServerMsg};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};

/// How often the room does its housekeeping (presence, idleness, a broken
/// room's retries, votes a busy fan-out held back). Votes do not wait for
/// it: they go at their feed's pace (`pace`).
pub const FAST_TICK: Duration = Duration::from_millis(25);
/// Most messages taken from the inbox for one batch.
const MAX_BATCH: usize = 2048;
const INBOX: usize = 8192;

/// Requests a connection may have waiting for the room at once; past that
/// it stops reading its socket until acknowledgements come back.
pub const MAX_IN_FLIGHT: usize = 64;

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What every room takes from the server's configuration (`Limits`).
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub quotas: crate::queue::Quotas,
    /// Where entry times come from (see `clock`).
    pub clock: Clock,
    /// The fraction of a core a feed's fan-out may use (see `pace`).
    pub fanout_budget: f64,
}

/// Rebuilds the event's state from its log and starts its task.
pub async fn start(
    record: EventRecord,
    log: Arc<dyn Log>,
    tasks: &tokio_util::task::TaskTracker,
    config: Config,
    idle: Idle,
    card_key: [u8; 32],
) -> Result<RoomHandle, LogError> {
    let Config {
        quotas,
        clock,
        fanout_budget,
    } = config;
    let mut state = log.replay(record.id).await?;
    state.quotas = quotas;
    let credentials = Arc::new(Credentials::default());
    credentials.rebuild(&state);
    let room_credentials = credentials.clone();
    let cards = Arc::new(Cards::new(card_key));
    cards.rebuild(&state);
    let room_cards = cards.clone();
    let idle = idle::Watch::new(idle, &state);
    let (tx, rx) = mpsc::channel(INBOX);
    let record = Arc::new(record);
    // Called from the main runtime (a connection's hello: see `rooms`).
    let main = tokio::runtime::Handle::current();
    let room_record = record.clone();
    let run = async move {
        // Made on the room's own runtime: a timer belongs to the runtime it
        // was created on, and the one `start` runs on may stop first (each
        // test has its own).
        let mut tick = tokio::time::interval(FAST_TICK);
        // Skip, not Delay: with thousands of connections the room is often
        // scheduled late (behind the fan-out of the previous tick); Delay
        // would add that lateness to every period (measured: 5.7 ticks/s
        // instead of 10 at 10k connections), Skip keeps ticks on the grid.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let similar = similar::Similar::build(&state);
        let room = Room {
            feeds: Feeds::new(state.seq, &main, fanout_budget),
            fanout_budget,
            main,
            committed: state.seq,
            staged: Vec::new(),
            tick,
            snapshots: Default::default(),
            state,
            record: room_record,
            log,
            presence: Default::default(),
            askers: Default::default(),
            sources: Default::default(),
            similar,
            broken: false,
            retry_at: tokio::time::Instant::now(),
            credentials: room_credentials,
            staff_conns: Default::default(),
            cards: room_cards,
            delegate_conns: Default::default(),
            idle,
            clock,
            behind: Default::default(),
            retention: Default::default(),
        };
        room.run(rx).await
    };
    // Its own thread: see `lanes`.
    tasks.spawn_on(run, crate::lanes::priority());
    Ok(RoomHandle {
        tx,
        record,
        credentials,
        cards,
    })
}

struct Room {
    state: State,
    record: Arc<EventRecord>,
    log: Arc<dyn Log>,
    feeds: Feeds,
    /// The main runtime, where the attendees' fan-out worker runs.
    main: tokio::runtime::Handle,
    /// The last durable position: deltas never go past it.
    committed: Seq,
    /// Changes of the batch being committed; they reach the feeds only once
    /// it is durable, so a tick during the commit cannot leak them.
    staged: Vec<Staged>,
    /// Runs during commits too: a slow fsync must not stall the deltas of
    /// what is already durable.
    tick: tokio::time::Interval,
    /// The fraction of a core each feed's fan-out may use (`pace`).
    fanout_budget: f64,
    /// The last snapshot frame per audience and its position: thousands of
    /// joins at one position share one serialisation (and its memory).
    snapshots: std::cell::RefCell<[Option<(Seq, Frame)>; 2]>,
    /// Who is connected (see `presence`).
    presence: presence::Presence,
    askers: askers::Askers,
    /// Where participants were first seen from (moderators' warning).
    sources: sources::Sources,
    /// Probable duplicates, suggested to the panel.
    similar: similar::Similar,
    /// The log could not be read after a failed commit: the room holds no
    /// trustworthy state and serves nobody until a reload succeeds.
    broken: bool,
    /// When a broken room next tries to read its log.
    retry_at: tokio::time::Instant,
    credentials: Arc<Credentials>,
    staff_conns: staff::StaffConns,
    cards: Arc<Cards>,
    delegate_conns: roster::DelegateConns,
    /// When to offer the registry to stop (then the room ends once its
    /// inbox is drained).
    idle: idle::Watch,
    /// Where entry times come from (see `clock`).
    clock: Clock,
    behind: clock::Behind,
    retention: privacy::Retention,
}

/// One audience's view of one entry: its changes and its new vote count.
type Staged = (Audience, Vec<Change>, Option<hoidap_protocol::VoteCount>);

impl Room {
    async fn run(mut self, mut inbox: mpsc::Receiver<RoomMsg>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        loop {
            let votes_due = self.feeds.votes_due(tokio::time::Instant::now());
            tokio::select! {
                n = inbox.recv_many(&mut batch, MAX_BATCH) => {
                    if n == 0 {
                        break;
                    }
                    self.handle_batch(&mut batch).await;
                    self.idle.touched();
                    // Also here: under back-to-back commits the ticks are
                    // taken inside `commit`, which must not send it.
                    if !self.broken {
                        self.send_presence();
                    }
                }
                _ = sleep_until(votes_due), if votes_due.is_some() && !self.broken => {
                    let now = tokio::time::Instant::now();
                    self.feeds.flush_votes(&self.record.epoch, self.committed, now);
                }
                _ = self.tick.tick() => {
                    if self.broken {
                        self.retry_reload().await;
                    } else {
                        self.retention_tick().await;
                        self.on_tick();
                        // Here, not in `on_tick`: never during a commit.
                        self.send_presence();
                    }
                    let counts = self.presence.counts();
                    self.idle.check(&self.state, counts, inbox.is_empty());
                }
            }
        }
        // Every commit is done: what is saved now is what the log holds.
        // A broken room's state is not the log's.
        let summary = self.idle.summary(&self.state);
        if !self.broken
            && let Err(err) = self.log.save_summary(self.record.id, summary).await
        {
            tracing::warn!(event = self.record.id, %err, "saving the summary failed");
        }
        tracing::debug!(event = self.record.id, "room stopped");
    }

    async fn handle_batch(&mut self, batch: &mut Vec<RoomMsg>) {
        let (started, messages) = (std::time::Instant::now(), batch.len());
        let mut pending = Vec::new();
        let mut joins = Vec::new();
        let mut changed: Vec<Entry> = Vec::new();
        let mut retried = Vec::new();
        // Alone and first: see `privacy`.
        if batch.iter().any(|m| matches!(m, RoomMsg::Detach { .. })) {
            let mut rest = Vec::with_capacity(batch.len());
            for msg in batch.drain(..) {
                match msg {
                    RoomMsg::Detach {
                        scope,
                        reason,
                        reply,
                    } => self.detach(scope, reason, reply).await,
                    other => rest.push(other),
                }
            }
            *batch = rest;
        }
        for msg in batch.drain(..) {
            match msg {
                RoomMsg::Command {
                    by,
                    role,
                    req,
                    action,
                    reply,
                } => {
                    if self.broken {
                        // The log cannot be read: there is no state to
                        // decide against (see `failure`).
                        self.answer(role, &reply, unavailable(req));
                        continue;
                    }
                    let by = self.sealed(by, &action);
                    // A retry (same requester, same id) gets the original
                    // answer, even across reconnects and restarts.
                    if let Some(applied) = self.state.applied(&by, &req) {
                        retried.push((role, reply, req, applied));
                        continue;
                    }
                    let to = Reply::Conn {
                        role,
                        outbox: reply,
                        req,
                    };
                    self.decide_one(by, Op::Client(action), to, &mut changed, &mut pending);
                }
                RoomMsg::Admin { action, reply } => {
                    if self.broken {
                        let _ = reply.send(Err(AdminRefusal::Unavailable));
                        continue;
                    }
                    let (op, to) = (Op::Admin(action), Reply::Admin(reply));
                    self.decide_one(Principal::Admin {}, op, to, &mut changed, &mut pending);
                }
                RoomMsg::Export { by, format, reply } => {
                    self.export(by, format, reply, &mut changed, &mut pending);
                }
                RoomMsg::Detach { .. } => unreachable!("taken before the batch"),
                RoomMsg::Person { scope, reply } => {
                    self.person(scope, reply, &mut changed, &mut pending);
                }
                RoomMsg::Staff { reply } => {
                    let _ = reply.send(self.staff_listed());
                }
                RoomMsg::Claim { id, reply } => {
                    if self.broken {
                        let _ = reply.send(Err(AdminRefusal::Unavailable));
                        continue;
                    }
                    let (by, to) = (Principal::Delegate { id }, Reply::Admin(reply));
                    self.decide_one(by, Op::Claim, to, &mut changed, &mut pending);
                }
                RoomMsg::Roster { reply } => {
                    let _ = reply.send(self.roster_listed());
                }
                RoomMsg::Settings { reply } => {
                    let _ = reply.send(self.state.settings.clone());
                }
                RoomMsg::Join {
                    role,
                    participant,
                    staff,
                    delegate,
                    resume,
                    fresh,
                    outbox,
                    source,
                } => {
                    let member = members::Joining {
                        role,
                        participant,
                        staff,
                        delegate,
                        fresh,
                        source,
                    };
                    if let Some(participant) = self.admit(member, &outbox) {
                        joins.push((role, participant, resume, outbox));
                    }
                }
                RoomMsg::Leave {
                    role,
                    participant,
                    staff,
                    delegate,
                    outbox,
                } => {
                    // Joins are served after the batch: a connection that
                    // ended in the same batch must not be made a member
                    // then (it would hold its socket until a broadcast).
                    joins.retain(|(.., joining)| !Arc::ptr_eq(joining, &outbox));
                    self.depart(role, participant, staff, delegate, outbox);
                }
            }
        }
        crate::metrics::room_batch(messages, started.elapsed());
        if !changed.is_empty() {
            self.commit(changed, &mut pending).await;
        }
        let seq = self.state.seq;
        // Changes first, then acknowledgements: a client should see the
        // state its request produced no later than the ack for it.
        if self.feeds.has_discrete() {
            self.feeds.flush(&self.record.epoch, seq);
        } else {
            // The leading edge: the first votes after a quiet period go now.
            let now = tokio::time::Instant::now();
            self.feeds.flush_votes(&self.record.epoch, seq, now);
        }
        let (state, public, cards) = (&self.state, &mut self.feeds.public, &self.cards);
        self.askers.notify(
            |p| {
                let (votes, questions) = view::mine(state, p, &cards.pseudonym(p));
                Wire::text(frame(&ServerMsg::Mine { votes, questions }))
            },
            |to, wire| public.deliver(Job::Mine { to, wire }),
        );
        for p in pending {
            self.reply(p.to, p.outcome, seq);
        }
        for (role, reply, req, applied) in retried {
            if applied.seq > seq {
                // Its first copy was in a batch whose commit just failed.
                self.answer(role, &reply, unavailable(req));
                continue;
            }
            let question = applied.question.and_then(|id| self.own_question(id));
            let ack = frame(&ServerMsg::Ack {
                id: req,
                seq: applied.seq,
                question,
            });
            self.answer(role, &reply, ack);
        }
        for (role, participant, resume, outbox) in joins {
            if self.broken {
                failure::turn_away(&outbox);
                continue;
            }
            let frames = self.joined(role, participant.as_deref(), resume);
            self.feeds
                .of_mut(role)
                .deliver(Job::Join { to: outbox, frames });
        }
    }

    fn on_tick(&mut self) {
        let started = std::time::Instant::now();
        let now = tokio::time::Instant::now();
        self.feeds
            .flush_votes(&self.record.epoch, self.committed, now);
        crate::metrics::room_tick(started.elapsed());
    }
}

/// `select!` needs a future in every branch, even a disabled one.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

pub fn audience_of(role: Role) -> Audience {
    match role {
        Role::Moderator => Audience::Moderator,
        Role::Attendee | Role::Screen => Audience::Public,
    }
}
