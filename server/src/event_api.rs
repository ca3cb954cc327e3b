//! The admin API for one event: its details and settings, and changing
//! them (`GET`/`PATCH /api/events/{code}`). Creating and listing events is
//! in `http`.
//!
//! A change is the organiser's command to the room, stored in the log
//! like the moderators' (`settings_set`, `title_set`, by `admin`); roster
//! mode, the roles that may export and the title are the organiser's
//! alone.

use crate::http::{ApiError, App, EventInfo, require_admin};
use crate::queue::{AdminAction, Event};
use crate::room::{RoomHandle, RoomMsg};
use crate::staff_api::{Body, command, decide, json, room, unavailable};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use hoidap_protocol::{Identity, Settings, StaffRole};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::oneshot;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/events/{code}", get(show).patch(change))
}

/// One event with its figures and settings.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub info: EventInfo,
    pub stats: Option<crate::rooms::Stats>,
    pub settings: Settings,
}

/// What `PATCH` may change; absent fields stay as they are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    pre_moderation: Option<bool>,
    #[serde(default)]
    max_length: Option<u32>,
    #[serde(default)]
    chair_sets_current: Option<bool>,
    /// The asker picks a topic and the official addressed.
    #[serde(default)]
    asker_routes: Option<bool>,
    #[serde(default)]
    identities: Option<Vec<Identity>>,
    #[serde(default)]
    roster: Option<bool>,
    /// Staff roles that may export besides the chair (organiser only).
    #[serde(default)]
    export_roles: Option<Vec<StaffRole>>,
    /// The event's topics, replacing them (as the panel's `set_topics`).
    #[serde(default)]
    topics: Option<Vec<hoidap_protocol::TopicInput>>,
    /// Days names are kept after the follow-up period; `null`: kept until
    /// detached by hand.
    #[serde(default, deserialize_with = "present")]
    retention_days: Option<Option<u32>>,
}

/// A field that is present, `null` included (`Some(None)`), as opposed to
/// absent (`None`, through `default`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

async fn show(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Json<EventDetail>, ApiError> {
    require_admin(&app, &headers)?;
    let room = room(&app, &code).await?;
    Ok(Json(detail(&app, &room).await?))
}

async fn change(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Body<Change>,
) -> Result<Json<EventDetail>, ApiError> {
    require_admin(&app, &headers)?;
    let room = room(&app, &code).await?;
    let change = json(body)?;
    if let Some(title) = change.title {
        let renamed = match decide(&room, AdminAction::SetTitle { title }).await? {
            Ok(entry) => entry,
            Err(r) => {
                let message = format!("the title: {r}");
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_title",
                    message,
                ));
            }
        };
        if let Some(Event::TitleSet { title }) = renamed.map(|e| e.event) {
            app.rooms.retitle(&room.record.join_code, &title);
            let writer = app.clone();
            // The links file names events by title; a failure is logged
            // and the next start rewrites it.
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || writer.write_links()).await {
                tracing::warn!(%e, "cannot update the links file");
            }
        }
    }
    if let Some(topics) = change.topics {
        command(&room, AdminAction::SetTopics { topics }).await?;
    }
    let now = settings(&room).await?;
    let settings = Settings {
        pre_moderation: change.pre_moderation.unwrap_or(now.pre_moderation),
        max_length: change.max_length.unwrap_or(now.max_length),
        chair_sets_current: change.chair_sets_current.unwrap_or(now.chair_sets_current),
        identities: change.identities.or(now.identities),
        roster: change.roster.unwrap_or(now.roster),
        asker_routes: change.asker_routes.unwrap_or(now.asker_routes),
        screen: now.screen,
        retention_days: change.retention_days.unwrap_or(now.retention_days),
        export_roles: change.export_roles.unwrap_or(now.export_roles),
        // Follows the identity levels (`checked_settings`).
        allow_anonymous: now.allow_anonymous,
    };
    // Another change between the read and this one is overwritten field
    // by field: the organiser is one person at one console.
    command(&room, AdminAction::SetSettings { settings }).await?;
    Ok(Json(detail(&app, &room).await?))
}

async fn detail(app: &App, room: &RoomHandle) -> Result<EventDetail, ApiError> {
    let settings = settings(room).await?;
    let all = app.rooms.list_stats().await.map_err(|e| {
        tracing::error!(%e, "reading the events' summaries failed");
        unavailable()
    })?;
    let stats = all
        .into_iter()
        .find(|(r, _)| r.id == room.record.id)
        .map(|(_, s)| s);
    // The registry's record: it follows renames (the room's does not need to).
    let record = app.rooms.record(&room.record.join_code);
    let record = record.as_deref().unwrap_or(&room.record);
    Ok(EventDetail {
        info: app.event_info(record),
        stats,
        settings,
    })
}

async fn settings(room: &RoomHandle) -> Result<Settings, ApiError> {
    let (reply, answer) = oneshot::channel();
    room.send(RoomMsg::Settings { reply })
        .await
        .map_err(|_| unavailable())?;
    answer.await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the event cannot be read now; retry",
        )
    })
}
