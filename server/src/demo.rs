//! The demo event a first start creates: a cadre-work dialogue between the
//! province's leaders and its department heads, with the topics such a
//! dialogue is organised by and three officials who answer.

use crate::auth;
use crate::http::App;
use crate::log::EventRecord;
use crate::queue::{AdminAction, Event};
use hoidap_protocol::{Settings, StaffRole, TopicInput};
use std::sync::Arc;

pub const TITLE: &str = "Hội nghị đối thoại giữa lãnh đạo tỉnh với cán bộ (demo)";

/// The officials, each with the topics they answer by default.
const OFFICIALS: [(&str, &[&str]); 3] = [
    (
        "Bí thư Tỉnh ủy",
        &["Lấy phiếu tín nhiệm", "Luân chuyển", "Vấn đề chung"],
    ),
    (
        "Chủ tịch UBND tỉnh",
        &["Tổ chức bộ máy, tinh giản biên chế"],
    ),
    (
        "Trưởng Ban Tổ chức Tỉnh ủy",
        &[
            "Đánh giá, xếp loại cán bộ",
            "Đào tạo, bồi dưỡng",
            "Quy hoạch cán bộ",
            "Bổ nhiệm",
        ],
    ),
];

/// The topics in the order the panel lists them.
const TOPICS: [&str; 8] = [
    "Đánh giá, xếp loại cán bộ",
    "Lấy phiếu tín nhiệm",
    "Đào tạo, bồi dưỡng",
    "Quy hoạch cán bộ",
    "Bổ nhiệm",
    "Luân chuyển",
    "Tổ chức bộ máy, tinh giản biên chế",
    "Vấn đề chung",
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot create the demo event: {0}")]
    Log(#[from] crate::log::LogError),
    #[error("the demo event's room refused {0}")]
    Refused(String),
}

/// Creates the demo event; returns it and each official's personal link
/// (shown once: only its hash is kept).
pub async fn create(
    app: &Arc<App>,
) -> Result<(Arc<EventRecord>, Vec<(String, String)>), DemoError> {
    let settings = Settings {
        asker_routes: true,
        ..Settings::default()
    };
    let record = app.rooms.create(TITLE.to_owned(), settings).await?;
    let room = app
        .rooms
        .get(&record.join_code)
        .await?
        .ok_or_else(|| DemoError::Refused("loading".into()))?;
    let mut links = Vec::new();
    let mut defaults = Vec::new();
    for (name, topics) in OFFICIALS {
        let secret = auth::secret();
        let action = AdminAction::AddStaff {
            name: name.to_owned(),
            role: StaffRole::Official,
            secret_hash: auth::staff_secret_hash(&secret),
        };
        let entry = run(&room, action).await?;
        let Some(Event::StaffAdded { id, .. }) = entry.map(|e| e.event) else {
            return Err(DemoError::Refused("an official".into()));
        };
        let link = crate::staff_api::link(app, &room, StaffRole::Official, &secret);
        links.push((name.to_owned(), link));
        defaults.extend(topics.iter().map(|t| (*t, id.to_string())));
    }
    let topics = TOPICS
        .iter()
        .map(|name| TopicInput {
            id: None,
            name: (*name).to_owned(),
            official: defaults
                .iter()
                .find(|(t, _)| t == name)
                .map(|(_, id)| id.clone()),
        })
        .collect();
    run(&room, AdminAction::SetTopics { topics }).await?;
    Ok((record, links))
}

async fn run(
    room: &crate::room::RoomHandle,
    action: AdminAction,
) -> Result<Option<crate::queue::Entry>, DemoError> {
    match crate::staff_api::decide(room, action).await {
        Ok(Ok(entry)) => Ok(entry),
        Ok(Err(rejection)) => Err(DemoError::Refused(rejection.to_string())),
        Err(e) => Err(DemoError::Refused(format!("{e:?}"))),
    }
}
