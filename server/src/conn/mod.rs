//! One task per WebSocket: hello and credentials, then one `select!` loop
//! over the socket's incoming messages and its outbox's events.
//!
//! Everything written goes through the connection's outbox (see `outbox`):
//! the room's fan-out writes there directly, so this task is woken only when
//! the socket was full, when its requests are answered, when it fell behind
//! (it then asks the room for one fresh snapshot instead of the backlog), or
//! when it must end. A connection never slows its room, and a peer that
//! takes nothing for `Limits::send_timeout` is dropped.

use crate::http::App;
use crate::outbox::{Class, Event, Outbox, READ_PAUSE, Wire};
use crate::queue::Principal;
use crate::room::{DelegatePass, Frame, MAX_IN_FLIGHT, RoomHandle, RoomMsg, StaffPass, frame};
use crate::ws::{Message, Socket};
use futures_util::StreamExt;
use hoidap_protocol::{ClientMsg, ErrorCode, ResumeFrom, Role, ServerMsg, close, decode_client};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long the last frames (an error, a close frame) get to leave.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// A timer this late means the process was not running, not that the peer
/// was silent or slow: when a laptop's lid opens (or a SIGSTOPped server
/// continues) every connection's timers fire at once, and without this every
/// phone would be dropped together, then reconnect together. Scheduling
/// delays under load are milliseconds; a second is far beyond them.
const ASLEEP: Duration = Duration::from_secs(1);
/// Bad messages tolerated before the hello; then the connection closes.
const MAX_BAD_BEFORE_HELLO: u32 = 5;

/// Who this connection is, once the hello is accepted.
struct Session {
    room: RoomHandle,
    role: Role,
    participant: Option<String>,
    /// A named staff member's connection (personal link).
    staff: Option<StaffPass>,
    /// A roster delegate's device (`participant` is then their key, `d7`).
    delegate: Option<DelegatePass>,
    /// Where the connection comes from: the key of the per-address limits.
    peer: std::net::IpAddr,
}

impl Session {
    /// Who this connection's requests come from.
    fn principal(&self) -> Principal {
        if let Some(pass) = self.delegate {
            return Principal::Delegate { id: pass.id };
        }
        match (&self.staff, &self.participant) {
            (Some(pass), _) => Principal::Staff { id: pass.id },
            (None, Some(p)) => Principal::participant(p.clone()),
            (None, None) => Principal::Link { role: self.role },
        }
    }
}

/// `socket` is boxed, as are the rare steps below: a task's future is as
/// large as its largest state (arguments count twice), and 10k idle
/// connections pay for every byte of it.
pub async fn serve(
    mut socket: Box<Socket>,
    app: Arc<App>,
    shutdown: watch::Receiver<bool>,
    peer: std::net::SocketAddr,
) {
    let outbox = socket.get_ref().outbox().clone();
    let hello = hello(&mut socket, &outbox, &app, peer.ip());
    let Some((session, first)) = Box::pin(hello).await else {
        Box::pin(finish(&outbox)).await;
        return;
    };
    push(&outbox, frame(&first.welcome));
    let resume = first.resume;
    if session.role == Role::Attendee {
        joined(socket, outbox, session, resume, shutdown, app).await;
    } else {
        // Screens and moderators are few and what the hall watches: they
        // are not queued behind the attendees' connections (see `lanes`).
        let task = joined(socket, outbox, session, resume, shutdown, app);
        let _ = crate::lanes::priority().spawn(task).await;
    }
}

/// Gives what is queued `CLOSE_TIMEOUT` to leave, then ends the outbox.
async fn finish(outbox: &Outbox) {
    let flushed = std::future::poll_fn(|cx| outbox.poll_flush(cx));
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, flushed).await;
    outbox.close();
}

/// The connection after its hello: join the room, then the loop.
async fn joined(
    socket: Box<Socket>,
    outbox: Arc<Outbox>,
    session: Session,
    resume: Option<ResumeFrom>,
    mut shutdown: watch::Receiver<bool>,
    app: Arc<App>,
) {
    let (role, participant) = (session.role, session.participant.clone());
    let staff = session.staff.as_ref().map(|s| s.id);
    let delegate = session.delegate;
    let join = RoomMsg::Join {
        role,
        participant: participant.clone(),
        staff: session.staff.clone(),
        delegate,
        resume,
        fresh: true,
        outbox: outbox.clone(),
        source: Some(session.peer),
    };
    if Box::pin(session.room.send(join)).await.is_err() {
        Box::pin(finish(&outbox)).await;
        return;
    }
    let room = session.room.clone();
    let mut conn = Conn {
        socket,
        outbox: outbox.clone(),
        session,
        sent: 0,
        app,
    };
    if let Some((code, reason)) = conn.run(&mut shutdown).await {
        // Queued in the outbox: never waits on the peer.
        outbox.push(&close_frame(code, reason), Class::Own);
    }
    Box::pin(finish(&outbox)).await;
    let leave = RoomMsg::Leave {
        role,
        participant,
        staff,
        delegate: delegate.map(|d| d.id),
        outbox,
    };
    let _ = Box::pin(room.send(leave)).await;
}

struct Conn {
    socket: Box<Socket>,
    outbox: Arc<Outbox>,
    session: Session,
    /// Requests handed to the room; `outbox.answered()` counts answers.
    sent: usize,
    app: Arc<App>,
}

/// What woke the connection's task.
enum Wake {
    Stop,
    Beat,
    Stalled,
    Event(Event),
    Message(Option<Result<Message, crate::ws::Error>>),
}

impl Conn {
    /// The connection's loop. Returns the close frame to send, if any.
    ///
    /// One `poll_fn` looks at every source each time the task wakes, and
    /// each source that is not ready registers the task before it returns:
    /// no wake-up is lost. (A `select!` whose branches were enabled by
    /// conditions lost them: its conditions are evaluated once per pass, so
    /// a heartbeat or an answer that arrived while a branch was disabled
    /// was never seen: silent phones were never dropped, and a connection
    /// with its request window full was never read again.)
    async fn run(&mut self, shutdown: &mut watch::Receiver<bool>) -> Option<(u16, &'static str)> {
        let limits = self.app.limits.clone();
        let stop = shutdown.changed();
        tokio::pin!(stop);
        let mut beat_due = Instant::now() + limits.heartbeat;
        let beat = tokio::time::sleep_until(beat_due);
        tokio::pin!(beat);
        // Armed only while the outbox waits for the socket.
        let stalled = tokio::time::sleep(limits.send_timeout);
        tokio::pin!(stalled);
        let mut stalled_at = None;
        // No stall is declared before this (set after a sleep).
        let mut stall_grace = Instant::now();
        let mut last_seen = Instant::now();
        let outbox = self.outbox.clone();
        loop {
            let wake = std::future::poll_fn(|cx| {
                if stop.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Wake::Stop);
                }
                if beat.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Wake::Beat);
                }
                if let Poll::Ready(event) = outbox.poll_event(cx) {
                    return Poll::Ready(Wake::Event(event));
                }
                let due = outbox
                    .waiting_since()
                    .map(|t| (t + limits.send_timeout).max(stall_grace));
                if due != stalled_at {
                    stalled_at = due;
                    if let Some(at) = due {
                        stalled.as_mut().reset(at);
                    }
                }
                if stalled_at.is_some() && stalled.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Wake::Stalled);
                }
                // Past these, the peer waits: TCP pushes back on it instead
                // of us queueing its answers without bound. Answers and
                // drained frames wake the task through `poll_event` above.
                let in_flight = self.sent.saturating_sub(outbox.answered());
                if in_flight < MAX_IN_FLIGHT
                    && outbox.answers_backlog() < READ_PAUSE
                    && let Poll::Ready(msg) = self.socket.poll_next_unpin(cx)
                {
                    return Poll::Ready(Wake::Message(msg));
                }
                Poll::Pending
            })
            .await;
            match wake {
                Wake::Stop => return Some((close::RESTART, "server restarting")),
                Wake::Beat => {
                    let now = Instant::now();
                    // A beat seconds late means this process did not run
                    // (SIGSTOP, a closed lid, a suspended VM): what the peer
                    // sent meanwhile waits unread in the socket, so that
                    // time is not its silence (see `ASLEEP`).
                    let late = now.saturating_duration_since(beat_due);
                    if late > ASLEEP {
                        last_seen += late;
                        crate::metrics::woke_late();
                    }
                    if now.saturating_duration_since(last_seen) > limits.dead_after {
                        tracing::debug!("no sign of life from the peer; closing");
                        return None;
                    }
                    beat_due = now + limits.heartbeat;
                    beat.as_mut().reset(beat_due);
                    outbox.push(&ping_frame(), Class::Own);
                }
                Wake::Stalled => {
                    // Late by seconds: we were asleep, not the peer slow to
                    // read; it gets a full period from now.
                    let late = stalled_at.map(|at| Instant::now().saturating_duration_since(at));
                    if late.is_some_and(|late| late > ASLEEP) {
                        stall_grace = Instant::now() + limits.send_timeout;
                        continue;
                    }
                    if outbox
                        .waiting_since()
                        .is_some_and(|t| t.elapsed() >= limits.send_timeout)
                    {
                        tracing::debug!(
                            "peer took nothing for {:?}; dropping it",
                            limits.send_timeout
                        );
                        crate::metrics::dropped();
                        return Some((close::RESUME, "resume"));
                    }
                }
                Wake::Event(Event::Closed) => return None,
                Wake::Event(Event::Kicked(code)) => return Some((code, kick_reason(code))),
                Wake::Event(Event::Lagging) => {
                    tracing::debug!("connection fell behind; resyncing with a snapshot");
                    crate::metrics::resync();
                    let join = RoomMsg::Join {
                        role: self.session.role,
                        participant: self.session.participant.clone(),
                        staff: self.session.staff.clone(),
                        delegate: self.session.delegate,
                        resume: None,
                        fresh: false,
                        outbox: outbox.clone(),
                        source: None,
                    };
                    if Box::pin(self.session.room.send(join)).await.is_err() {
                        return Some((close::RESTART, "server restarting"));
                    }
                }
                Wake::Message(msg) => {
                    last_seen = Instant::now();
                    match msg {
                        Some(Ok(Message::Text(text))) => {
                            if Box::pin(self.on_text(&text)).await.is_err() {
                                return Some((close::RESTART, "server restarting"));
                            }
                        }
                        Some(Ok(Message::Binary(_))) => {
                            self.send(error(
                                None,
                                ErrorCode::BadJson,
                                "binary frames are not used; send JSON text",
                            ));
                        }
                        // Pings are answered by the WebSocket layer.
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                        other => return closing(other),
                    }
                }
            }
        }
    }

    fn send(&self, frame: Frame) {
        push(&self.outbox, frame);
    }

    /// How long an attendee's ask or vote must wait, if it must.
    fn limited(&self, action: &hoidap_protocol::Action) -> Option<Duration> {
        use crate::rate::Kind;
        use hoidap_protocol::Action;
        let kind = match action {
            Action::Ask { .. } => Kind::Ask,
            Action::Vote { .. } => Kind::Vote,
            _ => return None,
        };
        let participant = self.session.participant.as_deref()?;
        let rates = &self.app.rates;
        rates.request(kind, participant, self.session.peer).err()
    }

    /// Handles one client message. Fails only when the room has stopped.
    async fn on_text(&mut self, text: &str) -> Result<(), crate::room::RoomGone> {
        let msg = match decode_client(text) {
            Ok(msg) => msg,
            Err(rejected) => {
                self.send(frame(&rejected.into_msg()));
                return Ok(());
            }
        };
        match msg {
            ClientMsg::Request { id, action } => {
                if let Some(wait) = self.limited(&action) {
                    self.send(frame(&ServerMsg::Error {
                        id: Some(id),
                        code: ErrorCode::RateLimited,
                        message: "too many requests; retry later".to_owned(),
                        retry_after_ms: Some(crate::rate::retry_ms(wait)),
                    }));
                    return Ok(());
                }
                let msg = RoomMsg::Command {
                    by: self.session.principal(),
                    role: self.session.role,
                    req: id,
                    action,
                    reply: self.outbox.clone(),
                };
                self.session.room.send(msg).await?;
                self.sent += 1;
            }
            ClientMsg::Ping {} => {
                let pong = Wire::text(frame(&ServerMsg::Pong {}));
                self.outbox.push(&pong, Class::Pong);
            }
            ClientMsg::Hello { .. } => self.send(error(
                None,
                ErrorCode::AlreadyJoined,
                "this connection has already said hello",
            )),
        }
        Ok(())
    }
}

mod hello;

use hello::hello;
pub(crate) use hello::{WRONG_SECRET, check_secret};

/// Queues one of the connection's own messages (not a feed frame).
fn push(outbox: &Outbox, frame: Frame) {
    outbox.push(&Wire::text(frame), Class::Own);
}

fn error(id: Option<String>, code: ErrorCode, message: &str) -> Frame {
    frame(&ServerMsg::error(id, code, message))
}

/// The close frame that answers how the peer ended (RFC 6455 §7.4.1), if
/// any: its own close is echoed; a frame over the size limit gets 1009,
/// text that is not UTF-8 1007, any other breach of the protocol 1002.
fn closing(msg: Option<Result<Message, crate::ws::Error>>) -> Option<(u16, &'static str)> {
    use crate::ws::Error;
    match msg {
        Some(Ok(Message::Close(frame))) => {
            Some((frame.map_or(close::NORMAL, |f| f.code.into()), ""))
        }
        Some(Err(Error::Capacity(_))) => Some((close::TOO_BIG, "message too big")),
        Some(Err(Error::Utf8(_))) => Some((close::INVALID_DATA, "invalid UTF-8")),
        Some(Err(Error::Protocol(_))) => Some((close::PROTOCOL_ERROR, "protocol error")),
        // The connection is gone (reset, closed): nobody to tell.
        _ => None,
    }
}

fn kick_reason(code: u16) -> &'static str {
    match code {
        close::RESTART => "server restarting",
        close::REVOKED => "revoked",
        close::MOVED => "moved",
        _ => "resume",
    }
}

/// A close frame, framed here: after a protocol error tungstenite may no
/// longer write one, and every close goes out the same way.
fn close_frame(code: u16, reason: &str) -> Wire {
    // A control frame's payload is at most 125 bytes.
    let reason = &reason.as_bytes()[..reason.len().min(123)];
    let mut bytes = vec![0x88, 2 + reason.len() as u8];
    bytes.extend(code.to_be_bytes());
    bytes.extend(reason);
    Wire::raw(bytes.into())
}

/// An empty WebSocket ping (the peer's browser answers it by itself).
fn ping_frame() -> Wire {
    Wire::raw(bytes::Bytes::from_static(&[0x89, 0x00]))
}
