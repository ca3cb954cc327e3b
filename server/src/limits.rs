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
    /// An HTTP request's head must arrive within this long, and a kept-alive
    /// connection is closed after this long without a new request: a
    /// slowloris client cannot hold sockets by sending a byte at a time.
    pub header_timeout: Duration,
    /// Open TCP connections (HTTP and WebSocket) from one source address.
    /// A whole hall may come through one NAT'd access point: 500 phones
    /// each hold one WebSocket, and a page load opens up to six HTTP
    /// connections that close after `header_timeout`, so the default leaves
    /// room for that while one laptop cannot take every descriptor.
    pub max_connections_per_address: usize,
    /// Rate limits per participant and per source address (see `rate`).
    pub rate: crate::rate::RateLimits,
    /// Pending questions per participant, questions per event (see
    /// `queue::Quotas`).
    pub quotas: crate::queue::Quotas,
    /// A room with no connection and nothing queued unloads after this
    /// long without activity (its memory freed; the next hello replays its
    /// log again). Minutes, not seconds: a moderator's page reloading or a
    /// coffee break must not cost a replay, while a server that has held
    /// hundreds of meetings keeps only today's in memory.
    pub room_idle: Duration,
    /// Where entry times come from: the system's wall clock; tests inject
    /// one that steps back. Only entry times read it: every duration above
    /// is measured on the monotonic clock.
    pub clock: crate::room::Clock,
    /// The fraction of a core one feed's fan-out may use: coalesced vote
    /// counts go out as often as that allows (see `room::pace`).
    pub fanout_budget: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            hello_timeout: Duration::from_secs(15),
            heartbeat: Duration::from_secs(15),
            // Three missed heartbeats: a phone on a bad Wi-Fi may lose two.
            dead_after: Duration::from_secs(45),
            send_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            max_connections_per_address: 2000,
            rate: Default::default(),
            quotas: Default::default(),
            room_idle: Duration::from_secs(600),
            clock: crate::room::Clock::SYSTEM,
            fanout_budget: crate::room::DEFAULT_FANOUT_BUDGET,
        }
    }
}
