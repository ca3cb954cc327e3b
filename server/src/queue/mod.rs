//! The queue state machine: pure code, the heart of an event.
//!
//! `decide(state, command)` checks a command against the state and returns the
//! one [`Event`] it produces (or a [`Rejection`] and no change); `evolve`
//! applies an event and cannot fail. The log stores events, so replaying the
//! log through `evolve` rebuilds the state exactly.
//!
//! Invariant: nothing in this module awaits, reads a clock, draws randomness
//! or touches I/O. Time and ids arrive inside commands.

mod apply;
mod state;
mod text;
pub mod view;

#[cfg(test)]
mod tests;

pub use apply::{decide, evolve};
pub use state::{Applied, FastMap, QuestionState, Quotas, REMEMBERED_REQUESTS, State};
pub use text::{TextError, clean_optional, clean_text};

use hoidap_protocol::{Action, ErrorCode, Phase, QuestionId, QuestionStatus, Role, Seq, Settings};
use serde::{Deserialize, Serialize};

/// Who issued a command: their role and, for attendees, participant id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
}

impl Actor {
    pub fn moderator() -> Self {
        Actor {
            role: Role::Moderator,
            participant: None,
        }
    }
    pub fn attendee(id: impl Into<String>) -> Self {
        Actor {
            role: Role::Attendee,
            participant: Some(id.into()),
        }
    }
}

/// A command: an action with everything `decide` needs from outside.
#[derive(Debug, Clone)]
pub struct Command {
    pub actor: Actor,
    /// Milliseconds since the Unix epoch, stamped by the room.
    pub at: u64,
    pub action: Action,
}

/// A fact that happened to an event. One log entry holds one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Always the first entry (seq 1) of an event's log.
    Created {
        title: String,
        settings: Settings,
    },
    Asked {
        id: QuestionId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        anonymous: bool,
        status: QuestionStatus,
    },
    /// The actor's participant set (up) or withdrew their vote.
    Voted {
        question: QuestionId,
        up: bool,
    },
    StatusSet {
        question: QuestionId,
        status: QuestionStatus,
        /// The status before: lets views tell "left public view" from "was
        /// never public" (attendees must not even learn the id of a
        /// question hidden while pending).
        from: QuestionStatus,
    },
    Edited {
        question: QuestionId,
        text: String,
    },
    CurrentSet {
        question: Option<QuestionId>,
    },
    SettingsSet {
        settings: Settings,
    },
    PhaseSet {
        phase: Phase,
    },
}

/// One log entry: the event with who, when and in answer to which request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: Seq,
    pub at: u64,
    pub actor: Actor,
    /// The client's request id, kept so a retried request applies once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<String>,
    pub event: Event,
}

/// Why a command was refused. Refusal changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("this role may not do that")]
    Forbidden,
    #[error("{0}")]
    Text(#[from] TextError),
    #[error("this event does not allow anonymous questions")]
    AnonymousNotAllowed,
    #[error("no such question")]
    UnknownQuestion,
    #[error("the question is {0:?}; that action does not apply")]
    InvalidTransition(QuestionStatus),
    #[error("the event is {0:?}; that action is not open now")]
    PhaseClosed(Phase),
    #[error("invalid setting: {0}")]
    BadSetting(&'static str),
    #[error(
        "you have {0} questions waiting for approval; wait until a moderator has looked at them"
    )]
    TooManyPending(u32),
    #[error("this event has reached its limit of {0} questions")]
    EventFull(u32),
}

impl Rejection {
    pub fn code(&self) -> ErrorCode {
        match self {
            Rejection::Forbidden => ErrorCode::Forbidden,
            Rejection::Text(TextError::TooLong { .. }) => ErrorCode::TooLong,
            Rejection::Text(_) => ErrorCode::InvalidText,
            Rejection::AnonymousNotAllowed => ErrorCode::AnonymousNotAllowed,
            Rejection::UnknownQuestion => ErrorCode::UnknownQuestion,
            Rejection::InvalidTransition(_) => ErrorCode::InvalidTransition,
            Rejection::PhaseClosed(_) => ErrorCode::PhaseClosed,
            Rejection::BadSetting(_) => ErrorCode::BadMessage,
            Rejection::TooManyPending(_) | Rejection::EventFull(_) => ErrorCode::QuotaExceeded,
        }
    }
}

/// Limits on the optional asker fields (characters).
pub const MAX_NAME: usize = 80;
pub const MAX_UNIT: usize = 120;
/// Upper bound a moderator may set for `max_length`.
pub const MAX_LENGTH_CEILING: u32 = 2000;
