//! The hello/request decoder (`decode_client`, `ClientMsg`): it never
//! panics, valid frames roundtrip, and a refusal carries the frame's string
//! `id` (issue 9, item 7).

use crate::fuzz;
use hoidap_protocol::{
    Action, ClientMsg, ErrorCode, Phase, ResumeFrom, Role, ServerMsg, decode_client,
    valid_request_id,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseResult;
use serde_json::{Map, Value};

fn odd_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => proptest::char::range('a', 'z'),
        3 => proptest::sample::select(vec![
            '\0', '\u{7}', '\n', '\r', '\t', '"', '\\', '/', ' ', '\u{a0}', '\u{301}',
            '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}', '\u{fffd}', '\u{10ffff}',
            'ệ', 'đ', 'Ư', '\u{1f1fb}', '\u{1f600}', '\u{e000}',
        ]),
    ]
}

fn odd_string(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(odd_char(), 0..=max).prop_map(String::from_iter)
}

fn request_id() -> impl Strategy<Value = String> {
    proptest::collection::vec(odd_char(), 1..=64).prop_map(String::from_iter)
}

fn question() -> impl Strategy<Value = u64> {
    prop_oneof![0..20u64, any::<u64>()]
}

fn action() -> impl Strategy<Value = Action> {
    let opt = || proptest::option::of(odd_string(20));
    prop_oneof![
        (odd_string(60), opt(), opt(), any::<bool>()).prop_map(|(text, name, unit, anonymous)| {
            Action::Ask {
                text,
                name,
                unit,
                anonymous,
                identity: None,
                topic: None,
                official: None,
            }
        }),
        (question(), any::<bool>()).prop_map(|(question, up)| Action::Vote { question, up }),
        question().prop_map(|question| Action::Approve { question }),
        question().prop_map(|question| Action::Hide { question }),
        question().prop_map(|question| Action::Restore { question }),
        question().prop_map(|question| Action::MarkAnswered { question }),
        question().prop_map(|question| Action::Reopen { question }),
        question().prop_map(|question| Action::SetCurrent { question }),
        Just(Action::ClearCurrent {}),
        (question(), odd_string(60)).prop_map(|(question, text)| Action::Edit { question, text }),
        (
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<u32>>()
        )
            .prop_map(|(pre_moderation, allow_anonymous, max_length)| {
                Action::UpdateSettings {
                    pre_moderation,
                    allow_anonymous,
                    max_length,
                    chair_sets_current: None,
                    identities: None,
                    asker_routes: None,
                }
            }),
        (
            question(),
            proptest::option::of(proptest::option::of(0..9u32)),
            opt(),
            opt()
        )
            .prop_map(|(question, topic, official, reason)| Action::Route {
                question,
                topic,
                official,
                reason
            }),
        (question(), 0..70u32, opt()).prop_map(|(question, working_days, official)| {
            Action::AnswerInWriting {
                question,
                working_days,
                official,
            }
        }),
        (question(), odd_string(60), proptest::option::of(0..4u32)).prop_map(
            |(question, text, answer)| Action::DraftAnswer {
                question,
                text,
                answer
            }
        ),
        (question(), odd_string(20))
            .prop_map(|(question, reason)| Action::NotSatisfied { question, reason }),
        (question(), question()).prop_map(|(question, into)| Action::Merge { question, into }),
        question().prop_map(|question| Action::Unmerge { question }),
        proptest::sample::select(vec![Phase::Open, Phase::VotingOnly, Phase::Closed])
            .prop_map(|phase| Action::SetPhase { phase }),
    ]
}

/// Any message a conforming client may send.
fn client_msg() -> impl Strategy<Value = ClientMsg> {
    let opt = || proptest::option::of(odd_string(30));
    let role = proptest::sample::select(vec![Role::Attendee, Role::Moderator, Role::Screen]);
    let resume = proptest::option::of(
        (odd_string(20), any::<u64>()).prop_map(|(epoch, seq)| ResumeFrom { epoch, seq }),
    );
    prop_oneof![
        1 => (any::<u32>(), odd_string(10), role, opt(), opt(), resume).prop_map(
            |(protocol, join_code, role, secret, participant_token, resume)| ClientMsg::Hello {
                protocol,
                join_code,
                role,
                secret,
                participant_token,
                delegate_code: None,
                resume,
            }
        ),
        4 => (request_id(), action()).prop_map(|(id, action)| ClientMsg::Request { id, action }),
        1 => Just(ClientMsg::Ping {}),
    ]
}

/// JSON values of every kind, including the ones a field never expects.
fn odd_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        odd_string(12).prop_map(Value::from),
        proptest::sample::select(vec![
            "request",
            "hello",
            "ping",
            "vote",
            "ask",
            "set_phase",
            "open",
            "party",
            "",
        ])
        .prop_map(Value::from),
        // Replaced by a literal no `Value` can hold (see `NUMBERS`).
        (0..NUMBERS.len()).prop_map(|i| Value::from(format!("@@num{i}@@"))),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(odd_string(6), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Number literals at and past the edges of u32, u64, i64 and f64.
const NUMBERS: &[&str] = &[
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "0.0",
    "1.5",
    "9007199254740993",
    "123456789012345678901234567890123456789012345678901234567890",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Remove the field or element at a path chosen by the number.
    Drop(usize),
    /// Replace the value at a path.
    Retype(usize, Value),
    /// Rename a field.
    Rename(usize, String),
    /// Add a field to an object.
    Add(usize, String, Value),
    /// Repeat a top-level field, as JSON text (a `Value` cannot hold it).
    Duplicate(String, Value),
    /// Cut the text at a fraction of its length.
    Truncate(u16),
    /// Insert a token at a fraction of its length.
    Insert(u16, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let key = || {
        prop_oneof![
            proptest::sample::select(vec![
                "type",
                "id",
                "action",
                "question",
                "up",
                "phase",
                "text",
                "protocol",
                "join_code",
                "role",
                "resume",
                "seq",
                "epoch",
                "secret",
            ])
            .prop_map(String::from),
            odd_string(6),
        ]
    };
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        (any::<usize>(), odd_value()).prop_map(|(p, v)| Mutation::Retype(p, v)),
        (any::<usize>(), key()).prop_map(|(p, k)| Mutation::Rename(p, k)),
        (any::<usize>(), key(), odd_value()).prop_map(|(p, k, v)| Mutation::Add(p, k, v)),
        (key(), odd_value()).prop_map(|(k, v)| Mutation::Duplicate(k, v)),
        any::<u16>().prop_map(Mutation::Truncate),
        (
            any::<u16>(),
            proptest::sample::select(vec![
                "\"", "\\", "{", "}", "[", "]", ",", ":", "\\ud800", "\\udc00", "\\u0000", "\\x",
                "\u{feff}", "\u{202e}", "e\u{301}", "null", "1e400", " ", "\n",
            ])
        )
            .prop_map(|(at, t)| Mutation::Insert(at, t)),
    ]
}

/// Every value inside `v`, depth first (the root is path 0).
fn paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (k, child) in children {
        here.push(k);
        paths(child, here, out);
        here.pop();
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Object(m) => m.get_mut(k).expect("path exists"),
        Value::Array(a) => &mut a[k.parse::<usize>().expect("index")],
        _ => unreachable!("paths only go through containers"),
    })
}

fn apply(mut v: Value, mutations: &[Mutation]) -> String {
    let mut dup = Vec::new();
    let mut text_edits = Vec::new();
    for m in mutations {
        let mut all = Vec::new();
        paths(&v, &mut Vec::new(), &mut all);
        let pick = |n: usize| all[n % all.len()].clone();
        match m {
            Mutation::Drop(n) => {
                let path = pick(*n);
                if let Some((last, parent)) = path.split_last() {
                    match at(&mut v, parent) {
                        Value::Object(m) => drop(m.remove(last)),
                        Value::Array(a) => drop(a.remove(last.parse::<usize>().expect("index"))),
                        _ => {}
                    }
                }
            }
            Mutation::Retype(n, new) => *at(&mut v, &pick(*n)) = new.clone(),
            Mutation::Rename(n, key) => {
                let path = pick(*n);
                if let Some((last, parent)) = path.split_last()
                    && let Value::Object(m) = at(&mut v, parent)
                    && let Some(old) = m.remove(last)
                {
                    m.insert(key.clone(), old);
                }
            }
            Mutation::Add(n, key, new) => {
                if let Value::Object(m) = at(&mut v, &pick(*n)) {
                    m.insert(key.clone(), new.clone());
                }
            }
            Mutation::Duplicate(k, new) => dup.push((k.clone(), new.clone())),
            other => text_edits.push(other.clone()),
        }
    }
    let mut text = v.to_string();
    if text.starts_with('{') {
        for (k, new) in dup {
            let pair = format!("{}:{}", Value::from(k), new);
            text = if text == "{}" {
                format!("{{{pair}}}")
            } else {
                format!("{{{pair},{}", &text[1..])
            };
        }
    }
    for (i, literal) in NUMBERS.iter().enumerate() {
        text = text.replace(&format!("\"@@num{i}@@\""), literal);
    }
    for edit in text_edits {
        let cut = |f: u16, text: &str| {
            let mut i = text.len() * usize::from(f) / usize::from(u16::MAX);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        match edit {
            Mutation::Truncate(f) => text.truncate(cut(f, &text)),
            Mutation::Insert(f, token) => text.insert_str(cut(f, &text), token),
            _ => unreachable!("only text edits are left"),
        }
    }
    text
}

pub fn near_valid() -> impl Strategy<Value = String> {
    (client_msg(), proptest::collection::vec(mutation(), 1..4)).prop_map(|(msg, mutations)| {
        apply(serde_json::to_value(&msg).expect("serialises"), &mutations)
    })
}

/// Token soup: mostly JSON punctuation, keys and odd strings.
fn soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        proptest::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\"type\"",
            "\"request\"",
            "\"id\"",
            "\"x\"",
            "\"action\"",
            "\"hello\"",
            "1",
            "-",
            "e",
            "null",
            "true",
            " ",
            "\\u",
        ])
        .prop_map(String::from),
        odd_string(4),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

/// What every frame must satisfy, valid or not.
fn check(text: &str) -> TestCaseResult {
    let value = serde_json::from_str::<Value>(text).ok();
    let object: Option<&Map<String, Value>> = value.as_ref().and_then(Value::as_object);
    let id = object.and_then(|m| m.get("id")).and_then(Value::as_str);
    match decode_client(text) {
        Ok(msg) => {
            if let ClientMsg::Request { id, .. } = &msg {
                prop_assert!(valid_request_id(id), "accepted bad id {id:?}");
            }
            let again = serde_json::to_string(&msg).expect("serialises");
            prop_assert_eq!(decode_client(&again), Ok(msg));
        }
        Err(refused) => {
            prop_assert_eq!(refused.id.as_deref(), id, "the frame's id is lost");
            if value.is_none() {
                prop_assert_eq!(refused.code, ErrorCode::BadJson);
            }
            if refused.code == ErrorCode::BadRequestId {
                prop_assert!(!refused.id.as_deref().is_some_and(valid_request_id));
            }
            let answer = refused.into_msg();
            let wire = serde_json::to_string(&answer).expect("serialises");
            prop_assert_eq!(serde_json::from_str::<ServerMsg>(&wire).ok(), Some(answer));
        }
    }
    Ok(())
}

#[test]
fn valid_frames_roundtrip() {
    fuzz("decode: valid frames roundtrip", client_msg(), |msg| {
        let text = serde_json::to_string(&msg).expect("serialises");
        prop_assert_eq!(decode_client(&text), Ok(msg));
        Ok(())
    });
}

#[test]
fn near_valid_frames_never_lose_their_id() {
    fuzz("decode: near-valid frames", near_valid(), |text| {
        check(&text)
    });
}

#[test]
fn arbitrary_text_is_refused_cleanly() {
    fuzz("decode: arbitrary text", odd_string(200), |text| {
        check(&text)
    });
    fuzz("decode: token soup", soup(), |text| check(&text));
}

#[test]
fn requests_with_a_string_id_keep_it() {
    // The examples, as a property over every id and broken action.
    let frame = (request_id(), odd_value()).prop_map(|(id, action)| {
        let mut m = Map::new();
        m.insert("type".into(), "request".into());
        m.insert("id".into(), id.clone().into());
        m.insert("action".into(), action);
        (id, Value::Object(m).to_string())
    });
    fuzz("decode: broken actions", frame, |(id, text)| {
        if let Err(refused) = decode_client(&text) {
            prop_assert_eq!(refused.id, Some(id));
            prop_assert_eq!(refused.code, ErrorCode::BadMessage);
        }
        Ok(())
    });
}
