//! A second scheduler, on a thread of its own, for the few tasks whose
//! latency the hall sees: the rooms (and their log commits) and the screen
//! and moderator connections.
//!
//! At 10k attendees one flush of the public feed wakes 10k connection
//! tasks, and on one core working through them takes most of the 100 ms
//! tick. On a single runtime everything else woken meanwhile (the room
//! after its commit, the room's next tick, the screen's task) queues behind
//! that burst, several times on a vote's way to the screen: p99 265 ms to
//! the screen with a median of 94 ms. On a thread of its own such a task is
//! scheduled by the OS, which runs a thread that mostly sleeps almost as
//! soon as it wakes, ahead of the busy fan-out thread.
//!
//! Current-thread: its load is small, and its tasks share no queue with the
//! fan-out. (The main runtime stays multi-thread: waking its tasks from this
//! thread then costs no system call while its worker is busy.)

use std::sync::OnceLock;
use tokio::runtime::{Builder, Handle};

/// The priority runtime, started on first use and kept for the process.
pub fn priority() -> &'static Handle {
    static HANDLE: OnceLock<Handle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .thread_name("hoidap-priority-blocking")
            .build()
            .expect("the priority runtime starts");
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("hoidap-priority".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .expect("the priority thread starts");
        handle
    })
}
