//! Delegates' personal codes: printed on a delegate's card or sent by the
//! organiser, typed on a phone to say "I am this delegate".
//!
//! Eight characters from `auth::CODE_ALPHABET` (31 symbols, no 0/O, 1/I/L),
//! shown as `XXXX-XXXX` so they are read and typed in two halves.
//!
//! Entropy: 31^8 ≈ 8.5 × 10^11 codes, 39.6 bits. A guesser is held to 30
//! guesses a second per address (`rate::RateLimits::code_guesses_per_address`).
//! Against a roster of 5,000 delegates (the import's cap) one guess hits
//! with probability 5,000 / 8.5 × 10^11 ≈ 5.9 × 10^-9, so one address
//! needs on average 1.7 × 10^8 guesses, 66 days of guessing without pause,
//! to find any code; 300 delegates make it three years. Six characters
//! (like join codes, which are public anyway) would fall to one address in
//! under two hours against 5,000 delegates; eight outlast a meeting many
//! times over while staying typeable.

use crate::auth::CODE_ALPHABET;
use crate::queue::DelegateId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const DELEGATE_CODE_LEN: usize = 8;

/// The card's code of delegate `id` after `resets` resets, in its
/// display form `XXXX-XXXX` (the form `normalize_delegate_code` returns,
/// so derived and typed codes compare as strings).
///
/// Derived, not drawn: HMAC-SHA256 under the event's card key (itself
/// derived from the server's key, kept in the data directory), so the log
/// stores no usable code (a copy of the database opens no card), and the
/// cards can be printed again at any time.
pub fn delegate_code(key: &[u8; 32], id: DelegateId, resets: u32) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(format!("card:{id}:{resets}").as_bytes());
    let digest = mac.finalize().into_bytes();
    // 64 bits reduced to 31^8 (~2^39.6): the bias is below 2^-24.
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let base = CODE_ALPHABET.len() as u64;
    let raw: Vec<u8> = (0..DELEGATE_CODE_LEN)
        .map(|_| {
            let c = CODE_ALPHABET[(n % base) as usize];
            n /= base;
            c
        })
        .collect();
    display(&raw)
}

/// A code as typed, to its display form; `None` when it cannot be one.
///
/// Accepted: lower case, spaces and hyphens anywhere (a phone's keyboard
/// may turn `-` into a dash). Look-alikes are refused rather than mapped:
/// the alphabet already leaves out 0, O, 1, I and L, so a typed `0` could
/// be neither `O` nor `D` or `Q` with any certainty, and a wrong mapping
/// costs a guess that looks like the delegate's fault. A letter with a
/// Vietnamese mark (Telex turns "AS" into "Á") is refused too: the
/// composition cannot be undone reliably, and the page asks the delegate to
/// switch Vietnamese typing off for the code.
pub fn normalize_delegate_code(typed: &str) -> Option<String> {
    let mut raw = Vec::with_capacity(DELEGATE_CODE_LEN);
    for c in typed.chars() {
        if c.is_whitespace() || matches!(c, '-' | '‐'..='―' | '−' | '_' | '.') {
            continue;
        }
        let c = c.to_ascii_uppercase();
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        raw.push(c as u8);
        if raw.len() > DELEGATE_CODE_LEN {
            return None;
        }
    }
    (raw.len() == DELEGATE_CODE_LEN).then(|| display(&raw))
}

fn display(raw: &[u8]) -> String {
    let (a, b) = raw.split_at(DELEGATE_CODE_LEN / 2);
    format!(
        "{}-{}",
        std::str::from_utf8(a).unwrap_or_default(),
        std::str::from_utf8(b).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_from_the_alphabet_in_two_halves() {
        let mut seen = std::collections::HashSet::new();
        let key = [7u8; 32];
        for i in 1..=1000 {
            let code = delegate_code(&key, DelegateId(i), 0);
            assert_eq!(code.len(), 9);
            assert_eq!(&code[4..5], "-");
            assert!(
                code.bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| CODE_ALPHABET.contains(&b))
            );
            assert_eq!(
                normalize_delegate_code(&code).as_deref(),
                Some(code.as_str())
            );
            seen.insert(code);
        }
        assert_eq!(seen.len(), 1000, "39.6 bits: no repeats in a thousand");
    }

    #[test]
    fn codes_follow_the_key_the_delegate_and_the_resets() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let code = delegate_code(&a, DelegateId(5), 0);
        assert_eq!(code, delegate_code(&a, DelegateId(5), 0), "reprintable");
        assert_ne!(code, delegate_code(&a, DelegateId(5), 1), "a reset");
        assert_ne!(code, delegate_code(&a, DelegateId(6), 0));
        assert_ne!(code, delegate_code(&b, DelegateId(5), 0), "another event");
    }

    #[test]
    fn typed_codes_are_normalised_or_refused() {
        let ok = |typed: &str| normalize_delegate_code(typed);
        assert_eq!(ok("abcd-efgh").as_deref(), Some("ABCD-EFGH"));
        assert_eq!(ok(" ab cd ef gh ").as_deref(), Some("ABCD-EFGH"));
        assert_eq!(ok("ABCDEFGH").as_deref(), Some("ABCD-EFGH"));
        assert_eq!(ok("abcd–efgh").as_deref(), Some("ABCD-EFGH"), "en dash");
        assert_eq!(ok("2345 6789").as_deref(), Some("2345-6789"));
        // Outside the alphabet: 0, O, 1, I, L.
        for bad in [
            "ABCD-EFG0",
            "ABCD-EFGO",
            "ABCD-EFG1",
            "abcd-efgi",
            "abcd-efgl",
        ] {
            assert_eq!(ok(bad), None, "{bad}");
        }
        assert_eq!(ok("ABCD-EFG"), None, "too short");
        assert_eq!(ok("ABCD-EFGHJ"), None, "too long");
        assert_eq!(ok("ÁBCD-EFGH"), None, "a Telex mark");
        assert_eq!(ok(""), None);
    }
}
