//! Every limit and timeout a hall's network can push against, in one place.
//!
//! The defaults are what a real meeting needs; tests shorten the timeouts
//! (a 45 s dead-peer check is too slow for a test suite) through
//! [`crate::Config::limits`]. Each field says why it has its value.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Limits {
    /// A connection must say hello within this long, else it is closed.
    pub hello_timeout: Duration,
    /// The server pings every connection this often: phones that vanished
    /// without closing (walked out of range, battery died) never answer.
    pub heartbeat: Duration,
    /// Nothing received (not even a pong) for this long: the peer is gone.
    pub dead_after: Duration,
    /// A peer that takes nothing of what is queued for it for this long is
    /// stalled: it is dropped rather than allowed to hold buffers.
    pub send_timeout: Duration,
    /// Rate limits per participant and per source address (see `rate`).
    pub rate: crate::rate::RateLimits,
    /// Pending questions per participant, questions per event (see
    /// `queue::Quotas`).
    pub quotas: crate::queue::Quotas,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            hello_timeout: Duration::from_secs(15),
            heartbeat: Duration::from_secs(15),
            // Three missed heartbeats: a phone on a bad Wi-Fi may lose two.
            dead_after: Duration::from_secs(45),
            send_timeout: Duration::from_secs(10),
            rate: Default::default(),
            quotas: Default::default(),
        }
    }
}
