//! The hello: who the connection is (version, event, credentials, and for
//! attendees whom they speak for, see `claim`), or why it is refused.

use super::{MAX_BAD_BEFORE_HELLO, Session, close_frame, closing, error, push};
use crate::auth::secret_eq;
use crate::http::App;
use crate::outbox::{Class, Outbox};
use crate::room::{RoomHandle, StaffPass, frame};
use crate::ws::{Message, Socket};
use futures_util::StreamExt;
use hoidap_protocol::{
    ClientMsg, ErrorCode, PROTOCOL_VERSION, ResumeFrom, Role, ServerMsg, close, decode_client,
};
use std::time::Duration;

pub(super) struct Accepted {
    pub(super) welcome: ServerMsg,
    pub(super) resume: Option<ResumeFrom>,
}

/// Waits for a valid hello. Refusals that retrying cannot fix (version,
/// event, secret) close the connection with [`close::REFUSED`].
pub(super) async fn hello(
    socket: &mut Socket,
    outbox: &Outbox,
    app: &App,
    peer: std::net::IpAddr,
) -> Option<(Session, Accepted)> {
    let deadline = tokio::time::Instant::now() + app.limits.hello_timeout;
    let mut bad = 0;
    loop {
        let text = match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)))) => continue,
            Ok(Some(Ok(Message::Binary(_)))) => {
                push(outbox, error(None, ErrorCode::BadJson, "send JSON text"));
                bad += 1;
                if bad >= MAX_BAD_BEFORE_HELLO {
                    return None;
                }
                continue;
            }
            Ok(other) => {
                if let Some((code, reason)) = closing(other) {
                    outbox.push(&close_frame(code, reason), Class::Own);
                }
                return None;
            }
            Err(_) => return None,
        };
        let refusal = match decode_client(&text) {
            Ok(ClientMsg::Hello {
                protocol,
                join_code,
                role,
                secret,
                participant_token,
                delegate_code,
                resume,
            }) => {
                if protocol != PROTOCOL_VERSION {
                    let m = format!(
                        "protocol {protocol} is not supported; this server speaks {PROTOCOL_VERSION}"
                    );
                    return refuse(outbox, ErrorCode::UnsupportedVersion, &m);
                }
                // Join codes are short: guesses are limited per address,
                // and an address out of guesses learns nothing, known code
                // or not (see `rate`).
                const GUESSING: &str = "too many unknown join codes from this address; retry later";
                if let Err(wait) = app.rates.may_guess(peer) {
                    return refuse_for(outbox, wait, GUESSING);
                }
                // Loads the room on its first use; an unknown code is
                // answered from the registry's map, without the log.
                let room = match Box::pin(app.rooms.get(&join_code)).await {
                    Ok(Some(room)) => room,
                    Ok(None) => {
                        if let Err(wait) = app.rates.missed(peer) {
                            return refuse_for(outbox, wait, GUESSING);
                        }
                        return refuse(
                            outbox,
                            ErrorCode::UnknownEvent,
                            "no event has this join code",
                        );
                    }
                    Err(err) => return unavailable(outbox, &err),
                };
                let (staff, who) = match role {
                    Role::Attendee => (None, None),
                    _ => match check_secret(&room, role, secret.as_deref()) {
                        Ok(Some(found)) => (
                            Some(StaffPass {
                                id: found.id,
                                secret_hash: found.hash,
                            }),
                            Some(found.who),
                        ),
                        Ok(None) => (None, None),
                        Err((code, message)) => return refuse(outbox, code, message),
                    },
                };
                let attendee = if role == Role::Attendee {
                    let given = crate::claim::Given {
                        token: participant_token,
                        code: delegate_code,
                    };
                    match Box::pin(crate::claim::attendee(app, &room, given, peer)).await {
                        Ok(a) => a,
                        Err(refusal) => return refused(outbox, refusal),
                    }
                } else {
                    crate::claim::Attendee::default()
                };
                let session = Session {
                    room,
                    role,
                    participant: attendee.participant.as_ref().map(|p| p.id.clone()),
                    staff,
                    delegate: attendee.delegate,
                    peer,
                };
                let welcome = ServerMsg::Welcome {
                    protocol: PROTOCOL_VERSION,
                    role,
                    join_url: app.join_url(&session.room.record.join_code),
                    participant: attendee.participant,
                    staff: who,
                    delegate: attendee.who,
                };
                return Some((session, Accepted { welcome, resume }));
            }
            // The id goes back so the client can match the refusal to its request.
            Ok(ClientMsg::Request { id, .. }) => {
                ServerMsg::error(Some(id), ErrorCode::NotJoined, "say hello first")
            }
            Ok(_) => ServerMsg::error(None, ErrorCode::NotJoined, "say hello first"),
            Err(rejected) => rejected.into_msg(),
        };
        push(outbox, frame(&refusal));
        bad += 1;
        if bad >= MAX_BAD_BEFORE_HELLO {
            return None;
        }
    }
}

/// A personal staff secret that opens this page.
pub(crate) struct StaffSecret {
    pub(crate) id: crate::queue::StaffId,
    hash: String,
    who: hoidap_protocol::StaffWho,
}

/// The refusal of a secret that is no link of the event at all.
pub(crate) const WRONG_SECRET: (ErrorCode, &str) =
    (ErrorCode::BadSecret, "wrong secret for this role");

/// Checks a panel or screen hello's secret (and the export API's chair
/// secret): a member's personal link (`Some`), or the event's shared link
/// for the role (`None`). The shared moderator link stops opening the
/// panel once the event has a named chair or moderator, so that every
/// action there has a name.
pub(crate) fn check_secret(
    room: &RoomHandle,
    role: Role,
    secret: Option<&str>,
) -> Result<Option<StaffSecret>, (ErrorCode, &'static str)> {
    const WRONG: (ErrorCode, &str) = WRONG_SECRET;
    let secret = secret.ok_or(WRONG)?;
    let hash = crate::auth::staff_secret_hash(secret);
    if let Some(found) = room.credentials.find(&hash) {
        if !found.valid {
            return Err((
                ErrorCode::Revoked,
                "this personal link was revoked or re-issued; ask the organiser for the current one",
            ));
        }
        if found.who.role.connects_as() != role {
            return Err((
                ErrorCode::BadSecret,
                "this personal link opens another page (panel or screen)",
            ));
        }
        return Ok(Some(StaffSecret {
            id: found.id,
            hash,
            who: found.who,
        }));
    }
    let record = &room.record;
    let expected = match role {
        Role::Screen => &record.screen_secret,
        _ => &record.moderator_secret,
    };
    if !secret_eq(secret, expected) {
        return Err(WRONG);
    }
    if role == Role::Moderator && room.credentials.has_panel_staff() {
        return Err((
            ErrorCode::BadSecret,
            "this event has named staff: open your personal link",
        ));
    }
    Ok(None)
}

fn refused<T>(outbox: &Outbox, refusal: crate::claim::Refusal) -> Option<T> {
    use crate::claim::Refusal;
    match refusal {
        Refusal::Refuse(ErrorCode::Moved, message) => {
            push(outbox, error(None, ErrorCode::Moved, message));
            outbox.push(&close_frame(close::MOVED, "moved"), Class::Own);
            None
        }
        Refusal::Refuse(code, message) => refuse(outbox, code, message),
        Refusal::Later(wait, message) => refuse_for(outbox, wait, message),
        Refusal::Unavailable(err) => unavailable(outbox, &err),
    }
}

/// Says why, then closes (the caller flushes both).
fn refuse<T>(outbox: &Outbox, code: ErrorCode, message: &str) -> Option<T> {
    push(outbox, error(None, code, message));
    outbox.push(&close_frame(close::REFUSED, code.as_str()), Class::Own);
    None
}

/// The event's room could not be loaded (its log does not read, or the
/// server is stopping): come back, as after a restart.
fn unavailable<T>(outbox: &Outbox, err: &crate::log::LogError) -> Option<T> {
    tracing::warn!(%err, "loading a room failed");
    let code = ErrorCode::Unavailable;
    push(
        outbox,
        error(None, code, "the event cannot be loaded; retry"),
    );
    outbox.push(&close_frame(close::RESTART, code.as_str()), Class::Own);
    None
}

/// A hello refused for now (`rate_limited`): says when to come back, then
/// closes with [`close::REFUSED`] and the code as the reason.
fn refuse_for<T>(outbox: &Outbox, wait: Duration, message: &str) -> Option<T> {
    let code = ErrorCode::RateLimited;
    push(
        outbox,
        frame(&ServerMsg::Error {
            id: None,
            code,
            message: message.to_owned(),
            retry_after_ms: Some(crate::rate::retry_ms(wait)),
        }),
    );
    outbox.push(&close_frame(close::REFUSED, code.as_str()), Class::Own);
    None
}
