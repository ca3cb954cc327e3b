//! WebSocket frames after the upgrade, over a real socket: a joined
//! attendee sends frames with odd opcodes, reserved bits, unmasked or
//! fragmented payloads, lying lengths, bad UTF-8 and near-valid JSON. The
//! server answers with well-formed frames, ends the connection once the
//! client has (it half-closes), panics nowhere, and goes on serving.

use crate::fuzz;
use hoidap_protocol::Role;
use hoidap_tests::raw;
use proptest::prelude::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone)]
struct Frame {
    /// FIN, RSV1-3 and the opcode.
    first: u8,
    masked: bool,
    /// Added to the true length (a lie when not 0).
    lie: i8,
    payload: Vec<u8>,
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => crate::decode::near_valid().prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => (0usize..3).prop_map(|i| [&b"\xc3\x28"[..], b"\xed\xa0\x80", b"\xff"][i].to_vec()),
        1 => (120usize..130).prop_map(|n| vec![b'a'; n]),
        1 => (16_000usize..16_800).prop_map(|n| vec![b' '; n]),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    let first = prop_oneof![
        // Final text, final close, ping, pong, a first fragment, continuation.
        6 => proptest::sample::select(vec![0x81u8, 0x88, 0x89, 0x8a, 0x01, 0x80, 0x82]),
        1 => any::<u8>(),
    ];
    let lie = prop_oneof![8 => Just(0i8), 1 => any::<i8>()];
    (first, proptest::bool::weighted(0.9), lie, payload()).prop_map(
        |(first, masked, lie, payload)| Frame {
            first,
            masked,
            lie,
            payload,
        },
    )
}

fn encode(f: &Frame) -> Vec<u8> {
    let mut out = raw::frame(f.first & 0x0f, &f.payload, false);
    out[0] = f.first;
    if f.lie != 0 || !f.masked {
        // Rebuild the header by hand: the helper always masks and tells
        // the truth.
        let len = (f.payload.len() as i64 + i64::from(f.lie)).max(0) as u64;
        let mask_bit = if f.masked { 0x80 } else { 0 };
        let mut head = vec![f.first];
        match len {
            n if n < 126 => head.push(mask_bit | n as u8),
            n if n <= 0xffff => {
                head.push(mask_bit | 126);
                head.extend((n as u16).to_be_bytes());
            }
            n => {
                head.push(mask_bit | 127);
                head.extend(n.to_be_bytes());
            }
        }
        if f.masked {
            head.extend([0x37, 0xfa, 0x21, 0x3d]);
            let mask = [0x37, 0xfa, 0x21, 0x3d];
            head.extend(f.payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        } else {
            head.extend(&f.payload);
        }
        out = head;
    }
    out
}

/// Reads server frames until the end; false when one is malformed.
fn well_formed(mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        let [first, second, rest @ ..] = bytes else {
            return false;
        };
        // Servers never mask, never set reserved bits.
        if second & 0x80 != 0 || first & 0x70 != 0 {
            return false;
        }
        let (len, rest) = match second & 0x7f {
            126 => match rest {
                [a, b, rest @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), rest),
                _ => return false,
            },
            127 => match rest.split_first_chunk::<8>() {
                Some((n, rest)) => (u64::from_be_bytes(*n) as usize, rest),
                None => return false,
            },
            n => (usize::from(n), rest),
        };
        if rest.len() < len {
            return false;
        }
        bytes = &rest[len..];
    }
    true
}

#[test]
fn hostile_frames_get_well_formed_answers() {
    let (rt, hall) = crate::hall();
    let addr = hall.server.addr;
    let code = hall.event.join_code.clone();
    let before = crate::panics();
    let frames = proptest::collection::vec(frame(), 1..6);
    fuzz("frames: hostile frames after hello", frames, |frames| {
        let answer = rt.block_on(async {
            let (mut stream, _) = raw::upgrade(addr, None).await.expect("upgrades");
            let hello = raw::hello(&code, Role::Attendee, None).into_data();
            let mut bytes = raw::frame(0x1, &hello, false);
            for f in &frames {
                bytes.extend(encode(f));
            }
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
            let mut answer = Vec::new();
            let read = stream.read_to_end(&mut answer);
            // Ended by the server (EOF or reset) rather than by our patience.
            let ended = tokio::time::timeout(Duration::from_secs(10), read)
                .await
                .is_ok();
            (ended, answer)
        });
        let (ended, answer) = answer;
        prop_assert!(
            ended,
            "the connection was still open 10 s after the client's FIN"
        );
        prop_assert!(well_formed(&answer), "{answer:?}");
        prop_assert_eq!(crate::panics(), before, "the server panicked");
        Ok(())
    });
    rt.block_on(async { hall.attendee().await.map(drop) })
        .expect("joins after the fuzzing");
}
