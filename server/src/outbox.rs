//! A connection's outgoing bytes: one ordered queue that the room, the
//! room's fan-out worker and the connection's own task all push to without
//! waiting, and that writes straight to the socket when the socket can take
//! it.
//!
//! Why not one task per connection that writes what a broadcast channel
//! hands it: at 10k attendees every 100 ms tick then costs 10k task wake-ups
//! and 10k trips through a select loop before the 10k writes, on the one
//! core the server has (measured: about 80 % of that core at 1,000 votes/s).
//! Here the fan-out worker writes each frame to each socket itself, with one
//! non-blocking `writev`; a connection's task is woken only when its socket
//! was full (the rest of the frame waits in the queue until it is writable)
//! or when something is addressed to it alone.
//!
//! Invariants: bytes leave in push order, and a frame is never interleaved
//! with another (every push goes through the one lock, and a partly written
//! frame stays at the front until it is finished). A connection that falls
//! more than `MAX_BACKLOG` behind in its feed drops the feed frames it has
//! not started and is marked lagging: it gets one fresh snapshot instead of
//! the backlog (see `conn`). What each kind of frame is, and which ones
//! count, is [`Class`].

use bytes::Bytes;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How far behind its feed a connection may fall before it is resynced:
/// a slow phone gets one snapshot instead of a growing backlog. Counted in
/// [`cost`]: bytes plus a fixed cost per frame, so a thousand tiny vote
/// deltas weigh what they hold in memory.
pub const MAX_BACKLOG: usize = 512 * 1024;
/// Everything queued but the join frames (a snapshot of a big event is
/// bounded by itself): past this the peer is not reading at all and the
/// connection is closed.
pub const MAX_QUEUED: usize = 4 * 1024 * 1024;
/// What one queued frame costs beyond its bytes: the queue entry and the
/// shared buffer's header. A 2-byte pong is about 130 bytes of memory;
/// counting it as 2 let a ping flood queue two million of them.
pub const ENTRY_COST: usize = 128;
/// The connection's own frames (answers, errors, pongs) a connection may
/// have waiting before its task stops reading it: a peer that sends and
/// never reads must not make the server queue answers without bound.
pub const READ_PAUSE: usize = 64 * 1024;

/// The memory one frame of `len` bytes holds while queued.
pub fn cost(len: usize) -> usize {
    len + ENTRY_COST
}

/// A message framed once (RFC 6455 header and payload) for every connection
/// that gets it; cloning shares the payload.
#[derive(Clone)]
pub struct Wire {
    head: [u8; 10],
    head_len: u8,
    body: Bytes,
}

impl Wire {
    /// An unmasked, final text frame carrying `text`.
    pub fn text(text: impl Into<Bytes>) -> Wire {
        let body = text.into();
        let mut head = [0u8; 10];
        let head_len = header(&mut head, body.len()) as u8;
        Wire {
            head,
            head_len,
            body,
        }
    }

    /// Bytes already framed (by tungstenite: pongs, pings, close frames).
    pub fn raw(bytes: Bytes) -> Wire {
        Wire {
            head: [0; 10],
            head_len: 0,
            body: bytes,
        }
    }

    pub fn len(&self) -> usize {
        usize::from(self.head_len) + self.body.len()
    }

    /// The frame's first byte (FIN and opcode): tells a WebSocket pong
    /// from a protocol `pong` text frame.
    fn kind(&self) -> u8 {
        match self.head_len {
            0 => self.body.first().copied().unwrap_or(0),
            _ => self.head[0],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes from `from` on, as at most two slices.
    fn slices(&self, from: usize) -> [IoSlice<'_>; 2] {
        let head = &self.head[..usize::from(self.head_len)];
        let in_head = from.min(head.len());
        let in_body = from - in_head;
        [
            IoSlice::new(&head[in_head..]),
            IoSlice::new(&self.body[in_body..]),
        ]
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

/// What a frame is to the connection, which decides what may be dropped,
/// replaced or counted when the peer falls behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// The audience's feed (deltas, presence): dropped when the connection
    /// lags, since a snapshot replaces it; what the lag limit counts.
    Feed,
    /// What brings a joining or resyncing connection up to date (snapshot
    /// or missed deltas, presence). Never counted as lag: a snapshot bigger
    /// than the lag limit would otherwise resync the connection at once,
    /// forever. A newer join supersedes the unstarted frames of an older.
    Join,
    /// The connection's own frames (welcome, acks, errors, close): never
    /// dropped; they make its task stop reading when they pile up.
    Own,
    /// A pong (WebSocket or protocol): only the latest unsent one of each
    /// kind is kept, so a ping flood queues one.
    Pong,
    /// The attendee's own questions and votes (`mine`): each replaces what
    /// the client held, so only the latest unsent one is kept.
    Mine,
}

impl Class {
    fn index(self) -> usize {
        self as usize
    }

    /// Frames the peer asked for by sending: they count towards READ_PAUSE.
    const ANSWERS: [Class; 3] = [Class::Own, Class::Pong, Class::Mine];
}

/// What the connection's task must act on.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// Fell behind: ask the room for a fresh snapshot.
    Lagging,
    /// The room asks the connection to end with this close code.
    Kicked(u16),
    /// The socket failed, or the peer stopped reading entirely.
    Closed,
}

struct Queued {
    wire: Wire,
    written: usize,
    class: Class,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    /// Unwritten bytes in `queue`, and frames, by class.
    bytes: [usize; 5],
    frames: [usize; 5],
    lagging: bool,
    /// `Event::Lagging` was handed out; the room's reset clears it.
    resync_asked: bool,
    closed: bool,
    kicked: Option<u16>,
    /// When the front of the queue last made progress; `None` when empty.
    waiting_since: Option<Instant>,
    waker: Option<Waker>,
}

pub struct Outbox {
    stream: Arc<TcpStream>,
    state: Mutex<State>,
    /// Answers to the connection's requests pushed so far (its task counts
    /// requests sent, and stops reading when too many are unanswered).
    answered: AtomicUsize,
}

impl Outbox {
    pub fn new(stream: Arc<TcpStream>) -> Outbox {
        Outbox {
            stream,
            state: Mutex::default(),
            answered: AtomicUsize::new(0),
        }
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding it leaves a queue that is still consistent
        // (every mutation is a single push or pop): keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `wire`, writing it at once when nothing is queued before it.
    /// Returns false once the connection has ended (the caller may forget
    /// it).
    pub fn push(&self, wire: &Wire, class: Class) -> bool {
        self.push_locked(&mut self.lock(), wire, class)
    }

    fn push_locked(&self, s: &mut State, wire: &Wire, class: Class) -> bool {
        if s.closed {
            return false;
        }
        if class == Class::Feed && s.lagging {
            return true;
        }
        let mut written = 0;
        if s.queue.is_empty() {
            match self.stream.try_write_vectored(&wire.slices(0)) {
                Ok(n) if n == wire.len() => return true,
                Ok(n) => written = n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    s.closed = true;
                    wake(s);
                    return false;
                }
            }
            // The task drains the rest once the socket is writable.
            s.waiting_since = Some(Instant::now());
            wake(s);
        } else if matches!(class, Class::Pong | Class::Mine) && s.replace(wire, class) {
            return true;
        }
        let c = class.index();
        s.bytes[c] += wire.len() - written;
        s.frames[c] += 1;
        s.queue.push_back(Queued {
            wire: wire.clone(),
            written,
            class,
        });
        if class == Class::Feed && s.cost(&[Class::Feed]) > MAX_BACKLOG {
            lag(s);
        } else if s.cost(&[Class::Feed]) + s.cost(&Class::ANSWERS) > MAX_QUEUED {
            s.closed = true;
            wake(s);
        }
        true
    }

    /// Queues the answer to one of the connection's requests.
    pub fn answer(&self, wire: &Wire) {
        let mut s = self.lock();
        self.push_locked(&mut s, wire, Class::Own);
        self.answered.fetch_add(1, Ordering::Release);
        // The task may have stopped reading at its in-flight limit.
        wake(&mut s);
    }

    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::Acquire)
    }

    /// The memory held by frames the peer asked for (answers, errors,
    /// pongs, notices): past [`READ_PAUSE`] its task stops reading it.
    pub fn answers_backlog(&self) -> usize {
        // Asked on every wake of the connection's task: no allocation.
        self.lock().cost(&Class::ANSWERS)
    }

    /// The room's answer to `Event::Lagging` (or a join): these frames
    /// bring the connection up to date, and the feed resumes after them.
    /// What they supersede and has not started leaves the queue: feed
    /// frames the snapshot includes, and an older join's frames (a resync
    /// asked while a big snapshot was still queued must not send two).
    pub fn reset(&self, frames: &[(Class, Wire)]) {
        let mut s = self.lock();
        s.lagging = false;
        s.resync_asked = false;
        s.queue
            .retain(|q| q.written > 0 || !matches!(q.class, Class::Feed | Class::Join));
        s.recount();
        for (class, wire) in frames {
            if !self.push_locked(&mut s, wire, *class) {
                return;
            }
        }
    }

    /// Asks the connection to end with `code` (the room rebuilt its state).
    pub fn kick(&self, code: u16) {
        let mut s = self.lock();
        s.kicked = Some(code);
        wake(&mut s);
    }

    /// The connection has ended: pushes are refused from now on.
    pub fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.queue.clear();
        s.recount();
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Since when the queue has waited for the socket without progress.
    pub fn waiting_since(&self) -> Option<Instant> {
        self.lock().waiting_since
    }

    /// Writes what is queued while the socket takes it. Ready once the
    /// queue is empty; pending (with the task registered for writability)
    /// while the socket is full.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut s = self.lock();
        self.flush_locked(&mut s, cx)
    }

    fn flush_locked(&self, s: &mut State, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(front) = s.queue.front_mut() {
            if let Err(e) = std::task::ready!(self.stream.poll_write_ready(cx)) {
                s.closed = true;
                return Poll::Ready(Err(e));
            }
            match self
                .stream
                .try_write_vectored(&front.wire.slices(front.written))
            {
                Ok(0) => {
                    s.closed = true;
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Ok(n) => {
                    front.written += n;
                    let (c, done) = (front.class.index(), front.written == front.wire.len());
                    s.bytes[c] -= n;
                    if done {
                        s.queue.pop_front();
                        s.frames[c] -= 1;
                    }
                    s.waiting_since = Some(Instant::now());
                }
                // Readiness is cleared: the next poll registers the task.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    s.closed = true;
                    return Poll::Ready(Err(e));
                }
            }
        }
        s.waiting_since = None;
        // A connection that was behind once keeps no buffer: at 10k
        // connections, idle queue capacity would add up.
        s.queue = VecDeque::new();
        Poll::Ready(Ok(()))
    }

    /// Writes what it can, then reports what the connection's task must act
    /// on; pending (task registered) while there is nothing.
    pub fn poll_event(&self, cx: &mut Context<'_>) -> Poll<Event> {
        let mut s = self.lock();
        if !s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            s.waker = Some(cx.waker().clone());
        }
        if s.closed {
            return Poll::Ready(Event::Closed);
        }
        if let Some(code) = s.kicked.take() {
            return Poll::Ready(Event::Kicked(code));
        }
        if s.lagging && !s.resync_asked {
            s.resync_asked = true;
            return Poll::Ready(Event::Lagging);
        }
        match self.flush_locked(&mut s, cx) {
            Poll::Ready(Err(_)) => Poll::Ready(Event::Closed),
            _ => Poll::Pending,
        }
    }
}

/// Drops the feed frames not yet started and marks the connection lagging.
fn lag(s: &mut State) {
    s.queue.retain(|q| q.class != Class::Feed || q.written > 0);
    s.recount();
    s.lagging = true;
    wake(s);
}

impl State {
    /// Recomputes the counters after frames left from the middle.
    fn recount(&mut self) {
        (self.bytes, self.frames) = ([0; 5], [0; 5]);
        if self.queue.is_empty() {
            // Nothing waits for the socket any more: not stalled.
            self.waiting_since = None;
        }
        for q in &self.queue {
            self.bytes[q.class.index()] += q.wire.len() - q.written;
            self.frames[q.class.index()] += 1;
        }
    }

    /// The memory queued in frames of `classes` (see [`cost`]).
    fn cost(&self, classes: &[Class]) -> usize {
        classes
            .iter()
            .map(|c| self.bytes[c.index()] + self.frames[c.index()] * ENTRY_COST)
            .sum()
    }

    /// Puts `wire` in the place of the unstarted frame it supersedes (the
    /// previous pong of the same kind, or the previous `mine`), if there is
    /// one. A `mine` moves to the end instead: it must follow the changes
    /// it reflects.
    fn replace(&mut self, wire: &Wire, class: Class) -> bool {
        let kind = wire.kind();
        let Some(at) = self
            .queue
            .iter()
            .rposition(|q| q.class == class && q.written == 0 && q.wire.kind() == kind)
        else {
            return false;
        };
        let c = class.index();
        if class == Class::Pong {
            let old = std::mem::replace(&mut self.queue[at].wire, wire.clone());
            self.bytes[c] = self.bytes[c] + wire.len() - old.len();
            return true;
        }
        if let Some(old) = self.queue.remove(at) {
            self.bytes[c] -= old.wire.len();
            self.frames[c] -= 1;
        }
        false
    }
}

fn wake(s: &mut State) {
    if let Some(w) = &s.waker {
        w.wake_by_ref();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

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

    /// Reads `n` whole frames from `peer`, returning each one's first
    /// payload byte (the frames below are filled with one byte each).
    async fn read_frames(peer: &mut TcpStream, n: usize) -> Vec<u8> {
        use tokio::io::AsyncReadExt;
        let mut kinds = Vec::new();
        for _ in 0..n {
            let mut head = [0u8; 2];
            peer.read_exact(&mut head).await.unwrap();
            assert_eq!(head[0], 0x81, "a frame starts here");
            let len = match head[1] {
                126 => usize::from(peer.read_u16().await.unwrap()),
                127 => peer.read_u64().await.unwrap() as usize,
                n => usize::from(n),
            };
            let mut body = vec![0u8; len];
            peer.read_exact(&mut body).await.unwrap();
            assert!(
                body.iter().all(|b| *b == body[0]),
                "frames never interleave"
            );
            kinds.push(body[0]);
        }
        kinds
    }

    #[tokio::test]
    async fn a_peer_that_stops_reading_lags_keeps_its_own_frames_and_resets() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut peer = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let outbox = Outbox::new(Arc::new(server));
        let frame = |byte: u8| Wire::text(Bytes::from(vec![byte; 64 * 1024]));
        // Far more than the kernel buffers while the peer reads nothing.
        let mut pushed = 0;
        while !outbox.lock().lagging {
            assert!(outbox.push(&frame(b'f'), Class::Feed));
            pushed += 1;
            assert!(pushed < 10_000, "never lagged");
        }
        let queued = outbox.lock().queue.len();
        assert!(queued <= 1, "unstarted feed frames are dropped: {queued}");
        // While lagging, feed frames are dropped and the connection's own
        // frames still queue; the task is told once.
        outbox.push(&frame(b'f'), Class::Feed);
        outbox.push(&frame(b'o'), Class::Own);
        let event = std::future::poll_fn(|cx| Poll::Ready(outbox.poll_event(cx))).await;
        assert_eq!(event, Poll::Ready(Event::Lagging));
        outbox.reset(&[(Class::Join, frame(b's'))]);
        outbox.push(&frame(b'f'), Class::Feed);
        // Drain: the task writes the rest while the peer reads.
        let drained = async {
            loop {
                if std::future::poll_fn(|cx| outbox.poll_flush(cx))
                    .await
                    .is_ok()
                {
                    break;
                }
            }
        };
        let written = pushed - 1; // the last one made it lag
        let reading = async {
            let mut kinds = Vec::new();
            while !kinds.ends_with(b"osf") {
                kinds.extend(read_frames(&mut peer, 1).await);
                assert!(kinds.len() <= written + 3);
            }
            kinds
        };
        let ((), kinds) = tokio::join!(drained, reading);
        // Some feed frames (those the socket took, and the one started),
        // then the own frame, the snapshot and the feed after it, in order.
        let feed = kinds.iter().take_while(|k| **k == b'f').count();
        assert_eq!(&kinds[feed..], b"osf");
        assert!(feed > 0 && feed < written, "{feed} of {written}");
    }

    /// An outbox whose peer reads nothing, with the kernel's buffers full:
    /// from now on everything pushed is queued.
    async fn stalled() -> (Outbox, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let outbox = Outbox::new(Arc::new(server));
        let filler = Wire::text(Bytes::from(vec![b'k'; 64 * 1024]));
        while outbox.lock().queue.is_empty() {
            assert!(outbox.push(&filler, Class::Own));
        }
        (outbox, peer)
    }

    fn queued(outbox: &Outbox, class: Class) -> usize {
        outbox
            .lock()
            .queue
            .iter()
            .filter(|q| q.class == class)
            .count()
    }

    #[tokio::test]
    async fn join_frames_are_not_lag() {
        let (outbox, _peer) = stalled().await;
        // A snapshot far over the lag limit does not make it lag...
        let snapshot = Wire::text(Bytes::from(vec![b's'; 6 * MAX_BACKLOG]));
        outbox.reset(&[(Class::Join, snapshot)]);
        assert!(!outbox.lock().lagging && !outbox.is_closed());
        // ...what is queued behind it does, once it is over the limit.
        let delta = Wire::text(Bytes::from(vec![b'd'; 1000]));
        let mut pushed = 0;
        while !outbox.lock().lagging {
            outbox.push(&delta, Class::Feed);
            pushed += 1;
        }
        assert_eq!(pushed, MAX_BACKLOG / cost(delta.len()) + 1);
        // A resync supersedes the unstarted join frames: one snapshot queued.
        let again = Wire::text(Bytes::from(vec![b's'; 6 * MAX_BACKLOG]));
        outbox.reset(&[(Class::Join, again)]);
        assert_eq!(queued(&outbox, Class::Join), 1);
        assert_eq!(queued(&outbox, Class::Feed), 0);
    }

    #[tokio::test]
    async fn a_ping_flood_queues_one_pong_of_each_kind() {
        let (outbox, _peer) = stalled().await;
        for i in 0..10_000u16 {
            let payload = i.to_be_bytes();
            let ws_pong = Wire::raw(Bytes::from(vec![0x8A, 2, payload[0], payload[1]]));
            assert!(outbox.push(&ws_pong, Class::Pong));
            let app_pong = Wire::text(Bytes::from_static(br#"{"type":"pong"}"#));
            assert!(outbox.push(&app_pong, Class::Pong));
        }
        let s = outbox.lock();
        let pongs: Vec<&Queued> = s.queue.iter().filter(|q| q.class == Class::Pong).collect();
        assert_eq!(pongs.len(), 2);
        // RFC 6455 §5.5.3: the pong answers the most recent ping.
        assert_eq!(&pongs[0].wire.body[2..], &9999u16.to_be_bytes());
    }

    #[tokio::test]
    async fn only_the_latest_mine_is_kept_and_it_follows_the_feed() {
        let (outbox, _peer) = stalled().await;
        for i in 0..1000u32 {
            outbox.push(&Wire::text(Bytes::from(format!("mine {i}"))), Class::Mine);
            outbox.push(&Wire::text(Bytes::from(format!("delta {i}"))), Class::Feed);
        }
        let s = outbox.lock();
        assert_eq!(s.frames[Class::Mine.index()], 1);
        let last_mine = s
            .queue
            .iter()
            .rposition(|q| q.class == Class::Mine)
            .unwrap();
        assert_eq!(&s.queue[last_mine].wire.body[..], b"mine 999");
        assert_eq!(&s.queue[last_mine - 1].wire.body[..], b"delta 998");
    }

    #[tokio::test]
    async fn tiny_frames_count_what_they_cost() {
        let (outbox, _peer) = stalled().await;
        let tiny = Wire::raw(Bytes::from_static(&[0x89, 0]));
        let mut pushed = 0usize;
        while outbox.push(&tiny, Class::Own) {
            pushed += 1;
            assert!(pushed < MAX_QUEUED, "never closed");
        }
        // Closed once what the frames hold in memory passed the limit, not
        // their two bytes each.
        assert!(pushed <= MAX_QUEUED / ENTRY_COST, "{pushed} frames queued");
    }

    #[test]
    fn slices_skip_what_was_written() {
        let wire = Wire::text(Bytes::from_static(b"hello"));
        let joined = |from| {
            wire.slices(from)
                .iter()
                .flat_map(|s| s.to_vec())
                .collect::<Vec<u8>>()
        };
        assert_eq!(joined(0), b"\x81\x05hello");
        assert_eq!(joined(1), b"\x05hello");
        assert_eq!(joined(4), b"llo");
        assert_eq!(joined(7), b"");
    }
}
