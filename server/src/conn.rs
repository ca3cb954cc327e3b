//! One task per WebSocket: hello and credentials, then one `select!` loop
//! over the socket, the room's replies, the audience feed and shutdown.
//!
//! A connection never slows its room: the feed is a bounded broadcast
//! channel, and a connection that lags past it gets one fresh snapshot
//! instead of the backlog. A connection that cannot take a frame within
//! `SEND_TIMEOUT` is closed with the resume code (or just dropped, if the
//! frame was half-written).

use crate::auth::secret_eq;
use crate::http::App;
use crate::queue::Actor;
use crate::room::{
    Frame, Joined, MAX_BACKLOG_BYTES, MAX_IN_FLIGHT, REPLY_CAPACITY, Reply, RoomHandle, RoomMsg,
    frame,
};
use crate::ws::{CloseFrame, Message, SendError, Socket};
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{
    ClientMsg, ErrorCode, PROTOCOL_VERSION, Participant, ResumeFrom, Role, ServerMsg,
    classify_parse_error, close,
};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

const HELLO_TIMEOUT: Duration = Duration::from_secs(15);
/// A peer that cannot take a frame for this long is stalled: it is closed
/// with the resume code rather than allowed to hold buffers.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Server pings find phones that vanished without closing (walked out of
/// range, battery died): nothing received for `DEAD_AFTER` closes them.
const HEARTBEAT: Duration = Duration::from_secs(15);
const DEAD_AFTER: Duration = Duration::from_secs(45);
/// Bad messages tolerated before the hello; then the connection closes.
const MAX_BAD_BEFORE_HELLO: u32 = 5;
const MAX_REQUEST_ID: usize = 64;

/// Who this connection is, once the hello is accepted.
struct Session {
    room: RoomHandle,
    role: Role,
    participant: Option<String>,
}

pub async fn serve(mut socket: Socket, app: Arc<App>, shutdown: watch::Receiver<bool>) {
    let Some((session, first)) = hello(&mut socket, &app).await else {
        return;
    };
    if session.role == Role::Attendee {
        joined(socket, session, first, shutdown).await;
    } else {
        // Screens and moderators are few and what the hall watches: they
        // are not queued behind the attendees' fan-out (see `lanes`).
        let task = joined(socket, session, first, shutdown);
        let _ = crate::lanes::priority().spawn(task).await;
    }
}

/// The connection after its hello: join the room, then the loop.
async fn joined(
    socket: Socket,
    session: Session,
    first: Accepted,
    mut shutdown: watch::Receiver<bool>,
) {
    let (role, participant) = (session.role, session.participant.clone());
    // Acknowledgements, and for attendees notices about their own questions.
    let (reply_tx, replies) = mpsc::channel(REPLY_CAPACITY);
    let updates = participant.is_some().then(|| reply_tx.clone());
    let resume = first.resume;
    let Ok(joined) = session
        .room
        .join(role, participant.clone(), resume, true, updates)
        .await
    else {
        return;
    };
    let room = session.room.clone();
    let mut conn = Conn {
        socket,
        session,
        in_flight: 0,
    };
    let end = conn
        .run(first.welcome, joined, (reply_tx, replies), &mut shutdown)
        .await;
    if let Some(code) = end {
        let reason = match code {
            close::RESTART => "server restarting",
            _ => "resume",
        };
        let close = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        // A stalled peer may never read it: do not wait long.
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, conn.socket.send(Message::Close(Some(close))))
            .await;
    }
    let _ = room.send(RoomMsg::Leave { role, participant }).await;
}

struct Conn {
    socket: Socket,
    session: Session,
    in_flight: usize,
}

/// Why a send failed.
#[derive(Debug)]
enum Gone {
    /// The socket is closed or broken.
    Closed,
    /// The peer did not take the frame within `SEND_TIMEOUT`. `torn`: the
    /// frame was partly written, so no close frame may follow it.
    Stalled { torn: bool },
}

impl Conn {
    /// The connection's loop. Returns the close code to send, if any.
    async fn run(
        &mut self,
        welcome: ServerMsg,
        joined: Joined,
        (reply_tx, mut replies): (mpsc::Sender<Reply>, mpsc::Receiver<Reply>),
        shutdown: &mut watch::Receiver<bool>,
    ) -> Option<u16> {
        let mut frames = vec![frame(&welcome)];
        frames.extend(joined.frames);
        let mut feed = joined.feed;
        let mut feed_bytes = joined.feed_bytes;
        // Shutdown and the heartbeat are rare: their futures live across
        // iterations and are polled only until they have registered their
        // wakers ("armed"); afterwards a cheap check before each iteration
        // sees whether they fired. Re-polling them on every feed frame took
        // the shutdown `Notify`'s lock and re-registered the timer per frame.
        let stopping = shutdown.clone();
        let stop = shutdown.changed();
        tokio::pin!(stop);
        let mut stop_armed = false;
        let beat = tokio::time::sleep(HEARTBEAT);
        tokio::pin!(beat);
        let mut beat_armed = false;
        let read = crate::ws::ReadWake::default();
        let mut last_seen = Instant::now();
        let gone = 'run: {
            for f in frames {
                if let Err(g) = self.send(f).await {
                    break 'run g;
                }
            }
            loop {
                // A closed sender counts as shutdown, as `changed()` does.
                if stopping.has_changed().unwrap_or(true) {
                    return Some(close::RESTART);
                }
                // Trusted only once polled: the timer registers lazily.
                if beat_armed && beat.is_elapsed() {
                    if last_seen.elapsed() > DEAD_AFTER {
                        tracing::debug!("no sign of life from the peer; closing");
                        break 'run Gone::Closed;
                    }
                    beat.as_mut().reset(Instant::now() + HEARTBEAT);
                    beat_armed = false;
                    if let Err(g) = self.send_message(Message::Ping(Default::default())).await {
                        break 'run g;
                    }
                }
                let sent = tokio::select! {
                    // In this order when several are ready: a change goes
                    // out before the ack of the request that made it. The
                    // first two come first so that, whenever enabled, they
                    // have been polled once this iteration ends.
                    biased;
                    _ = &mut stop, if !stop_armed => return Some(close::RESTART),
                    () = &mut beat, if !beat_armed => Ok(()),
                    item = feed.recv() => match item {
                        Ok(sent) if feed_bytes.load(Ordering::Relaxed).saturating_sub(sent.end) <= MAX_BACKLOG_BYTES => {
                            self.send(sent.frame).await
                        }
                        // Behind by more than a feed's worth of frames or of
                        // bytes: one snapshot instead of the backlog.
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                            tracing::debug!("connection fell behind; resyncing with a snapshot");
                            crate::metrics::resync();
                            let (role, participant) = (self.session.role, self.session.participant.clone());
                            let Ok(joined) = self.session.room.join(role, participant, None, false, None).await else {
                                return Some(close::RESTART);
                            };
                            feed = joined.feed;
                            feed_bytes = joined.feed_bytes;
                            let mut result = Ok(());
                            for f in joined.frames {
                                result = self.send(f).await;
                                if result.is_err() { break; }
                            }
                            result
                        }
                        // The room rebuilt its feeds (log failure): resume.
                        Err(broadcast::error::RecvError::Closed) => return Some(close::RESUME),
                    },
                    Some(reply) = replies.recv() => match reply {
                        Reply::Answer(f) => {
                            self.in_flight -= 1;
                            self.send(f).await
                        }
                        Reply::Notice(f) => self.send(f).await,
                    },
                    msg = std::future::poll_fn(|cx| read.poll_next(cx, &mut self.socket)), if self.in_flight < MAX_IN_FLIGHT => {
                        last_seen = Instant::now();
                        match msg {
                            Some(Ok(Message::Text(text))) => self.on_text(&text, &reply_tx).await,
                            Some(Ok(Message::Binary(_))) => {
                                self.send(error(None, ErrorCode::BadJson, "binary frames are not used; send JSON text")).await
                            }
                            // Pings are answered by the WebSocket layer; raw
                            // frames are only ever written, never read.
                            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Ok(()),
                            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Err(Gone::Closed),
                        }
                    }
                };
                (stop_armed, beat_armed) = (true, true);
                if let Err(g) = sent {
                    break 'run g;
                }
            }
        };
        match gone {
            Gone::Closed => None,
            Gone::Stalled { torn: false } => Some(close::RESUME),
            // A close frame would land inside the half-written frame: just
            // drop the connection (the client sees 1006 and resumes).
            Gone::Stalled { torn: true } => None,
        }
    }

    async fn send(&mut self, frame: Frame) -> Result<(), Gone> {
        send(&mut self.socket, frame).await
    }

    async fn send_message(&mut self, msg: Message) -> Result<(), Gone> {
        send_message(&mut self.socket, msg).await
    }

    async fn on_text(&mut self, text: &str, reply: &mpsc::Sender<Reply>) -> Result<(), Gone> {
        let msg = match serde_json::from_str::<ClientMsg>(text) {
            Ok(msg) => msg,
            Err(e) => {
                return self
                    .send(error(None, classify_parse_error(text), &e.to_string()))
                    .await;
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
                    return self.send(e).await;
                }
                let actor = Actor {
                    role: self.session.role,
                    participant: self.session.participant.clone(),
                };
                let msg = RoomMsg::Command {
                    actor,
                    req: id,
                    action,
                    reply: reply.clone(),
                };
                self.session
                    .room
                    .send(msg)
                    .await
                    .map_err(|_| Gone::Closed)?;
                self.in_flight += 1;
                Ok(())
            }
            ClientMsg::Ping {} => self.send(frame(&ServerMsg::Pong {})).await,
            ClientMsg::Hello { .. } => {
                self.send(error(
                    None,
                    ErrorCode::AlreadyJoined,
                    "this connection has already said hello",
                ))
                .await
            }
        }
    }
}

/// Sends a server message, written straight from the shared bytes (see `ws`).
async fn send(socket: &mut Socket, frame: Frame) -> Result<(), Gone> {
    match crate::ws::send_text(socket, frame, SEND_TIMEOUT).await {
        Ok(()) => Ok(()),
        Err(SendError::Closed) => Err(Gone::Closed),
        Err(SendError::Stalled { torn }) => {
            crate::metrics::dropped();
            Err(Gone::Stalled { torn })
        }
    }
}

/// Sends a control message (ping) through tungstenite.
async fn send_message(socket: &mut Socket, msg: Message) -> Result<(), Gone> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Gone::Closed),
        Err(_) => {
            crate::metrics::dropped();
            Err(Gone::Stalled { torn: false })
        }
    }
}

fn error(id: Option<String>, code: ErrorCode, message: &str) -> Frame {
    frame(&ServerMsg::Error {
        id,
        code,
        message: message.to_owned(),
    })
}

struct Accepted {
    welcome: ServerMsg,
    resume: Option<ResumeFrom>,
}

/// Waits for a valid hello. Refusals that retrying cannot fix (version,
/// event, secret) close the connection with [`close::REFUSED`].
async fn hello(socket: &mut Socket, app: &App) -> Option<(Session, Accepted)> {
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    let mut bad = 0;
    loop {
        let text = match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(Message::Binary(_)))) => {
                send(socket, error(None, ErrorCode::BadJson, "send JSON text"))
                    .await
                    .ok()?;
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
                    return refuse(socket, ErrorCode::UnsupportedVersion, &m).await;
                }
                let Some(room) = app.rooms.get(&join_code) else {
                    return refuse(
                        socket,
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
                    return refuse(socket, ErrorCode::BadSecret, "wrong secret for this role")
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
        send(socket, error(None, code, &message)).await.ok()?;
        bad += 1;
        if bad >= MAX_BAD_BEFORE_HELLO {
            return None;
        }
    }
}

async fn refuse<T>(socket: &mut Socket, code: ErrorCode, message: &str) -> Option<T> {
    let _ = send(socket, error(None, code, message)).await;
    let close = CloseFrame {
        code: close::REFUSED.into(),
        reason: code.as_str().into(),
    };
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(close)))).await;
    None
}
