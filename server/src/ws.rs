//! The WebSocket layer: the upgrade handshake, the socket's limits, and
//! the split between reading (tungstenite) and writing (the outbox).
//!
//! We run tokio-tungstenite directly on the TCP stream hyper hands over
//! after the upgrade, instead of axum's `WebSocket`: tungstenite copies
//! every outgoing frame into a per-connection write buffer that never
//! shrinks (one 26 KB snapshot on join left every connection holding 26 KB:
//! 44 KiB per connection at 200 questions), and it can only be written from
//! the connection's own task. Here tungstenite reads, answers pings and
//! closes; everything written goes through the connection's [`Outbox`],
//! which the room's fan-out writes to directly (see `outbox`).

use crate::outbox::{Class, Outbox, Wire};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

pub use tokio_tungstenite::tungstenite::protocol::CloseFrame;
pub use tokio_tungstenite::tungstenite::{Error, Message};

/// One connection's WebSocket (reading side; writes land in its outbox).
pub type Socket = WebSocketStream<Io>;

/// The default 128 KiB read buffer costs about 135 KiB per connection once
/// it reads; 4 KiB is plenty for our small client messages.
pub const READ_BUFFER: usize = 4 * 1024;
/// Largest client message accepted; a question is at most 2,000 characters.
pub const MAX_MESSAGE: usize = 16 * 1024;

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        // Every frame tungstenite writes goes to the outbox at once.
        .write_buffer_size(0)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// Answers a WebSocket upgrade request (HTTP/1.1, RFC 6455 §4.2) and runs
/// `serve` on the socket once hyper hands the connection over.
pub fn upgrade<F, Fut>(mut req: Request, serve: F) -> Response
where
    F: FnOnce(Box<Socket>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    if req.method() != Method::GET {
        return (StatusCode::METHOD_NOT_ALLOWED, "WebSocket upgrades use GET").into_response();
    }
    let headers = req.headers();
    let valid = header_contains(headers, header::CONNECTION, "upgrade")
        && header_eq(headers, header::UPGRADE, "websocket");
    let key = headers.get(header::SEC_WEBSOCKET_KEY);
    let (true, Some(key)) = (valid, key) else {
        return (StatusCode::BAD_REQUEST, "not a WebSocket upgrade request").into_response();
    };
    // RFC 6455 §4.4: another version gets 426 and the one we speak, so a
    // client that supports several can retry with it.
    if !header_eq(headers, header::SEC_WEBSOCKET_VERSION, "13") {
        return (
            StatusCode::UPGRADE_REQUIRED,
            [(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            )],
            "this server speaks WebSocket version 13",
        )
            .into_response();
    }
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (
            StatusCode::UPGRADE_REQUIRED,
            "connection cannot be upgraded",
        )
            .into_response();
    };
    tokio::spawn(async move {
        if let Some(socket) = Box::pin(open(on_upgrade)).await {
            serve(socket).await;
        }
    });
    let Ok(accept) = HeaderValue::from_str(&accept) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    (
        StatusCode::SWITCHING_PROTOCOLS,
        [
            (header::CONNECTION, HeaderValue::from_static("upgrade")),
            (header::UPGRADE, HeaderValue::from_static("websocket")),
            (header::SEC_WEBSOCKET_ACCEPT, accept),
        ],
    )
        .into_response()
}

/// The WebSocket over the upgraded connection.
async fn open(on_upgrade: hyper::upgrade::OnUpgrade) -> Option<Box<Socket>> {
    let upgraded = on_upgrade.await.ok()?;
    // Served by `crate::serve`'s HTTP/1 connections, always this type.
    let Ok(parts) = upgraded.downcast::<TokioIo<TcpStream>>() else {
        tracing::error!("upgraded connection is not a TCP stream");
        return None;
    };
    let outbox = Arc::new(Outbox::new(Arc::new(parts.io.into_inner())));
    let io = Io {
        outbox,
        // A copy: the slice would keep hyper's whole read buffer alive.
        prefix: Bytes::copy_from_slice(&parts.read_buf),
    };
    let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config())).await;
    Some(Box::new(socket))
}

fn header_eq(headers: &HeaderMap, name: header::HeaderName, value: &str) -> bool {
    headers
        .get(name)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(value.as_bytes()))
}

fn header_contains(headers: &HeaderMap, name: header::HeaderName, value: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(value)))
}

/// Whether `frame` is exactly one unmasked pong (RFC 6455 §5.5.3: its
/// payload is at most 125 bytes, so the length fits the second byte).
fn is_pong(frame: &[u8]) -> bool {
    matches!(frame, [0x8A, len, ..] if *len < 126 && frame.len() == 2 + usize::from(*len))
}

/// The socket as tungstenite sees it: reads come from the TCP stream
/// (after whatever hyper had already read past the upgrade), writes go to
/// the connection's outbox, so tungstenite's own frames (pongs, pings,
/// close) queue in order with ours and are never interleaved with them.
pub struct Io {
    outbox: Arc<Outbox>,
    /// Bytes hyper read past the upgrade request (a hello sent at once).
    prefix: Bytes,
}

impl Io {
    pub fn outbox(&self) -> &Arc<Outbox> {
        &self.outbox
    }
}

impl AsyncRead for Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix.split_to(n));
            return Poll::Ready(Ok(()));
        }
        let stream = self.outbox.stream();
        loop {
            std::task::ready!(stream.poll_read_ready(cx))?;
            match stream.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                // Readiness is cleared: the next poll registers the task.
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        // tungstenite writes whole frames (its write buffer is off and this
        // takes everything): each call is one frame, queued as a unit.
        let class = if is_pong(buf) {
            Class::Pong
        } else {
            Class::Own
        };
        self.outbox
            .push(&Wire::raw(Bytes::copy_from_slice(buf)), class);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        // The connection's task drains the outbox; waiting here would let a
        // peer that stopped reading block a ping.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
