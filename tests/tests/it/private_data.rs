//! The data directory holds the admin token, the event secrets and the names
//! behind anonymous questions: another local user must read none of it, and
//! the secrets must not be printed on every start (journald keeps stdout).
//! These tests run the real binary, as an operator would.

use hoidap_tests::{EventInfo, ServerProcess, http_request};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Every file the server keeps in its data directory.
const FILES: &[&str] = &[
    "admin-token",
    "hoidap.sqlite3",
    "hoidap.sqlite3-shm",
    "hoidap.sqlite3-wal",
    "links.txt",
    // Held (flock) by the serving server: see `private::lock_dir`.
    "lock",
    "participant-key",
];

fn mode(path: &Path) -> anyhow::Result<u32> {
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

/// `name → mode` of every entry in `dir`, the directory itself as ".".
fn modes(dir: &Path) -> anyhow::Result<BTreeMap<String, u32>> {
    let mut modes = BTreeMap::from([(".".to_owned(), mode(dir)?)]);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        modes.insert(name, mode(&entry.path())?);
    }
    Ok(modes)
}

fn private_modes() -> BTreeMap<String, u32> {
    let mut modes = BTreeMap::from([(".".to_owned(), 0o700)]);
    modes.extend(FILES.iter().map(|f| ((*f).to_owned(), 0o600)));
    modes
}

fn show(modes: &BTreeMap<String, u32>) -> String {
    modes
        .iter()
        .map(|(name, mode)| format!("{name} {mode:o}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn events(server: &ServerProcess) -> anyhow::Result<Vec<EventInfo>> {
    let auth = format!("Bearer {}", server.admin_token()?);
    let (status, body) = http_request(server.addr, "GET", "/api/events", Some(&auth), None).await?;
    anyhow::ensure!(status == 200, "list events: {status} {body}");
    Ok(serde_json::from_str(&body)?)
}

#[tokio::test]
async fn a_fresh_data_directory_is_private() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    // tempfile makes its directory 0700 already: let the server create one.
    let data = tmp.path().join("data");
    let server = ServerProcess::start_printing(&data, &tmp.path().join("stdout")).await?;
    // While it runs, so the WAL and its index exist; the demo event has been
    // committed, so the WAL holds secrets.
    assert_eq!(events(&server).await?.len(), 1);
    let found = modes(&data)?;
    assert_eq!(show(&found), show(&private_modes()));
    Ok(())
}

#[tokio::test]
async fn an_older_data_directory_is_tightened_at_start() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let stdout = tmp.path().join("stdout");
    let mut server = ServerProcess::start_printing(&data, &stdout).await?;
    // Killed, so the WAL and its index stay behind, as after a power cut.
    server.kill()?;
    drop(server);
    // What older versions left: a 755 directory and 644 files.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755))?;
    for entry in std::fs::read_dir(&data)? {
        std::fs::set_permissions(entry?.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    let server = ServerProcess::start_printing(&data, &stdout).await?;
    assert_eq!(events(&server).await?.len(), 1);
    assert_eq!(show(&modes(&data)?), show(&private_modes()));
    Ok(())
}

#[tokio::test]
async fn secrets_are_printed_on_first_start_only() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let first_out = tmp.path().join("first");
    let second_out = tmp.path().join("second");

    let mut server = ServerProcess::start_printing(&data, &first_out).await?;
    let token = server.admin_token()?;
    let event = events(&server).await?.remove(0);
    server.kill()?;
    drop(server);
    let first = std::fs::read_to_string(&first_out)?;
    for secret in [&token, &event.links.moderator, &event.links.screen] {
        assert!(first.contains(secret.as_str()), "{secret} not in\n{first}");
    }

    let server = ServerProcess::start_printing(&data, &second_out).await?;
    let links_file = data.join("links.txt");
    let kept = std::fs::read_to_string(&links_file)?;
    // The port, hence the links, changed with the restart: the file has
    // today's.
    let again = events(&server).await?.remove(0);
    assert_eq!(again.moderator_secret, event.moderator_secret);
    for secret in [&token, &again.links.moderator, &again.links.screen] {
        assert!(kept.contains(secret.as_str()), "{secret} not in\n{kept}");
    }
    // An event created while serving is added to the file at once.
    let created = server
        .create_event(serde_json::json!({"title": "Phiên chiều"}))
        .await?;
    let kept = std::fs::read_to_string(&links_file)?;
    assert!(kept.contains(&created.links.moderator), "{kept}");
    assert_eq!(mode(&links_file)?, 0o600);
    drop(server);
    let second = std::fs::read_to_string(&second_out)?;
    for secret in [&token, &event.moderator_secret, &event.screen_secret] {
        assert!(
            !second.contains(secret.as_str()),
            "{secret} printed again:\n{second}"
        );
    }
    assert!(
        second.contains(&links_file.display().to_string()),
        "the second start does not say where the links are:\n{second}"
    );
    Ok(())
}
