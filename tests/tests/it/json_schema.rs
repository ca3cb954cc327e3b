//! A checker for the subset of JSON Schema that `docs/export.schema.json`
//! and `docs/audit.schema.json` use (`type`, `enum`, `required`,
//! `properties`, `additionalProperties: false`, `items`, `minimum`, three
//! `pattern`s: a date, a chain head, a time in UTC+7; local `$ref`s). Hand-written rather than the `jsonschema`
//! crate: that one brings an HTTP client and a regex engine into the build
//! for a schema this small. A keyword it does not know fails the check, so
//! the schema cannot grow past what is verified.

use serde_json::Value;

/// Every place `value` breaks `schema`, as `path: why`.
pub fn violations(root: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(root, root, value, "$", &mut out);
    out
}

const KNOWN: [&str; 13] = [
    "$schema",
    "title",
    "description",
    "type",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minimum",
    "pattern",
    "$ref",
    "$defs",
];

fn check(root: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        out.push(format!("{path}: the schema is not an object"));
        return;
    };
    for key in schema.keys() {
        if !KNOWN.contains(&key.as_str()) {
            out.push(format!("{path}: unknown schema keyword {key}"));
        }
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix("#/")
            .map(|p| p.split('/').fold(root, |v, key| &v[key]));
        match target {
            Some(t) if !t.is_null() => check(root, t, value, path, out),
            _ => out.push(format!("{path}: cannot resolve {reference}")),
        }
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.iter().any(|t| is_type(value, t)) {
            out.push(format!("{path}: {value} is not of type {allowed:?}"));
            return;
        }
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array)
        && !choices.contains(value)
    {
        out.push(format!("{path}: {value} is not one of {choices:?}"));
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && n < min
    {
        out.push(format!("{path}: {n} is below {min}"));
    }
    if let (Some(pattern), Some(s)) = (
        schema.get("pattern").and_then(Value::as_str),
        value.as_str(),
    ) {
        let matches = match pattern {
            DATE => Some(is_date(s)),
            HEX_HASH => {
                Some(s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            }
            LOCAL_TIME => Some(is_local_time(s)),
            _ => None,
        };
        match matches {
            None => out.push(format!(
                "{path}: pattern {pattern} is not one this checker knows"
            )),
            Some(false) => out.push(format!("{path}: {s:?} does not match {pattern}")),
            Some(true) => {}
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for key in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(key) {
                out.push(format!("{path}: {key} is missing"));
            }
        }
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => check(root, sub, item, &format!("{path}.{key}"), out),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{path}: {key} is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (n, item) in array.iter().enumerate() {
            check(root, items, item, &format!("{path}[{n}]"), out);
        }
    }
}

/// The patterns the schemas use: a date, a chain head, a time in the
/// meeting's zone.
const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const HEX_HASH: &str = "^[0-9a-f]{64}$";
const LOCAL_TIME: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+]07:00$";

fn is_local_time(s: &str) -> bool {
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    s.len() == 25
        && is_date(&s[..10])
        && &s[10..11] == "T"
        && [&s[11..13], &s[14..16], &s[17..19]].into_iter().all(digits)
        && &s[13..14] == ":"
        && &s[16..17] == ":"
        && &s[19..] == "+07:00"
}

fn is_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[test]
fn the_checker_finds_what_breaks_a_schema() {
    let schema: Value = serde_json::json!({
        "type": "object", "required": ["a"], "additionalProperties": false,
        "properties": { "a": { "$ref": "#/$defs/day" }, "n": { "type": "integer", "minimum": 1 } },
        "$defs": { "day": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" } }
    });
    let good = serde_json::json!({ "a": "2026-12-03", "n": 2 });
    assert!(violations(&schema, &good).is_empty());
    for bad in [
        serde_json::json!({ "n": 2 }),
        serde_json::json!({ "a": "3/12/2026" }),
        serde_json::json!({ "a": "2026-12-03", "n": 0 }),
        serde_json::json!({ "a": "2026-12-03", "n": 1.5 }),
        serde_json::json!({ "a": "2026-12-03", "extra": true }),
    ] {
        assert!(!violations(&schema, &bad).is_empty(), "{bad}");
    }
}

#[test]
fn the_checker_knows_a_chain_head_and_a_local_time() {
    let schema: Value = serde_json::json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "head": { "type": "string", "pattern": HEX_HASH },
            "time": { "type": "string", "pattern": LOCAL_TIME }
        }
    });
    let good = serde_json::json!({ "head": "0a".repeat(32), "time": "2026-12-04T09:05:07+07:00" });
    assert!(violations(&schema, &good).is_empty());
    for bad in [
        serde_json::json!({ "head": "0A".repeat(32) }),
        serde_json::json!({ "head": "0a".repeat(31) }),
        serde_json::json!({ "time": "2026-12-04T09:05:07Z" }),
        serde_json::json!({ "time": "2026-12-04 09:05:07+07:00" }),
    ] {
        assert!(!violations(&schema, &bad).is_empty(), "{bad}");
    }
}
