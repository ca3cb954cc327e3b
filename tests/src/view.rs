//! A client's view of an event, built from `snapshot` and `delta` messages
//! with the continuity rule from docs/protocol.md. It refuses gaps loudly, so
//! every test that uses it also checks the server never skips a position.

use anyhow::bail;
use hoidap_protocol::{
    Change, Official, Phase, Question, QuestionId, Seq, ServerMsg, Settings, Snapshot, Topic,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    pub epoch: String,
    pub seq: Seq,
    pub title: String,
    pub settings: Option<Settings>,
    pub phase: Option<Phase>,
    pub current: Option<QuestionId>,
    pub questions: BTreeMap<QuestionId, Question>,
    pub topics: Vec<Topic>,
    pub officials: Vec<Official>,
    /// Attendees: own votes and questions from `mine` and acks.
    pub my_votes: BTreeSet<QuestionId>,
    pub my_questions: BTreeMap<QuestionId, Question>,
    pub presence: Option<(u32, u32, u32)>,
    pub snapshots: u32,
    pub deltas: u32,
}

impl View {
    /// Applies a server message; errors on a gap or an epoch change.
    pub fn apply(&mut self, msg: &ServerMsg) -> anyhow::Result<()> {
        match msg {
            ServerMsg::Snapshot { snapshot } => self.reset(snapshot),
            ServerMsg::Delta {
                epoch,
                prev,
                seq,
                changes,
            } => {
                if *epoch != self.epoch {
                    bail!("delta from epoch {epoch}, held {}", self.epoch);
                }
                if *seq <= self.seq {
                    return Ok(()); // already have all of it
                }
                if *prev > self.seq {
                    bail!("gap: delta {prev}..{seq} on top of {}", self.seq);
                }
                self.seq = *seq;
                self.deltas += 1;
                for change in changes {
                    self.change(change);
                }
            }
            ServerMsg::Mine { votes, questions } => {
                self.my_votes = votes.iter().copied().collect();
                self.my_questions = questions.iter().map(|q| (q.id, q.clone())).collect();
            }
            ServerMsg::Ack {
                question: Some(q), ..
            } => {
                self.my_questions.insert(q.id, q.clone());
            }
            ServerMsg::Presence {
                attendees,
                moderators,
                screens,
                ..
            } => {
                self.presence = Some((*attendees, *moderators, *screens));
            }
            _ => {}
        }
        Ok(())
    }

    fn reset(&mut self, s: &Snapshot) {
        self.epoch = s.epoch.clone();
        self.seq = s.seq;
        self.title = s.title.clone();
        self.settings = Some(s.settings.clone());
        self.phase = Some(s.phase);
        self.current = s.current;
        self.topics = s.topics.clone();
        self.officials = s.officials.clone();
        self.questions = s.questions.iter().map(|q| (q.id, q.clone())).collect();
        self.snapshots += 1;
    }

    fn change(&mut self, change: &Change) {
        match change {
            Change::Question { question } => {
                self.questions.insert(question.id, question.clone());
            }
            Change::Removed { id } => {
                self.questions.remove(id);
            }
            Change::Votes { counts } => {
                for c in counts {
                    if let Some(q) = self.questions.get_mut(&c.id) {
                        q.votes = c.votes;
                        q.votes_top_source_share = c.votes_top_source_share;
                    }
                }
            }
            Change::Current { question } => self.current = *question,
            Change::Settings { settings } => self.settings = Some(settings.clone()),
            Change::Phase { phase } => self.phase = Some(*phase),
            Change::Title { title } => self.title = title.clone(),
            Change::Topics { topics } => self.topics = topics.clone(),
            Change::Officials { officials } => self.officials = officials.clone(),
        }
    }

    pub fn question(&self, id: QuestionId) -> Option<&Question> {
        self.questions.get(&id)
    }

    /// Questions in ranking order: votes descending, older first on ties.
    pub fn ranked(&self) -> Vec<&Question> {
        let mut all: Vec<_> = self.questions.values().collect();
        all.sort_by(|a, b| {
            b.votes
                .cmp(&a.votes)
                .then(a.created_at.cmp(&b.created_at))
                .then(a.id.cmp(&b.id))
        });
        all
    }

    /// The part that every client of one audience must agree on.
    pub fn shared(&self) -> (Seq, Option<QuestionId>, Vec<Question>) {
        (
            self.seq,
            self.current,
            self.questions.values().cloned().collect(),
        )
    }
}
