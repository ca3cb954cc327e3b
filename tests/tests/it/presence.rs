//! The panel sees who is there: screens, staff by name, attendees (issue
//! 10, item 8). Only the panel: attendees and screens never get `presence`.

use crate::support::Hall;
use hoidap_protocol::{LinkPresence, Role, RosterPresence, ServerMsg, StaffPresence, StaffRole};
use hoidap_tests::Client;
use serde_json::json;
use std::time::{Duration, Instant};

/// How soon the panel must learn of a change (the message is coalesced to
/// at most one every 500 ms; a change after a quiet spell goes out at
/// once).
const WITHIN: Duration = Duration::from_secs(1);

/// What one `presence` says.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    attendees: u32,
    participants: u32,
    moderators: u32,
    screens: u32,
    staff: Vec<StaffPresence>,
    links: LinkPresence,
    roster: Option<RosterPresence>,
}

impl Seen {
    fn staff(&self, name: &str) -> Option<&StaffPresence> {
        self.staff.iter().find(|s| s.name == name)
    }
}

fn seen(msg: &ServerMsg) -> Option<Seen> {
    match msg {
        ServerMsg::Presence {
            attendees,
            participants,
            moderators,
            screens,
            staff,
            links,
            roster,
        } => Some(Seen {
            attendees: *attendees,
            participants: *participants,
            moderators: *moderators,
            screens: *screens,
            staff: staff.clone(),
            links: *links,
            roster: *roster,
        }),
        _ => None,
    }
}

/// Reads the panel until a presence matches `want`, within `within`;
/// returns it and how long it took.
async fn until(
    panel: &mut Client,
    what: &str,
    within: Duration,
    mut want: impl FnMut(&Seen) -> bool,
) -> anyhow::Result<(Seen, Duration)> {
    let start = Instant::now();
    let mut last = None;
    loop {
        let left = within.saturating_sub(start.elapsed());
        let Ok(msg) = tokio::time::timeout(left, panel.recv()).await else {
            anyhow::bail!("{what}: not within {within:?}; last presence {last:?}");
        };
        if let Some(p) = seen(&msg?) {
            if want(&p) {
                return Ok((p, start.elapsed()));
            }
            last = Some(p);
        }
    }
}

async fn add_staff(hall: &Hall, name: &str, role: &str) -> anyhow::Result<String> {
    let path = format!("/api/events/{}/staff", hall.event.join_code);
    let body = json!({ "name": name, "role": role }).to_string();
    let (status, member) = hall.admin("POST", &path, Some(&body)).await;
    anyhow::ensure!(status == 201, "add {name}: {status} {member}");
    let link = member["link"].as_str().unwrap_or_default();
    Ok(link
        .split_once('#')
        .map(|(_, s)| s.to_owned())
        .unwrap_or_default())
}

async fn join(hall: &Hall, role: Role, secret: &str) -> anyhow::Result<Client> {
    let url = hall.server.ws_url();
    Client::join(&url, &hall.event.join_code, role, Some(secret)).await
}

/// No frame a client received is a presence frame, in any form.
async fn never_told(client: &mut Client, who: &str) -> anyhow::Result<()> {
    client.drain(Duration::from_millis(300)).await?;
    assert!(
        !client.texts.is_empty(),
        "the {who} received nothing at all"
    );
    for text in &client.texts {
        assert!(
            !text.contains("\"presence\"") && !text.contains("Nguyễn Văn Chủ"),
            "the {who} was sent {text}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_panel_sees_screens_staff_and_attendees_come_and_go() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let chair_secret = add_staff(&hall, "Nguyễn Văn Chủ", "chair").await?;
    let lan_secret = add_staff(&hall, "Trần Thị Lan", "moderator").await?;
    let projector_secret = add_staff(&hall, "Máy chiếu hội trường", "screen").await?;

    // On joining, after the snapshot: no screen yet, the chair (this
    // connection) connected, the others listed as not connected.
    let mut chair = join(&hall, Role::Moderator, &chair_secret).await?;
    let (first, _) = until(&mut chair, "the first presence", WITHIN, |_| true).await?;
    assert_eq!(first.screens, 0);
    assert_eq!((first.attendees, first.moderators), (0, 1));
    let names: Vec<_> = first.staff.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Nguyễn Văn Chủ", "Trần Thị Lan", "Máy chiếu hội trường"]
    );
    let chair_row = first.staff("Nguyễn Văn Chủ").expect("the chair is listed");
    assert_eq!(
        (chair_row.role, chair_row.connections),
        (StaffRole::Chair, 1)
    );
    assert_eq!(first.staff("Trần Thị Lan").map(|s| s.connections), Some(0));
    assert_eq!(first.links, LinkPresence::default());
    assert_eq!(first.roster, None, "an open event has no roster");

    // The shared screen link connects, then drops.
    let screen = hall.screen().await?;
    let (p, took) = until(&mut chair, "a screen", WITHIN, |p| p.screens == 1).await?;
    assert_eq!(p.links.screen, 1);
    println!("presence: a screen showed after {took:?}");
    drop(screen);
    let (_, took) = until(&mut chair, "no screen", WITHIN, |p| p.screens == 0).await?;
    println!("presence: a screen's drop showed after {took:?}");

    // A screen through a personal link counts as a screen and as its member.
    let mut projector = join(&hall, Role::Screen, &projector_secret).await?;
    let (p, _) = until(&mut chair, "the projector", WITHIN, |p| p.screens == 1).await?;
    assert_eq!(p.links.screen, 0);
    assert_eq!(
        p.staff("Máy chiếu hội trường").map(|s| s.connections),
        Some(1)
    );

    // A staff member connecting shows up under their name.
    let lan = join(&hall, Role::Moderator, &lan_secret).await?;
    let (p, _) = until(&mut chair, "Lan", WITHIN, |p| {
        p.staff("Trần Thị Lan").is_some_and(|s| s.connections == 1)
    })
    .await?;
    assert_eq!(p.moderators, 2);

    // Attendees: devices, and the people behind them (a second tab of the
    // same phone is one participant).
    let mut phone = hall.attendee().await?;
    let token = phone.participant.clone().expect("a participant").token;
    let mut tab = Client::connect(&hall.server.ws_url()).await?;
    tab.hello(&hall.event.join_code, Role::Attendee, None, Some(&token))
        .await?;
    let mut other = hall.attendee().await?;
    let (p, _) = until(&mut chair, "three attendees", WITHIN, |p| p.attendees == 3).await?;
    assert_eq!(p.participants, 2);
    drop(lan);
    let (p, _) = until(&mut chair, "Lan gone", WITHIN, |p| p.moderators == 1).await?;
    let lan_id = p.staff("Trần Thị Lan").map(|s| s.id.clone());
    assert_eq!(p.staff("Trần Thị Lan").map(|s| s.connections), Some(0));
    // A revoked member is no longer on the staff.
    let path = format!(
        "/api/events/{}/staff/{}/revoke",
        hall.event.join_code,
        lan_id.unwrap_or_default()
    );
    let (status, _) = hall.admin("POST", &path, None).await;
    assert_eq!(status, 200);
    until(&mut chair, "Lan revoked", WITHIN, |p| {
        p.staff("Trần Thị Lan").is_none()
    })
    .await?;

    // Only the panel is ever told.
    phone.ask("Câu hỏi về đánh giá cán bộ năm nay").await?;
    never_told(&mut phone, "attendee").await?;
    never_told(&mut tab, "second tab").await?;
    never_told(&mut other, "other attendee").await?;
    never_told(&mut projector, "screen").await?;
    Ok(())
}

#[tokio::test]
async fn a_hall_reconnecting_does_not_flood_the_panel() -> anyhow::Result<()> {
    const PHONES: u32 = 300;
    let hall = Hall::new(false).await?;
    let mut panel = hall.moderator().await?;
    until(&mut panel, "the first presence", WITHIN, |p| {
        p.attendees == 0
    })
    .await?;
    let url = hall.server.ws_url();
    let code = hall.event.join_code.clone();
    let start = Instant::now();
    let joining = tokio::spawn(async move {
        let mut phones = Vec::new();
        for _ in 0..PHONES {
            phones.push(Client::join(&url, &code, Role::Attendee, None).await?);
        }
        anyhow::Ok(phones)
    });
    let mut frames = 0;
    let within = Duration::from_secs(30);
    until(&mut panel, "every phone", within, |p| {
        frames += 1;
        p.attendees == PHONES
    })
    .await?;
    let took = start.elapsed();
    let phones = joining.await??;
    // One at the start of the burst, then at most one per 500 ms.
    let most = 2 + (took.as_millis() / 500) as u32;
    println!(
        "presence: {PHONES} joins over {took:?} made {frames} presence frames (at most {most})"
    );
    assert!(frames <= most, "{frames} presence frames in {took:?}");
    assert!(frames < PHONES / 4, "not coalesced: {frames} frames");
    drop(phones);
    until(&mut panel, "every phone gone", within, |p| p.attendees == 0).await?;
    Ok(())
}

#[tokio::test]
async fn a_roster_event_shows_its_delegates_claimed_and_present() -> anyhow::Result<()> {
    let event =
        json!({ "title": "Đối thoại công tác cán bộ", "pre_moderation": false, "roster": true });
    let hall = Hall::with(event).await?;
    let roster = "Họ và tên;Đơn vị\nNguyễn Văn An;Sở Nội vụ\nTrần Thị Bích Ngọc;Sở Tài chính\nLê Hoàng Phúc;Sở Y tế\n";
    let path = format!("/api/events/{}/roster", hall.event.join_code);
    let (status, body) = hall.admin("POST", &path, Some(roster)).await;
    assert_eq!(status, 200, "{body}");
    let mut panel = hall.moderator().await?;
    let want = |claimed, present| {
        move |p: &Seen| {
            p.roster
                == Some(RosterPresence {
                    claimed,
                    present,
                    total: 3,
                })
        }
    };
    until(&mut panel, "the roster", WITHIN, want(0, 0)).await?;

    let (_, cards) = hall.admin("GET", &path, None).await;
    let code = cards[0]["code"].as_str().expect("a code").to_owned();
    let url = hall.server.ws_url();
    let phone = Client::claim(&url, &hall.event.join_code, &code)
        .await?
        .map_err(|e| anyhow::anyhow!("claim refused: {e:?}"))?;
    until(
        &mut panel,
        "a delegate claimed and here",
        WITHIN,
        want(1, 1),
    )
    .await?;
    drop(phone);
    until(&mut panel, "the delegate gone", WITHIN, want(1, 0)).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_keeps_flowing_while_the_room_commits_back_to_back() -> anyhow::Result<()> {
    let hall = Hall::new(false).await?;
    let mut panel = hall.moderator().await?;
    until(&mut panel, "the first presence", WITHIN, |p| p.screens == 0).await?;
    let mut asker = hall.attendee().await?;
    let question = asker.ask("Câu hỏi được ủng hộ liên tục").await?;
    // Voters toggling their votes as fast as the room acknowledges them:
    // every batch has a commit, one after the other.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut voters = Vec::new();
    for _ in 0..16 {
        let mut voter = hall.attendee().await?;
        let stop = stop.clone();
        voters.push(tokio::spawn(async move {
            let mut up = true;
            let mut acks = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                voter.vote(question, up).await?;
                up = !up;
                acks += 1;
            }
            anyhow::Ok(acks)
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    until(&mut panel, "the voters", WITHIN, |p| p.attendees == 17).await?;
    // Past the coalescing window: the next change may go out at once, and
    // does, after the batch that made it: about a millisecond. When it
    // waited for a tick that the room's own loop won (not one taken inside
    // `commit`) it took 40-120 ms here, and past a second when the change
    // came inside the window.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let screen = hall.screen().await?;
    let soon = Duration::from_millis(300);
    let result = until(&mut panel, "a screen, under load", soon, |p| p.screens == 1).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acks = 0;
    for voter in voters {
        acks += voter.await??;
    }
    let (_, took) = result?;
    println!("presence: under {acks} votes a screen showed after {took:?}");
    drop(screen);
    Ok(())
}
