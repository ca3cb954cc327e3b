//! Entry times: the wall clock, never going backwards within a log.
//!
//! An entry's `at` is for people (when a question was asked, and later the
//! due date of a written answer, computed from entry times); positions,
//! timeouts and rate limits never read it (they use `seq` and the monotonic
//! clock). The wall clock jumps: a laptop finding a time server, someone
//! correcting it by hand. Forward jumps are taken as they come (the time
//! is then right). Backward steps are not: an entry is stamped with the
//! later of the clock and the previous entry's time, so times stay in log
//! order, and a step back of more than `STEP_BACK` is reported once
//! (a warning and `hoidap_clock_steps_back_total`) while the clock catches
//! up with the log. See ARCHITECTURE.md, "Time".

use super::Room;

/// A smaller step back is the ordinary disagreement of clocks around a
/// time sync (or of two entries in one millisecond): not worth a warning.
pub const STEP_BACK: u64 = 5_000;

/// The room's source of wall-clock time, in milliseconds since the Unix
/// epoch. A function pointer so tests can inject a clock (`Limits::clock`).
#[derive(Clone, Copy)]
pub struct Clock(pub fn() -> u64);

impl Clock {
    pub const SYSTEM: Clock = Clock(super::now_ms);

    pub fn now(self) -> u64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::SYSTEM
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// Whether the room is living through a step back (reported once).
#[derive(Default)]
pub(super) struct Behind(bool);

impl Room {
    /// The time for the next entry: never before the last one's.
    pub(super) fn stamp(&mut self) -> u64 {
        let now = self.clock.now();
        let last = self.state.last_at;
        if now.saturating_add(STEP_BACK) < last {
            if !self.behind.0 {
                self.behind.0 = true;
                tracing::warn!(
                    event = self.record.id,
                    back_ms = last - now,
                    "the wall clock stepped back; entries keep the last entry's time until it catches up"
                );
                crate::metrics::clock_stepped_back();
            }
        } else if now >= last {
            self.behind.0 = false;
        }
        now.max(last)
    }
}
