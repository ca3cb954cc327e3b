//! The admin API for an event's roster: import delegates from the
//! organiser's file (with a dry run that only reports), list them with
//! their cards, reset a lost card.
//!
//! An import is one log entry (all or nothing). The cards' codes are not
//! stored anywhere: they are derived from the event's card key (see
//! `roster::codes`), so this API can print them again at any time.

use crate::http::{ApiError, App, require_admin};
use crate::queue::{AdminAction, DelegateId, NewDelegate, Rejection};
use crate::room::{RoomHandle, RoomMsg, RosterListed};
use crate::roster::{self, ImportError, RowError, RowReason};
use crate::staff_api::{decide, room, unavailable};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::oneshot;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/api/events/{code}/roster",
            // `parse` says "too large" in words below this; past it the
            // body is not read at all.
            get(list)
                .post(import)
                .layer(DefaultBodyLimit::max(roster::MAX_BYTES + 1)),
        )
        .route("/api/events/{code}/roster/{id}/reset", post(reset))
        .route("/api/roster-template.csv", get(template))
}

/// A delegate as the API shows them, with what their card needs.
#[derive(Debug, Serialize, Deserialize)]
pub struct CardView {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    pub position: Option<String>,
    /// `XXXX-XXXX`, as printed and typed.
    pub code: String,
    /// Opens the attendee page and claims the card (the code is in the
    /// fragment, which browsers never send).
    pub link: String,
    pub qr: Qr,
    /// A device holds the card now.
    pub claimed: bool,
    /// Open connections of the delegate.
    pub present: u32,
}

/// A QR code's modules, row by row, `1` dark, without the quiet zone:
/// the console draws it, so the code never travels in a URL.
#[derive(Debug, Serialize, Deserialize)]
pub struct Qr {
    pub size: usize,
    pub bits: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Imported {
    /// Delegates read from the file.
    pub rows: usize,
    /// Added to the roster (0 for a dry run).
    pub imported: usize,
    /// On the roster after the import.
    pub total: usize,
}

#[derive(Debug, Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Json<Vec<CardView>>, ApiError> {
    require_admin(&app, &headers)?;
    let room = room(&app, &code).await?;
    let listed = roster_of(&room).await?;
    Ok(Json(
        listed.into_iter().map(|l| card(&app, &room, l)).collect(),
    ))
}

async fn import(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<Imported>, Response> {
    require_admin(&app, &headers).map_err(IntoResponse::into_response)?;
    let room = room(&app, &code)
        .await
        .map_err(IntoResponse::into_response)?;
    // calamine holds a workbook in memory: read off the runtime's threads.
    let parsed = tokio::task::spawn_blocking(move || roster::parse(&body))
        .await
        .map_err(|_| unavailable().into_response())?;
    let rows = parsed.map_err(|e| refused(&e))?;
    let on_roster = roster_of(&room)
        .await
        .map_err(IntoResponse::into_response)?;
    let already = already_on_roster(&rows, &on_roster);
    if !already.is_empty() {
        return Err(refused(&ImportError::Rows(already)));
    }
    if query.dry_run {
        return Ok(Json(Imported {
            rows: rows.len(),
            imported: 0,
            total: on_roster.len(),
        }));
    }
    let new: Vec<NewDelegate> = rows
        .iter()
        .map(|r| NewDelegate {
            name: r.name.clone(),
            unit: r.unit.clone(),
            position: r.position.clone(),
        })
        .collect();
    let action = AdminAction::AddDelegates { rows: new };
    match decide(&room, action)
        .await
        .map_err(IntoResponse::into_response)?
    {
        Ok(_) => Ok(Json(Imported {
            rows: rows.len(),
            imported: rows.len(),
            total: on_roster.len() + rows.len(),
        })),
        // Imported by someone else meanwhile: the same report as above.
        Err(Rejection::AlreadyOnRoster(found)) => {
            let errors = found
                .into_iter()
                .map(|(i, id)| on_roster_error(rows[i].line, id))
                .collect();
            Err(refused(&ImportError::Rows(errors)))
        }
        Err(Rejection::RosterFull(max)) => Err(refused(&ImportError::TooMany { max })),
        Err(r) => Err(
            ApiError::new(StatusCode::CONFLICT, "roster_invalid", r.to_string()).into_response(),
        ),
    }
}

async fn reset(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Result<Json<CardView>, ApiError> {
    require_admin(&app, &headers)?;
    let room = room(&app, &code).await?;
    let id: DelegateId = id.parse().map_err(|()| unknown_delegate())?;
    match decide(&room, AdminAction::ResetDelegate { id }).await? {
        Ok(_) => {}
        Err(Rejection::UnknownDelegate) => return Err(unknown_delegate()),
        Err(r) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                r.code().as_str(),
                r.to_string(),
            ));
        }
    }
    let listed = roster_of(&room).await?;
    let found = listed.into_iter().find(|l| l.delegate.id == id);
    found
        .map(|l| Json(card(&app, &room, l)))
        .ok_or_else(unknown_delegate)
}

/// What the console offers to download and fill in.
async fn template() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"danh-sach-dai-bieu.csv\"",
            ),
        ],
        roster::sample_csv(),
    )
        .into_response()
}

/// Rows naming someone already on the roster (same name and unit).
fn already_on_roster(rows: &[roster::RosterRow], on_roster: &[RosterListed]) -> Vec<RowError> {
    let mut known = std::collections::HashMap::new();
    for l in on_roster {
        let key = (l.delegate.name.as_str(), l.delegate.unit.as_deref());
        known.insert(key, l.delegate.id);
    }
    rows.iter()
        .filter_map(|r| {
            let id = known.get(&(r.name.as_str(), r.unit.as_deref()))?;
            Some(on_roster_error(r.line, *id))
        })
        .collect()
}

fn on_roster_error(line: usize, id: DelegateId) -> RowError {
    RowError {
        line,
        reason: RowReason::OnRoster { id: id.to_string() },
    }
}

/// 422 with every problem: what the console lists, row by row.
fn refused(e: &ImportError) -> Response {
    #[derive(Serialize)]
    struct RowProblem<'a> {
        #[serde(flatten)]
        row: &'a RowError,
        message: String,
    }
    let rows = match e {
        ImportError::Rows(rows) => rows.as_slice(),
        _ => &[],
    };
    let errors: Vec<RowProblem<'_>> = rows
        .iter()
        .map(|row| RowProblem {
            row,
            message: row.to_string(),
        })
        .collect();
    let body = serde_json::json!({
        "error": { "code": "roster_invalid", "message": e.to_string() },
        "problem": e.code(),
        "errors": errors,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

async fn roster_of(room: &RoomHandle) -> Result<Vec<RosterListed>, ApiError> {
    let (reply, answer) = oneshot::channel();
    room.send(RoomMsg::Roster { reply })
        .await
        .map_err(|_| unavailable())?;
    answer.await.map_err(|_| unavailable())
}

fn card(app: &App, room: &RoomHandle, l: RosterListed) -> CardView {
    let d = l.delegate;
    let raw: String = l.code.chars().filter(|c| *c != '-').collect();
    let link = format!("{}#d={raw}", app.join_url(&room.record.join_code));
    CardView {
        id: d.id.to_string(),
        name: d.name,
        unit: d.unit,
        position: d.position,
        code: l.code,
        qr: qr(&link),
        link,
        claimed: d.claimed,
        present: l.present,
    }
}

fn qr(link: &str) -> Qr {
    use qrcode::{Color, EcLevel, QrCode};
    // A link is far below any QR version's capacity.
    let Ok(code) = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M) else {
        return Qr {
            size: 0,
            bits: String::new(),
        };
    };
    let bits = code
        .to_colors()
        .iter()
        .map(|c| if *c == Color::Dark { '1' } else { '0' })
        .collect();
    Qr {
        size: code.width(),
        bits,
    }
}

fn unknown_delegate() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_delegate",
        "no delegate has this id",
    )
}
