//! The small ids the log uses for people: `s3` for a staff member, `d12`
//! for a delegate. Small, stable within an event, readable in an audit
//! trail, and spelled one way only (no sign, no leading zeros), so two
//! entries never name the same person differently.

use std::fmt;

macro_rules! small_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                parse_number(s.strip_prefix($prefix).ok_or(())?).map($name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(|()| {
                    serde::de::Error::custom(format!(concat!("not a ", $what, " id: {:?}"), s))
                })
            }
        }
    };
}

small_id!(
    /// A staff member's id within the event, `s1`, `s2`…
    StaffId,
    "s",
    "staff"
);
small_id!(
    /// A delegate's id within the event's roster, `d1`, `d2`…
    DelegateId,
    "d",
    "delegate"
);

fn parse_number(n: &str) -> Result<u32, ()> {
    if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    n.parse().map_err(|_| ())
}
