//! One serving broker per SQLite file. The first `fieldmap serve` on a file holds a lock on
//! `FILE.serving` for as long as it runs; a second is refused with the holder's process id.
//! Holding the lock also tells a restarted broker that every lease in the file belongs to a
//! process that is gone (killed, or the machine restarted), so its jobs are due at once
//! instead of when their leases would have run out. PostgreSQL stores are shared by design:
//! there, leases run out as usual.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::error::{Result, StoreError};

/// The lock, released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct ServingLock {
    _file: File,
    path: PathBuf,
}

impl ServingLock {
    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the serving lock of the SQLite database at `database`.
pub(crate) fn take(database: &Path) -> Result<ServingLock> {
    let mut name = database.as_os_str().to_owned();
    name.push(".serving");
    let path = PathBuf::from(name);
    let failed = |reason: String| StoreError::Serving(format!("{}: {reason}", path.display()));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| failed(e.to_string()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() { "another process" } else { holder };
            return Err(failed(format!(
                "another broker serves this store ({holder}); a SQLite store has one \
                 serving broker, several need PostgreSQL"
            )));
        }
        Err(TryLockError::Error(e)) => return Err(failed(e.to_string())),
    }
    // Who holds it, for the message above; the lock itself is what counts.
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "process {}", std::process::id());
    Ok(ServingLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("fieldmap-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("broker.db");
        let first = take(&db).unwrap();
        assert_eq!(first.path(), dir.join("broker.db.serving"));
        let refused = take(&db).unwrap_err().to_string();
        assert!(
            refused.contains(&format!("process {}", std::process::id())),
            "{refused}"
        );
        assert!(refused.contains("several need PostgreSQL"), "{refused}");
        drop(first);
        take(&db).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
