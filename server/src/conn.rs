//! One task per WebSocket: hello and credentials, then one `select!` loop
//! over the socket's incoming messages and its outbox's events.
//!
//! Everything written goes through the connection's outbox (see `outbox`):
//! the room's fan-out writes there directly, so this task is woken only when
//! the socket was full, when its requests are answered, when it fell behind
//! (it then asks the room for one fresh snapshot instead of the backlog), or
//! when it must end. A connection never slows its room, and a peer that
//! takes nothing for `Limits::send_timeout` is dropped.

use crate::auth::secret_eq;
use crate::http::App;
use crate::outbox::{Class, Event, Outbox, Wire};
use crate::queue::Actor;
use crate::room::{Frame, MAX_IN_FLIGHT, RoomHandle, RoomMsg, frame};
use crate::ws::{CloseFrame, Message, Socket};
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{
    ClientMsg, ErrorCode, PROTOCOL_VERSION, Participant, ResumeFrom, Role, ServerMsg,
    classify_parse_error, close,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long the last frames (an error, a close frame) get to leave.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Bad messages tolerated before the hello; then the connection closes.
const MAX_BAD_BEFORE_HELLO: u32 = 5;
const MAX_REQUEST_ID: usize = 64;

/// Who this connection is, once the hello is accepted.
struct Session {
    room: RoomHandle,
    role: Role,
    participant: Option<String>,
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
    let _ = peer;
    let outbox = socket.get_ref().outbox().clone();
    let Some((session, first)) = Box::pin(hello(&mut socket, &outbox, &app)).await else {
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
    let join = RoomMsg::Join {
        role,
        participant: participant.clone(),
        resume,
        fresh: true,
        outbox: outbox.clone(),
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
    if let Some(code) = conn.run(&mut shutdown).await {
        let reason = match code {
            close::RESTART => "server restarting",
            _ => "resume",
        };
        let close = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        // Queued in the outbox: never waits on the peer.
        let _ = Box::pin(conn.socket.send(Message::Close(Some(close)))).await;
    }
    Box::pin(finish(&outbox)).await;
    let leave = RoomMsg::Leave {
        role,
        participant,
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

impl Conn {
    /// The connection's loop. Returns the close code to send, if any.
    async fn run(&mut self, shutdown: &mut watch::Receiver<bool>) -> Option<u16> {
        // Shutdown and the heartbeat are rare: their futures live across
        // iterations and are polled only until they have registered their
        // wakers ("armed"); afterwards a cheap check before each iteration
        // sees whether they fired.
        let stopping = shutdown.clone();
        let stop = shutdown.changed();
        tokio::pin!(stop);
        let mut stop_armed = false;
        let limits = self.app.limits.clone();
        let beat = tokio::time::sleep(limits.heartbeat);
        tokio::pin!(beat);
        let mut beat_armed = false;
        let mut last_seen = Instant::now();
        let outbox = self.outbox.clone();
        loop {
            // A closed sender counts as shutdown, as `changed()` does.
            if stopping.has_changed().unwrap_or(true) {
                return Some(close::RESTART);
            }
            // Trusted only once polled: the timer registers lazily.
            if beat_armed && beat.is_elapsed() {
                if last_seen.elapsed() > limits.dead_after {
                    tracing::debug!("no sign of life from the peer; closing");
                    return None;
                }
                beat.as_mut().reset(Instant::now() + limits.heartbeat);
                beat_armed = false;
                // Queued in the outbox: never waits on the peer.
                let _ = Box::pin(self.socket.send(Message::Ping(Default::default()))).await;
            }
            let in_flight = self.sent.saturating_sub(outbox.answered());
            let stalled_at = outbox.waiting_since().map(|t| t + limits.send_timeout);
            let stalled = async move {
                match stalled_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                // The first two come first so that, whenever enabled, they
                // have been polled once this iteration ends.
                biased;
                _ = &mut stop, if !stop_armed => return Some(close::RESTART),
                () = &mut beat, if !beat_armed => {}
                event = std::future::poll_fn(|cx| outbox.poll_event(cx)) => match event {
                    Event::Closed => return None,
                    Event::Kicked(code) => return Some(code),
                    Event::Lagging => {
                        tracing::debug!("connection fell behind; resyncing with a snapshot");
                        crate::metrics::resync();
                        let join = RoomMsg::Join {
                            role: self.session.role,
                            participant: self.session.participant.clone(),
                            resume: None,
                            fresh: false,
                            outbox: outbox.clone(),
                        };
                        if Box::pin(self.session.room.send(join)).await.is_err() {
                            return Some(close::RESTART);
                        }
                    }
                },
                () = stalled => {
                    if outbox.waiting_since().is_some_and(|t| t.elapsed() >= limits.send_timeout) {
                        tracing::debug!("peer took nothing for {:?}; dropping it", limits.send_timeout);
                        crate::metrics::dropped();
                        return Some(close::RESUME);
                    }
                }
                msg = self.socket.next(), if in_flight < MAX_IN_FLIGHT => {
                    last_seen = Instant::now();
                    match msg {
                        Some(Ok(Message::Text(text))) => {
                            if Box::pin(self.on_text(&text)).await.is_err() {
                                return Some(close::RESTART);
                            }
                        }
                        Some(Ok(Message::Binary(_))) => {
                            self.send(error(None, ErrorCode::BadJson, "binary frames are not used; send JSON text"));
                        }
                        // Pings are answered by the WebSocket layer.
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
                    }
                }
            }
            (stop_armed, beat_armed) = (true, true);
        }
    }

    fn send(&self, frame: Frame) {
        push(&self.outbox, frame);
    }

    /// Handles one client message. Fails only when the room has stopped.
    async fn on_text(&mut self, text: &str) -> Result<(), crate::room::RoomGone> {
        let msg = match serde_json::from_str::<ClientMsg>(text) {
            Ok(msg) => msg,
            Err(e) => {
                self.send(error(None, classify_parse_error(text), &e.to_string()));
                return Ok(());
            }
        };
        match msg {
            ClientMsg::Request { id, action } => {
                if id.is_empty() || id.chars().count() > MAX_REQUEST_ID {
                    let e = error(
                        Some(id),
                        ErrorCode::BadRequestId,
                        "request ids are 1 to 64 characters",
                    );
                    self.send(e);
                    return Ok(());
                }
                let actor = Actor {
                    role: self.session.role,
                    participant: self.session.participant.clone(),
                };
                let msg = RoomMsg::Command {
                    actor,
                    req: id,
                    action,
                    reply: self.outbox.clone(),
                };
                self.session.room.send(msg).await?;
                self.sent += 1;
            }
            ClientMsg::Ping {} => self.send(frame(&ServerMsg::Pong {})),
            ClientMsg::Hello { .. } => self.send(error(
                None,
                ErrorCode::AlreadyJoined,
                "this connection has already said hello",
            )),
        }
        Ok(())
    }
}

/// Queues one of the connection's own messages (not a feed frame).
fn push(outbox: &Outbox, frame: Frame) {
    outbox.push(&Wire::text(frame), Class::Own);
}

fn error(id: Option<String>, code: ErrorCode, message: &str) -> Frame {
    frame(&ServerMsg::error(id, code, message))
}

struct Accepted {
    welcome: ServerMsg,
    resume: Option<ResumeFrom>,
}

/// Waits for a valid hello. Refusals that retrying cannot fix (version,
/// event, secret) close the connection with [`close::REFUSED`].
async fn hello(socket: &mut Socket, outbox: &Outbox, app: &App) -> Option<(Session, Accepted)> {
    let deadline = tokio::time::Instant::now() + app.limits.hello_timeout;
    let mut bad = 0;
    loop {
        let text = match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(Message::Binary(_)))) => {
                push(outbox, error(None, ErrorCode::BadJson, "send JSON text"));
                bad += 1;
                if bad >= MAX_BAD_BEFORE_HELLO {
                    return None;
                }
                continue;
            }
            _ => return None,
        };
        let (code, message) = match serde_json::from_str::<ClientMsg>(&text) {
            Ok(ClientMsg::Hello {
                protocol,
                join_code,
                role,
                secret,
                participant_token,
                resume,
            }) => {
                if protocol != PROTOCOL_VERSION {
                    let m = format!(
                        "protocol {protocol} is not supported; this server speaks {PROTOCOL_VERSION}"
                    );
                    return refuse(socket, outbox, ErrorCode::UnsupportedVersion, &m).await;
                }
                let Some(room) = app.rooms.get(&join_code) else {
                    return refuse(
                        socket,
                        outbox,
                        ErrorCode::UnknownEvent,
                        "no event has this join code",
                    )
                    .await;
                };
                let record = &room.record;
                let expected = match role {
                    Role::Attendee => None,
                    Role::Moderator => Some(&record.moderator_secret),
                    Role::Screen => Some(&record.screen_secret),
                };
                if let Some(expected) = expected
                    && !secret.as_deref().is_some_and(|s| secret_eq(s, expected))
                {
                    return refuse(
                        socket,
                        outbox,
                        ErrorCode::BadSecret,
                        "wrong secret for this role",
                    )
                    .await;
                }
                let participant = (role == Role::Attendee).then(|| {
                    let known = participant_token
                        .as_deref()
                        .and_then(|t| app.keys.verify_participant(t));
                    match (known, participant_token) {
                        (Some(id), Some(token)) => Participant { id, token },
                        _ => {
                            let (id, token) = app.keys.issue_participant();
                            Participant { id, token }
                        }
                    }
                });
                let session = Session {
                    room,
                    role,
                    participant: participant.as_ref().map(|p| p.id.clone()),
                };
                let welcome = ServerMsg::Welcome {
                    protocol: PROTOCOL_VERSION,
                    role,
                    join_url: app.join_url(&session.room.record.join_code),
                    participant,
                };
                return Some((session, Accepted { welcome, resume }));
            }
            Ok(_) => (ErrorCode::NotJoined, "say hello first".to_owned()),
            Err(e) => (classify_parse_error(&text), e.to_string()),
        };
        push(outbox, error(None, code, &message));
        bad += 1;
        if bad >= MAX_BAD_BEFORE_HELLO {
            return None;
        }
    }
}

/// Says why, then closes (the caller flushes both).
async fn refuse<T>(
    socket: &mut Socket,
    outbox: &Outbox,
    code: ErrorCode,
    message: &str,
) -> Option<T> {
    push(outbox, error(None, code, message));
    let close = CloseFrame {
        code: close::REFUSED.into(),
        reason: code.as_str().into(),
    };
    let _ = socket.send(Message::Close(Some(close))).await;
    None
}
