//! A log that fails or holds on demand, wrapped around the real SQLite log:
//! the commit-failure paths of the room cannot be reached otherwise (a real
//! full disk is another test's business).

use hoidap_server::log::{EventId, EventRecord, Log, LogError, LogFuture, Summary, SummaryRow};
use hoidap_server::queue::{Entry, State};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// What the next append does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Fails without writing anything, as a full disk would.
    Fail,
}

/// The switches; shared between the test and the log it wraps.
#[derive(Default)]
pub struct Faults {
    /// Outcomes of the next appends, in order; empty means `Ok`.
    script: Mutex<VecDeque<Outcome>>,
    /// Replays (the room's reload after a failed commit) fail while set.
    fail_replay: AtomicBool,
    /// Appends wait while this holds `true`.
    hold: Option<watch::Sender<bool>>,
    /// Appends that have started (and may be waiting on `hold`).
    pub appends: AtomicUsize,
    /// Replays asked for: a room loading, or reloading after a failure.
    pub replays: AtomicUsize,
}

impl Faults {
    pub fn new() -> Arc<Faults> {
        let (hold, _) = watch::channel(false);
        Arc::new(Faults {
            hold: Some(hold),
            ..Faults::default()
        })
    }

    /// The next appends end as `outcomes` say, in order.
    pub fn script(&self, outcomes: &[Outcome]) {
        self.script.lock().unwrap().extend(outcomes);
    }

    pub fn fail_replay(&self, on: bool) {
        self.fail_replay.store(on, Ordering::SeqCst);
    }

    /// Appends wait from now on until `release`.
    pub fn hold(&self) {
        if let Some(h) = &self.hold {
            h.send_replace(true);
        }
    }

    pub fn release(&self) {
        if let Some(h) = &self.hold {
            h.send_replace(false);
        }
    }

    /// Wraps `log`: for `Config::wrap_log`.
    pub fn wrap(self: &Arc<Self>, log: Arc<dyn Log>) -> Arc<dyn Log> {
        Arc::new(FaultyLog {
            inner: log,
            faults: self.clone(),
        })
    }
}

struct FaultyLog {
    inner: Arc<dyn Log>,
    faults: Arc<Faults>,
}

impl Log for FaultyLog {
    fn create_event(&self, record: EventRecord, first: Entry) -> LogFuture<'_, ()> {
        self.inner.create_event(record, first)
    }

    fn append(&self, event: EventId, entries: Vec<Entry>) -> LogFuture<'_, ()> {
        Box::pin(async move {
            self.faults.appends.fetch_add(1, Ordering::SeqCst);
            if let Some(hold) = &self.faults.hold {
                let mut held = hold.subscribe();
                // Only fails when the sender is gone, which it never is here.
                let _ = held.wait_for(|held| !held).await;
            }
            let outcome = self.faults.script.lock().unwrap().pop_front();
            match outcome {
                Some(Outcome::Fail) => Err(LogError::Storage("injected failure".into())),
                Some(Outcome::Ok) | None => self.inner.append(event, entries).await,
            }
        })
    }

    fn events(&self) -> LogFuture<'_, Vec<EventRecord>> {
        self.inner.events()
    }

    fn entries(&self, event: EventId, after: u64) -> LogFuture<'_, Vec<Entry>> {
        self.inner.entries(event, after)
    }

    fn head(
        &self,
        event: EventId,
        seq: u64,
    ) -> LogFuture<'_, Option<hoidap_server::log::chain::Hash>> {
        self.inner.head(event, seq)
    }

    fn save_summary(&self, event: EventId, summary: Summary) -> LogFuture<'_, ()> {
        self.inner.save_summary(event, summary)
    }

    fn summaries(&self) -> LogFuture<'_, Vec<SummaryRow>> {
        self.inner.summaries()
    }

    fn unwritable(&self) -> Option<hoidap_server::log::Unwritable> {
        self.inner.unwritable()
    }

    fn replay(&self, event: EventId) -> LogFuture<'_, State> {
        self.faults.replays.fetch_add(1, Ordering::SeqCst);
        if self.faults.fail_replay.load(Ordering::SeqCst) {
            return Box::pin(async { Err(LogError::Storage("injected replay failure".into())) });
        }
        self.inner.replay(event)
    }
}
