//! The follow-up of a question: its topic, the official who answers it or
//! the outside authority it was forwarded to, the written answers, and the
//! steps that got it there (see `docs/protocol.md`, "Follow-up").

use crate::QuestionId;
use serde::{Deserialize, Serialize};

/// One of an event's topics (lĩnh vực), with the official questions on it
/// go to unless the asker or the panel chose another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Topic {
    /// Stable within the event; never reused.
    pub id: u32,
    pub name: String,
    /// A staff id (`s3`) with the role `official`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub official: Option<String>,
}

/// A topic in `set_topics`: with the `id` of the topic it replaces, or
/// without one for a new topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TopicInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub id: Option<u32>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub official: Option<String>,
}

/// An official who answers questions: an active staff member with the role
/// `official`. Public: the hall addresses questions to them ("Kính gửi").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Official {
    /// Staff id, e.g. `s3`.
    pub id: String,
    pub name: String,
}

/// A written answer to a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Answer {
    /// 1, 2… within the question.
    pub id: u32,
    pub text: String,
    /// Who signs it: the official's name, or the authority's for a
    /// forwarded question.
    pub signed_by: String,
    /// False: a draft, seen only by the panel.
    pub published: bool,
    /// Milliseconds since the Unix epoch: when it was published (a draft:
    /// last written).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: u64,
    /// The panel only: the staff member who wrote the text (an official or
    /// their clerk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub written_by: Option<String>,
}

/// What one step of a question's follow-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Given a topic and/or assigned to an official (`to`).
    Routed,
    /// To be answered in writing by `due`.
    InWriting,
    /// The due date moved to `due`, for `reason`.
    DueExtended,
    /// Forwarded to the authority `to`.
    Forwarded,
    /// Answered live in the meeting.
    AnsweredLive,
    /// A written answer was published.
    AnsweredInWriting,
    /// The asker (or the chair for them) is not satisfied with the answer.
    NotSatisfied,
    /// Merged into question `to`.
    Merged,
    /// Taken out of the question it was merged into.
    Unmerged,
}

/// One step of a question's follow-up, as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Step {
    pub kind: StepKind,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: u64,
    /// The panel only: who made the move (a staff member's name, "chair
    /// link", "organiser", "asker").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub by: Option<String>,
    /// The official's or authority's name, or the question merged into
    /// (`#12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to: Option<String>,
    /// A due date, `YYYY-MM-DD` (the meeting's time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reason: Option<String>,
}

/// What the projector shows besides the current question. The chair's
/// (moderators' too unless only the chair sets the current question).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScreenSettings {
    /// The "up next" list of the most voted questions.
    pub up_next: bool,
    /// Vote counts.
    pub votes: bool,
    /// The current question's topic and "Kính gửi" line.
    pub routing: bool,
    /// Nothing but the event's title: the screen is blanked.
    pub blank: bool,
}

impl Default for ScreenSettings {
    fn default() -> Self {
        ScreenSettings {
            up_next: true,
            votes: true,
            routing: false,
            blank: false,
        }
    }
}

/// The follow-up fields of a [`crate::Question`], flattened into it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUp {
    /// A topic id of the snapshot's `topics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub topic: Option<u32>,
    /// The official who answers it (staff id of `officials`): "Kính gửi".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub official: Option<String>,
    /// The outside authority it was forwarded to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub authority: Option<String>,
    /// Written answer due, `YYYY-MM-DD` (the meeting's time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due: Option<String>,
    /// Published answers (the panel: drafts too), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Answer>>", optional))]
    pub answers: Vec<Answer>,
    /// Merged into this question: it is no longer public, and its votes
    /// count on that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub merged_into: Option<QuestionId>,
    /// The panel only: questions merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<u32>>", optional))]
    pub merged: Vec<QuestionId>,
    /// The panel and the asker: every follow-up step, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Step>>", optional))]
    pub history: Vec<Step>,
    /// The panel only: earlier questions this one probably repeats (a
    /// suggestion; nothing is merged without the panel).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<u32>>", optional))]
    pub similar: Vec<QuestionId>,
}
