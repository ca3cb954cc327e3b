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
pub mod due;
mod followup;
mod format;
mod ids;
mod people;
pub mod person;
pub mod privacy;
mod roster;
mod state;
mod text;
pub mod view;

#[cfg(test)]
mod tests;

pub use apply::{decide, evolve};
pub use followup::{
    AnswerState, Follow, MAX_ANSWER, MAX_AUTHORITY, MAX_REASON, MAX_TOPIC, Signer, StepState,
    Target, TopicRecord,
};
pub use format::ENTRY_VERSION;
pub use ids::{DelegateId, StaffId};
pub use people::{AdminAction, Powers, Principal, StaffMember, export_roles};
pub use roster::{Delegate, DelegateRecord, MAX_DELEGATES, MAX_POSITION, NewDelegate};
pub use state::{Applied, FastMap, QuestionState, Quotas, REMEMBERED_REQUESTS, State};
pub use text::{TextError, clean_optional, clean_text};

use hoidap_protocol::{
    Action, ErrorCode, Identity, Phase, QuestionId, QuestionStatus, Seq, Settings, StaffRole,
};
use serde::{Deserialize, Serialize};

/// A command: an action with everything `decide` needs from outside.
#[derive(Debug, Clone)]
pub struct Command {
    pub by: Principal,
    /// Milliseconds since the Unix epoch, stamped by the room.
    pub at: u64,
    pub op: Op,
}

/// What a command asks: a client's request, or the organiser's.
#[derive(Debug, Clone)]
pub enum Op {
    Client(Action),
    Admin(AdminAction),
    /// A delegate's card used on a device (the room checked the code; the
    /// command's principal is the delegate).
    Claim,
    /// An export of the event's questions or audit trail in `format` (one
    /// of [`EXPORT_FORMATS`]): the organiser's, the chair's, or a role's
    /// the organiser allowed (`Settings::export_roles`).
    Export {
        format: String,
    },
    /// Detaching identities (`privacy`): the organiser's, with the stored
    /// entries the room read at `privacy::targets(state, scope).seqs`.
    Detach {
        scope: privacy::Scope,
        reason: privacy::DetachReason,
        stored: Vec<privacy::StoredEntry>,
    },
}

/// The formats an event may be exported in (see `crate::export`): its
/// questions (`csv`, `xlsx`, `json`) or its audit trail (`audit_csv`,
/// `audit_json`, `export::audit`).
pub const EXPORT_FORMATS: [&str; 5] = ["csv", "xlsx", "json", "audit_csv", "audit_json"];
/// The `format` of an export of one person's data (`person`): the
/// organiser's alone.
pub const PERSON_FORMAT: &str = "person";

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
        /// Hidden from the hall (v1's only kind of anonymity).
        anonymous: bool,
        /// Absent in v1 entries: `Identity::from_legacy(anonymous)`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<Identity>,
        status: QuestionStatus,
        /// The asker's choice (`Settings::asker_routes`), or none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<u32>,
        /// The official addressed, or the topic's default official.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        official: Option<StaffId>,
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
    /// The organiser renamed the event.
    TitleSet {
        title: String,
    },
    /// The organiser named a staff member. Only the secret's hash is kept.
    StaffAdded {
        id: StaffId,
        name: String,
        role: StaffRole,
        secret_hash: String,
    },
    /// Renamed and/or given another role (only what changed is present).
    StaffChanged {
        id: StaffId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<StaffRole>,
    },
    /// The member's link stops working; their connections close.
    StaffRevoked {
        id: StaffId,
    },
    /// A new personal link replaces the old one (and re-activates).
    StaffReissued {
        id: StaffId,
        secret_hash: String,
    },
    /// Delegates imported by the organiser, in one entry: an import is all
    /// or nothing, in the log too.
    DelegatesAdded {
        delegates: Vec<DelegateRecord>,
    },
    /// The delegate's card was used on a device: this is their `device`th
    /// claim, and only its device speaks for them now.
    DelegateClaimed {
        id: DelegateId,
        device: u32,
    },
    /// The organiser gave the card a new code (the `code`th): the old one
    /// and every device that held it stop working.
    DelegateReset {
        id: DelegateId,
        code: u32,
    },
    /// The event's topics, in order (ids of removed topics are not reused).
    TopicsSet {
        topics: Vec<TopicRecord>,
    },
    /// The question's topic and official after the move (the entry's
    /// `by` and `at` say who and when).
    Routed {
        question: QuestionId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        official: Option<StaffId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// To be answered in writing by `official` by `due` (`YYYY-MM-DD`,
    /// working days counted when it was decided).
    InWriting {
        question: QuestionId,
        official: StaffId,
        due: String,
        from: QuestionStatus,
    },
    DueExtended {
        question: QuestionId,
        due: String,
        reason: String,
    },
    Forwarded {
        question: QuestionId,
        authority: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        from: QuestionStatus,
    },
    /// A draft written or rewritten (the `answer`th of the question).
    AnswerDrafted {
        question: QuestionId,
        answer: u32,
        text: String,
        signer: Signer,
    },
    AnswerPublished {
        question: QuestionId,
        answer: u32,
        from: QuestionStatus,
    },
    NotSatisfied {
        question: QuestionId,
        reason: String,
        from: QuestionStatus,
    },
    /// `question` repeats `into`: its voters count there (distinct).
    Merged {
        question: QuestionId,
        into: QuestionId,
    },
    Unmerged {
        question: QuestionId,
        from: QuestionId,
    },
    /// The questions were exported in `format` (the entry's `by` and `at`
    /// say who and when). Changes nothing: an export is on the record
    /// because it carries the askers' names out of the server.
    Exported {
        format: String,
    },
    /// Askers' names and units were removed from these questions, and
    /// these delegates' records were emptied: the entries listed were
    /// rewritten without them, in the same transaction, each with the
    /// chain hash it keeps and the hash of its new bytes (`privacy`).
    /// Names no one: not even who asked for it.
    Detached {
        reason: privacy::DetachReason,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        questions: Vec<QuestionId>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        delegates: Vec<DelegateId>,
        redacted: Vec<privacy::Redacted>,
    },
}

impl Event {
    /// A change to who is on the staff.
    pub fn is_staff(&self) -> bool {
        matches!(
            self,
            Event::StaffAdded { .. }
                | Event::StaffChanged { .. }
                | Event::StaffRevoked { .. }
                | Event::StaffReissued { .. }
        )
    }

    /// The questions whose own view (and asker's `mine`) this changes.
    pub fn questions(&self) -> Vec<QuestionId> {
        match self {
            Event::StatusSet { question, .. }
            | Event::Edited { question, .. }
            | Event::Routed { question, .. }
            | Event::InWriting { question, .. }
            | Event::DueExtended { question, .. }
            | Event::Forwarded { question, .. }
            | Event::AnswerDrafted { question, .. }
            | Event::AnswerPublished { question, .. }
            | Event::NotSatisfied { question, .. } => vec![*question],
            Event::Detached { questions, .. } => questions.clone(),
            Event::Merged {
                question,
                into: other,
            }
            | Event::Unmerged {
                question,
                from: other,
            } => {
                vec![*question, *other]
            }
            _ => Vec::new(),
        }
    }

    /// A change to the roster or to who holds a card.
    pub fn is_roster(&self) -> bool {
        matches!(
            self,
            Event::DelegatesAdded { .. }
                | Event::DelegateClaimed { .. }
                | Event::DelegateReset { .. }
        )
    }
}

/// One log entry: the event with who, when and in answer to which request.
/// Stored as JSON in the form `format` describes (versioned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: Seq,
    pub at: u64,
    /// Who caused it.
    pub by: Principal,
    /// The client's request id, kept so a retried request applies once.
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
    #[error("this event does not allow that choice of who sees the asker")]
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
    #[error("no staff member has this id")]
    UnknownStaff,
    #[error("this event has a roster: asking and voting need your delegate code")]
    CodeRequired,
    #[error("no delegate has this id")]
    UnknownDelegate,
    #[error("the roster would exceed {0} delegates")]
    RosterFull(usize),
    /// Rows (0-based, in the import) naming someone already on the roster.
    #[error("{} delegate(s) already on the roster; nothing was imported", .0.len())]
    AlreadyOnRoster(Vec<(usize, DelegateId)>),
    #[error("no active official has this staff id")]
    UnknownOfficial,
    #[error("the event has no topic with this id")]
    UnknownTopic,
    #[error("the question has no official to answer it: assign one first")]
    NoOfficial,
    #[error("the question was merged into another; act on that one, or unmerge it")]
    Merged,
    #[error("the question has no answer with this id")]
    UnknownAnswer,
    #[error("this answer is published; write a new one")]
    AnswerPublished,
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
            Rejection::UnknownStaff | Rejection::UnknownDelegate => ErrorCode::BadMessage,
            Rejection::CodeRequired => ErrorCode::CodeRequired,
            Rejection::RosterFull(_) | Rejection::AlreadyOnRoster(_) => ErrorCode::BadMessage,
            Rejection::UnknownOfficial | Rejection::NoOfficial => ErrorCode::UnknownOfficial,
            Rejection::UnknownTopic => ErrorCode::UnknownTopic,
            Rejection::Merged | Rejection::AnswerPublished => ErrorCode::InvalidTransition,
            Rejection::UnknownAnswer => ErrorCode::BadMessage,
        }
    }
}

/// An event's title (characters).
pub const MAX_TITLE: usize = 200;
/// Limits on the optional asker fields (characters).
pub const MAX_NAME: usize = 80;
pub const MAX_UNIT: usize = 120;
/// Upper bound a moderator may set for `max_length`.
pub const MAX_LENGTH_CEILING: u32 = 2000;
