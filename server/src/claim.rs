//! Whom an attendee's hello speaks for: a participant of an open event, a
//! roster delegate (by the card's code, or a token from an earlier claim),
//! or, in a roster event without a card, a guest who watches only.
//!
//! In a roster event no hello mints an identity: a vote needs a delegate,
//! and a delegate needs the code printed on their card. Codes are guessed
//! against the same per-address budget as join codes (`rate`).

use crate::http::App;
use crate::log::LogError;
use crate::queue::Event;
use crate::room::{AdminRefusal, DelegatePass, RoomHandle, RoomMsg};
use hoidap_protocol::{DelegateWho, ErrorCode, Participant};
use std::time::Duration;
use tokio::sync::oneshot;

/// What the hello brought.
pub struct Given {
    pub token: Option<String>,
    pub code: Option<String>,
}

/// Who the connection is; all `None`: a guest of a roster event.
#[derive(Default)]
pub struct Attendee {
    pub participant: Option<Participant>,
    pub delegate: Option<DelegatePass>,
    pub who: Option<DelegateWho>,
}

/// Why the hello is refused.
pub enum Refusal {
    /// For good (closes 4000, or 4004 for `Moved`).
    Refuse(ErrorCode, &'static str),
    /// For now: out of guesses or of new identities.
    Later(Duration, &'static str),
    Unavailable(LogError),
}

const GUESSING: &str = "too many unknown codes from this address; retry later";

pub async fn attendee(
    app: &App,
    room: &RoomHandle,
    given: Given,
    peer: std::net::IpAddr,
) -> Result<Attendee, Refusal> {
    let event = room.record.id;
    let token = given.token.as_deref();
    let delegate_token = token.and_then(|t| app.keys.verify_delegate(event, t));
    let current = |id, device| match room.cards.holder(id) {
        Some((held, who)) if held == device => Some(who),
        _ => None,
    };
    // The card scanned again on the device that holds it: nothing moves
    // (its other tabs stay, the log gets no entry).
    let rescan = match (delegate_token, given.code.as_deref()) {
        (Some((id, device)), Some(code)) if room.cards.find(code) == Some(id) => {
            current(id, device).map(|who| (id, device, who))
        }
        _ => None,
    };
    if let Some((id, device, who)) = rescan {
        return Ok(delegate(
            id,
            device,
            token.unwrap_or_default().to_owned(),
            who,
        ));
    }
    match (delegate_token, given.code) {
        // Otherwise a card's code wins over a token: it is a new claim.
        (_, Some(code)) => claim(app, room, &code, peer).await,
        (Some((id, device)), None) => match room.cards.holder(id) {
            Some((current, who)) if current == device => Ok(delegate(
                id,
                device,
                token.unwrap_or_default().to_owned(),
                who,
            )),
            _ => Err(Refusal::Refuse(
                ErrorCode::Moved,
                "this delegate's card was used on another device, or its code was reset",
            )),
        },
        // No card: the hall's screen, a visitor, or a delegate about to
        // type their code. They watch; nothing is minted.
        (None, None) if room.cards.roster() => Ok(Attendee::default()),
        (None, None) => participant(app, token, peer),
    }
}

/// A device of an open event: the participant its token names, or a new
/// one (each is a vote on every question, so one address mints only so
/// many).
fn participant(
    app: &App,
    token: Option<&str>,
    peer: std::net::IpAddr,
) -> Result<Attendee, Refusal> {
    let participant = match token.and_then(|t| Some((app.keys.verify_participant(t)?, t))) {
        Some((id, token)) => Participant {
            id,
            token: token.to_owned(),
        },
        None => {
            if let Err(wait) = app.rates.new_identity(peer) {
                let m = "too many new participants from this address; retry later";
                return Err(Refusal::Later(wait, m));
            }
            let (id, token) = app.keys.issue_participant();
            Participant { id, token }
        }
    };
    Ok(Attendee {
        participant: Some(participant),
        ..Attendee::default()
    })
}

/// The card's code typed or scanned: this device becomes the delegate's.
async fn claim(
    app: &App,
    room: &RoomHandle,
    code: &str,
    peer: std::net::IpAddr,
) -> Result<Attendee, Refusal> {
    app.rates
        .may_guess(peer)
        .map_err(|w| Refusal::Later(w, GUESSING))?;
    let Some(id) = room.cards.find(code) else {
        app.rates
            .missed(peer)
            .map_err(|w| Refusal::Later(w, GUESSING))?;
        return Err(Refusal::Refuse(
            ErrorCode::UnknownCode,
            "no delegate of this event has this code; check the card",
        ));
    };
    let (reply, answer) = oneshot::channel();
    let gone = || Refusal::Unavailable(LogError::Closed);
    room.send(RoomMsg::Claim { id, reply })
        .await
        .map_err(|_| gone())?;
    let entry = match answer.await {
        Ok(Ok(Some(entry))) => entry,
        Ok(Err(AdminRefusal::Rejected(_))) => {
            return Err(Refusal::Refuse(
                ErrorCode::UnknownCode,
                "no delegate of this event has this code; check the card",
            ));
        }
        _ => return Err(gone()),
    };
    let Event::DelegateClaimed { device, .. } = entry.event else {
        return Err(gone());
    };
    // The room updated its cards before answering.
    let who = room.cards.holder(id).map(|(_, who)| who).ok_or_else(gone)?;
    let token = app.keys.delegate_token(room.record.id, id, device);
    Ok(delegate(id, device, token, who))
}

fn delegate(
    id: crate::queue::DelegateId,
    device: u32,
    token: String,
    who: DelegateWho,
) -> Attendee {
    Attendee {
        participant: Some(Participant {
            id: id.to_string(),
            token,
        }),
        delegate: Some(DelegatePass { id, device }),
        who: Some(who),
    }
}
