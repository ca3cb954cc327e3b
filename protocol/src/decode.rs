//! Reading a client's frame, and saying why one cannot be read.
//!
//! Every answer to a frame that carried a string `id` carries it back, even
//! when the rest of the frame cannot be read (an action this server does
//! not know, a field of the wrong kind): a client drops a request on its ack
//! or on any error with its id, and without the id it would resend forever.

use crate::{ClientMsg, ErrorCode, ServerMsg};
use serde_json::Value;

/// Longest request id accepted, in characters.
pub const MAX_REQUEST_ID: usize = 64;

/// The `type` values of [`ClientMsg`].
pub const CLIENT_TYPES: &[&str] = &["hello", "request", "ping"];

/// A client frame that was refused before it reached an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct Rejected {
    /// The frame's `id`, when it had a string one.
    pub id: Option<String>,
    pub code: ErrorCode,
    /// English, for logs.
    pub message: String,
}

impl Rejected {
    /// The `error` that answers the frame.
    pub fn into_msg(self) -> ServerMsg {
        ServerMsg::error(self.id, self.code, self.message)
    }
}

/// Reads one client frame. A request whose id is empty or longer than
/// [`MAX_REQUEST_ID`] characters is refused with `bad_request_id` (and its
/// id) whether or not its action could be read: the id is what the client
/// matches answers by, so that is the thing to fix first.
pub fn decode_client(text: &str) -> Result<ClientMsg, Rejected> {
    match serde_json::from_str::<ClientMsg>(text) {
        Ok(ClientMsg::Request { id, .. }) if !valid_request_id(&id) => Err(bad_request_id(id)),
        Ok(msg) => Ok(msg),
        Err(e) => Err(rejected(text, e.to_string())),
    }
}

/// Whether a request id is 1 to [`MAX_REQUEST_ID`] characters.
pub fn valid_request_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= MAX_REQUEST_ID
}

fn bad_request_id(id: String) -> Rejected {
    Rejected {
        id: Some(id),
        code: ErrorCode::BadRequestId,
        message: format!("request ids are 1 to {MAX_REQUEST_ID} characters"),
    }
}

/// Classifies a frame `ClientMsg` could not read, keeping its id. The
/// second parse costs nothing on the happy path and frames are at most
/// 16 KiB.
fn rejected(text: &str, message: String) -> Rejected {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Rejected {
            id: None,
            code: ErrorCode::BadJson,
            message,
        };
    };
    let id = match map.get("id") {
        Some(Value::String(id)) => Some(id.clone()),
        _ => None,
    };
    let is_request = matches!(map.get("type"), Some(Value::String(t)) if t == "request");
    if let Some(id) = id.as_ref().filter(|id| is_request && !valid_request_id(id)) {
        return bad_request_id(id.clone());
    }
    Rejected {
        id,
        code: kind(&map),
        message,
    }
}

/// What is wrong with a JSON object `ClientMsg` could not read.
fn kind(map: &serde_json::Map<String, Value>) -> ErrorCode {
    match map.get("type") {
        Some(Value::String(t)) if CLIENT_TYPES.contains(&t.as_str()) => ErrorCode::BadMessage,
        Some(Value::String(_)) => ErrorCode::UnknownType,
        _ => ErrorCode::BadJson,
    }
}

/// Why a client message could not be read, classified as the server
/// reports it (without the id: see [`decode_client`]).
pub fn classify_parse_error(frame: &str) -> ErrorCode {
    match serde_json::from_str::<Value>(frame) {
        Ok(Value::Object(map)) => kind(&map),
        _ => ErrorCode::BadJson,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Action;

    fn refusal(text: &str) -> (Option<String>, ErrorCode) {
        let r = decode_client(text).unwrap_err();
        (r.id, r.code)
    }

    #[test]
    fn unparsable_requests_keep_their_id() {
        use ErrorCode::*;
        let cases = [
            (
                r#"{"type":"request","id":"m-3","action":{"type":"dance"}}"#,
                (Some("m-3"), BadMessage),
            ),
            (
                r#"{"type":"request","id":"m-3","action":{"type":"set_phase","phase":"x"}}"#,
                (Some("m-3"), BadMessage),
            ),
            (
                r#"{"action":{"type":"vote","question":-1,"up":true},"id":"v","type":"request"}"#,
                (Some("v"), BadMessage),
            ),
            (
                r#"{"type":"request","id":"m-3"}"#,
                (Some("m-3"), BadMessage),
            ),
            (
                r#"{"type":"request","id":"","action":{"type":"dance"}}"#,
                (Some(""), BadRequestId),
            ),
            (
                r#"{"type":"request","id":"","action":{"type":"clear_current"}}"#,
                (Some(""), BadRequestId),
            ),
            (
                r#"{"type":"request","id":3,"action":{"type":"dance"}}"#,
                (None, BadMessage),
            ),
            (
                r#"{"type":"teleport","id":"t-1"}"#,
                (Some("t-1"), UnknownType),
            ),
            (r#"{"type":"hello","id":"h"}"#, (Some("h"), BadMessage)),
            (r#"{"id":"x"}"#, (Some("x"), BadJson)),
            (r#"{"type":"request","id":"m-3","#, (None, BadJson)),
            ("[1]", (None, BadJson)),
        ];
        for (text, expected) in cases {
            let expected = (expected.0.map(String::from), expected.1);
            assert_eq!(refusal(text), expected, "{text}");
        }
        let long = "é".repeat(MAX_REQUEST_ID + 1);
        let text = format!(r#"{{"type":"request","id":"{long}","action":{{"type":"dance"}}}}"#);
        assert_eq!(refusal(&text), (Some(long), BadRequestId));
        // 64 two-byte characters are 128 bytes but a valid id.
        let id = "é".repeat(MAX_REQUEST_ID);
        let msg = ClientMsg::Request {
            id,
            action: Action::ClearCurrent {},
        };
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(decode_client(&text), Ok(msg));
    }

    #[test]
    fn the_answer_carries_the_id() {
        let r = decode_client(r#"{"type":"request","id":"m-3","action":{"type":"dance"}}"#);
        let ServerMsg::Error { id, code, .. } = r.unwrap_err().into_msg() else {
            panic!("not an error")
        };
        assert_eq!((id.as_deref(), code), (Some("m-3"), ErrorCode::BadMessage));
    }
}
