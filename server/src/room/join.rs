//! What a connection receives when it joins, resumes or resyncs: a
//! snapshot (serialised once per position and shared) or the missed deltas,
//! plus its own questions and, for moderators, presence.

use super::{Catchup, Frame, Room, audience_of, frame};
use crate::outbox::{Class, Wire};
use crate::queue::Entry;
use crate::queue::Event;
use crate::queue::view::{self, Audience};
use hoidap_protocol::{ResumeFrom, Role, ServerMsg};

impl Room {
    pub(super) fn asked(&self, entry: &Entry) -> Option<hoidap_protocol::Question> {
        let Event::Asked { id, .. } = entry.event else {
            return None;
        };
        self.own_question(id)
    }

    pub(super) fn own_question(
        &self,
        id: hoidap_protocol::QuestionId,
    ) -> Option<hoidap_protocol::Question> {
        let q = self.state.questions.get(&id)?;
        Some(view::own_view(&self.state, q, false))
    }

    /// The audience's snapshot at the current position, serialised once.
    fn snapshot(&self, audience: Audience) -> Frame {
        let slot = match audience {
            Audience::Public => 0,
            Audience::Moderator => 1,
        };
        let mut cache = self.snapshots.borrow_mut();
        if let Some((seq, f)) = &cache[slot]
            && *seq == self.state.seq
        {
            return f.clone();
        }
        let (epoch, code) = (&self.record.epoch, &self.record.join_code);
        let mut snapshot = view::snapshot(&self.state, audience, epoch, code);
        if audience == Audience::Moderator {
            for q in &mut snapshot.questions {
                q.votes_top_source_share = self.sources.share(q.id, q.votes);
                self.similar.fill(&self.state, q);
            }
        }
        let f = frame(&ServerMsg::Snapshot { snapshot });
        cache[slot] = Some((self.state.seq, f.clone()));
        f
    }

    /// The frames that bring a joining (or resyncing) connection up to the
    /// room's position, after which its audience's feed continues.
    pub(super) fn joined(
        &self,
        role: Role,
        participant: Option<&str>,
        resume: Option<ResumeFrom>,
    ) -> Vec<(Class, Wire)> {
        let audience = audience_of(role);
        let feed = self.feeds.of(role);
        let epoch = &self.record.epoch;
        let catchup = match resume {
            Some(from) if &from.epoch == epoch => feed.catchup(from.seq, self.state.seq),
            _ => Catchup::Snapshot,
        };
        let frames = match catchup {
            Catchup::Deltas(frames) => frames,
            Catchup::Snapshot => vec![self.snapshot(audience)],
        };
        let mut frames: Vec<(Class, Wire)> = frames
            .into_iter()
            .map(|f| (Class::Join, Wire::text(f)))
            .collect();
        if let Some(p) = participant {
            let (votes, questions) = view::mine(&self.state, p, &self.cards.pseudonym(p));
            let mine = frame(&ServerMsg::Mine { votes, questions });
            frames.push((Class::Mine, Wire::text(mine)));
        }
        if role == Role::Moderator {
            frames.push((Class::Join, Wire::text(self.presence_frame())));
        }
        frames
    }
}
