//! Codes, secrets and participant tokens.
//!
//! - The admin token creates events; generated on first start, kept in the
//!   data directory.
//! - Each event has a short join code (public) and two different secrets,
//!   one for moderators and one for the screen.
//! - Attendees get a participant id signed by the server (HMAC-SHA256 with a
//!   key kept in the data directory), so a vote can be tied to one device
//!   without accounts, and ids cannot be forged to stuff votes.

use crate::queue::DelegateId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::Sha256;
use std::io::{self, Write};
use std::path::Path;

/// Letters and digits that cannot be confused when read aloud or typed on a
/// phone: no 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CODE_LEN: usize = 6;

pub fn join_code() -> String {
    let mut rng = rand::thread_rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Join codes are typed by people: accept lower case and stray spaces.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase()
}

/// 24 random bytes, URL-safe: fits in a URL fragment unescaped.
pub fn secret() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A log epoch: 64 random bits in hex.
pub fn epoch() -> String {
    format!("{:016x}", rand::thread_rng().next_u64())
}

/// What the log keeps of a staff member's personal secret: its SHA-256
/// (the secret has 192 random bits, so no salt or slow hash is needed),
/// so a copy of the log opens nothing.
pub fn staff_secret_hash(secret: &str) -> String {
    use sha2::Digest;
    let digest = Sha256::new()
        .chain_update(b"staff:")
        .chain_update(secret.as_bytes())
        .finalize();
    URL_SAFE_NO_PAD.encode(digest)
}

/// Compares secrets without leaking, through timing, how much matched.
pub fn secret_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The server's long-lived keys, stored in the data directory.
pub struct Keys {
    pub admin_token: String,
    signing_key: Vec<u8>,
    /// True when the admin token was created by this start (print it once).
    pub admin_token_new: bool,
}

impl Keys {
    pub fn load_or_create(dir: &Path) -> io::Result<Keys> {
        let (admin_token, admin_token_new) = read_or_create(&dir.join("admin-token"), secret)?;
        let (key, _) = read_or_create(&dir.join("participant-key"), secret)?;
        Ok(Keys {
            admin_token,
            signing_key: key.into_bytes(),
            admin_token_new,
        })
    }

    /// A new participant: `(id, token)`.
    pub fn issue_participant(&self) -> (String, String) {
        let mut bytes = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut bytes);
        let id = URL_SAFE_NO_PAD.encode(bytes);
        let token = format!("{id}.{}", self.sign(&id));
        (id, token)
    }

    /// The participant id inside a token this server issued, or `None`.
    pub fn verify_participant(&self, token: &str) -> Option<String> {
        let (id, sig) = token.split_once('.')?;
        secret_eq(sig, &self.sign(id)).then(|| id.to_owned())
    }

    /// The key every event's card key is derived from (`card_key`): the
    /// registry holds it rather than the whole signing key.
    pub fn card_master(&self) -> [u8; 32] {
        self.mac(&[b"cards"]).into()
    }

    /// A delegate's device token: who (`d7`) and which claim (the
    /// `device`th), signed for this event only.
    pub fn delegate_token(&self, event: u64, id: DelegateId, device: u32) -> String {
        let body = format!("{id}:{device}");
        let sig = self.delegate_sig(event, &body);
        format!("{body}.{sig}")
    }

    /// The delegate and claim in a token `delegate_token` made for
    /// `event`, or `None`. Participant tokens never parse: their ids have
    /// no `:`.
    pub fn verify_delegate(&self, event: u64, token: &str) -> Option<(DelegateId, u32)> {
        let (body, sig) = token.split_once('.')?;
        let (id, device) = body.split_once(':')?;
        let id = id.parse().ok()?;
        let device = device.parse().ok()?;
        secret_eq(sig, &self.delegate_sig(event, body)).then_some((id, device))
    }

    fn delegate_sig(&self, event: u64, body: &str) -> String {
        let mac = self.mac(&[
            b"delegate:",
            event.to_string().as_bytes(),
            b":",
            body.as_bytes(),
        ]);
        URL_SAFE_NO_PAD.encode(&mac[..16])
    }

    fn mac(&self, parts: &[&[u8]]) -> hmac::digest::Output<Hmac<Sha256>> {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.signing_key).expect("any key length");
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes()
    }

    fn sign(&self, id: &str) -> String {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.signing_key).expect("any key length");
        mac.update(b"participant:");
        mac.update(id.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
    }
}

fn read_or_create(path: &Path, make: fn() -> String) -> io::Result<(String, bool)> {
    // Older versions wrote these files before restricting them.
    crate::private::tighten(path)?;
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => Ok((s.trim().to_owned(), false)),
        // Left empty by a crash right after it was created.
        Ok(_) => {
            std::fs::remove_file(path)?;
            write_new(path, make)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => write_new(path, make),
        Err(e) => Err(e),
    }
}

/// Created 0600 before the secret is written: never readable by others, not
/// even for a moment.
fn write_new(path: &Path, make: fn() -> String) -> io::Result<(String, bool)> {
    let value = make();
    let mut file = crate::private::create_new(path)?;
    file.write_all(format!("{value}\n").as_bytes())?;
    file.sync_all()?;
    Ok((value, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_avoid_ambiguous_characters() {
        for _ in 0..200 {
            let code = join_code();
            assert_eq!(code.len(), CODE_LEN);
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
        assert_eq!(normalize_code(" abc-d2k "), "ABCD2K");
    }

    #[test]
    fn participant_tokens_verify_and_resist_forgery() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Keys::load_or_create(dir.path()).unwrap();
        assert!(keys.admin_token_new);
        let (id, token) = keys.issue_participant();
        assert_eq!(keys.verify_participant(&token), Some(id.clone()));
        assert_eq!(
            keys.verify_participant(&format!("other.{}", keys.sign(&id))),
            None
        );
        assert_eq!(keys.verify_participant("garbage"), None);
        let again = Keys::load_or_create(dir.path()).unwrap();
        assert!(!again.admin_token_new);
        assert_eq!(again.admin_token, keys.admin_token);
        assert_eq!(again.verify_participant(&token), Some(id));
    }

    #[test]
    fn delegate_tokens_are_for_one_event_and_one_claim() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Keys::load_or_create(dir.path()).unwrap();
        let token = keys.delegate_token(3, DelegateId(7), 2);
        assert!(token.starts_with("d7:2."), "{token}");
        assert_eq!(keys.verify_delegate(3, &token), Some((DelegateId(7), 2)));
        assert_eq!(keys.verify_delegate(4, &token), None, "another event");
        let forged = token.replacen("d7:2", "d7:3", 1);
        assert_eq!(keys.verify_delegate(3, &forged), None);
        let (_, participant) = keys.issue_participant();
        assert_eq!(keys.verify_delegate(3, &participant), None);
        assert_eq!(keys.verify_participant(&token), None);
    }
}
