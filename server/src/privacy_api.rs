//! The organiser's API for one person's data (docs/privacy.md):
//!
//! - `GET /api/events/{code}/people?delegate=d12` (or `?question=12`, for
//!   the asker of a question in an open event): everything the event holds
//!   about them, logged as an export (`person`).
//! - `POST /api/events/{code}/people/detach` with `{"delegate": "d12"}`,
//!   `{"question": 12}` or `{"all": true}`: their name and unit are
//!   detached from their questions and their roster record emptied, in
//!   the log itself (`queue::privacy`).

use crate::http::{ApiError, App, require_admin};
use crate::queue::person::Person;
use crate::queue::privacy::{DetachReason, Scope};
use crate::queue::{Event, Rejection};
use crate::room::{AdminRefusal, RoomMsg};
use crate::staff_api::{Body, json, room, unavailable};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hoidap_protocol::{QuestionId, Seq};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::oneshot;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/events/{code}/people", get(data))
        .route("/api/events/{code}/people/detach", post(detach))
}

/// Whom a request is about: exactly one of these.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Who {
    #[serde(default)]
    delegate: Option<String>,
    #[serde(default)]
    question: Option<QuestionId>,
    /// Detach only: every asker and delegate.
    #[serde(default)]
    all: Option<bool>,
}

fn scope(who: &Who, all_allowed: bool) -> Result<Scope, ApiError> {
    let scope = match (&who.delegate, who.question, who.all.unwrap_or(false)) {
        (Some(d), None, false) => Scope::Delegate(d.parse().map_err(|()| unknown_delegate())?),
        (None, Some(q), false) => Scope::AskerOf(q),
        (None, None, true) if all_allowed => Scope::All,
        _ => {
            let what = match all_allowed {
                true => {
                    "give exactly one of `delegate` (d12), `question` (a number) or `all`: true"
                }
                false => "give exactly one of `delegate` (d12) or `question` (a number)",
            };
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", what));
        }
    };
    Ok(scope)
}

#[derive(Debug, Serialize)]
struct PersonExport {
    event: crate::export::Header,
    #[serde(flatten)]
    person: Person,
}

async fn data(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(who): Query<Who>,
) -> Result<Response, ApiError> {
    require_admin(&app, &headers)?;
    let scope = scope(&who, false)?;
    let room = room(&app, &code).await?;
    let (reply, answer) = oneshot::channel();
    room.send(RoomMsg::Person { scope, reply })
        .await
        .map_err(|_| unavailable())?;
    let (person, mut event) = answer.await.map_err(|_| unavailable())?.map_err(refusal)?;
    // As every export: the chain head at its own entry.
    event.chain_head =
        crate::export_api::chain_head(&app, room.record.id, event.entries_seq).await?;
    let body = PersonExport { event, person };
    let mut response = Json(body).into_response();
    // It is one person's data: no cache keeps a copy.
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// What a detach did.
#[derive(Debug, Serialize, Deserialize)]
pub struct Detached {
    /// The `detached` entry; `null` when nothing was left to detach.
    pub seq: Option<Seq>,
    pub questions: Vec<QuestionId>,
    pub delegates: Vec<String>,
    /// Stored entries rewritten without the names.
    pub entries_rewritten: usize,
}

async fn detach(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Body<Who>,
) -> Result<Json<Detached>, ApiError> {
    require_admin(&app, &headers)?;
    let scope = scope(&json(body)?, true)?;
    let room = room(&app, &code).await?;
    let (reply, answer) = oneshot::channel();
    let msg = RoomMsg::Detach {
        scope,
        reason: DetachReason::Request,
        reply,
    };
    room.send(msg).await.map_err(|_| unavailable())?;
    let entry = answer.await.map_err(|_| unavailable())?.map_err(refusal)?;
    let Some(entry) = entry else {
        return Ok(Json(Detached {
            seq: None,
            questions: Vec::new(),
            delegates: Vec::new(),
            entries_rewritten: 0,
        }));
    };
    match entry.event {
        Event::Detached {
            questions,
            delegates,
            redacted,
            ..
        } => Ok(Json(Detached {
            seq: Some(entry.seq),
            questions,
            delegates: delegates.iter().map(ToString::to_string).collect(),
            entries_rewritten: redacted.len(),
        })),
        _ => Err(unavailable()),
    }
}

fn refusal(r: AdminRefusal) -> ApiError {
    match r {
        AdminRefusal::Unavailable => unavailable(),
        AdminRefusal::Rejected(Rejection::UnknownDelegate) => unknown_delegate(),
        AdminRefusal::Rejected(Rejection::UnknownQuestion) => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_question",
            "no question has this number",
        ),
        AdminRefusal::Rejected(Rejection::Forbidden) => ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the asker of a question anonymous to everyone is not known to anyone",
        ),
        AdminRefusal::Rejected(r) => {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", r.to_string())
        }
    }
}

fn unknown_delegate() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_delegate",
        "no delegate has this id (d12)",
    )
}
