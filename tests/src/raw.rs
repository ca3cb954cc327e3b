//! Clients below the test `Client`: sockets with chosen buffer sizes (a
//! phone on a busy Wi-Fi, a peer that stops reading) and raw WebSocket
//! frames (what a broken or hostile client sends).

use futures_util::SinkExt;
use hoidap_protocol::{ClientMsg, PROTOCOL_VERSION, Role};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// A TCP connection whose receive buffer is `rcvbuf` bytes, set before
/// connecting so the window it advertises is small from the start.
pub async fn tcp(addr: SocketAddr, rcvbuf: Option<u32>) -> anyhow::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    if let Some(size) = rcvbuf {
        socket.set_recv_buffer_size(size)?;
    }
    Ok(socket.connect(addr).await?)
}

/// A phone on a busy Wi-Fi: a small receive buffer and Wi-Fi's segment
/// size (loopback's 64 KiB segments would let the kernel buffer far more
/// of what the server sends than a real link does).
pub async fn phone_tcp(addr: SocketAddr, rcvbuf: usize) -> anyhow::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.set_recv_buffer_size(rcvbuf)?;
    socket.set_tcp_mss(1400)?;
    socket.set_nonblocking(true)?;
    let socket = TcpSocket::from_std_stream(socket.into());
    Ok(socket.connect(addr).await?)
}

/// Like [`joined`] over [`phone_tcp`].
pub async fn phone(
    addr: SocketAddr,
    rcvbuf: usize,
    code: &str,
    role: Role,
    secret: Option<&str>,
) -> anyhow::Result<WebSocketStream<TcpStream>> {
    say_hello(phone_tcp(addr, rcvbuf).await?, code, role, secret).await
}

/// A WebSocket over `tcp(addr, rcvbuf)` that has said hello (and read
/// nothing yet).
pub async fn joined(
    addr: SocketAddr,
    rcvbuf: Option<u32>,
    code: &str,
    role: Role,
    secret: Option<&str>,
) -> anyhow::Result<WebSocketStream<TcpStream>> {
    say_hello(tcp(addr, rcvbuf).await?, code, role, secret).await
}

/// Upgrades `stream` to a WebSocket and says hello on it.
async fn say_hello(
    stream: TcpStream,
    code: &str,
    role: Role,
    secret: Option<&str>,
) -> anyhow::Result<WebSocketStream<TcpStream>> {
    let url = format!("ws://{}/ws", stream.peer_addr()?);
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream).await?;
    ws.send(hello(code, role, secret)).await?;
    Ok(ws)
}

pub fn hello(code: &str, role: Role, secret: Option<&str>) -> Message {
    let hello = ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        join_code: code.to_owned(),
        role,
        secret: secret.map(str::to_owned),
        participant_token: None,
        delegate_code: None,
        resume: None,
    };
    Message::text(serde_json::to_string(&hello).expect("hello serialises"))
}

/// Does the WebSocket upgrade by hand; returns the stream right after the
/// server's `101` (and the response head), ready for raw frames.
pub async fn upgrade(addr: SocketAddr, rcvbuf: Option<u32>) -> anyhow::Result<(TcpStream, String)> {
    let mut stream = tcp(addr, rcvbuf).await?;
    let req = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await?;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if stream.read(&mut byte).await? == 0 {
            anyhow::bail!(
                "closed during the upgrade: {}",
                String::from_utf8_lossy(&head)
            );
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head)?;
    anyhow::ensure!(head.starts_with("HTTP/1.1 101"), "not upgraded: {head}");
    Ok((stream, head))
}

/// A client frame (clients must mask, RFC 6455 §5.3), final unless `more`.
pub fn frame(opcode: u8, payload: &[u8], more: bool) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![if more { 0 } else { 0x80 } | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xffff => {
            out.push(0x80 | 126);
            out.extend((n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend((n as u64).to_be_bytes());
        }
    }
    out.extend(mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// Reads server frames until a close frame; returns its code, or `None`
/// when the connection ends without one (within `within`).
pub async fn close_code(stream: &mut TcpStream, within: std::time::Duration) -> Option<u16> {
    let read = async {
        loop {
            let mut head = [0u8; 2];
            stream.read_exact(&mut head).await.ok()?;
            let len = match head[1] & 0x7f {
                126 => u64::from(stream.read_u16().await.ok()?),
                127 => stream.read_u64().await.ok()?,
                n => u64::from(n),
            };
            let mut body = vec![0u8; len as usize];
            stream.read_exact(&mut body).await.ok()?;
            if head[0] & 0x0f == 0x8 {
                return body
                    .get(..2)
                    .map(|code| u16::from_be_bytes([code[0], code[1]]));
            }
        }
    };
    tokio::time::timeout(within, read).await.ok().flatten()
}

/// Sends `request` as is and returns all the server wrote until it closed
/// (or `within` passed), as text: for checking status lines and headers.
pub async fn exchange(
    addr: SocketAddr,
    request: impl AsRef<[u8]>,
    within: std::time::Duration,
) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request.as_ref()).await?;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut raw)).await;
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

/// Whether the server closes `stream` (EOF or reset) within `within`,
/// discarding whatever it sends before.
pub async fn closed_within(stream: &mut TcpStream, within: std::time::Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}
