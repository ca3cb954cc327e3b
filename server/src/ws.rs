//! The WebSocket layer: the upgrade handshake, the socket's limits, and
//! sending large messages as fragments.
//!
//! We run tokio-tungstenite directly under hyper's upgrade instead of axum's
//! `WebSocket` because we need to send raw frames: tungstenite copies every
//! outgoing frame into a per-connection write buffer (a `Vec`) that never
//! shrinks, so one 26 KB snapshot on join would leave every connection
//! holding 26 KB for its lifetime (measured: 44 KiB per connection at 200
//! questions). Messages above [`FRAGMENT`] go out as a text frame plus
//! continuation frames of at most that size, so the buffer stays small.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
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
/// Largest frame payload written: the write buffer's high-water mark.
pub const FRAGMENT: usize = 4 * 1024;

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

/// Sends one text message, fragmented if it is larger than [`FRAGMENT`].
pub async fn send_text(socket: &mut Socket, text: Utf8Bytes) -> Result<(), Error> {
    if text.len() <= FRAGMENT {
        return socket.send(Message::Text(text)).await;
    }
    for frame in fragments(&text) {
        socket.send(Message::Frame(frame)).await?;
    }
    Ok(())
}

/// A text message as frames of at most [`FRAGMENT`] bytes, split on
/// character boundaries (not required by RFC 6455, but kinder to clients
/// that decode each frame). The payloads share the message's bytes.
fn fragments(text: &Utf8Bytes) -> Vec<WsFrame> {
    let s = text.as_str();
    let bytes = tokio_tungstenite::tungstenite::Bytes::from(text.clone());
    let mut frames = Vec::with_capacity(s.len() / FRAGMENT + 1);
    let mut start = 0;
    while start < s.len() {
        let mut end = (start + FRAGMENT).min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let opcode = if start == 0 {
            Data::Text
        } else {
            Data::Continue
        };
        let last = end == s.len();
        frames.push(WsFrame::message(
            bytes.slice(start..end),
            OpCode::Data(opcode),
            last,
        ));
        start = end;
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_cover_the_message_on_char_boundaries() {
        let text: String = "Câu hỏi về công tác cán bộ; ".repeat(600);
        let frames = fragments(&Utf8Bytes::from(text.clone()));
        assert!(frames.len() > 3);
        let mut joined = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let h = f.header();
            assert!(f.payload().len() <= FRAGMENT);
            assert!(std::str::from_utf8(f.payload()).is_ok());
            let expected = if i == 0 { Data::Text } else { Data::Continue };
            assert_eq!(h.opcode, OpCode::Data(expected));
            assert_eq!(h.is_final, i == frames.len() - 1);
            joined.extend_from_slice(f.payload());
        }
        assert_eq!(joined, text.as_bytes());
    }
}
