//! Asking, approving, voting and privacy, seen from every client.

use crate::support::Hall;
use hoidap_protocol::{Action, ErrorCode, QuestionStatus};
use std::time::Duration;

#[tokio::test]
async fn pre_moderated_question_reaches_attendees_only_when_approved() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let mut alice = hall.attendee().await?;
    let mut bob = hall.attendee().await?;
    let mut moderator = hall.moderator().await?;

    let id = alice
        .ask("Công tác đánh giá, xếp loại cán bộ năm 2022 có gì mới?")
        .await?;
    // The asker sees their own question as pending; the moderator sees it.
    assert_eq!(alice.view.my_questions[&id].status, QuestionStatus::Pending);
    moderator
        .wait_until("moderator sees the pending question", |v| {
            v.question(id).is_some()
        })
        .await?;
    assert_eq!(
        moderator.view.question(id).unwrap().status,
        QuestionStatus::Pending
    );
    // Bob must not see it: wait past a tick and check nothing arrived.
    bob.drain(Duration::from_millis(300)).await?;
    assert!(
        bob.view.question(id).is_none(),
        "pending question leaked to an attendee"
    );

    moderator.ok(Action::Approve { question: id }).await?;
    bob.wait_until("bob sees it live", |v| v.question(id).is_some())
        .await?;
    alice
        .wait_until("alice sees it live", |v| v.question(id).is_some())
        .await?;
    assert_eq!(bob.view.question(id).unwrap().status, QuestionStatus::Live);
    assert_eq!(
        bob.view.question(id).unwrap().text,
        "Công tác đánh giá, xếp loại cán bộ năm 2022 có gì mới?"
    );
    Ok(())
}

#[tokio::test]
async fn without_pre_moderation_questions_go_live_at_once() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut alice = hall.attendee().await?;
    let mut bob = hall.attendee().await?;
    let id = alice.ask("Khi nào có kết quả?").await?;
    bob.wait_until("bob sees it", |v| v.question(id).is_some())
        .await?;
    assert_eq!(bob.view.question(id).unwrap().status, QuestionStatus::Live);
    Ok(())
}

#[tokio::test]
async fn fifty_voters_count_once_each_and_unvotes_decrement() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut asker = hall.attendee().await?;
    let mut screen = hall.screen().await?;
    let mut moderator = hall.moderator().await?;
    let id = asker.ask("Quy trình bổ nhiệm lại thế nào?").await?;
    let mut voters = Vec::new();
    for _ in 0..50 {
        let mut v = hall.attendee().await?;
        v.vote(id, true).await?;
        voters.push(v);
    }
    // Voting twice is accepted and still counts once.
    voters[0].vote(id, true).await?;
    for client in [&mut asker, &mut screen, &mut moderator] {
        client.wait_votes(id, 50).await?;
    }
    for v in voters.iter_mut() {
        v.wait_votes(id, 50).await?;
    }
    voters[1].vote(id, false).await?;
    voters[2].vote(id, false).await?;
    screen.wait_votes(id, 48).await?;
    asker.wait_votes(id, 48).await?;
    // Un-voting what was never voted changes nothing.
    voters[1].vote(id, false).await?;
    moderator.drain(Duration::from_millis(300)).await?;
    assert_eq!(moderator.view.question(id).unwrap().votes, 48);
    Ok(())
}

#[tokio::test]
async fn ranking_and_current_question_reach_everyone() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut a = hall.attendee().await?;
    let mut b = hall.attendee().await?;
    let mut screen = hall.screen().await?;
    let mut moderator = hall.moderator().await?;
    let first = a.ask("Câu hỏi thứ nhất").await?;
    let second = a.ask("Câu hỏi thứ hai").await?;
    b.wait_until("b sees both", |v| v.questions.len() == 2)
        .await?;
    assert_eq!(b.view.ranked()[0].id, first, "older first on ties");
    b.ok(Action::Vote {
        question: second,
        up: true,
    })
    .await?;
    screen
        .wait_until("screen re-ranks", |v| {
            v.ranked().first().is_some_and(|q| q.id == second)
        })
        .await?;
    moderator
        .ok(Action::SetCurrent { question: second })
        .await?;
    screen
        .wait_until("screen shows current", |v| v.current == Some(second))
        .await?;
    a.wait_until("attendee sees current", |v| v.current == Some(second))
        .await?;
    moderator
        .ok(Action::MarkAnswered { question: second })
        .await?;
    screen
        .wait_until("answered clears current", |v| v.current.is_none())
        .await?;
    assert_eq!(
        screen.view.question(second).unwrap().status,
        QuestionStatus::Answered
    );
    // Voting on an answered question is refused; the count stays.
    let refused = a
        .request(Action::Vote {
            question: second,
            up: true,
        })
        .await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidTransition);
    Ok(())
}

#[tokio::test]
async fn attendees_never_receive_hidden_questions_or_anonymous_names() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let mut asker = hall.attendee().await?;
    let mut other = hall.attendee().await?;
    let mut screen = hall.screen().await?;
    let mut moderator = hall.moderator().await?;
    asker
        .ok(Action::Ask {
            text: "Xin hỏi về chính sách luân chuyển".into(),
            name: Some("Nguyễn Văn An".into()),
            unit: Some("Sở Nội vụ".into()),
            anonymous: true,
            identity: None,
            topic: None,
            official: None,
        })
        .await?;
    let anon = *asker.view.my_questions.keys().next().unwrap();
    let never_shown = asker.ask("Câu hỏi bị ẩn khi chờ duyệt").await?;
    let shown_then_hidden = asker.ask("Câu hỏi bị ẩn sau khi duyệt").await?;
    moderator
        .wait_until("moderator sees all three", |v| v.questions.len() == 3)
        .await?;
    let seen = moderator.view.question(anon).unwrap().clone();
    assert_eq!(
        seen.name.as_deref(),
        Some("Nguyễn Văn An"),
        "moderators see who asked"
    );
    let asker_id = seen
        .asker
        .clone()
        .expect("moderators see the participant id");

    moderator.ok(Action::Approve { question: anon }).await?;
    moderator
        .ok(Action::Hide {
            question: never_shown,
        })
        .await?;
    moderator
        .ok(Action::Approve {
            question: shown_then_hidden,
        })
        .await?;
    other
        .wait_until("approved ones visible", |v| {
            v.question(shown_then_hidden).is_some()
        })
        .await?;
    moderator
        .ok(Action::Hide {
            question: shown_then_hidden,
        })
        .await?;
    for client in [&mut other, &mut screen] {
        client
            .wait_until("hidden question removed", |v| {
                v.question(shown_then_hidden).is_none() && v.question(anon).is_some()
            })
            .await?;
    }
    let public = &other.view.question(anon).unwrap();
    assert!(
        public.anonymous
            && public.name.is_none()
            && public.unit.is_none()
            && public.asker.is_none()
    );

    // A newcomer's snapshot holds no hidden question at all.
    let newcomer = hall.attendee().await?;
    assert!(newcomer.view.question(shown_then_hidden).is_none());
    for client in [&other, &screen, &newcomer] {
        let everything = serde_json::to_string(&client.log)?;
        assert!(
            !everything.contains("Nguyễn Văn An") && !everything.contains("Sở Nội vụ"),
            "anonymous identity leaked"
        );
        assert!(!everything.contains(&asker_id), "participant id leaked");
        assert!(
            !everything.contains("khi chờ duyệt"),
            "a question hidden while pending leaked"
        );
    }
    assert!(
        !serde_json::to_string(&newcomer.log)?.contains("sau khi duyệt"),
        "hidden question in a snapshot"
    );
    Ok(())
}

#[tokio::test]
async fn vietnamese_round_trips_in_nfc_and_counts_characters() -> anyhow::Result<()> {
    let hall = Hall::with(
        serde_json::json!({ "title": "Đối thoại", "pre_moderation": false, "max_length": 300 }),
    )
    .await?;
    let mut alice = hall.attendee().await?;
    let mut bob = hall.attendee().await?;
    let exact = "Công tác đánh giá, xếp loại cán bộ năm 2022 có gì mới?";
    // Sent decomposed (as some input methods produce), stored composed.
    let decomposed = "Co\u{302}ng ta\u{301}c đa\u{301}nh gia\u{301}, xê\u{301}p loa\u{323}i ca\u{301}n bô\u{323} năm 2022 co\u{301} gi\u{300} mơ\u{301}i?";
    let id = alice.ask(decomposed).await?;
    bob.wait_until("bob sees it", |v| v.question(id).is_some())
        .await?;
    assert_eq!(bob.view.question(id).unwrap().text, exact);

    // 299 characters of Vietnamese and a final "ệ" (3 bytes): 300 characters.
    let three_hundred: String = "Cán bộ được đánh giá thế nào "
        .chars()
        .cycle()
        .take(299)
        .chain(['ệ'])
        .collect();
    assert_eq!(three_hundred.chars().count(), 300);
    assert!(
        three_hundred.len() > 300,
        "Vietnamese takes more bytes than characters"
    );
    alice.ask(&three_hundred).await?;
    let too_long = format!("{three_hundred}ệ");
    let refused = alice
        .request(hoidap_protocol::Action::Ask {
            text: too_long,
            name: None,
            unit: None,
            anonymous: false,
            identity: None,
            topic: None,
            official: None,
        })
        .await?;
    let refused = refused.unwrap_err();
    assert_eq!(refused.code, ErrorCode::TooLong);
    assert!(refused.message.contains("301"), "{}", refused.message);
    Ok(())
}

#[tokio::test]
async fn askers_learn_what_became_of_their_pending_questions() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let mut asker = hall.attendee().await?;
    let mut moderator = hall.moderator().await?;
    let approved = asker.ask("Câu hỏi sẽ được duyệt").await?;
    let hidden = asker.ask("Câu hỏi sẽ bị ẩn").await?;
    let edited = asker.ask("Cau hoi viet khong dau").await?;
    moderator
        .wait_until("moderator sees all three", |v| v.questions.len() == 3)
        .await?;
    moderator.ok(Action::Approve { question: approved }).await?;
    moderator.ok(Action::Hide { question: hidden }).await?;
    moderator
        .ok(Action::Edit {
            question: edited,
            text: "Câu hỏi viết không dấu".into(),
        })
        .await?;
    // The public feed says nothing of the hidden one; the asker still learns.
    asker
        .wait_until("asker sees every outcome", |v| {
            v.my_questions[&approved].status == QuestionStatus::Live
                && v.my_questions[&hidden].status == QuestionStatus::Hidden
                && v.my_questions[&edited].text == "Câu hỏi viết không dấu"
        })
        .await?;
    // Nobody else receives those notices.
    let mut other = hall.attendee().await?;
    moderator.ok(Action::Restore { question: hidden }).await?;
    other
        .wait_until("restored question visible", |v| {
            v.question(hidden).is_some()
        })
        .await?;
    assert!(
        other
            .log
            .iter()
            .filter(|m| matches!(m, hoidap_protocol::ServerMsg::Mine { .. }))
            .count()
            == 1
    );
    Ok(())
}
