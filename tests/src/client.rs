//! A WebSocket client speaking the protocol, as a phone or laptop would.

use crate::view::View;
use anyhow::{Context, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{
    Action, ClientMsg, ErrorCode, PROTOCOL_VERSION, Participant, Role, Seq, ServerMsg,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const WAIT: Duration = Duration::from_secs(10);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub view: View,
    pub participant: Option<Participant>,
    /// Every message received, in order (for assertions on what was sent).
    pub log: Vec<ServerMsg>,
    /// The same messages as the bytes of their frames (for checking that
    /// something was never sent, in any form).
    pub texts: Vec<String>,
}

/// A request refused by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub code: ErrorCode,
    pub message: String,
}

impl Client {
    pub async fn connect(url: &str) -> anyhow::Result<Client> {
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        Ok(Client {
            ws,
            view: View::default(),
            participant: None,
            log: Vec::new(),
            texts: Vec::new(),
        })
    }

    /// Connects and says hello; waits for the welcome and the first state.
    pub async fn join(
        url: &str,
        code: &str,
        role: Role,
        secret: Option<&str>,
    ) -> anyhow::Result<Client> {
        let mut client = Client::connect(url).await?;
        client.hello(code, role, secret, None).await?;
        Ok(client)
    }

    pub async fn hello(
        &mut self,
        code: &str,
        role: Role,
        secret: Option<&str>,
        token: Option<&str>,
    ) -> anyhow::Result<()> {
        self.send(&ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            join_code: code.to_owned(),
            role,
            secret: secret.map(str::to_owned),
            participant_token: token.map(str::to_owned),
            delegate_code: None,
            resume: None,
        })
        .await?;
        match self.recv().await? {
            ServerMsg::Welcome { participant, .. } => self.participant = participant,
            ServerMsg::Error { code, message, .. } => bail!("hello refused: {code:?} {message}"),
            other => bail!("expected welcome, got {other:?}"),
        }
        // The snapshot follows the welcome (and `mine` for attendees with
        // an identity; a guest of a roster event has none).
        self.recv().await?;
        if role == Role::Attendee && self.participant.is_some() {
            self.recv().await?;
        }
        Ok(())
    }

    /// An attendee's hello with a delegate's card code (roster events):
    /// `Ok(client)` once joined as the delegate, `Err((code, close))` when
    /// refused.
    pub async fn claim(
        url: &str,
        join_code: &str,
        card: &str,
    ) -> anyhow::Result<Result<Client, (ErrorCode, Option<u16>)>> {
        Self::claim_with(url, join_code, card, None).await
    }

    /// `claim` from a device that already holds a token (`token`).
    pub async fn claim_with(
        url: &str,
        join_code: &str,
        card: &str,
        token: Option<&str>,
    ) -> anyhow::Result<Result<Client, (ErrorCode, Option<u16>)>> {
        let mut client = Client::connect(url).await?;
        client
            .send(&ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                join_code: join_code.to_owned(),
                role: Role::Attendee,
                secret: None,
                participant_token: token.map(str::to_owned),
                delegate_code: Some(card.to_owned()),
                resume: None,
            })
            .await?;
        match client.recv().await? {
            ServerMsg::Welcome { participant, .. } => client.participant = participant,
            ServerMsg::Error { code, .. } => return Ok(Err((code, client.closed().await?))),
            other => bail!("expected welcome, got {other:?}"),
        }
        client.recv().await?;
        client.recv().await?;
        Ok(Ok(client))
    }

    /// Reconnects as a device that held `view` (and, for attendees, the
    /// participant token), asking to resume from the view's position.
    /// Returns after the welcome; what follows is left for the caller.
    pub async fn rejoin(
        url: &str,
        code: &str,
        role: Role,
        secret: Option<&str>,
        token: Option<&str>,
        view: View,
    ) -> anyhow::Result<Client> {
        let mut client = Client::connect(url).await?;
        let resume = (!view.epoch.is_empty()).then(|| hoidap_protocol::ResumeFrom {
            epoch: view.epoch.clone(),
            seq: view.seq,
        });
        client.view = view;
        client
            .send(&ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                join_code: code.to_owned(),
                role,
                secret: secret.map(str::to_owned),
                participant_token: token.map(str::to_owned),
                delegate_code: None,
                resume,
            })
            .await?;
        match client.recv().await? {
            ServerMsg::Welcome { participant, .. } => client.participant = participant,
            other => bail!("expected welcome, got {other:?}"),
        }
        Ok(client)
    }

    pub async fn send(&mut self, msg: &ClientMsg) -> anyhow::Result<()> {
        self.send_raw(&serde_json::to_string(msg)?).await
    }

    pub async fn send_raw(&mut self, text: &str) -> anyhow::Result<()> {
        self.ws.send(Message::text(text)).await?;
        Ok(())
    }

    /// The next server message (applied to the view), or an error after 10 s
    /// or when the socket closes.
    pub async fn recv(&mut self) -> anyhow::Result<ServerMsg> {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .context("timed out waiting for the server")?;
            let text = match msg {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(frame))) => bail!("closed: {frame:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => bail!("connection ended"),
            };
            let msg: ServerMsg =
                serde_json::from_str(&text).with_context(|| format!("unreadable: {text}"))?;
            self.view.apply(&msg)?;
            self.log.push(msg.clone());
            self.texts.push(text.to_string());
            return Ok(msg);
        }
    }

    /// Waits for the close frame; returns its code.
    pub async fn closed(&mut self) -> anyhow::Result<Option<u16>> {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next())
                .await
                .context("timed out waiting for close")?
            {
                Some(Ok(Message::Close(frame))) => return Ok(frame.map(|f| f.code.into())),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Ok(None),
            }
        }
    }

    /// Sends a request and waits for its ack (`Ok(seq)`) or error.
    pub async fn request(&mut self, action: Action) -> anyhow::Result<Result<Seq, Rejected>> {
        let id = format!("t{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
        self.request_with_id(&id, action).await
    }

    pub async fn request_with_id(
        &mut self,
        id: &str,
        action: Action,
    ) -> anyhow::Result<Result<Seq, Rejected>> {
        self.send(&ClientMsg::Request {
            id: id.to_owned(),
            action,
        })
        .await?;
        loop {
            match self.recv().await? {
                ServerMsg::Ack { id: got, seq, .. } if got == id => return Ok(Ok(seq)),
                ServerMsg::Error {
                    id: Some(got),
                    code,
                    message,
                    ..
                } if got == id => {
                    return Ok(Err(Rejected { code, message }));
                }
                _ => {}
            }
        }
    }

    /// A request that must succeed.
    pub async fn ok(&mut self, action: Action) -> anyhow::Result<Seq> {
        self.request(action.clone())
            .await?
            .map_err(|r| anyhow!("{action:?} refused: {r:?}"))
    }

    /// Asks a question and returns its id.
    pub async fn ask(&mut self, text: &str) -> anyhow::Result<u64> {
        let before: Vec<u64> = self.view.my_questions.keys().copied().collect();
        self.ok(Action::Ask {
            text: text.to_owned(),
            name: None,
            unit: None,
            anonymous: false,
            identity: None,
            topic: None,
            official: None,
        })
        .await?;
        self.view
            .my_questions
            .keys()
            .copied()
            .find(|id| !before.contains(id))
            .context("ack without question")
    }

    /// Sets or withdraws this participant's vote; it must be accepted.
    pub async fn vote(&mut self, question: u64, up: bool) -> anyhow::Result<Seq> {
        self.ok(Action::Vote { question, up }).await
    }

    /// Receives until `question` shows exactly `votes` votes.
    pub async fn wait_votes(&mut self, question: u64, votes: u32) -> anyhow::Result<()> {
        let what = format!("question {question} shows {votes} votes");
        self.wait_until(&what, |v| {
            v.question(question).is_some_and(|q| q.votes == votes)
        })
        .await
    }

    /// Receives until `done(view)` holds.
    pub async fn wait_until(
        &mut self,
        what: &str,
        done: impl Fn(&View) -> bool,
    ) -> anyhow::Result<()> {
        while !done(&self.view) {
            self.recv()
                .await
                .with_context(|| format!("waiting until {what}"))?;
        }
        Ok(())
    }

    /// Receives everything the server sends within `quiet` of silence.
    pub async fn drain(&mut self, quiet: Duration) -> anyhow::Result<()> {
        while let Ok(msg) = tokio::time::timeout(quiet, self.ws.next()).await {
            match msg {
                Some(Ok(Message::Text(text))) => {
                    let msg: ServerMsg = serde_json::from_str(&text)?;
                    self.view.apply(&msg)?;
                    self.log.push(msg);
                    self.texts.push(text.to_string());
                }
                Some(Ok(_)) => {}
                _ => break,
            }
        }
        Ok(())
    }
}
