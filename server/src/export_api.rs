//! `GET /api/events/{code}/export?format=csv|xlsx|json`: the event's
//! questions as a file, and `GET /api/events/{code}/audit?format=csv|json`:
//! its audit trail (every staff and organiser action, `export::audit`), for
//! the organiser (`Authorization: Bearer <admin token>`), the chair
//! (`Authorization: Staff <personal secret>`, or the shared moderator
//! link's secret, which acts as the chair) and the staff roles the
//! organiser allowed (`Settings::export_roles`: their personal links).
//!
//! The room decides and logs the export (`exported`, naming who and the
//! format, `audit_csv`/`audit_json` for an audit) and hands back the rows
//! at that entry. After that entry's commit the chain head at it is read
//! from the log, and an audit reads the entries up to it, off the room;
//! the bytes are written here, on a blocking thread, not in the room.

use crate::conn::{WRONG_SECRET, check_secret};
use crate::export::{self, Export};
use crate::http::{ApiError, App, require_admin};
use crate::log::chain;
use crate::queue::{Principal, Rejection};
use crate::room::{AdminRefusal, RoomHandle, RoomMsg};
use crate::staff_api::{room, unavailable};
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hoidap_protocol::Role;
use std::sync::Arc;
use tokio::sync::oneshot;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/events/{code}/export", get(download))
        .route("/api/events/{code}/audit", get(audit))
}

/// The question formats, as `/export` takes them.
const QUESTIONS: [&str; 3] = ["csv", "xlsx", "json"];
/// `/audit`'s formats and the logged format each is.
const AUDITS: [(&str, &str); 2] = [("csv", "audit_csv"), ("json", "audit_json")];

async fn download(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let asked = asked_format(query.as_deref());
    let format = QUESTIONS
        .into_iter()
        .find(|f| Some(*f) == asked)
        .ok_or_else(|| bad_format("format must be one of csv, xlsx, json"))?;
    serve(&app, &headers, &code, format).await
}

async fn audit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let asked = asked_format(query.as_deref());
    let format = AUDITS
        .into_iter()
        .find_map(|(f, logged)| (Some(f) == asked).then_some(logged))
        .ok_or_else(|| bad_format("format must be one of csv, json"))?;
    serve(&app, &headers, &code, format).await
}

/// What either kind of export is, once the format is known.
async fn serve(
    app: &App,
    headers: &HeaderMap,
    code: &str,
    format: &'static str,
) -> Result<Response, ApiError> {
    let credential = credential(headers)?;
    if let Credential::Admin = credential {
        require_admin(app, headers)?;
    }
    let room = room(app, code).await?;
    let by = match credential {
        Credential::Admin => Principal::Admin {},
        Credential::Staff(secret) => staff(&room, &secret)?,
    };
    let mut export = rows(&room, by, format).await?;
    let log = app.rooms.log().clone();
    let (event, seq) = (room.record.id, export.event.entries_seq);
    export.event.chain_head = chain_head(app, event, seq).await?;
    let entries = if export::is_audit(format) {
        let mut entries = log.entries(event, 0).await.map_err(|e| {
            tracing::error!(%e, "reading an audit's entries failed");
            unavailable()
        })?;
        entries.truncate(seq as usize);
        entries
    } else {
        Vec::new()
    };
    let name = export::file_name(&export.event.join_code, export.event.exported_at, format);
    let written = tokio::task::spawn_blocking(move || write(export, &entries, format))
        .await
        .map_err(|_| unavailable())?;
    let bytes = written.map_err(|e| {
        tracing::error!(%e, "writing an export failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "export_failed",
            "the export could not be written",
        )
    })?;
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(format)),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|_| unavailable())?,
    );
    // It names the askers: no cache keeps a copy.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

enum Credential {
    Admin,
    Staff(String),
}

fn credential(headers: &HeaderMap) -> Result<Credential, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match value.strip_prefix("Staff ") {
        Some(secret) => Ok(Credential::Staff(secret.trim().to_owned())),
        None if value.starts_with("Bearer ") => Ok(Credential::Admin),
        None => Err(unauthorized()),
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "send the admin token as `Authorization: Bearer <token>`, or a staff member's personal link secret as `Authorization: Staff <secret>`",
    )
}

fn forbidden(message: &'static str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

/// Whom a staff secret names, checked as the panel's hello checks it: a
/// member's personal link (the core then checks the role), or the shared
/// moderator link while the event has no named chair or moderator.
fn staff(room: &RoomHandle, secret: &str) -> Result<Principal, ApiError> {
    match check_secret(room, Role::Moderator, Some(secret)) {
        Ok(Some(member)) => Ok(Principal::Staff { id: member.id }),
        Ok(None) => Ok(Principal::moderator_link()),
        Err(refusal) if refusal == WRONG_SECRET => Err(unauthorized()),
        Err((_, message)) => Err(forbidden(message)),
    }
}

/// The chain head at an export's own entry, in hex. Read after the
/// room's answer, which came after the entry's commit: the log's read side
/// sees it.
pub(crate) async fn chain_head(
    app: &App,
    event: crate::log::EventId,
    seq: hoidap_protocol::Seq,
) -> Result<String, ApiError> {
    let head = app.rooms.log().head(event, seq).await.map_err(|e| {
        tracing::error!(%e, "reading an export's chain head failed");
        unavailable()
    })?;
    Ok(chain::hex(&head.ok_or_else(unavailable)?))
}

fn asked_format(query: Option<&str>) -> Option<&str> {
    query
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("format="))
}

fn bad_format(message: &'static str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_format", message)
}

async fn rows(room: &RoomHandle, by: Principal, format: &str) -> Result<Export, ApiError> {
    let (reply, answer) = oneshot::channel();
    let format = format.to_owned();
    let msg = RoomMsg::Export { by, format, reply };
    room.send(msg).await.map_err(|_| unavailable())?;
    match answer.await.map_err(|_| unavailable())? {
        Ok(export) => Ok(export),
        Err(AdminRefusal::Rejected(Rejection::Forbidden)) => Err(forbidden(
            "only the organiser, the chair and the roles the organiser allowed may export the event",
        )),
        Err(AdminRefusal::Rejected(r)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_format",
            r.to_string(),
        )),
        Err(AdminRefusal::Unavailable) => Err(unavailable()),
    }
}

/// The file; `entries`: the log up to the export's own entry (an audit's).
fn write(
    export: Export,
    entries: &[crate::queue::Entry],
    format: &str,
) -> Result<Vec<u8>, export::ExportError> {
    match format {
        "csv" => export::csv(&export),
        "xlsx" => export::xlsx(&export),
        "json" => export::json(&export),
        "audit_csv" => export::audit_csv(&export::audit(export.event, entries)),
        _ => export::audit_json(&export::audit(export.event, entries)),
    }
}

fn content_type(format: &str) -> &'static str {
    match format {
        "csv" | "audit_csv" => "text/csv; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/json",
    }
}
