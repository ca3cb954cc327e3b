//! The data directory is private to the user running the server: it holds
//! the admin token, the signing key, every event's moderator and screen
//! secrets, and the log that ties anonymous questions to their authors.
//! The directory is 0700 and every file in it 0600, from the moment each is
//! created (never written first and restricted after), whatever the umask.
//!
//! Data directories made by older versions (0755, files 0644) are tightened
//! when the server opens them: see [`tighten`].

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The file, in the data directory, that holds the admin token and every
/// event's links (the README names it).
pub const LINKS_FILE: &str = "links.txt";

/// The file, in the data directory, a serving server holds an exclusive
/// lock on: `hoidap restore` must never replace a log under a live server,
/// and two servers must never share one log.
pub const LOCK_FILE: &str = "lock";

/// Takes the data directory's lock, or `None` if another process holds it.
/// The lock is the open file's (`flock`): the kernel drops it when the
/// process dies, so a crash never leaves a stale lock behind.
pub fn lock_dir(dir: &Path) -> io::Result<Option<File>> {
    let path = dir.join(LOCK_FILE);
    ensure_file(&path)?;
    let file = File::options().write(true).open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Creates `dir` (and missing parents) 0700, or tightens it if it exists.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    // `recursive` accepts an existing directory without changing its mode.
    tighten(dir)
}

/// Removes every group and other permission from `path`, if it exists:
/// older versions left the directory 0755 and the SQLite files 0644.
/// Only a mode that needs it is changed, so a directory we may use but not
/// chmod (a volume root owned by someone else) is fine when already private.
pub fn tighten(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(meta) => meta.permissions().mode(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if mode & 0o077 != 0 {
            let private = std::fs::Permissions::from_mode(mode & 0o7700);
            std::fs::set_permissions(path, private)?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `path`, which must not exist, 0600 from the start.
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes sure `path` exists and is private, creating it empty (0600) if
/// missing: SQLite creates a missing database 0644 (less the umask), and
/// gives its `-wal` and `-shm` files the database file's mode.
pub fn ensure_file(path: &Path) -> io::Result<()> {
    match create_new(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => tighten(path),
        Err(e) => Err(e),
    }
}

/// Replaces `path` with `contents`: written to a new 0600 file beside it,
/// synced, then renamed over it, so a reader (or a crash) never sees half.
pub fn replace(path: &Path, contents: &str) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    // Left behind by a crash between create and rename.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut file = create_new(&tmp)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// The links file, rewritten at start and whenever an event is created.
pub struct LinksFile {
    path: PathBuf,
    /// Held across list-write-rename, so two events created at once cannot
    /// leave the older list in place.
    lock: Mutex<()>,
}

impl LinksFile {
    pub fn new(data_dir: &Path) -> LinksFile {
        LinksFile {
            path: data_dir.join(LINKS_FILE),
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes what `contents` returns, computed under the lock.
    pub fn write(&self, contents: impl FnOnce() -> String) -> io::Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        replace(&self.path, &contents())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_private_even_when_replaced_or_left_open() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);

        let file = dir.join("f");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        ensure_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");

        let links = dir.join("links");
        replace(&links, "one").unwrap();
        replace(&links, "two").unwrap();
        assert_eq!(mode(&links), 0o600);
        assert_eq!(std::fs::read_to_string(&links).unwrap(), "two");
        assert!(!dir.join("links.tmp").exists());
    }

    #[test]
    fn one_holder_of_the_lock_at_a_time_until_it_closes() {
        let tmp = tempfile::tempdir().unwrap();
        let held = lock_dir(tmp.path()).unwrap().expect("free");
        assert!(lock_dir(tmp.path()).unwrap().is_none());
        assert_eq!(mode(&tmp.path().join(LOCK_FILE)), 0o600);
        drop(held);
        assert!(lock_dir(tmp.path()).unwrap().is_some());
    }
}
