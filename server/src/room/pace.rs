//! When a feed's coalesced vote counts go out.
//!
//! The first change after a quiet period goes out at once (leading edge);
//! what follows within the feed's interval is coalesced into the next
//! flush. The interval follows the cost of the feed's last fan-out, so
//! fan-out stays within a CPU budget: flushing every `cost / budget`
//! spends `budget` of a core on it. A hall of 300 phones costs a fraction
//! of a millisecond per fan-out, so every vote goes out as soon as it is
//! durable; 10,000 phones cost tens of milliseconds, and get one delta per
//! that many, as a fixed tick gave them before.

use std::time::Duration;
use tokio::time::Instant;

/// The fraction of a core the fan-out of one feed may use (default).
/// Half: the room, the connections reading votes and the commit need the
/// rest, on a laptop with two cores.
pub const DEFAULT_BUDGET: f64 = 0.5;
/// Never more often than this, however cheap: each flush is a frame per
/// connection on the phones too.
const MIN_INTERVAL: Duration = Duration::from_millis(1);
/// Never less often than this, however slow the last fan-out was.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct Pace {
    budget: f64,
    last: Option<Instant>,
    interval: Duration,
}

impl Pace {
    pub fn new(budget: f64) -> Pace {
        Pace {
            // Outside (0, 1], the default: a budget of a whole core or more
            // would starve everything else; none would never flush.
            budget: if budget > 0.0 && budget <= 1.0 {
                budget
            } else {
                DEFAULT_BUDGET
            },
            last: None,
            interval: MIN_INTERVAL,
        }
    }

    /// The earliest the next flush may go.
    pub fn due(&self) -> Option<Instant> {
        self.last.map(|last| last + self.interval)
    }

    /// Whether a flush may go at `now`: the first after a quiet period
    /// always may.
    pub fn ready(&self, now: Instant) -> bool {
        self.due().is_none_or(|due| now >= due)
    }

    /// A flush went at `now`; `cost`: how long the previous fan-out took.
    pub fn flushed(&mut self, now: Instant, cost: Duration) {
        self.last = Some(now);
        self.interval = cost.div_f64(self.budget).clamp(MIN_INTERVAL, MAX_INTERVAL);
    }

    #[cfg(test)]
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_change_goes_at_once_then_the_cost_sets_the_pace() {
        let t0 = Instant::now();
        let mut pace = Pace::new(0.5);
        assert!(pace.ready(t0), "quiet: at once");
        // A small hall: 0.2 ms per fan-out, so the next may go after 1 ms
        // (the floor), not after a tick.
        pace.flushed(t0, Duration::from_micros(200));
        assert_eq!(pace.interval(), MIN_INTERVAL);
        assert!(!pace.ready(t0 + Duration::from_micros(500)));
        assert!(pace.ready(t0 + Duration::from_millis(1)));
        // A big hall: 40 ms per fan-out at half a core is one every 80 ms.
        pace.flushed(t0, Duration::from_millis(40));
        assert_eq!(pace.interval(), Duration::from_millis(80));
        assert_eq!(pace.due(), Some(t0 + Duration::from_millis(80)));
        // However slow, at least once a second.
        pace.flushed(t0, Duration::from_secs(5));
        assert_eq!(pace.interval(), MAX_INTERVAL);
    }

    #[test]
    fn the_flush_rate_keeps_fan_out_within_the_budget() {
        // Flushing whenever allowed, for one simulated second, with each
        // fan-out costing 10 ms: at most budget / cost flushes.
        for budget in [0.25, 0.5, 1.0] {
            let t0 = Instant::now();
            let mut pace = Pace::new(budget);
            let cost = Duration::from_millis(10);
            let (mut now, mut flushes, mut busy) = (t0, 0, Duration::ZERO);
            while now < t0 + Duration::from_secs(1) {
                if pace.ready(now) {
                    pace.flushed(now, cost);
                    flushes += 1;
                    busy += cost;
                }
                now += Duration::from_micros(100);
            }
            let share = busy.as_secs_f64();
            assert!(
                share <= budget + 0.011,
                "budget {budget}: {flushes} flushes, {share:.2} s busy"
            );
            assert!(
                share >= budget - 0.05,
                "budget {budget}: too slow, {flushes} flushes"
            );
        }
    }

    #[test]
    fn a_budget_out_of_range_falls_back_to_the_default() {
        for budget in [0.0, -1.0, 2.0, f64::NAN] {
            let mut pace = Pace::new(budget);
            pace.flushed(Instant::now(), Duration::from_millis(10));
            assert_eq!(pace.interval(), Duration::from_millis(20), "{budget}");
        }
    }
}
