//! The accept loop: HTTP/1.1 on every TCP connection, with the limits that
//! keep a laptop on the hall's Wi-Fi from taking the server's sockets.
//!
//! Our own loop rather than `axum::serve`: its connections sniff for
//! HTTP/2 through a rewinding wrapper, and a WebSocket upgraded from one
//! cannot be unwrapped to the `TcpStream` that the fan-out writes to
//! directly (see `outbox`). Plain HTTP in a hall needs no HTTP/2.

use crate::limits::Limits;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Request heads (start line and headers) larger than this get 431: ours
/// are a few hundred bytes, a browser's rarely over 4 KiB, and a slowloris
/// client must not make us buffer hundreds of KiB per socket.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// How long shutdown waits for connections, then for rooms.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The source address of a request's TCP connection.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Serves HTTP/1.1 on every accepted connection until `shutdown`, then
/// lets the requests in progress finish.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The header timeout also runs while a kept-alive connection waits for
    // its next request (hyper ≥ 1.6), so it is the idle timeout too: a
    // socket that sends nothing, or a header a byte at a time, is closed.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(MAX_HEADER_BYTES);
    let slots = Slots::new(limits.max_connections_per_address);
    // Closed (dropped) at shutdown: every connection then finishes the
    // request in progress and stops.
    let (stop, stopped) = watch::channel(());
    let connections = tokio_util::task::TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, most likely: wait for some to
                    // be freed instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = slots.take(peer.ip()) else {
            // Dropped unanswered: anything we wrote would cost more than it
            // tells a client that holds this many sockets already.
            tracing::debug!(%peer, "too many connections from this address");
            crate::metrics::connection_refused();
            continue;
        };
        // Nagle's algorithm would hold a frame sent right after another
        // until the phone's delayed ACK (40 ms on Linux, 200 ms on Windows):
        // changes must go out at once.
        let _ = tcp.set_nodelay(true);
        // Every request knows where it came from (limits per source address,
        // the record of new identities) and carries the connection's slot,
        // so an upgraded WebSocket keeps counting against its address.
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
            req.extensions_mut().insert(Peer(peer));
            req.extensions_mut().insert(slot.clone());
            tower::ServiceExt::oneshot(router.clone(), req)
        });
        let conn = builder
            .serve_connection(TokioIo::new(tcp), service)
            .with_upgrades();
        let mut stopped = stopped.clone();
        connections.spawn(async move {
            tokio::pin!(conn);
            let result = tokio::select! {
                result = conn.as_mut() => result,
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(err) = result {
                tracing::trace!(%err, "connection ended with an error");
            }
        });
    }
    drop((listener, stop));
    connections.close();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, connections.wait()).await;
}

/// Open connections per source address, bounded.
#[derive(Clone)]
struct Slots {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max: usize,
}

impl Slots {
    fn new(max: usize) -> Slots {
        Slots {
            open: Arc::default(),
            max,
        }
    }

    fn take(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot {
            _held: Arc::new(Held {
                slots: self.clone(),
                ip,
            }),
        })
    }
}

/// One connection's place in its address's count, released when the last
/// holder (the HTTP connection, or the WebSocket it became) is gone.
#[derive(Clone)]
pub struct Slot {
    _held: Arc<Held>,
}

struct Held {
    slots: Slots,
    ip: IpAddr,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            // Addresses come and go; keep only those with sockets open.
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_address_and_released() {
        let slots = Slots::new(2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let first = slots.take(a).unwrap();
        let second = slots.take(a).unwrap();
        assert!(slots.take(a).is_none(), "a third from one address");
        assert!(slots.take(b).is_some(), "another address is not affected");
        let copy = second.clone();
        drop(second);
        assert!(slots.take(a).is_none(), "a clone still holds the slot");
        drop(copy);
        let third = slots.take(a);
        assert!(third.is_some(), "released when the last holder goes");
        drop((first, third));
        assert!(
            slots.open.lock().unwrap().is_empty(),
            "no empty entries kept"
        );
    }
}
