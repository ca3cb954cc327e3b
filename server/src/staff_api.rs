//! The admin API for an event's named staff: list, add, rename or change
//! role, revoke, re-issue a personal link.
//!
//! Every change is a command to the event's room, stored in its log like
//! any other entry (the organiser is its principal), so an audit can say
//! who could do what at every position. The server keeps only a hash of
//! each personal secret: the link is shown once, when it is made.

use crate::auth;
use crate::http::{ApiError, App, require_admin};
use crate::queue::{AdminAction, Event, Rejection, StaffId, TextError};
use crate::room::{AdminRefusal, Listed, RoomHandle, RoomMsg};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use hoidap_protocol::StaffRole;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::oneshot;

pub(crate) type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/events/{code}/staff", get(list).post(add))
        .route("/api/events/{code}/staff/{id}", patch(change))
        .route("/api/events/{code}/staff/{id}/revoke", post(revoke))
        .route("/api/events/{code}/staff/{id}/reissue", post(reissue))
}

/// A staff member as the API shows them.
#[derive(Debug, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub role: StaffRole,
    pub active: bool,
    /// Open connections through their link.
    pub connected: u32,
    /// Only when the link was just made (added, re-issued).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMember {
    name: String,
    role: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberChange {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<serde_json::Value>,
}

async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Json<Vec<Member>>, ApiError> {
    require_admin(&app, &headers)?;
    let room = room(&app, &code).await?;
    let listed = staff(&room).await?;
    Ok(Json(listed.into_iter().map(|l| member(l, None)).collect()))
}

async fn add(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Body<NewMember>,
) -> Result<(StatusCode, Json<Member>), ApiError> {
    require_admin(&app, &headers)?;
    let room = room(&app, &code).await?;
    let new = json(body)?;
    let role = role(new.role)?;
    let secret = auth::secret();
    let action = AdminAction::AddStaff {
        name: new.name,
        role,
        secret_hash: auth::staff_secret_hash(&secret),
    };
    let entry = command(&room, action).await?;
    let Some(Event::StaffAdded { id, .. }) = entry.map(|e| e.event) else {
        return Err(unavailable());
    };
    let link = link(&app, &room, role, &secret);
    Ok((
        StatusCode::CREATED,
        Json(find(&room, id, Some(link)).await?),
    ))
}

async fn change(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
    body: Body<MemberChange>,
) -> Result<Json<Member>, ApiError> {
    require_admin(&app, &headers)?;
    let (room, id) = (room(&app, &code).await?, staff_id(&id)?);
    let change = json(body)?;
    let role = change.role.map(role).transpose()?;
    let action = AdminAction::ChangeStaff {
        id,
        name: change.name,
        role,
    };
    command(&room, action).await?;
    Ok(Json(find(&room, id, None).await?))
}

async fn revoke(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Result<Json<Member>, ApiError> {
    require_admin(&app, &headers)?;
    let (room, id) = (room(&app, &code).await?, staff_id(&id)?);
    command(&room, AdminAction::RevokeStaff { id }).await?;
    Ok(Json(find(&room, id, None).await?))
}

async fn reissue(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Result<Json<Member>, ApiError> {
    require_admin(&app, &headers)?;
    let (room, id) = (room(&app, &code).await?, staff_id(&id)?);
    let secret = auth::secret();
    let action = AdminAction::ReissueStaff {
        id,
        secret_hash: auth::staff_secret_hash(&secret),
    };
    command(&room, action).await?;
    let mut member = find(&room, id, None).await?;
    member.link = Some(link(&app, &room, member.role, &secret));
    Ok(Json(member))
}

/// The event's room, loaded if it was not (see `rooms`).
pub(crate) async fn room(app: &App, code: &str) -> Result<RoomHandle, ApiError> {
    match app.rooms.get(code).await {
        Ok(Some(room)) => Ok(room),
        Ok(None) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_event",
            "no such event",
        )),
        Err(e) => {
            tracing::error!(%e, "loading an event's room failed");
            Err(unavailable())
        }
    }
}

pub(crate) fn json<T>(body: Body<T>) -> Result<T, ApiError> {
    body.map(|Json(t)| t)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))
}

fn role(value: serde_json::Value) -> Result<StaffRole, ApiError> {
    serde_json::from_value(value).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_role",
            "role must be one of chair, moderator, screen, observer, official, clerk",
        )
    })
}

fn staff_id(id: &str) -> Result<StaffId, ApiError> {
    id.parse().map_err(|()| unknown_staff())
}

fn unknown_staff() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_staff",
        "no staff member has this id",
    )
}

pub(crate) fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "could not store the change; nothing was applied, retry",
    )
}

/// The personal link: the secret in the fragment, which browsers never
/// send, so it stays out of server and proxy logs.
pub(crate) fn link(app: &App, room: &RoomHandle, role: StaffRole, secret: &str) -> String {
    let page = match role {
        StaffRole::Screen => "s",
        // Their own page: the questions assigned to them.
        StaffRole::Official | StaffRole::Clerk => "o",
        _ => "m",
    };
    let code = &room.record.join_code;
    format!("{}/{page}/{code}#{secret}", app.public_url)
}

/// The organiser's command, decided by the room: `Ok(Err(_))` when the
/// core refused it, `Err` when it could not be stored.
pub(crate) async fn decide(
    room: &RoomHandle,
    action: AdminAction,
) -> Result<Result<Option<crate::queue::Entry>, Rejection>, ApiError> {
    let (reply, answer) = oneshot::channel();
    let msg = RoomMsg::Admin { action, reply };
    room.send(msg).await.map_err(|_| unavailable())?;
    match answer.await.map_err(|_| unavailable())? {
        Ok(entry) => Ok(Ok(entry)),
        Err(AdminRefusal::Unavailable) => Err(unavailable()),
        Err(AdminRefusal::Rejected(r)) => Ok(Err(r)),
    }
}

/// The organiser's command; a refusal as the API answers it.
pub(crate) async fn command(
    room: &RoomHandle,
    action: AdminAction,
) -> Result<Option<crate::queue::Entry>, ApiError> {
    match decide(room, action).await? {
        Ok(entry) => Ok(entry),
        Err(Rejection::UnknownStaff) => Err(unknown_staff()),
        Err(Rejection::Text(TextError::Empty)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_name",
            "the name is empty",
        )),
        Err(r @ Rejection::Text(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_name",
            r.to_string(),
        )),
        Err(r @ Rejection::BadSetting(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_setting",
            r.to_string(),
        )),
        Err(r) => Err(ApiError::new(
            StatusCode::CONFLICT,
            r.code().as_str(),
            r.to_string(),
        )),
    }
}

async fn staff(room: &RoomHandle) -> Result<Vec<Listed>, ApiError> {
    let (reply, answer) = oneshot::channel();
    room.send(RoomMsg::Staff { reply })
        .await
        .map_err(|_| unavailable())?;
    answer.await.map_err(|_| unavailable())
}

async fn find(room: &RoomHandle, id: StaffId, link: Option<String>) -> Result<Member, ApiError> {
    let listed = staff(room).await?;
    let found = listed.into_iter().find(|l| l.member.id == id);
    found.map(|l| member(l, link)).ok_or_else(unknown_staff)
}

fn member(listed: Listed, link: Option<String>) -> Member {
    let m = listed.member;
    Member {
        id: m.id.to_string(),
        name: m.name,
        role: m.role,
        active: m.active,
        connected: listed.connected,
        link,
    }
}
