//! Test support: a real hoidap server on `127.0.0.1:0` with a temporary data
//! directory, a tiny HTTP client for the admin API, and a WebSocket client
//! built on the protocol crate that keeps its own view of the event by
//! applying snapshots and deltas exactly as a real client must.

mod client;
mod faulty;
mod process;
pub mod raw;
mod server;
pub mod stalls;
mod view;

pub use client::{Client, Rejected};
pub use faulty::{Faults, Outcome};
pub use process::{ServerProcess, rss_kib, server_binary};
pub use server::{EventInfo, TestServer, http_get_bytes, http_request, metrics};
pub use view::View;
