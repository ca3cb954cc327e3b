//! The hoidap wire protocol: every message a client and the server exchange
//! over the WebSocket at `/ws`, as JSON text frames.
//!
//! Conventions (see `docs/protocol.md` for the prose version):
//! - every message is a JSON object whose `type` field names its kind
//!   (internally tagged enums, snake_case, struct variants only: a newtype
//!   variant around a non-struct would fail at runtime);
//! - the first client message is [`ClientMsg::Hello`] carrying
//!   [`PROTOCOL_VERSION`]; browsers cannot set headers on `new WebSocket`;
//! - integers that reach JavaScript stay below 2^53, so they are declared as
//!   `number` in the generated TypeScript;
//! - errors carry a stable machine-readable [`ErrorCode`] and an English
//!   message for logs; clients translate by code.

use serde::{Deserialize, Serialize};

mod decode;
mod followup;
#[cfg(feature = "ts")]
pub mod ts;

pub use followup::{Answer, FollowUp, Official, ScreenSettings, Step, StepKind, Topic, TopicInput};

pub use decode::{
    CLIENT_TYPES, MAX_REQUEST_ID, Rejected, classify_parse_error, decode_client, valid_request_id,
};

/// Bumped on any change a client of the previous version could not handle.
pub const PROTOCOL_VERSION: u32 = 1;

/// Question ids are small integers, unique within one event, starting at 1.
pub type QuestionId = u64;
/// Position in an event's log: the number of log entries applied so far.
pub type Seq = u64;

/// Which page a connection is: an attendee's phone, the panel
/// (`moderator`: moderators, the chair, observers…) or a screen. Chosen in
/// the hello; proven by the secret for `moderator` and `screen`. What a
/// panel connection may do depends on whose secret it is (`StaffRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Attendee,
    Moderator,
    Screen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    /// Waiting for moderator approval; only moderators (and the asker) see it.
    Pending,
    /// Visible to everyone and open for votes.
    Live,
    /// Answered in the meeting; still visible, no longer open for votes.
    Answered,
    /// Removed from public view by a moderator; only moderators see it.
    Hidden,
    /// To be answered in writing by its official, by its `due` date.
    InWriting,
    /// Forwarded to a named outside authority (`authority`).
    Forwarded,
    /// A written answer was published (`answers`).
    AnsweredInWriting,
    /// Its asker (or the chair for them) was not satisfied with the
    /// answer: back with its official, to answer again.
    NotSatisfied,
}

impl QuestionStatus {
    /// Pending and hidden questions are the panel's (and their asker's)
    /// alone; every other status is public.
    pub fn is_public(self) -> bool {
        !matches!(self, QuestionStatus::Pending | QuestionStatus::Hidden)
    }
}

/// What attendees may do right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Asking and voting.
    #[default]
    Open,
    /// Voting only: no new questions.
    VotingOnly,
    /// Neither asking nor voting.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    /// New questions wait for approval before attendees see them.
    pub pre_moderation: bool,
    /// Attendees may ask without their name and unit being shown publicly.
    pub allow_anonymous: bool,
    /// Maximum question length in Unicode scalar values (characters, not bytes).
    pub max_length: u32,
    /// What askers may choose to show of themselves, in this order
    /// (`Identity`). Absent in logs written before the levels existed: the
    /// server fills it in from `allow_anonymous` (`named`, and
    /// `hidden_from_hall` when anonymous questions were allowed), so every
    /// settings it sends has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub identities: Option<Vec<Identity>>,
    /// Only the chair (and the event's shared moderator link) may choose
    /// the current question; moderators prepare the queue. Absent in logs
    /// written before staff existed: false.
    #[serde(default)]
    pub chair_sets_current: bool,
    /// Roster mode: only delegates on the organiser's roster, each through
    /// their personal code, may ask and vote (one vote per delegate). Set
    /// by the organiser only. Absent in older logs: false (open event).
    #[serde(default)]
    pub roster: bool,
    /// The asker picks a topic and the official the question is addressed
    /// to ("Kính gửi"). Absent in older logs: false.
    #[serde(default)]
    pub asker_routes: bool,
    /// What the projector shows. Absent in older logs: the up-next list
    /// and vote counts, no routing line, not blank.
    #[serde(default)]
    pub screen: ScreenSettings,
    /// Days the askers' names and units are kept after the follow-up
    /// period (the event closed, and its latest due date passed); then
    /// they are detached from the questions. Absent: kept until the
    /// organiser detaches them. Set by the organiser only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub retention_days: Option<u32>,
    /// Staff roles that may export the event besides the organiser and
    /// the chair (moderator, official, clerk, observer; a screen never).
    /// Set by the organiser only. Absent in older logs: none.
    #[serde(default)]
    pub export_roles: Vec<StaffRole>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pre_moderation: true,
            allow_anonymous: true,
            max_length: 500,
            identities: Some(vec![Identity::Named, Identity::HiddenFromHall]),
            chair_sets_current: false,
            roster: false,
            asker_routes: false,
            screen: ScreenSettings::default(),
            retention_days: None,
            export_roles: Vec::new(),
        }
    }
}

impl Settings {
    /// The identity levels askers may choose (also for settings read from
    /// an old log, which only had `allow_anonymous`).
    pub fn identities(&self) -> Vec<Identity> {
        match &self.identities {
            Some(levels) => levels.clone(),
            None if self.allow_anonymous => vec![Identity::Named, Identity::HiddenFromHall],
            None => vec![Identity::Named],
        }
    }
}

/// Who sees who asked a question: the asker's choice among the levels the
/// event allows. Stated to the asker in words before they send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// Name and unit shown to everyone: the hall, the screen, the panel.
    Named,
    /// Only the unit is shown, to everyone; the name is not kept.
    UnitOnly,
    /// The panel sees name and unit; the phones and the screen do not.
    HiddenFromHall,
    /// Nobody sees who asked, staff included: name and unit are not kept,
    /// and no view or export links the question to its asker.
    Anonymous,
}

impl Identity {
    /// How questions asked before the levels existed read: `anonymous`
    /// meant hidden from the hall (the panel saw the name).
    pub fn from_legacy(anonymous: bool) -> Identity {
        if anonymous {
            Identity::HiddenFromHall
        } else {
            Identity::Named
        }
    }

    /// Whether the hall (phones, screen) sees no name.
    pub fn hides_name_from_hall(self) -> bool {
        self != Identity::Named
    }
}

/// What a named staff member of an event does. Every staff member has a
/// personal link; the role decides what their connection may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Presides: everything a moderator does, and the only one who may set
    /// the current question when `Settings::chair_sets_current` is on.
    Chair,
    /// Approves, hides, edits, restores, marks answered, sets the current
    /// question (unless the chair alone may).
    Moderator,
    /// Drives a projector: the public view, no actions.
    Screen,
    /// Watches the panel's view (e.g. the organisation board); no actions.
    Observer,
    /// An official who answers questions (follow-up work); panel view.
    Official,
    /// Writes written answers (follow-up work); panel view.
    Clerk,
}

impl StaffRole {
    /// The page a staff member's link opens: the screen, or the panel.
    pub fn connects_as(self) -> Role {
        match self {
            StaffRole::Screen => Role::Screen,
            _ => Role::Moderator,
        }
    }
}

/// A named staff member, as their own connection learns it in `welcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffWho {
    /// Stable within the event, e.g. `s3`.
    pub id: String,
    pub name: String,
    pub role: StaffRole,
}

/// A staff member in `presence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffPresence {
    pub id: String,
    pub name: String,
    pub role: StaffRole,
    /// Open connections through their personal link.
    pub connections: u32,
}

/// Connections through the shared links in `presence`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkPresence {
    /// Panel connections through the shared moderator link.
    pub moderator: u32,
    /// Screen connections through the shared screen link.
    pub screen: u32,
}

/// The delegates of a roster event in `presence`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterPresence {
    /// Delegates whose personal code was claimed on a device.
    pub claimed: u32,
    /// Delegates connected now.
    pub present: u32,
    /// Delegates on the roster.
    pub total: u32,
}

/// A delegate on the event's roster, as their own device learns it in
/// `welcome` once their code is claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DelegateWho {
    /// Stable within the event, e.g. `d12`.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub position: Option<String>,
}

/// A question as one audience sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Question {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: QuestionId,
    /// Current text, NFC-normalised.
    pub text: String,
    /// Asker's name; always absent for attendees and the screen when the
    /// question is anonymous.
    pub name: Option<String>,
    /// Asker's unit (đơn vị); same rule as `name`.
    pub unit: Option<String>,
    /// True when the hall does not see who asked (`hidden_from_hall` or
    /// `anonymous`); kept for clients older than `identity`.
    pub anonymous: bool,
    /// What the asker chose to show (see `Identity`).
    pub identity: Identity,
    pub status: QuestionStatus,
    pub votes: u32,
    /// Milliseconds since the Unix epoch, UTC, as stamped by the server.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created_at: u64,
    /// Moderators only: the text as first asked, when it has been edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub original_text: Option<String>,
    /// Moderators only: the asker's participant id (also for anonymous ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub asker: Option<String>,
    /// Moderators only, from 10 votes: the percentage of the votes cast by
    /// participants first seen from one source address (the most common
    /// one). Expected high for a hall behind one NAT; otherwise a sign of
    /// one device voting under many identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub votes_top_source_share: Option<u8>,
    /// Topic, routing, answers, merges (see `FollowUp`).
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub follow: FollowUp,
}

/// The whole state of an event as one audience sees it, at log position `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Snapshot {
    /// Identity of the event's log; changes if the log is recreated.
    pub epoch: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: Seq,
    pub title: String,
    pub join_code: String,
    pub settings: Settings,
    pub phase: Phase,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub current: Option<QuestionId>,
    /// Every question this audience may see, in ranking order (most votes
    /// first, older first on ties).
    pub questions: Vec<Question>,
    /// The event's topics, in the panel's order.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// The officials questions may be addressed to.
    #[serde(default)]
    pub officials: Vec<Official>,
}

/// One change inside a [`ServerMsg::Delta`]. Apply in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
// Most changes are questions: boxing them would cost an allocation each
// for the few that are not.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    /// Insert or replace this question (matched by id).
    Question {
        question: Question,
    },
    /// This question is no longer visible to this audience.
    Removed {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        id: QuestionId,
    },
    /// New vote counts; questions not listed keep theirs.
    Votes {
        counts: Vec<VoteCount>,
    },
    /// The question being answered now, or none.
    Current {
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        question: Option<QuestionId>,
    },
    Settings {
        settings: Settings,
    },
    Phase {
        phase: Phase,
    },
    /// The organiser renamed the event.
    Title {
        title: String,
    },
    /// The event's topics changed: replace them.
    Topics {
        topics: Vec<Topic>,
    },
    /// The officials changed (added, renamed, revoked): replace them.
    Officials {
        officials: Vec<Official>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoteCount {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: QuestionId,
    pub votes: u32,
    /// Moderators only: as `Question::votes_top_source_share`, for the new
    /// count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub votes_top_source_share: Option<u8>,
}

/// Where a reconnecting client left off (sent in the hello).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResumeFrom {
    pub epoch: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: Seq,
}

/// Reads an optional value, treating anything malformed as absent.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// Messages from a client to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Must be the first message on a connection.
    Hello {
        protocol: u32,
        /// The event's public join code (case-insensitive).
        join_code: String,
        role: Role,
        /// Moderator or screen secret; absent for attendees.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        secret: Option<String>,
        /// Attendees: the participant token from an earlier `welcome`, kept on
        /// the device. Absent or invalid: a new participant is issued.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        participant_token: Option<String>,
        /// Attendees of a roster event: the personal code on the delegate's
        /// card (typed, or from the card's QR link `#d=CODE`), case and
        /// dashes ignored. Claims the delegate for this device; a device
        /// that held it before is told (`moved`). Later hellos send the
        /// token from `welcome` instead.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        delegate_code: Option<String>,
        /// Reconnecting: the last position applied. A malformed value is
        /// read as absent (the client then gets a fresh snapshot) rather
        /// than refusing the hello: a device must always be able to rejoin.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "lenient"
        )]
        #[cfg_attr(feature = "ts", ts(optional))]
        resume: Option<ResumeFrom>,
    },
    /// An action, acknowledged by `ack` or answered by `error` with the same id.
    Request {
        /// Chosen by the client, unique per participant (e.g. a UUID); at
        /// most 64 characters.
        id: String,
        action: Action,
    },
    /// Application-level heartbeat; answered by `pong`.
    Ping {},
}

/// What a request asks the event to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Attendee: ask a question.
    Ask {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        unit: Option<String>,
        /// Legacy: `true` reads as `identity: hidden_from_hall`, `false`
        /// as `named`; ignored when `identity` is present.
        #[serde(default)]
        anonymous: bool,
        /// One of the event's `settings.identities`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        identity: Option<Identity>,
        /// With `settings.asker_routes`: a topic id (else ignored).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        topic: Option<u32>,
        /// With `settings.asker_routes`: the official addressed ("Kính
        /// gửi"), a staff id of `officials` (else ignored).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        official: Option<String>,
    },
    /// Attendee: set (true) or withdraw (false) this participant's vote.
    /// Setting what is already set is accepted and changes nothing.
    Vote {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        up: bool,
    },
    /// Moderator: pending → live.
    Approve {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
    },
    /// Moderator: pending/live/answered → hidden.
    Hide {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
    },
    /// Moderator: hidden → live.
    Restore {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
    },
    /// Moderator: live → answered.
    MarkAnswered {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
    },
    /// Moderator: answered → live.
    Reopen {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
    },
    /// Moderator: the question being answered now (must be live).
    SetCurrent {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
    },
    /// Moderator: nothing is being answered now.
    ClearCurrent {},
    /// Moderator: correct the text; the first original is kept.
    Edit {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        text: String,
    },
    /// Moderator: change settings; absent fields keep their value.
    UpdateSettings {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pre_moderation: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        allow_anonymous: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        max_length: Option<u32>,
        /// The identity levels askers may choose (at least one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        identities: Option<Vec<Identity>>,
        /// Only the chair may change it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        chair_sets_current: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        asker_routes: Option<bool>,
    },
    /// Moderator: open / voting only / closed.
    SetPhase { phase: Phase },
    /// Moderator: the event's topics, in order. A topic without `id` is
    /// new; a topic left out is removed (its questions lose the topic).
    SetTopics { topics: Vec<TopicInput> },
    /// Moderator: give the question a topic (`null`: none) and/or assign
    /// it to an official; kept in its history with who, when and `reason`.
    Route {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        /// Absent: unchanged; `null`: no topic.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "double_option"
        )]
        #[cfg_attr(feature = "ts", ts(optional, type = "number | null"))]
        topic: Option<Option<u32>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        official: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        reason: Option<String>,
    },
    /// Moderator: to be answered in writing by its official (or `official`)
    /// within `working_days` (1–60) from today.
    AnswerInWriting {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        working_days: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        official: Option<String>,
    },
    /// Moderator: move the due date `working_days` later, for `reason`.
    ExtendDue {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        working_days: u32,
        reason: String,
    },
    /// Moderator: forward to a named outside authority.
    Forward {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        authority: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        reason: Option<String>,
    },
    /// The question's official, a clerk or the chair: write a draft answer
    /// (`answer`: replace that draft).
    DraftAnswer {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        answer: Option<u32>,
    },
    /// The question's official or the chair: publish a draft.
    PublishAnswer {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        answer: u32,
    },
    /// The asker, or the chair on their behalf: not satisfied with the
    /// answer; back to its official.
    NotSatisfied {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        reason: String,
    },
    /// Moderator: `question` repeats `into`; its votes count there.
    Merge {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        into: QuestionId,
    },
    /// Moderator: undo the merge of `question`.
    Unmerge {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        question: QuestionId,
    },
    /// The chair (moderators too unless `chair_sets_current`): what the
    /// projector shows; absent fields keep their value.
    SetScreen {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        up_next: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        votes: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        routing: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        blank: Option<bool>,
    },
}

/// `Option<Option<T>>` that tells an absent field (`None`) from `null`
/// (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_ref().unwrap_or(&None).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// The participant identity issued to an attendee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Participant {
    pub id: String,
    /// Keep on the device and send in later hellos.
    pub token: String,
}

/// Messages from the server to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// Answer to a valid hello. Followed by `snapshot` (and for attendees `mine`).
    Welcome {
        protocol: u32,
        role: Role,
        /// The attendee link to show and share (the QR code's target), as
        /// the organiser configured it: the address phones in the hall use.
        join_url: String,
        /// Attendees only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        participant: Option<Participant>,
        /// A named staff member's connection (a personal link): who they
        /// are and what they may do. Absent for the shared links.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        staff: Option<StaffWho>,
        /// A roster delegate's device: who the card belongs to (their name
        /// and unit are the roster's, not typed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        delegate: Option<DelegateWho>,
    },
    /// The full state for this audience; replaces anything held before.
    Snapshot {
        snapshot: Snapshot,
    },
    /// Attendees: this participant's own votes and questions (including ones
    /// still pending or hidden, which the public queue does not show).
    Mine {
        #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
        votes: Vec<QuestionId>,
        questions: Vec<Question>,
    },
    /// Changes for log positions `prev+1 ..= seq`. Apply only when `prev`
    /// equals the position held; otherwise reconnect with `resume` or wait for
    /// a snapshot.
    Delta {
        epoch: String,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        prev: Seq,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        seq: Seq,
        changes: Vec<Change>,
    },
    /// The request with this id was durably applied at log position `seq`.
    Ack {
        id: String,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        seq: Seq,
        /// For `ask`: the new question, as the asker sees it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        question: Option<Question>,
    },
    /// A request (when `id` is set) or a message was refused. Nothing changed.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        id: Option<String>,
        code: ErrorCode,
        message: String,
        /// With `rate_limited`: how long to wait before retrying (the same
        /// request, with the same id), in milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
        retry_after_ms: Option<u64>,
    },
    /// The panel only (never attendees or screens): who is connected.
    /// Sent after the join and, coalesced, whenever it changes.
    Presence {
        /// Open attendee connections (devices).
        attendees: u32,
        /// Distinct participants among them (a phone with two tabs is one).
        #[serde(default)]
        participants: u32,
        /// Open panel connections, every staff role and the shared link.
        moderators: u32,
        /// Open screen connections: the shared screen link and staff with
        /// the role `screen`. 0: nothing is on the projector.
        screens: u32,
        /// Every active staff member, by id, with their open connections
        /// (0: not connected).
        #[serde(default)]
        staff: Vec<StaffPresence>,
        /// Connections through the shared per-role links.
        #[serde(default)]
        links: LinkPresence,
        /// Roster events: the delegates. `null` for open events.
        #[serde(default)]
        roster: Option<RosterPresence>,
    },
    Pong {},
}

impl ServerMsg {
    /// An `error` without a retry hint.
    pub fn error(id: Option<String>, code: ErrorCode, message: impl Into<String>) -> ServerMsg {
        ServerMsg::Error {
            id,
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }
}

/// Stable error codes. New codes may be added; clients treat unknown codes
/// as a generic failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON, or not a JSON object with a string `type`.
    BadJson,
    /// The `type` is not one this server knows.
    UnknownType,
    /// Known `type`, but fields are missing or of the wrong kind.
    BadMessage,
    /// The hello's protocol version is not supported; the connection closes.
    UnsupportedVersion,
    /// A request came before a successful hello.
    NotJoined,
    /// A second hello on the same connection.
    AlreadyJoined,
    /// No event has this join code.
    UnknownEvent,
    /// The moderator or screen secret is wrong.
    BadSecret,
    /// This role may not perform this action.
    Forbidden,
    /// Empty text, or text with control or bidirectional-override characters.
    InvalidText,
    /// Text longer than the event's limit (counted in characters).
    TooLong,
    /// The event does not allow this identity level (e.g. anonymous
    /// questions).
    AnonymousNotAllowed,
    /// No question has this id (or this audience may not see it).
    UnknownQuestion,
    /// The question's status does not allow this action.
    InvalidTransition,
    /// The event's phase does not allow this action now.
    PhaseClosed,
    /// The request id is empty or longer than 64 characters.
    BadRequestId,
    /// The server could not store the request; nothing was applied. Retry.
    Unavailable,
    /// Too many requests (or new identities, or guesses) from this
    /// participant or address; nothing was applied. Retry after
    /// `retry_after_ms`, with the same id.
    RateLimited,
    /// A quota was reached (unapproved questions per participant, questions
    /// per event); nothing was applied. Not worth retrying soon: it frees
    /// up only when a moderator acts.
    QuotaExceeded,
    /// This personal staff link was revoked or re-issued; ask the organiser
    /// for the new one. The connection closes (4003).
    Revoked,
    /// A roster event: asking and voting need a delegate's personal code
    /// (`delegate_code` in the hello). Watching needs nothing.
    CodeRequired,
    /// No delegate of this event has this code (guesses are rate
    /// limited per address); the connection closes (4000).
    UnknownCode,
    /// This delegate's card was claimed on another device, or the
    /// organiser reset its code: this device no longer speaks for the
    /// delegate. The connection closes (4004); do not reconnect with the
    /// same token.
    Moved,
    /// No active official has this staff id.
    UnknownOfficial,
    /// The event has no topic with this id.
    UnknownTopic,
    /// Catch-all for codes added later; never sent by this version.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadJson => "bad_json",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::BadMessage => "bad_message",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::NotJoined => "not_joined",
            ErrorCode::AlreadyJoined => "already_joined",
            ErrorCode::UnknownEvent => "unknown_event",
            ErrorCode::BadSecret => "bad_secret",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InvalidText => "invalid_text",
            ErrorCode::TooLong => "too_long",
            ErrorCode::AnonymousNotAllowed => "anonymous_not_allowed",
            ErrorCode::UnknownQuestion => "unknown_question",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::PhaseClosed => "phase_closed",
            ErrorCode::BadRequestId => "bad_request_id",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::Revoked => "revoked",
            ErrorCode::CodeRequired => "code_required",
            ErrorCode::UnknownCode => "unknown_code",
            ErrorCode::Moved => "moved",
            ErrorCode::UnknownOfficial => "unknown_official",
            ErrorCode::UnknownTopic => "unknown_topic",
            ErrorCode::Unknown => "unknown",
        }
    }
}

/// WebSocket close codes the server uses (4000–4999 is the application range).
pub mod close {
    /// RFC 6455 §7.4.1: a normal close (echoed when the client's close had no code).
    pub const NORMAL: u16 = 1000;
    /// RFC 6455: the peer broke the protocol (bad framing, unmasked frame…).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// RFC 6455: a text frame that is not valid UTF-8.
    pub const INVALID_DATA: u16 = 1007;
    /// RFC 6455: a message over the size limit (16 KiB).
    pub const TOO_BIG: u16 = 1009;
    /// The hello was refused (bad version, unknown event, bad secret).
    pub const REFUSED: u16 = 4000;
    /// The connection fell too far behind or stalled; reconnect with `resume`.
    pub const RESUME: u16 = 4001;
    /// The server is shutting down; reconnect (with `resume`) shortly.
    pub const RESTART: u16 = 4002;
    /// A staff member's personal link was revoked or re-issued: do not
    /// reconnect with it.
    pub const REVOKED: u16 = 4003;
    /// A delegate's card was claimed on another device (or its code reset):
    /// do not reconnect with this device's token.
    pub const MOVED: u16 = 4004;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_json_shapes() {
        let msg = ClientMsg::Request {
            id: "r1".into(),
            action: Action::Vote {
                question: 7,
                up: true,
            },
        };
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            json,
            r#"{"type":"request","id":"r1","action":{"type":"vote","question":7,"up":true}}"#
        );
        assert_eq!(serde_json::from_str::<ClientMsg>(&json).unwrap(), msg);
        let ping: ClientMsg = serde_json::from_str(r#"{"type":"ping"}"#).unwrap();
        assert_eq!(ping, ClientMsg::Ping {});
    }

    #[test]
    fn presence_shape() {
        let msg = ServerMsg::Presence {
            attendees: 3,
            participants: 2,
            moderators: 1,
            screens: 0,
            staff: vec![StaffPresence {
                id: "s1".into(),
                name: "Lan".into(),
                role: StaffRole::Chair,
                connections: 1,
            }],
            links: LinkPresence::default(),
            roster: None,
        };
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            json,
            r#"{"type":"presence","attendees":3,"participants":2,"moderators":1,"screens":0,"staff":[{"id":"s1","name":"Lan","role":"chair","connections":1}],"links":{"moderator":0,"screen":0},"roster":null}"#
        );
        assert_eq!(serde_json::from_str::<ServerMsg>(&json).unwrap(), msg);
        // What servers before the staff list sent still reads.
        let old = r#"{"type":"presence","attendees":3,"moderators":1,"screens":0}"#;
        let ServerMsg::Presence { staff, roster, .. } = serde_json::from_str(old).unwrap() else {
            panic!("not presence")
        };
        assert_eq!((staff.len(), roster), (0, None));
    }

    #[test]
    fn malformed_resume_reads_as_absent() {
        let hello = r#"{"type":"hello","protocol":1,"join_code":"A","role":"attendee","resume":{"epoch":5}}"#;
        let ClientMsg::Hello { resume, .. } = serde_json::from_str(hello).unwrap() else {
            panic!("not a hello")
        };
        assert_eq!(resume, None);
        let hello = r#"{"type":"hello","protocol":1,"join_code":"A","role":"attendee","resume":{"epoch":"e","seq":3}}"#;
        let ClientMsg::Hello { resume, .. } = serde_json::from_str(hello).unwrap() else {
            panic!("not a hello")
        };
        assert_eq!(
            resume,
            Some(ResumeFrom {
                epoch: "e".into(),
                seq: 3
            })
        );
    }

    #[test]
    fn classifies_bad_frames() {
        assert_eq!(classify_parse_error("{nope"), ErrorCode::BadJson);
        assert_eq!(classify_parse_error("[1]"), ErrorCode::BadJson);
        assert_eq!(
            classify_parse_error(r#"{"type":"dance"}"#),
            ErrorCode::UnknownType
        );
        assert_eq!(
            classify_parse_error(r#"{"type":"hello"}"#),
            ErrorCode::BadMessage
        );
    }

    #[test]
    fn error_code_names_match_serde() {
        for code in [
            ErrorCode::BadJson,
            ErrorCode::AnonymousNotAllowed,
            ErrorCode::Unavailable,
            ErrorCode::RateLimited,
            ErrorCode::QuotaExceeded,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
