//! A hall's Wi-Fi drops 500 phones at once while the meeting goes on; they
//! all come back. Every one converges on the state of a phone that never
//! dropped, and nothing they had in flight is applied twice.

use crate::support::Hall;
use hoidap_protocol::{Action, ClientMsg, Role};
use hoidap_tests::Client;
use std::time::{Duration, Instant};

const PHONES: usize = 500;

// Two workers: the phones' side must not be what is measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_dropped_phones_converge_and_apply_once() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let url = hall.server.ws_url();
    let code = hall.event.join_code.clone();
    let mut asker = hall.attendee().await?;
    let mut moderator = hall.moderator().await?;
    let mut steady = hall.attendee().await?;
    let target = asker.ask("Đề nghị làm rõ tiêu chí đánh giá cán bộ").await?;
    let other = asker.ask("Lộ trình tinh giản biên chế?").await?;

    let mut phones = Vec::with_capacity(PHONES);
    for _ in 0..PHONES {
        phones.push(Client::join(&url, &code, Role::Attendee, None).await?);
    }
    // Every phone sends a vote and drops before reading the answer: the
    // vote may or may not have been applied when the Wi-Fi went.
    let mut away = Vec::with_capacity(PHONES);
    for (i, mut phone) in phones.into_iter().enumerate() {
        let id = format!("drop-{i}");
        phone
            .send(&ClientMsg::Request {
                id: id.clone(),
                action: Action::Vote {
                    question: target,
                    up: true,
                },
            })
            .await?;
        let token = phone.participant.clone().unwrap().token;
        away.push((id, token, phone.view.clone()));
        drop(phone);
    }
    // The meeting goes on while they are away.
    let fresh_question = asker.ask("Câu hỏi mới trong lúc mất sóng").await?;
    moderator.ok(Action::SetCurrent { question: other }).await?;

    // All come back at once, resume, and resend their vote with the same id.
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(PHONES);
    for (id, token, view) in away {
        let (url, code) = (url.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            let mut phone =
                Client::rejoin(&url, &code, Role::Attendee, None, Some(&token), view).await?;
            // Caught up with what happened while away.
            phone
                .wait_until("caught up", |v| {
                    v.current == Some(other) && v.question(fresh_question).is_some()
                })
                .await?;
            let resumed = started.elapsed();
            phone
                .request_with_id(
                    &id,
                    Action::Vote {
                        question: target,
                        up: true,
                    },
                )
                .await?
                .map_err(|r| anyhow::anyhow!("{r:?}"))?;
            phone
                .wait_until("back in sync", |v| {
                    v.current == Some(other)
                        && v.question(fresh_question).is_some()
                        && v.question(target).is_some_and(|q| q.votes == PHONES as u32)
                })
                .await?;
            anyhow::Ok((resumed, started.elapsed(), phone))
        }));
    }
    let (mut resumed, mut converged) = (Vec::new(), Vec::new());
    let mut phones = Vec::with_capacity(PHONES);
    for task in tasks {
        let (caught_up, all_votes, phone) = task.await??;
        resumed.push(caught_up);
        converged.push(all_votes);
        phones.push(phone);
    }
    for (what, times) in [
        ("caught up after resume", &mut resumed),
        ("every resent vote visible", &mut converged),
    ] {
        times.sort();
        let (p50, p99) = (times[PHONES / 2], times[PHONES * 99 / 100]);
        println!(
            "500 dropped phones, {what}: p50 {p50:?}, p99 {p99:?}, max {:?}",
            times[PHONES - 1]
        );
    }

    // Each vote counted exactly once, and every phone holds the same state
    // as the one that never dropped.
    steady
        .wait_until("steady phone sees every vote", |v| {
            v.question(target).is_some_and(|q| q.votes == PHONES as u32)
        })
        .await?;
    steady.drain(Duration::from_millis(250)).await?;
    for phone in phones.iter_mut() {
        phone.drain(Duration::from_millis(1)).await?;
        assert_eq!(phone.view.shared(), steady.view.shared());
        assert!(
            phone.view.my_votes.contains(&target)
                || phone.view.questions[&target].votes == PHONES as u32
        );
    }
    Ok(())
}
