//! Rate limits per participant and per source address (GCRA, `governor`).
//!
//! Everything here answers one question before the room sees a request or
//! a hello: "may this participant / this address do this now?", and if
//! not, how long until it may (`retry_after_ms`). The room and the queue
//! never see a refused request: a limited request changes nothing.
//!
//! Two keys for each action, because a hall has two kinds of crowd: one
//! person (a participant id) should be held to a human pace, while one
//! source address may be 300 phones behind a NAT'd access point, so the
//! per-address limits are generous and only stop scripts.

use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A burst of `burst`, then one more every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Rate {
    pub const fn new(burst: u32, every: Duration) -> Rate {
        Rate { burst, every }
    }

    fn quota(self) -> Option<Quota> {
        let burst = NonZeroU32::new(self.burst)?;
        Some(Quota::with_period(self.every)?.allow_burst(burst))
    }
}

/// `BURST/SECONDS`, e.g. `400/2` (the command line's form).
impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Rate, String> {
        let bad = || format!("{s:?}: expected BURST/SECONDS, e.g. 400/2");
        let (burst, secs) = s.split_once('/').ok_or_else(bad)?;
        let burst = burst.trim().parse().map_err(|_| bad())?;
        let secs: f64 = secs.trim().parse().map_err(|_| bad())?;
        if !(secs > 0.0 && secs.is_finite()) {
            return Err(bad());
        }
        Ok(Rate::new(burst, Duration::from_secs_f64(secs)))
    }
}

/// The configurable limits (`None`: no limit). See `docs/protocol.md`,
/// "Limits", for the same numbers from the client's side.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Questions one participant may ask: a person types a question in
    /// tens of seconds; a burst of 3 covers a quick correction asked anew.
    pub ask_per_participant: Option<Rate>,
    /// Questions from one address: a whole hall may be behind it, and at
    /// question time dozens ask within a minute.
    pub ask_per_address: Option<Rate>,
    /// Votes (and withdrawals) by one participant: a person scrolling the
    /// queue taps maybe 20 questions in a few seconds, then a couple a
    /// second; a script toggling one vote did 8,500 a second.
    pub vote_per_participant: Option<Rate>,
    /// Votes from one address: 300 phones voting on ~20 questions in a
    /// minute is ~100 a second at the peak.
    pub vote_per_address: Option<Rate>,
    /// New participants (tokenless hellos) minted per address: a hall of
    /// 300 to 400 joining at once behind one NAT, then latecomers and
    /// phones that lost their storage at a slower pace. A laptop then
    /// gets at most `burst` identities (and as many votes on a question)
    /// plus one per `every`: the moderators' view flags questions whose
    /// votes come mostly from one address for the rest.
    pub identities_per_address: Option<Rate>,
    /// Guesses per address at join codes (an unknown code in a hello, a
    /// 404 on `/qr/CODE.svg`): people mistype a code a few times; a
    /// script tried 9,400 a second. Past it, the address gets
    /// `rate_limited` for every code, known or not, until the wait is
    /// over: answering a known code would tell the guesser it hit.
    pub code_guesses_per_address: Option<Rate>,
}

impl Default for RateLimits {
    fn default() -> Self {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        RateLimits {
            ask_per_participant: Some(Rate::new(3, s(10))),
            ask_per_address: Some(Rate::new(100, ms(500))),
            vote_per_participant: Some(Rate::new(20, ms(500))),
            vote_per_address: Some(Rate::new(1000, ms(20))),
            identities_per_address: Some(Rate::new(400, s(2))),
            code_guesses_per_address: Some(Rate::new(30, s(1))),
        }
    }
}

impl RateLimits {
    /// No rate limits: load tests and benchmarks, where one machine plays
    /// thousands of attendees.
    pub fn off() -> Self {
        RateLimits {
            ask_per_participant: None,
            ask_per_address: None,
            vote_per_participant: None,
            vote_per_address: None,
            identities_per_address: None,
            code_guesses_per_address: None,
        }
    }
}

/// What a limit-checked request may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ask,
    Vote,
}

/// The live limiters, shared by every connection (in `App`).
pub struct Rates {
    ask_participant: Keyed<String>,
    ask_address: Keyed<IpAddr>,
    vote_participant: Keyed<String>,
    vote_address: Keyed<IpAddr>,
    identities: Keyed<IpAddr>,
    guesses: Keyed<IpAddr>,
    /// Addresses that ran out of guesses, until when: they are refused
    /// whatever the code (see `RateLimits::code_guesses_per_address`).
    guessing: DashMap<IpAddr, Instant>,
    checks: AtomicU64,
}

/// Every this many checks, keys whose limit is back to full are dropped:
/// memory stays bounded by the keys active in the last few minutes.
const PRUNE_EVERY: u64 = 4096;

impl Rates {
    pub fn new(limits: &RateLimits) -> Rates {
        Rates {
            ask_participant: Keyed::new(limits.ask_per_participant),
            ask_address: Keyed::new(limits.ask_per_address),
            vote_participant: Keyed::new(limits.vote_per_participant),
            vote_address: Keyed::new(limits.vote_per_address),
            identities: Keyed::new(limits.identities_per_address),
            guesses: Keyed::new(limits.code_guesses_per_address),
            guessing: DashMap::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// May `participant`, from `addr`, ask or vote now? `Err`: how long to
    /// wait. The participant's own limit is checked first: a person over
    /// their pace does not use up the address's (the hall's) allowance.
    pub fn request(&self, kind: Kind, participant: &str, addr: IpAddr) -> Result<(), Duration> {
        self.tick();
        let addr = source(addr);
        let (own, shared) = match kind {
            Kind::Ask => (&self.ask_participant, &self.ask_address),
            Kind::Vote => (&self.vote_participant, &self.vote_address),
        };
        own.check(participant)?;
        shared.check(&addr)
    }

    /// May `addr` be given a new participant identity now?
    pub fn new_identity(&self, addr: IpAddr) -> Result<(), Duration> {
        self.tick();
        self.identities.check(&source(addr))
    }

    /// Before looking a join code up: `Err` while `addr` is out of guesses.
    pub fn may_guess(&self, addr: IpAddr) -> Result<(), Duration> {
        let addr = source(addr);
        let until = self.guessing.get(&addr).map(|t| *t);
        match until {
            Some(until) if until > Instant::now() => Err(until - Instant::now()),
            Some(_) => {
                self.guessing.remove(&addr);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// `addr` asked for a join code that does not exist. `Err`: it is out
    /// of guesses, for this long.
    pub fn missed(&self, addr: IpAddr) -> Result<(), Duration> {
        self.tick();
        let addr = source(addr);
        let wait = self.guesses.check(&addr);
        if let Err(wait) = wait {
            self.guessing.insert(addr, Instant::now() + wait);
        }
        wait
    }

    fn tick(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.ask_participant.prune();
            self.ask_address.prune();
            self.vote_participant.prune();
            self.vote_address.prune();
            self.identities.prune();
            self.guesses.prune();
            let now = Instant::now();
            self.guessing.retain(|_, until| *until > now);
        }
    }
}

/// The key of a source address: IPv4 as is (also when mapped into IPv6),
/// IPv6 by its /64, which one device can fill with addresses of its own.
pub fn source(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut s = v6.segments();
                s[4..].fill(0);
                IpAddr::from(s)
            }
        },
    }
}

/// One keyed limiter, or none when that limit is off.
struct Keyed<K: Hash + Eq + Clone>(Option<DefaultKeyedRateLimiter<K>>);

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(rate: Option<Rate>) -> Self {
        Keyed(rate.and_then(Rate::quota).map(governor::RateLimiter::keyed))
    }

    fn check<Q>(&self, key: &Q) -> Result<(), Duration>
    where
        Q: ToOwned<Owned = K> + ?Sized,
    {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Never "retry in 0 ms": the client would spin.
            wait.max(Duration::from_millis(1))
        })
    }

    fn prune(&self) {
        if let Some(limiter) = &self.0 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The HTTP answer past a limit: 429 with `Retry-After` in whole seconds.
pub fn too_many(wait: Duration) -> axum::response::Response {
    use axum::response::IntoResponse;
    let secs = wait.as_millis().div_ceil(1000).max(1).to_string();
    let status = axum::http::StatusCode::TOO_MANY_REQUESTS;
    (status, [(axum::http::header::RETRY_AFTER, secs)]).into_response()
}

/// Milliseconds to put in `retry_after_ms`, rounded up.
pub fn retry_ms(wait: Duration) -> u64 {
    wait.as_micros().div_ceil(1000).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_participant_gets_its_burst_then_waits() {
        let rates = Rates::new(&RateLimits::default());
        let addr: IpAddr = [10, 0, 0, 7].into();
        for _ in 0..3 {
            assert!(rates.request(Kind::Ask, "p1", addr).is_ok());
        }
        let wait = rates.request(Kind::Ask, "p1", addr).unwrap_err();
        assert!(wait > Duration::from_secs(5), "{wait:?}");
        // Someone else behind the same address is not held up.
        assert!(rates.request(Kind::Ask, "p2", addr).is_ok());
    }

    #[test]
    fn ipv6_addresses_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(source(a), source(b));
        let mapped: IpAddr = "::ffff:192.168.1.20".parse().unwrap();
        assert_eq!(source(mapped), IpAddr::from([192, 168, 1, 20]));
    }

    #[test]
    fn out_of_guesses_refuses_every_code_until_the_wait_is_over() {
        let limits = RateLimits {
            code_guesses_per_address: Some(Rate::new(2, Duration::from_secs(60))),
            ..RateLimits::default()
        };
        let rates = Rates::new(&limits);
        let addr: IpAddr = [10, 0, 0, 9].into();
        assert!(rates.may_guess(addr).is_ok());
        assert!(rates.missed(addr).is_ok());
        assert!(rates.missed(addr).is_ok());
        assert!(rates.missed(addr).is_err());
        assert!(rates.may_guess(addr).is_err());
        assert!(rates.may_guess([10, 0, 0, 10].into()).is_ok());
    }
}
