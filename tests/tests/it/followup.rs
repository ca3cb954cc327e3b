//! After the question, over real sockets: routing and reassignment, each
//! follow-up move allowed and refused by role, an anonymous asker following
//! their question to its written answer across a restart, and merges that
//! keep one vote per delegate (issue 11).

use crate::support::{Hall, add_staff, claim, code_of, import_roster, join_staff, roster_hall};
use hoidap_protocol::{Action, ErrorCode, Identity, QuestionStatus, Role, StepKind};
use hoidap_server::log::{Log, SqliteLog};
use hoidap_server::queue::{Event, Principal, StaffId};
use hoidap_tests::Client;
use serde_json::json;

async fn refused(client: &mut Client, action: Action) -> anyhow::Result<ErrorCode> {
    match client.request(action.clone()).await? {
        Ok(seq) => anyhow::bail!("{action:?} was accepted at {seq}"),
        Err(r) => Ok(r.code),
    }
}

fn route(question: u64, official: &str, reason: Option<&str>) -> Action {
    Action::Route {
        question,
        topic: None,
        official: Some(official.to_owned()),
        reason: reason.map(String::from),
    }
}

/// The official writes answer `n` of question `q` and publishes it.
async fn answer(official: &mut Client, q: u64, n: u32, text: &str) -> anyhow::Result<()> {
    official.ok(draft(q, text)).await?;
    official
        .ok(Action::PublishAnswer {
            question: q,
            answer: n,
        })
        .await?;
    Ok(())
}

fn draft(question: u64, text: &str) -> Action {
    Action::DraftAnswer {
        question,
        text: text.to_owned(),
        answer: None,
    }
}

#[tokio::test]
async fn every_move_by_role_over_the_wire_and_the_log_names_who() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let (_, chair_secret) = add_staff(&hall, "Chủ tọa Lan", "chair").await;
    let (a_id, a_secret) = add_staff(&hall, "Chủ tịch UBND tỉnh", "official").await;
    let (b_id, _) = add_staff(&hall, "Trưởng Ban Tổ chức", "official").await;
    let (_, clerk_secret) = add_staff(&hall, "Chuyên viên Hà", "clerk").await;
    let (mut chair, _) = join_staff(&hall, Role::Moderator, &chair_secret).await?;
    let (mut official, who) = join_staff(&hall, Role::Moderator, &a_secret).await?;
    assert_eq!(who.map(|w| w.name), Some("Chủ tịch UBND tỉnh".into()));
    let (mut clerk, _) = join_staff(&hall, Role::Moderator, &clerk_secret).await?;
    let mut asker = hall.attendee().await?;
    let mut neighbour = hall.attendee().await?;
    let q = asker
        .ask("Lộ trình tinh giản biên chế đến năm 2030 thế nào?")
        .await?;

    // Routing: the panel's, with reasons kept; never an official's.
    assert_eq!(
        refused(&mut official, route(q, &b_id, None)).await?,
        ErrorCode::Forbidden
    );
    assert_eq!(
        refused(&mut asker, route(q, &a_id, None)).await?,
        ErrorCode::Forbidden
    );
    let unknown = refused(&mut chair, route(q, "s99", None)).await?;
    assert_eq!(unknown, ErrorCode::UnknownOfficial);
    chair.ok(route(q, &b_id, None)).await?;
    chair
        .ok(route(q, &a_id, Some("Thuộc thẩm quyền UBND tỉnh")))
        .await?;
    official
        .wait_until("the official sees it assigned", |v| {
            v.question(q)
                .is_some_and(|x| x.follow.official.as_deref() == Some(a_id.as_str()))
        })
        .await?;
    let history = &official.view.question(q).unwrap().follow.history;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].by.as_deref(), Some("Chủ tọa Lan"));
    assert_eq!(history[1].to.as_deref(), Some("Chủ tịch UBND tỉnh"));
    assert_eq!(
        history[1].reason.as_deref(),
        Some("Thuộc thẩm quyền UBND tỉnh")
    );

    // To answer in writing: the hall sees the promise and its due date.
    let in_writing = Action::AnswerInWriting {
        question: q,
        working_days: 10,
        official: None,
    };
    assert_eq!(
        refused(&mut official, in_writing.clone()).await?,
        ErrorCode::Forbidden
    );
    chair.ok(in_writing.clone()).await?;
    assert_eq!(
        refused(&mut chair, in_writing).await?,
        ErrorCode::InvalidTransition
    );
    neighbour
        .wait_until("the hall sees the promise", |v| {
            v.question(q)
                .is_some_and(|x| x.status == QuestionStatus::InWriting && x.follow.due.is_some())
        })
        .await?;
    asker
        .wait_until("the asker is told", |v| {
            v.my_questions
                .get(&q)
                .is_some_and(|x| x.status == QuestionStatus::InWriting)
        })
        .await?;

    // The clerk drafts, the hall sees nothing of it, the official signs.
    clerk
        .ok(draft(q, "Dự thảo: đến năm 2030 giảm 10% biên chế."))
        .await?;
    let publish = Action::PublishAnswer {
        question: q,
        answer: 1,
    };
    assert_eq!(
        refused(&mut clerk, publish.clone()).await?,
        ErrorCode::Forbidden
    );
    official.ok(publish).await?;
    let signed = |v: &hoidap_tests::View| {
        v.question(q).is_some_and(|x| {
            x.status == QuestionStatus::AnsweredInWriting
                && x.follow.answers.len() == 1
                && x.follow.answers[0].signed_by == "Chủ tịch UBND tỉnh"
                && x.follow.answers[0].written_by.is_none()
        })
    };
    neighbour
        .wait_until("the hall sees the answer", signed)
        .await?;

    // Not satisfied: the asker's, with a reason; back to the official.
    let not_satisfied = |reason: &str| Action::NotSatisfied {
        question: q,
        reason: reason.to_owned(),
    };
    let others = refused(&mut neighbour, not_satisfied("Không phải câu của tôi")).await?;
    assert_eq!(others, ErrorCode::Forbidden);
    assert_eq!(
        refused(&mut asker, not_satisfied(" ")).await?,
        ErrorCode::InvalidText
    );
    asker
        .ok(not_satisfied("Chưa nêu lộ trình từng năm"))
        .await?;
    answer(&mut official, q, 2, "Lộ trình từng năm: 2026 giảm 2%, …").await?;
    asker
        .wait_until("the asker sees the second answer", |v| {
            v.my_questions.get(&q).is_some_and(|x| {
                x.status == QuestionStatus::AnsweredInWriting && x.follow.answers.len() == 2
            })
        })
        .await?;

    // Every move is an entry naming its principal.
    let (dir, event) = (hall.server.dir.clone(), hall.event.id);
    drop((chair, official, clerk, asker, neighbour));
    let _kept = hall.server.stop().await;
    let entries = SqliteLog::open(&dir)?.entries(event, 0).await?;
    let by = |pick: fn(&Event) -> bool| -> Vec<Principal> {
        entries
            .iter()
            .filter(|e| pick(&e.event))
            .map(|e| e.by.clone())
            .collect()
    };
    let staff = |n| Principal::Staff { id: StaffId(n) };
    assert_eq!(
        by(|e| matches!(e, Event::Routed { .. })),
        [staff(1), staff(1)]
    );
    assert_eq!(by(|e| matches!(e, Event::InWriting { .. })), [staff(1)]);
    assert_eq!(
        by(|e| matches!(e, Event::AnswerDrafted { .. })),
        [staff(4), staff(2)]
    );
    assert_eq!(
        by(|e| matches!(e, Event::AnswerPublished { .. })),
        [staff(2), staff(2)]
    );
    let complaint = by(|e| matches!(e, Event::NotSatisfied { .. }));
    assert!(
        matches!(&complaint[..], [Principal::Participant { .. }]),
        "{complaint:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_askers_choice_of_topic_and_official_and_forwarding() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let (a_id, _) = add_staff(&hall, "Bí thư Tỉnh ủy", "official").await;
    let path = format!("/api/events/{}", hall.event.join_code);
    let body = json!({ "asker_routes": true,
        "topics": [{ "name": "Lấy phiếu tín nhiệm", "official": a_id }, { "name": "Vấn đề chung" }] });
    let (status, detail) = hall.admin("PATCH", &path, Some(&body.to_string())).await;
    assert_eq!(status, 200, "{detail}");
    let mut asker = hall.attendee().await?;
    assert_eq!(asker.view.topics.len(), 2);
    assert_eq!(asker.view.officials[0].name, "Bí thư Tỉnh ủy");
    let ask = |topic| Action::Ask {
        text: "Kết quả lấy phiếu tín nhiệm có được công khai không?".into(),
        name: None,
        unit: None,
        anonymous: false,
        identity: None,
        topic,
        official: None,
    };
    assert_eq!(
        refused(&mut asker, ask(Some(9))).await?,
        ErrorCode::UnknownTopic
    );
    asker.ok(ask(Some(1))).await?;
    let q = *asker.view.my_questions.keys().next().unwrap();
    let mine = &asker.view.my_questions[&q];
    // The topic's default official takes it.
    assert_eq!(
        (mine.follow.topic, mine.follow.official.as_deref()),
        (Some(1), Some(a_id.as_str()))
    );

    let mut moderator = hall.moderator().await?;
    let forward = |authority: &str| Action::Forward {
        question: q,
        authority: authority.to_owned(),
        reason: None,
    };
    assert_eq!(
        refused(&mut moderator, forward("")).await?,
        ErrorCode::InvalidText
    );
    moderator.ok(forward("Ban Tổ chức Trung ương")).await?;
    asker
        .wait_until("the asker sees where it went", |v| {
            v.my_questions.get(&q).is_some_and(|x| {
                x.status == QuestionStatus::Forwarded
                    && x.follow.authority.as_deref() == Some("Ban Tổ chức Trung ương")
                    && x.follow
                        .history
                        .last()
                        .is_some_and(|s| s.kind == StepKind::Forwarded)
            })
        })
        .await?;
    Ok(())
}

#[tokio::test]
async fn an_anonymous_asker_follows_their_question_to_its_written_answer_after_a_restart()
-> anyhow::Result<()> {
    let event = json!({ "title": "Đối thoại", "pre_moderation": false,
        "identities": ["named", "anonymous"] });
    let hall = Hall::with(event).await?;
    let (a_id, a_secret) = add_staff(&hall, "Trưởng Ban Tổ chức Tỉnh ủy", "official").await;
    let mut asker = hall.attendee().await?;
    asker
        .ok(Action::Ask {
            text: "Việc đánh giá cán bộ có tính đến kết quả công việc thực tế không?".into(),
            name: Some("Nguyễn Văn An".into()),
            unit: Some("Sở Nội vụ".into()),
            anonymous: false,
            identity: Some(Identity::Anonymous),
            topic: None,
            official: None,
        })
        .await?;
    let q = *asker.view.my_questions.keys().next().unwrap();
    let token = asker.participant.clone().expect("a token").token;
    let mut moderator = hall.moderator().await?;
    moderator.ok(route(q, &a_id, None)).await?;
    moderator
        .ok(Action::AnswerInWriting {
            question: q,
            working_days: 15,
            official: None,
        })
        .await?;
    let (dir, code) = (hall.server.dir.clone(), hall.event.join_code.clone());
    drop((asker, moderator));
    let _kept = hall.server.stop().await;

    // After the meeting, the server restarted: the official answers.
    let server = hoidap_tests::TestServer::start_in(&dir).await?;
    let mut official =
        Client::join(&server.ws_url(), &code, Role::Moderator, Some(&a_secret)).await?;
    let panel = official.view.question(q).expect("the panel has it").clone();
    assert!(panel.asker.is_none() && panel.name.is_none(), "{panel:?}");
    answer(
        &mut official,
        q,
        1,
        "Có: kết quả công việc là tiêu chí chính.",
    )
    .await?;

    // The asker's phone, with its token, finds its question answered.
    let mut asker = Client::connect(&server.ws_url()).await?;
    asker
        .hello(&code, Role::Attendee, None, Some(&token))
        .await?;
    let mine = asker.view.my_questions.get(&q).expect("still theirs");
    assert_eq!(mine.status, QuestionStatus::AnsweredInWriting);
    assert_eq!(
        mine.follow.answers[0].text,
        "Có: kết quả công việc là tiêu chí chính."
    );
    assert_eq!(mine.identity, Identity::Anonymous);
    // Not satisfied, as the anonymous asker, and told of the new answer.
    asker
        .ok(Action::NotSatisfied {
            question: q,
            reason: "Cần nêu rõ cách đo kết quả".into(),
        })
        .await?;
    answer(
        &mut official,
        q,
        2,
        "Đo theo sản phẩm cụ thể của từng vị trí.",
    )
    .await?;
    asker
        .wait_until("the asker is told of the second answer", |v| {
            v.my_questions
                .get(&q)
                .is_some_and(|x| x.follow.answers.len() == 2)
        })
        .await?;
    // The complaint is stored under the question's pseudonym: the log
    // links it to no participant.
    drop((asker, official));
    let event = hall.event.id;
    let _kept = server.stop().await;
    let entries = SqliteLog::open(&dir)?.entries(event, 0).await?;
    let complaint = entries
        .iter()
        .find(|e| matches!(e.event, Event::NotSatisfied { .. }))
        .expect("the complaint");
    assert!(
        matches!(complaint.by, Principal::Sealed { .. }),
        "{:?}",
        complaint.by
    );
    Ok(())
}

#[tokio::test]
async fn a_merge_keeps_one_vote_per_delegate_and_undoes() -> anyhow::Result<()> {
    let hall = roster_hall().await?;
    let all = import_roster(&hall).await;
    let card = |name| code_of(&all, name);
    let mut an = claim(&hall, &card("Nguyễn Văn An"))
        .await?
        .expect("claimed");
    let mut ngoc = claim(&hall, &card("Trần Thị Bích Ngọc"))
        .await?
        .expect("claimed");
    let mut phuc = claim(&hall, &card("Lê Hoàng Phúc"))
        .await?
        .expect("claimed");
    let first = an
        .ask("Tiêu chí xếp loại cán bộ năm nay có thay đổi không?")
        .await?;
    let second = ngoc
        .ask("Năm nay tiêu chí xếp loại cán bộ có gì thay đổi?")
        .await?;
    an.vote(first, true).await?;
    an.vote(second, true).await?;
    ngoc.vote(second, true).await?;
    phuc.vote(first, true).await?;
    let mut moderator = hall.moderator().await?;
    moderator.wait_votes(second, 2).await?;
    moderator
        .ok(Action::Merge {
            question: second,
            into: first,
        })
        .await?;
    // An voted for both and counts once: An, Phúc, Ngọc.
    moderator.wait_votes(first, 3).await?;
    phuc.wait_until("the merged question leaves the hall", |v| {
        v.question(second).is_none() && v.question(first).is_some_and(|q| q.votes == 3)
    })
    .await?;
    // Both askers are told.
    ngoc.wait_until("Ngọc learns where her question went", |v| {
        v.my_questions
            .get(&second)
            .is_some_and(|q| q.follow.merged_into == Some(first))
    })
    .await?;
    // An's card on a second device is still An: voting again adds nothing.
    drop(an);
    let mut laptop = claim(&hall, &card("Nguyễn Văn An"))
        .await?
        .expect("claimed again");
    laptop.vote(first, true).await?;
    assert_eq!(
        refused(
            &mut laptop,
            Action::Vote {
                question: second,
                up: true
            }
        )
        .await?,
        ErrorCode::UnknownQuestion
    );
    moderator
        .drain(std::time::Duration::from_millis(200))
        .await?;
    assert_eq!(moderator.view.question(first).map(|q| q.votes), Some(3));

    moderator.ok(Action::Unmerge { question: second }).await?;
    moderator.wait_votes(first, 2).await?;
    moderator.wait_votes(second, 2).await?;
    phuc.wait_until("the question is back in the hall", |v| {
        v.question(second).is_some_and(|q| q.votes == 2)
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_panel_is_told_which_questions_a_new_one_probably_repeats() -> anyhow::Result<()> {
    let hall = Hall::new(true).await?;
    let mut moderator = hall.moderator().await?;
    let mut asker = hall.attendee().await?;
    let first = asker
        .ask("Khi nào công bố kết quả lấy phiếu tín nhiệm năm nay?")
        .await?;
    let other = asker.ask("Tiêu chí quy hoạch cán bộ trẻ là gì?").await?;
    // Typed without diacritics, in Telex with the input method off.
    let repeat = asker
        .ask("khi nao cong bo ket qua lay phieeus tins nhieemj nam nay")
        .await?;
    moderator
        .wait_until("the panel sees the suggestion", |v| {
            v.question(repeat)
                .is_some_and(|q| q.follow.similar == [first])
        })
        .await?;
    assert!(
        moderator
            .view
            .question(other)
            .unwrap()
            .follow
            .similar
            .is_empty()
    );
    // The hall is never shown the suggestions, and nothing was merged.
    let phone = hall.attendee().await?;
    assert!(
        phone
            .view
            .questions
            .values()
            .all(|q| q.follow.similar.is_empty())
    );
    assert_eq!(
        moderator.view.question(repeat).unwrap().follow.merged_into,
        None
    );

    // Rebuilt from the log after a restart; gone once the other is hidden.
    let (dir, code, secret) = (
        hall.server.dir.clone(),
        hall.event.join_code.clone(),
        hall.event.moderator_secret.clone(),
    );
    drop((moderator, asker, phone));
    let _kept = hall.server.stop().await;
    let server = hoidap_tests::TestServer::start_in(&dir).await?;
    let mut moderator =
        Client::join(&server.ws_url(), &code, Role::Moderator, Some(&secret)).await?;
    assert_eq!(
        moderator.view.question(repeat).unwrap().follow.similar,
        [first]
    );
    moderator.ok(Action::Hide { question: first }).await?;
    moderator
        .wait_until("the suggestion goes with the hidden question", |v| {
            v.question(first)
                .is_some_and(|q| q.status == QuestionStatus::Hidden)
        })
        .await?;
    let fresh = Client::join(&server.ws_url(), &code, Role::Moderator, Some(&secret)).await?;
    assert!(
        fresh
            .view
            .question(repeat)
            .unwrap()
            .follow
            .similar
            .is_empty()
    );
    Ok(())
}
