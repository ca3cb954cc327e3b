//! The stored form of a log entry, and every earlier form it must still
//! read.
//!
//! - **v1** (until staff existed): no version field; the cause was
//!   `"actor": {"role": "attendee", "participant": "…"}` or
//!   `"actor": {"role": "moderator"}`, i.e. a role and, for attendees, a
//!   participant id.
//! - **v2**: `"v": 2`, and `"by"` names a [`Principal`]: a participant, a
//!   named staff member, a shared per-role link, or the organiser.
//!
//! Writing is always the newest version. Reading maps an older entry to
//! what it meant: a v1 moderator is the shared moderator link (the only way
//! a moderator could connect then). An entry from a newer version is
//! refused rather than guessed at. `tests/fixtures/v1` holds a log written
//! by the last v1 main; `it::fixture` replays it.

use super::{Entry, Event, Principal};
use hoidap_protocol::{Role, Seq};
use serde::{Deserialize, Serialize};

/// The version every entry is written in.
pub const ENTRY_VERSION: u32 = 2;

#[derive(Serialize)]
struct Written<'a> {
    v: u32,
    seq: Seq,
    at: u64,
    by: &'a Principal,
    #[serde(skip_serializing_if = "Option::is_none")]
    req: &'a Option<String>,
    event: &'a Event,
}

impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Written {
            v: ENTRY_VERSION,
            seq: self.seq,
            at: self.at,
            by: &self.by,
            req: &self.req,
            event: &self.event,
        }
        .serialize(s)
    }
}

/// Any version, as read.
#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    v: Option<u32>,
    seq: Seq,
    at: u64,
    #[serde(default)]
    by: Option<Principal>,
    /// v1 only.
    #[serde(default)]
    actor: Option<V1Actor>,
    #[serde(default)]
    req: Option<String>,
    event: Event,
}

#[derive(Deserialize)]
struct V1Actor {
    role: Role,
    #[serde(default)]
    participant: Option<String>,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let stored = Stored::deserialize(d)?;
        let by = match (stored.v, stored.by, stored.actor) {
            (Some(ENTRY_VERSION), Some(by), None) => by,
            (None, None, Some(actor)) => match (actor.role, actor.participant) {
                (Role::Attendee, Some(id)) => Principal::Participant { id },
                (Role::Attendee, None) => {
                    return Err(D::Error::custom("v1 attendee entry without a participant"));
                }
                (role, _) => Principal::Link { role },
            },
            (Some(v), ..) if v > ENTRY_VERSION => {
                return Err(D::Error::custom(format!(
                    "entry format v{v} is newer than this server (v{ENTRY_VERSION}); upgrade hoidap"
                )));
            }
            _ => return Err(D::Error::custom("neither a v1 nor a v2 entry")),
        };
        Ok(Entry {
            seq: stored.seq,
            at: stored.at,
            by,
            req: stored.req,
            event: stored.event,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::StaffId;

    fn read(json: &str) -> Result<Entry, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn v1_entries_read_as_what_they_meant() {
        let vote = read(
            r#"{"seq":4,"at":9,"actor":{"role":"attendee","participant":"p1"},"req":"r","event":{"type":"voted","question":1,"up":true}}"#,
        )
        .unwrap();
        assert_eq!(vote.by, Principal::participant("p1"));
        assert_eq!(vote.req.as_deref(), Some("r"));
        let hide = read(
            r#"{"seq":5,"at":9,"actor":{"role":"moderator"},"event":{"type":"phase_set","phase":"closed"}}"#,
        )
        .unwrap();
        assert_eq!(hide.by, Principal::moderator_link());
        assert!(read(r#"{"seq":5,"at":9,"actor":{"role":"attendee"},"event":{"type":"phase_set","phase":"closed"}}"#).is_err());
    }

    #[test]
    fn v2_round_trips_and_newer_versions_are_refused() {
        let entry = Entry {
            seq: 7,
            at: 11,
            by: Principal::Staff { id: StaffId(3) },
            req: None,
            event: Event::StaffRevoked { id: StaffId(2) },
        };
        let json = serde_json::to_string(&entry).unwrap();
        assert_eq!(
            json,
            r#"{"v":2,"seq":7,"at":11,"by":{"kind":"staff","id":"s3"},"event":{"type":"staff_revoked","id":"s2"}}"#
        );
        assert_eq!(read(&json).unwrap(), entry);
        let newer = json.replace(r#""v":2"#, r#""v":3"#);
        let err = read(&newer).unwrap_err().to_string();
        assert!(err.contains("newer than this server"), "{err}");
        // A v2 entry must say who: never read as anonymous.
        assert!(
            read(r#"{"v":2,"seq":1,"at":1,"event":{"type":"phase_set","phase":"open"}}"#).is_err()
        );
    }

    #[test]
    fn staff_ids_have_one_spelling() {
        for bad in ["s", "s0", "s01", "x1", "s-1", "s1a", "1"] {
            assert!(bad.parse::<StaffId>().is_err(), "{bad}");
        }
        assert_eq!("s12".parse::<StaffId>(), Ok(StaffId(12)));
    }
}
