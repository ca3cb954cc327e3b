//! Shared set-up: a server with one event, and clients of each role.

use hoidap_protocol::{ClientMsg, ErrorCode, PROTOCOL_VERSION, Role, ServerMsg, StaffWho};
use hoidap_tests::{Client, EventInfo, TestServer, http_request};
use serde_json::{Value, json};

pub struct Hall {
    pub server: TestServer,
    pub event: EventInfo,
}

impl Hall {
    pub async fn new(pre_moderation: bool) -> anyhow::Result<Hall> {
        Self::with(json!({ "title": "Hội nghị đối thoại", "pre_moderation": pre_moderation })).await
    }

    pub async fn with(body: serde_json::Value) -> anyhow::Result<Hall> {
        Self::configured(body, |_| {}).await
    }

    /// A hall whose server runs with `adjust` applied to its configuration.
    pub async fn configured(
        body: serde_json::Value,
        adjust: impl FnOnce(&mut hoidap_server::Config),
    ) -> anyhow::Result<Hall> {
        let server = TestServer::start_with(adjust).await?;
        let event = server.create_event(body).await?;
        Ok(Hall { server, event })
    }

    pub async fn attendee(&self) -> anyhow::Result<Client> {
        Client::join(
            &self.server.ws_url(),
            &self.event.join_code,
            Role::Attendee,
            None,
        )
        .await
    }

    pub async fn moderator(&self) -> anyhow::Result<Client> {
        Client::join(
            &self.server.ws_url(),
            &self.event.join_code,
            Role::Moderator,
            Some(&self.event.moderator_secret),
        )
        .await
    }

    pub async fn screen(&self) -> anyhow::Result<Client> {
        Client::join(
            &self.server.ws_url(),
            &self.event.join_code,
            Role::Screen,
            Some(&self.event.screen_secret),
        )
        .await
    }

    /// `(status, body)` of an admin API call on the hall's server; `body`
    /// is sent as it is (JSON, or a file's text).
    pub async fn admin(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let auth = format!("Bearer {}", self.server.admin_token);
        let (status, text) = http_request(self.server.addr, method, path, Some(&auth), body)
            .await
            .expect("admin request");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A hello that must be refused: its error code and close code.
    pub async fn refused_hello(
        &self,
        role: Role,
        secret: Option<&str>,
    ) -> anyhow::Result<(ErrorCode, Option<u16>)> {
        let mut client = Client::connect(&self.server.ws_url()).await?;
        client
            .send(&ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                join_code: self.event.join_code.clone(),
                role,
                secret: secret.map(str::to_owned),
                participant_token: None,
                delegate_code: None,
                resume: None,
            })
            .await?;
        let ServerMsg::Error { code, .. } = client.recv().await? else {
            anyhow::bail!("expected the hello to be refused")
        };
        Ok((code, client.closed().await?))
    }
}

/// Adds a member; returns their id and the secret from their link.
pub async fn add_staff(hall: &Hall, name: &str, role: &str) -> (String, String) {
    let body = json!({ "name": name, "role": role });
    let (status, member) = hall
        .admin(
            "POST",
            &format!("/api/events/{}/staff", hall.event.join_code),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(status, 201, "{member}");
    assert_eq!(member["name"], name);
    assert_eq!(member["active"], true);
    (
        member["id"].as_str().unwrap().to_owned(),
        secret_of(&member),
    )
}

pub fn secret_of(member: &Value) -> String {
    let link = member["link"].as_str().expect("a link");
    link.split_once('#')
        .expect("secret in the fragment")
        .1
        .to_owned()
}

/// Joins the panel (or the screen) with `secret`; returns the client and
/// who the welcome says it is.
pub async fn join_staff(
    hall: &Hall,
    role: Role,
    secret: &str,
) -> anyhow::Result<(Client, Option<StaffWho>)> {
    let client = Client::join(
        &hall.server.ws_url(),
        &hall.event.join_code,
        role,
        Some(secret),
    )
    .await?;
    let who = client.log.iter().find_map(|m| match m {
        ServerMsg::Welcome { staff, .. } => Some(staff.clone()),
        _ => None,
    });
    Ok((client, who.flatten()))
}

// ------------------------------------------------------------ rosters

pub const ROSTER: &str = "\u{FEFF}STT;Họ và tên;Đơn vị;Chức vụ\r\n\
    1;Nguyễn Văn An;Sở Nội vụ;Giám đốc\r\n\
    2;Trần Thị Bích Ngọc;UBND huyện Đông Anh;Phó Chủ tịch\r\n\
    3;Lê Hoàng Phúc;Sở Tài chính;\r\n";

/// A roster event on a server with the production rate limits (the
/// tests' servers run without them by default).
pub async fn roster_hall() -> anyhow::Result<Hall> {
    let event =
        json!({ "title": "Đối thoại công tác cán bộ", "pre_moderation": false, "roster": true });
    Hall::configured(event, |c| c.limits.rate = Default::default()).await
}

pub fn roster_path(hall: &Hall, rest: &str) -> String {
    format!("/api/events/{}/roster{rest}", hall.event.join_code)
}

pub async fn cards(hall: &Hall) -> Vec<Value> {
    let (status, list) = hall.admin("GET", &roster_path(hall, ""), None).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().expect("a list").clone()
}

/// Imports `ROSTER` into the hall's event; returns its cards.
pub async fn import_roster(hall: &Hall) -> Vec<Value> {
    let (status, body) = hall
        .admin("POST", &roster_path(hall, ""), Some(ROSTER))
        .await;
    assert_eq!(status, 200, "{body}");
    cards(hall).await
}

pub fn code_of(cards: &[Value], name: &str) -> String {
    let card = cards.iter().find(|c| c["name"] == name).expect(name);
    card["code"].as_str().unwrap().to_owned()
}

pub async fn claim(
    hall: &Hall,
    card: &str,
) -> anyhow::Result<Result<Client, (ErrorCode, Option<u16>)>> {
    Client::claim(&hall.server.ws_url(), &hall.event.join_code, card).await
}
