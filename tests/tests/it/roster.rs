//! Roster mode: delegates imported by the organiser, their cards' codes,
//! one vote per delegate whatever the devices, and no way to ask or vote
//! without a card (issue 10, item 3).

use crate::support::{
    Hall, ROSTER, cards, claim, code_of, import_roster, roster_hall, roster_path,
};
use hoidap_protocol::{Action, ClientMsg, ErrorCode, PROTOCOL_VERSION, Role, ServerMsg, close};
use hoidap_server::log::{Log, SqliteLog};
use hoidap_server::queue::{Event, Principal};
use hoidap_tests::Client;
use serde_json::json;

async fn votes(moderator: &mut Client, question: u64, want: u32) -> anyhow::Result<u32> {
    moderator.wait_votes(question, want).await?;
    Ok(moderator.view.question(question).map_or(0, |q| q.votes))
}

#[tokio::test]
async fn an_import_reports_every_bad_row_and_is_all_or_nothing() -> anyhow::Result<()> {
    let hall = roster_hall().await?;
    let long_unit = "Đ".repeat(121);
    let bad = format!(
        "Họ và tên,Đơn vị\n Nguyễn Văn An ,Sở Nội vụ\n,Sở Y tế\nTrần Bình,{long_unit}\nLê Chi,Sở Xây dựng\n"
    );
    let (status, body) = hall
        .admin("POST", &roster_path(&hall, ""), Some(&bad))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["problem"], "rows");
    let errors = body["errors"].as_array().unwrap();
    let lines: Vec<_> = errors
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["code"].clone()))
        .collect();
    assert_eq!(
        lines,
        vec![(3, json!("empty_name")), (4, json!("too_long"))],
        "{body}"
    );
    assert!(
        errors[0]["message"].as_str().unwrap().contains("row 3"),
        "{body}"
    );
    assert!(cards(&hall).await.is_empty(), "nothing half-imported");

    let (status, body) = hall
        .admin("POST", &roster_path(&hall, "?dry_run=true"), Some(ROSTER))
        .await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "rows": 3, "imported": 0, "total": 0 }))
    );
    assert!(cards(&hall).await.is_empty(), "a dry run imports nothing");

    let (status, body) = hall
        .admin("POST", &roster_path(&hall, ""), Some(ROSTER))
        .await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "rows": 3, "imported": 3, "total": 3 }))
    );
    let (status, body) = hall
        .admin("POST", &roster_path(&hall, ""), Some(ROSTER))
        .await;
    assert_eq!(status, 422, "the same file twice: {body}");
    let codes: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].clone())
        .collect();
    assert_eq!(codes, vec![json!("on_roster"); 3]);

    let all = cards(&hall).await;
    assert_eq!(all.len(), 3);
    let first = &all[0];
    assert_eq!(first["id"], "d1");
    assert_eq!(first["name"], "Nguyễn Văn An");
    assert_eq!(first["unit"], "Sở Nội vụ");
    assert_eq!(first["position"], "Giám đốc");
    assert_eq!(first["claimed"], false);
    let code = first["code"].as_str().unwrap();
    assert_eq!(code.len(), 9, "{code}");
    assert_eq!(&code[4..5], "-");
    let link = first["link"].as_str().unwrap();
    assert!(
        link.ends_with(&format!(
            "/j/{}#d={}",
            hall.event.join_code,
            code.replace('-', "")
        )),
        "{link}"
    );
    let size = first["qr"]["size"].as_u64().unwrap() as usize;
    assert!(size >= 21);
    assert_eq!(first["qr"]["bits"].as_str().unwrap().len(), size * size);
    let codes: std::collections::HashSet<_> = all.iter().map(|c| c["code"].clone()).collect();
    assert_eq!(codes.len(), 3, "one code per card");
    Ok(())
}

#[tokio::test]
async fn only_cards_ask_and_vote_and_a_delegate_counts_once() -> anyhow::Result<()> {
    let hall = roster_hall().await?;
    let all = import_roster(&hall).await;
    let mut moderator = hall.moderator().await?;

    // A card's code, typed in lower case with spaces, claims the delegate;
    // the roster says who they are, whatever they type.
    let typed = code_of(&all, "Nguyễn Văn An")
        .to_lowercase()
        .replace('-', " ");
    let mut an = claim(&hall, &typed).await?.expect("claimed");
    let welcome = an.log.iter().find_map(|m| match m {
        ServerMsg::Welcome { delegate, .. } => delegate.clone(),
        _ => None,
    });
    assert_eq!(welcome.expect("who").name, "Nguyễn Văn An");
    an.ok(Action::Ask {
        text: "Tiêu chí đánh giá cán bộ năm nay có gì mới?".into(),
        name: Some("Kẻ mạo danh".into()),
        unit: Some("Đơn vị khác".into()),
        anonymous: false,
        identity: None,
        topic: None,
        official: None,
    })
    .await?;
    let question = *an.view.my_questions.keys().next().expect("asked");
    moderator
        .wait_until("the question", |v| v.question(question).is_some())
        .await?;
    let q = moderator.view.question(question).unwrap();
    assert_eq!(q.name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(q.unit.as_deref(), Some("Sở Nội vụ"));

    // Without a card: watching, nothing else, and no identity minted.
    for _ in 0..500 {
        let mut guest = hall.attendee().await?;
        assert!(guest.participant.is_none());
        let refused = guest.request(Action::Vote { question, up: true }).await?;
        assert_eq!(refused.expect_err("no card").code, ErrorCode::CodeRequired);
    }

    // One delegate on two devices is one vote.
    let ngoc = code_of(&all, "Trần Thị Bích Ngọc");
    let mut phone = claim(&hall, &ngoc).await?.expect("claimed");
    phone.vote(question, true).await?;
    assert_eq!(votes(&mut moderator, question, 1).await?, 1);
    let token = phone.participant.clone().unwrap().token;
    let mut laptop = claim(&hall, &ngoc).await?.expect("claimed again");
    told_moved(&mut phone).await?;
    laptop.vote(question, true).await?;
    assert!(
        laptop.view.my_votes.contains(&question),
        "the vote is the delegate's"
    );
    moderator
        .drain(std::time::Duration::from_millis(300))
        .await?;
    assert_eq!(moderator.view.question(question).unwrap().votes, 1);
    let old = hello_with_token(&hall, &token).await?;
    assert_eq!(
        old,
        (ErrorCode::Moved, Some(close::MOVED)),
        "the first device stays out"
    );

    // A reset card: the old code and the device holding it stop working.
    let id = all
        .iter()
        .find(|c| c["name"] == "Trần Thị Bích Ngọc")
        .unwrap()["id"]
        .clone();
    let path = roster_path(&hall, &format!("/{}/reset", id.as_str().unwrap()));
    let (status, card) = hall.admin("POST", &path, None).await;
    assert_eq!(status, 200, "{card}");
    assert_ne!(card["code"].as_str().unwrap(), ngoc);
    told_moved(&mut laptop).await?;
    let stale = claim(&hall, &ngoc)
        .await?
        .map(|_| ())
        .expect_err("old code");
    assert_eq!(stale, (ErrorCode::UnknownCode, Some(close::REFUSED)));
    let mut again = claim(&hall, card["code"].as_str().unwrap())
        .await?
        .expect("new code");
    assert!(
        again.view.my_votes.contains(&question),
        "the vote stayed the delegate's"
    );
    again.vote(question, false).await?;
    assert_eq!(votes(&mut moderator, question, 0).await?, 0);
    again.vote(question, true).await?;
    assert_eq!(votes(&mut moderator, question, 1).await?, 1);

    // 500 guessed codes from one address: a few are looked up, then the
    // address is held off; none gets in.
    let mut looked_up = 0;
    for i in 0..500u32 {
        let guess = format!("{:08}", 23_456_789 + i).replace(['0', '1'], "2");
        match claim(&hall, &guess).await? {
            Ok(_) => panic!("guess {guess} got in"),
            Err((ErrorCode::UnknownCode, _)) => looked_up += 1,
            Err((ErrorCode::RateLimited, _)) => {}
            Err(other) => panic!("guess {guess}: {other:?}"),
        }
    }
    assert!(looked_up <= 40, "{looked_up} guesses looked up");
    moderator
        .drain(std::time::Duration::from_millis(300))
        .await?;
    assert_eq!(
        moderator.view.question(question).unwrap().votes,
        1,
        "no vote from any of it"
    );

    // The log names the delegate, not a device.
    let (dir, event) = (hall.server.dir.clone(), hall.event.id);
    drop((an, again, moderator));
    let _kept = hall.server.stop().await;
    let entries = SqliteLog::open(&dir)?.entries(event, 0).await?;
    let voters: Vec<_> = entries
        .iter()
        .filter(|e| matches!(e.event, Event::Voted { .. }))
        .map(|e| e.by.clone())
        .collect();
    assert!(!voters.is_empty());
    assert!(
        voters
            .iter()
            .all(|by| matches!(by, Principal::Delegate { .. })),
        "{voters:?}"
    );
    Ok(())
}

/// The device is told its card moved, then closed with 4004 (deltas sent
/// before that may come first).
async fn told_moved(device: &mut Client) -> anyhow::Result<()> {
    loop {
        match device.recv().await? {
            ServerMsg::Error {
                code: ErrorCode::Moved,
                ..
            } => break,
            ServerMsg::Error { code, .. } => anyhow::bail!("told {code:?}"),
            _ => continue,
        }
    }
    assert_eq!(device.closed().await?, Some(close::MOVED));
    Ok(())
}

/// A hello with a device token that must be refused.
async fn hello_with_token(hall: &Hall, token: &str) -> anyhow::Result<(ErrorCode, Option<u16>)> {
    let mut client = Client::connect(&hall.server.ws_url()).await?;
    client
        .send(&ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            join_code: hall.event.join_code.clone(),
            role: Role::Attendee,
            secret: None,
            participant_token: Some(token.to_owned()),
            delegate_code: None,
            resume: None,
        })
        .await?;
    let ServerMsg::Error { code, .. } = client.recv().await? else {
        anyhow::bail!("expected a refusal")
    };
    Ok((code, client.closed().await?))
}

#[tokio::test]
async fn a_question_anonymous_to_everyone_is_linked_to_no_delegate_in_the_log() -> anyhow::Result<()>
{
    let event = json!({
        "title": "Lấy phiếu tín nhiệm", "pre_moderation": true, "roster": true,
        "identities": ["named", "anonymous"],
    });
    let hall = Hall::with(event).await?;
    let all = import_roster(&hall).await;
    let mut moderator = hall.moderator().await?;
    let mut screen = hall.screen().await?;
    let mut other = claim(&hall, &code_of(&all, "Lê Hoàng Phúc"))
        .await?
        .expect("claimed");
    let mut an = claim(&hall, &code_of(&all, "Nguyễn Văn An"))
        .await?
        .expect("claimed");
    an.ok(Action::Ask {
        text: "Xin hỏi về quy trình lấy phiếu tín nhiệm.".into(),
        name: None,
        unit: None,
        anonymous: true,
        identity: Some(hoidap_protocol::Identity::Anonymous),
        topic: None,
        official: None,
    })
    .await?;
    let question = *an
        .view
        .my_questions
        .keys()
        .next()
        .expect("the asker sees it");
    moderator
        .wait_until("the question", |v| v.question(question).is_some())
        .await?;
    let q = moderator.view.question(question).unwrap();
    assert_eq!(
        (q.name.as_deref(), q.unit.as_deref(), q.asker.as_deref()),
        (None, None, None)
    );

    // The asker still hears what became of it.
    moderator.ok(Action::Approve { question }).await?;
    an.wait_until("approved", |v| {
        v.my_questions
            .get(&question)
            .is_some_and(|q| q.status == hoidap_protocol::QuestionStatus::Live)
    })
    .await?;
    // Nobody else learns who asked it, in any form: not the panel, not the
    // screen, not another delegate.
    screen
        .wait_until("shown", |v| v.question(question).is_some())
        .await?;
    other
        .wait_until("shown", |v| v.question(question).is_some())
        .await?;
    moderator
        .drain(std::time::Duration::from_millis(200))
        .await?;
    for (who, client) in [
        ("panel", &moderator),
        ("screen", &screen),
        ("delegate", &other),
    ] {
        for text in &client.texts {
            for secret in ["Nguyễn Văn An", "Sở Nội vụ", "\"d1\""] {
                assert!(!text.contains(secret), "{who} got {secret}: {text}");
            }
        }
    }

    let (dir, event) = (hall.server.dir.clone(), hall.event.id);
    drop((an, moderator, screen, other));
    let _kept = hall.server.stop().await;
    let entries = SqliteLog::open(&dir)?.entries(event, 0).await?;
    let asked = entries
        .iter()
        .find(|e| matches!(e.event, Event::Asked { .. }))
        .expect("asked");
    match &asked.by {
        Principal::Sealed { id } => assert!(id.starts_with('~') && !id.contains("d1"), "{id}"),
        other => panic!("the ask names {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_claimed_card_survives_a_restart_and_its_vote_stays_one() -> anyhow::Result<()> {
    let hall = roster_hall().await?;
    let all = import_roster(&hall).await;
    let mut an = claim(&hall, &code_of(&all, "Nguyễn Văn An"))
        .await?
        .expect("claimed");
    let question = an.ask("Câu hỏi trước khi khởi động lại?").await?;
    an.vote(question, true).await?;
    let token = an.participant.clone().expect("a token").token;
    let (dir, event) = (hall.server.dir.clone(), hall.event.clone());
    drop(an);
    let _kept = hall.server.stop().await;

    // The codes are derived again from the key in the data directory, and
    // the device's token is still the latest claim.
    let server = hoidap_tests::TestServer::start_in(&dir).await?;
    let mut again = Client::connect(&server.ws_url()).await?;
    again
        .hello(&event.join_code, Role::Attendee, None, Some(&token))
        .await?;
    assert!(again.view.my_votes.contains(&question));
    assert!(again.view.my_questions.contains_key(&question));
    again.vote(question, true).await?;
    let mut moderator = Client::join(
        &server.ws_url(),
        &event.join_code,
        Role::Moderator,
        Some(&event.moderator_secret),
    )
    .await?;
    assert_eq!(moderator.view.question(question).map(|q| q.votes), Some(1));
    moderator
        .drain(std::time::Duration::from_millis(100))
        .await?;
    let claimed = Client::claim(
        &server.ws_url(),
        &event.join_code,
        &code_of(&all, "Lê Hoàng Phúc"),
    )
    .await?;
    assert!(
        claimed.is_ok(),
        "the printed cards still work: {:?}",
        claimed.err()
    );
    Ok(())
}

#[tokio::test]
async fn scanning_the_card_again_on_the_same_phone_moves_nothing() -> anyhow::Result<()> {
    let hall = roster_hall().await?;
    let card = code_of(&import_roster(&hall).await, "Nguyễn Văn An");
    let url = hall.server.ws_url();
    let mut tab = claim(&hall, &card).await?.expect("claimed");
    let token = tab.participant.clone().expect("a token").token;
    let again = Client::claim_with(&url, &hall.event.join_code, &card, Some(&token)).await?;
    let again = again.expect("the same phone");
    assert_eq!(
        again.participant.as_ref().map(|p| p.token.as_str()),
        Some(token.as_str())
    );
    // The first tab was not told anything, and still votes.
    let question = tab.ask("Câu hỏi từ thẻ quét lại?").await?;
    tab.vote(question, true).await?;
    assert!(!tab.log.iter().any(|m| matches!(
        m,
        ServerMsg::Error {
            code: ErrorCode::Moved,
            ..
        }
    )));
    let (dir, event) = (hall.server.dir.clone(), hall.event.id);
    drop((tab, again));
    let _kept = hall.server.stop().await;
    let entries = SqliteLog::open(&dir)?.entries(event, 0).await?;
    let claims = entries
        .iter()
        .filter(|e| matches!(e.event, Event::DelegateClaimed { .. }))
        .count();
    assert_eq!(claims, 1, "one claim in the log");
    Ok(())
}
