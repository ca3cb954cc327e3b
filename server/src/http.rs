//! HTTP routes: health, the admin API, the WebSocket and the pages.
//!
//! Every API error is rendered the same way, `{"error": {"code", "message"}}`,
//! with internal detail logged, not returned.

use crate::assets::Assets;
use crate::auth::{Keys, secret_eq};
use crate::conn;
use crate::log::EventRecord;
use crate::queue::MAX_LENGTH_CEILING;
use crate::rooms::Rooms;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use hoidap_protocol::Settings;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;

pub use crate::ws::{MAX_MESSAGE, READ_BUFFER};

pub struct App {
    pub rooms: Rooms,
    pub keys: Keys,
    pub assets: Assets,
    /// Base of the links we hand out, e.g. `http://192.168.1.20:8080`.
    pub public_url: String,
    pub shutdown: watch::Receiver<bool>,
    /// Every connection task, so shutdown can wait for them to say goodbye.
    pub connections: tokio_util::task::TaskTracker,
    pub limits: crate::limits::Limits,
    /// The pages that may open a WebSocket (see `origin`).
    pub origins: crate::origin::Origins,
    /// The admin token and every event's links, kept in the data directory
    /// (0600) rather than printed on every start.
    pub links: crate::private::LinksFile,
    pub rates: crate::rate::Rates,
    /// Held while the app lives: see `private::lock_dir`.
    pub _lock: std::fs::File,
}

/// `200 ok`, or `503` while the log cannot write (a full or read-only
/// disk): the body's first word, `unwritable`, is for monitors; the rest,
/// for people. Reads and the screens still work then (docs/operations.md).
async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.rooms.unwritable() {
        None => "ok".into_response(),
        Some(failing) => {
            let body = format!(
                "unwritable: the server cannot store data (since {} ms after the Unix epoch): {}\n",
                failing.since, failing.reason
            );
            (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
        }
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/events", get(list_events).post(create_event))
        .route("/ws", get(websocket))
        .merge(crate::staff_api::routes())
        .merge(crate::export_api::routes())
        .merge(crate::privacy_api::routes())
        .merge(crate::roster_api::routes())
        .merge(crate::event_api::routes())
        .route(
            "/",
            get(
                |State(app): State<Arc<App>>, headers: HeaderMap| async move {
                    app.assets.page("index.html", &headers)
                },
            ),
        )
        .route(
            "/j/{code}",
            get(
                |State(app): State<Arc<App>>, headers: HeaderMap| async move {
                    app.assets.page("attendee.html", &headers)
                },
            ),
        )
        .route(
            "/m/{code}",
            get(
                |State(app): State<Arc<App>>, headers: HeaderMap| async move {
                    app.assets.page("moderator.html", &headers)
                },
            ),
        )
        // An official's or clerk's own page: the questions assigned to
        // them and their written answers.
        .route(
            "/o/{code}",
            get(
                |State(app): State<Arc<App>>, headers: HeaderMap| async move {
                    app.assets.page("official.html", &headers)
                },
            ),
        )
        .route(
            "/s/{code}",
            get(
                |State(app): State<Arc<App>>, headers: HeaderMap| async move {
                    app.assets.page("screen.html", &headers)
                },
            ),
        )
        // The meeting report (Báo cáo tổng hợp), printable: the page holds
        // no secret; it reads the export with the organiser's token from the
        // tab's sessionStorage or the chair's secret from the fragment.
        .route(
            "/report/{code}",
            get(
                |State(app): State<Arc<App>>, headers: HeaderMap| async move {
                    app.assets.page("report.html", &headers)
                },
            ),
        )
        // The organiser console: the page holds no secret (it asks for the
        // admin token and keeps it in the tab's sessionStorage).
        .route(
            "/admin",
            get(
                |State(app): State<Arc<App>>, headers: HeaderMap| async move {
                    app.assets.page("admin.html", &headers)
                },
            ),
        )
        .route("/a/{version}/{*path}", get(asset))
        .route("/qr/{file}", get(qr_code))
        // Pages and scripts shrink about threefold: it matters on a hall
        // Wi-Fi shared by hundreds of phones joining at once.
        .layer(tower_http::compression::CompressionLayer::new())
        // No response may be read as another type than it says (a QR code
        // or an API answer as a script).
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(app)
}

async fn websocket(
    State(app): State<Arc<App>>,
    axum::Extension(peer): axum::Extension<crate::Peer>,
    axum::Extension(slot): axum::Extension<crate::Slot>,
    req: Request,
) -> Response {
    if !app.origins.allows(req.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "this page's origin may not connect; see --allow-origin",
        )
            .into_response();
    }
    let shutdown = app.shutdown.clone();
    crate::ws::upgrade(req, move |socket| {
        let tracker = app.connections.clone();
        tracker.track_future(async move {
            // The socket counts against its address while it is open.
            let _slot = slot;
            conn::serve(socket, app, shutdown, peer.0).await
        })
    })
}

/// `GET /metrics`: counts of connections and traffic; admin only, since
/// they say how many people are in the hall and how active they are.
async fn metrics(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match require_admin(&app, &headers) {
        Ok(()) => crate::metrics::render().into_response(),
        Err(e) => e.into_response(),
    }
}

async fn asset(
    State(app): State<Arc<App>>,
    Path((version, path)): Path<(String, String)>,
) -> Response {
    // An old page asking for old assets gets the current ones.
    if format!("/a/{version}") != app.assets.prefix {
        return Redirect::temporary(&format!("{}/{path}", app.assets.prefix)).into_response();
    }
    app.assets.file(&path)
}

/// `GET /qr/{CODE}.svg`: a QR code of the event's attendee link, drawn here
/// so the screen needs nothing from the internet.
/// A 404 here tells a guesser a join code does not exist, so 404s count
/// against the address's guesses like unknown codes in a hello (`rate`).
async fn qr_code(
    State(app): State<Arc<App>>,
    axum::Extension(peer): axum::Extension<crate::Peer>,
    Path(file): Path<String>,
) -> Response {
    let peer = peer.0.ip();
    if let Err(wait) = app.rates.may_guess(peer) {
        return crate::rate::too_many(wait);
    }
    // The record is enough: drawing a code never loads the room.
    let Some(record) = file
        .strip_suffix(".svg")
        .and_then(|code| app.rooms.record(code))
    else {
        if let Err(wait) = app.rates.missed(peer) {
            return crate::rate::too_many(wait);
        }
        return StatusCode::NOT_FOUND.into_response();
    };
    let link = app.join_url(&record.join_code);
    let Ok(qr) = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build();
    ([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn require_admin(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(t) if secret_eq(t.trim(), &app.keys.admin_token) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the admin token as `Authorization: Bearer <token>`",
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    pub title: String,
    #[serde(default)]
    pub pre_moderation: Option<bool>,
    #[serde(default)]
    pub allow_anonymous: Option<bool>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub chair_sets_current: Option<bool>,
    #[serde(default)]
    pub asker_routes: Option<bool>,
    /// The identity levels askers may choose; default: named, and hidden
    /// from the hall when `allow_anonymous` (default true).
    #[serde(default)]
    pub identities: Option<Vec<hoidap_protocol::Identity>>,
    /// Days the askers' names are kept after the follow-up period
    /// (default: until detached by hand).
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Roster mode: only imported delegates ask and vote (default false).
    #[serde(default)]
    pub roster: Option<bool>,
    /// Staff roles that may export besides the chair (default none).
    #[serde(default)]
    pub export_roles: Option<Vec<hoidap_protocol::StaffRole>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventLinks {
    pub attendee: String,
    pub moderator: String,
    pub screen: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventInfo {
    pub id: u64,
    pub title: String,
    pub join_code: String,
    pub moderator_secret: String,
    pub screen_secret: String,
    pub created_at: u64,
    pub links: EventLinks,
}

/// One item of `GET /api/events`: the event and its figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventListItem {
    #[serde(flatten)]
    pub info: EventInfo,
    pub stats: crate::rooms::Stats,
}

impl App {
    /// The attendee link: what the QR code and the screen show.
    pub fn join_url(&self, join_code: &str) -> String {
        format!("{}/j/{join_code}", self.public_url)
    }

    /// Rewrites the links file: the admin token, then each event's links.
    pub fn write_links(&self) -> std::io::Result<()> {
        self.links.write(|| {
            let mut text = format!(
                "# hoidap: the admin token and the links of every event. Keep it private:\n\
                 # the moderator and screen links carry their secrets.\n\n\
                 Admin token: {}\n",
                self.keys.admin_token
            );
            for record in self.rooms.list() {
                text.push_str(&self.event_text(&record));
            }
            text
        })
    }

    /// One event as printed and kept in the links file.
    pub fn event_text(&self, record: &EventRecord) -> String {
        let info = self.event_info(record);
        format!(
            "\n{} (mã tham gia / join code {})\n  \
             Attendees / Đại biểu:   {}\n  \
             Moderator / Chủ tọa:    {}\n  \
             Screen / Màn hình:      {}\n",
            info.title,
            info.join_code,
            info.links.attendee,
            info.links.moderator,
            info.links.screen
        )
    }

    pub fn event_info(&self, record: &EventRecord) -> EventInfo {
        let base = &self.public_url;
        let code = &record.join_code;
        EventInfo {
            id: record.id,
            title: record.title.clone(),
            join_code: code.clone(),
            moderator_secret: record.moderator_secret.clone(),
            screen_secret: record.screen_secret.clone(),
            created_at: record.created_at,
            links: EventLinks {
                attendee: self.join_url(code),
                // Secrets travel in the fragment: browsers never send it, so
                // it stays out of server and proxy logs.
                moderator: format!("{base}/m/{code}#{}", record.moderator_secret),
                screen: format!("{base}/s/{code}#{}", record.screen_secret),
            },
        }
    }
}

async fn list_events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Vec<EventListItem>>, ApiError> {
    require_admin(&app, &headers)?;
    // Loads no room: unloaded events' figures are their saved summaries.
    let all = app.rooms.list_stats().await.map_err(|e| {
        tracing::error!(%e, "reading the events' summaries failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "could not read the events; retry",
        )
    })?;
    let items = all.into_iter().map(|(record, stats)| EventListItem {
        info: app.event_info(&record),
        stats,
    });
    Ok(Json(items.collect()))
}

async fn create_event(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Json<NewEvent>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<EventInfo>), ApiError> {
    require_admin(&app, &headers)?;
    let Json(new) =
        body.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let title = crate::queue::clean_optional(Some(&new.title), 200)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_title", e.to_string()))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_title",
                "the title is empty",
            )
        })?;
    let defaults = Settings::default();
    let settings = Settings {
        pre_moderation: new.pre_moderation.unwrap_or(defaults.pre_moderation),
        allow_anonymous: new.allow_anonymous.unwrap_or(defaults.allow_anonymous),
        max_length: new.max_length.unwrap_or(defaults.max_length),
        chair_sets_current: new
            .chair_sets_current
            .unwrap_or(defaults.chair_sets_current),
        identities: None,
        roster: new.roster.unwrap_or(false),
        asker_routes: new.asker_routes.unwrap_or(false),
        screen: defaults.screen,
        retention_days: new.retention_days,
        export_roles: crate::queue::export_roles(&new.export_roles.unwrap_or_default()).map_err(
            |e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_setting", e.to_string()),
        )?,
    };
    let mut identities = new.identities.unwrap_or_else(|| settings.identities());
    identities.sort();
    identities.dedup();
    if identities.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_setting",
            "identities must allow at least one level",
        ));
    }
    let settings = Settings {
        allow_anonymous: identities.iter().any(|i| i.hides_name_from_hall()),
        identities: Some(identities),
        ..settings
    };
    if !(1..=MAX_LENGTH_CEILING).contains(&settings.max_length) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_setting",
            "max_length must be 1..=2000",
        ));
    }
    let record = app.rooms.create(title, settings).await.map_err(|e| {
        tracing::error!(%e, "creating an event failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "could not store the event; retry",
        )
    })?;
    // The event exists whatever happens to the file: a failure is logged,
    // and the next start rewrites it.
    let writer = app.clone();
    match tokio::task::spawn_blocking(move || writer.write_links()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(%e, "cannot update the links file"),
        Err(e) => tracing::warn!(%e, "cannot update the links file"),
    }
    Ok((StatusCode::CREATED, Json(app.event_info(&record))))
}
