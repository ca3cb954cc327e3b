//! The WebSocket layer: the upgrade handshake, the socket's limits, and
//! writing our messages without tungstenite's write buffer.
//!
//! We run tokio-tungstenite directly under hyper's upgrade instead of axum's
//! `WebSocket` because tungstenite copies every outgoing frame into a
//! per-connection write buffer (a `Vec`) that never shrinks: one 26 KB
//! snapshot on join left every connection holding 26 KB for its lifetime
//! (measured: 44 KiB per connection at 200 questions). Sending it as 4 KiB
//! continuation frames left 4 KiB each; writing server messages straight
//! from the shared frame bytes leaves nothing, and saves one copy per frame
//! of the fan-out. tungstenite still reads, answers pings and closes.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use futures_util::StreamExt;
use futures_util::task::AtomicWaker;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Utf8Bytes;
#[cfg(test)]
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

pub use tokio_tungstenite::tungstenite::protocol::CloseFrame;
pub use tokio_tungstenite::tungstenite::{Error, Message};

/// One connection's WebSocket.
pub type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// The default 128 KiB read buffer costs about 135 KiB per connection once
/// it reads; 4 KiB is plenty for our small client messages.
pub const READ_BUFFER: usize = 4 * 1024;
/// Largest client message accepted; a question is at most 2,000 characters.
pub const MAX_MESSAGE: usize = 16 * 1024;
/// Bytes a connection may have queued for writing before sends fail (large
/// enough for a snapshot of a big event).
pub const MAX_WRITE_BUFFER: usize = 4 * 1024 * 1024;

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        // Every message is written at once: no batching of small frames,
        // so nothing waits in the buffer for a later flush.
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// Answers a WebSocket upgrade request (HTTP/1.1, RFC 6455 §4.2) and runs
/// `serve` on the socket once hyper hands the connection over.
pub fn upgrade<F, Fut>(mut req: Request, serve: F) -> Response
where
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    if req.method() != Method::GET {
        return (StatusCode::METHOD_NOT_ALLOWED, "WebSocket upgrades use GET").into_response();
    }
    let headers = req.headers();
    let valid = header_contains(headers, header::CONNECTION, "upgrade")
        && header_eq(headers, header::UPGRADE, "websocket")
        && header_eq(headers, header::SEC_WEBSOCKET_VERSION, "13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY);
    let (true, Some(key)) = (valid, key) else {
        return (StatusCode::BAD_REQUEST, "not a WebSocket upgrade request").into_response();
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (
            StatusCode::UPGRADE_REQUIRED,
            "connection cannot be upgraded",
        )
            .into_response();
    };
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config()))
                .await;
        serve(socket).await;
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

/// Why [`send_text`] failed.
#[derive(Debug)]
pub enum SendError {
    /// The socket is closed or broken.
    Closed,
    /// The peer took nothing for the whole timeout. `torn`: part of the
    /// frame was written, so nothing more may be (not even a close frame).
    Stalled { torn: bool },
}

/// Sends one text message, written to the socket straight from the shared
/// frame bytes: no copy into tungstenite's write buffer, which therefore
/// only ever holds our small control frames (pings, pongs, close).
pub async fn send_text(
    socket: &mut Socket,
    text: Utf8Bytes,
    within: Duration,
) -> Result<(), SendError> {
    let deadline = Instant::now() + within;
    // Whatever tungstenite has queued (a pong) goes out first and whole, so
    // our frame never lands inside one of its frames.
    match tokio::time::timeout_at(deadline, socket.flush()).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) => return Err(SendError::Closed),
        Err(_) => return Err(SendError::Stalled { torn: false }),
    }
    let mut head = [0u8; 10];
    let n = header(&mut head, text.len());
    let mut written = 0;
    let write = write_all(socket.get_mut(), &head[..n], text.as_bytes(), &mut written);
    match tokio::time::timeout_at(deadline, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(SendError::Closed),
        Err(_) => Err(SendError::Stalled { torn: written > 0 }),
    }
}

/// Reads the socket only when it may have something: after it woke the
/// task, or after it last returned a message.
///
/// A connection's task is woken about ten times a second per feed, and an
/// attendee's socket almost never has anything to read. Polling it on
/// every wake-up went through tungstenite, the hyper upgrade and the I/O
/// driver's readiness check for nothing (measured: ~4 % of the server's
/// CPU at 10k connections). The socket is polled with a waker of its own
/// that records that the socket (and not the feed) woke the task.
pub struct ReadWake {
    inner: Arc<ReadWakeInner>,
    waker: Waker,
}

struct ReadWakeInner {
    /// The socket may be ready: poll it.
    ready: AtomicBool,
    task: AtomicWaker,
}

impl Wake for ReadWakeInner {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl Default for ReadWake {
    fn default() -> Self {
        let inner = Arc::new(ReadWakeInner {
            // Nothing is registered yet: the first poll must happen.
            ready: AtomicBool::new(true),
            task: AtomicWaker::new(),
        });
        let waker = Waker::from(inner.clone());
        ReadWake { inner, waker }
    }
}

impl ReadWake {
    /// Polls `socket.next()` if the socket may be ready, else stays pending
    /// (the socket's waker, registered by its last pending poll, wakes the
    /// task when it is).
    pub fn poll_next(
        &self,
        cx: &mut Context<'_>,
        socket: &mut Socket,
    ) -> Poll<Option<Result<Message, Error>>> {
        self.inner.task.register(cx.waker());
        if !self.inner.ready.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        let mut own = Context::from_waker(&self.waker);
        let polled = socket.poll_next_unpin(&mut own);
        if polled.is_ready() {
            // More may be buffered already: no wake-up would say so.
            self.inner.ready.store(true, Ordering::Release);
        }
        polled
    }
}

/// The header of an unmasked, final text frame (RFC 6455 §5.2); its length.
fn header(buf: &mut [u8; 10], len: usize) -> usize {
    buf[0] = 0x81;
    if len < 126 {
        buf[1] = len as u8;
        2
    } else if let Ok(len) = u16::try_from(len) {
        buf[1] = 126;
        buf[2..4].copy_from_slice(&len.to_be_bytes());
        4
    } else {
        buf[1] = 127;
        buf[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    }
}

/// Writes `head` then `body`, counting the bytes written in `written`.
async fn write_all(
    io: &mut TokioIo<hyper::upgrade::Upgraded>,
    mut head: &[u8],
    mut body: &[u8],
    written: &mut usize,
) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    while !head.is_empty() || !body.is_empty() {
        let slices = [std::io::IoSlice::new(head), std::io::IoSlice::new(body)];
        let n = io.write_vectored(&slices).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        *written += n;
        let from_head = n.min(head.len());
        head = &head[from_head..];
        body = &body[n - from_head..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

    #[test]
    fn headers_match_tungstenite() {
        for len in [0, 1, 125, 126, 127, 4096, 65535, 65536, 100_000] {
            let mut buf = [0u8; 10];
            let n = header(&mut buf, len);
            let mut cursor = std::io::Cursor::new(&buf[..n]);
            let (h, parsed) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
            assert_eq!(parsed, len as u64);
            assert_eq!(cursor.position() as usize, n, "{len}");
            assert!(h.is_final && h.mask.is_none());
            assert_eq!(h.opcode, OpCode::Data(Data::Text));
        }
    }
}
