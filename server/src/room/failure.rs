//! When the log fails: a commit that did not happen, and a log that cannot
//! even be read back.
//!
//! After a failed commit the state holds entries the log does not, so the
//! room rebuilds it from the log. Nothing of the failed batch was released
//! (changes leave only once durable), so when the log ends where the room's
//! durable position does, every connection's position is still right and
//! they stay connected: a full disk during a vote storm refuses requests
//! (`unavailable`) without making the whole hall reconnect on each one.
//! Only a log that ends elsewhere (it lost or gained entries behind the
//! room's back) makes every connection resume. If the log cannot be read either,
//! the room must not carry on from an empty state under the same epoch:
//! every client would be silently rewound to nothing. It stops serving
//! instead (requests get `unavailable`, joins are turned away) and tries
//! to read the log again every second.

use super::{Room, fanout::Feeds, frame};
use crate::outbox::{Class, Outbox, Wire};
use hoidap_protocol::{ErrorCode, ServerMsg, close};
use std::time::Duration;

/// How often a broken room tries to read its log again.
const RETRY: Duration = Duration::from_secs(1);

impl Room {
    /// Rebuilds the state from the log after a failed commit.
    pub(super) async fn reload(&mut self) {
        self.askers.forget_changes();
        self.staged.clear();
        self.snapshots.take();
        match self.log.replay(self.record.id).await {
            Ok(state) if state.seq == self.committed => self.restore(state, true),
            Ok(state) => {
                tracing::warn!(
                    event = self.record.id,
                    log = state.seq,
                    committed = self.committed,
                    "the log does not end where the room's commits did; every connection resumes"
                );
                self.feeds.kick(close::RESUME);
                self.restore(state, false);
            }
            Err(err) => {
                // Drop buffered changes and make every connection resume:
                // whatever the log holds when it reads again, they will
                // get it from there.
                self.feeds.kick(close::RESUME);
                tracing::error!(event = self.record.id, %err, "reload failed; the event stops serving until its log reads");
                crate::metrics::room_broken(true);
                self.broken = true;
                self.retry_at = tokio::time::Instant::now() + RETRY;
            }
        }
    }

    /// On a tick of a broken room: reads the log again, once a second.
    pub(super) async fn retry_reload(&mut self) {
        if tokio::time::Instant::now() < self.retry_at {
            return;
        }
        match self.log.replay(self.record.id).await {
            Ok(state) => {
                tracing::info!(
                    event = self.record.id,
                    seq = state.seq,
                    "log readable again; serving"
                );
                crate::metrics::room_broken(false);
                self.broken = false;
                self.restore(state, false);
            }
            Err(err) => {
                tracing::debug!(event = self.record.id, %err, "log still unreadable");
                self.retry_at = tokio::time::Instant::now() + RETRY;
            }
        }
    }

    /// `keep_feeds`: the connections stay, with the changes already
    /// released to them (all durable).
    fn restore(&mut self, mut state: crate::queue::State, keep_feeds: bool) {
        // The quotas are configuration, not in the log.
        state.quotas = self.state.quotas;
        self.state = state;
        self.sources.recount(&self.state);
        self.similar = super::similar::Similar::build(&self.state);
        self.credentials.rebuild(&self.state);
        self.presence.touch();
        if !keep_feeds {
            self.feeds = Feeds::new(self.state.seq, &self.main, self.fanout_budget);
        }
        self.committed = self.state.seq;
    }
}

/// Tells a joining connection the event cannot be served now and ends it:
/// it reconnects after a short, jittered delay (close 4002), as after a
/// restart, and is served once the log reads again.
pub(super) fn turn_away(outbox: &Outbox) {
    let error = ServerMsg::error(
        None,
        ErrorCode::Unavailable,
        "the event's log cannot be read right now; reconnect shortly",
    );
    outbox.push(&Wire::text(frame(&error)), Class::Own);
    outbox.kick(close::RESTART);
}
