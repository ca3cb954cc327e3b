//! Shared set-up: a server with one event, and clients of each role.

use hoidap_protocol::{ClientMsg, ErrorCode, PROTOCOL_VERSION, Role, ServerMsg};
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
