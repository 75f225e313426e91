//! The one way trailgraph writes a file: atomically, privately, and never over anything but a
//! regular file.
//!
//! [`write_atomically`] decides by what the target path is:
//!
//! | target | what happens |
//! |---|---|
//! | missing, or a regular file | a temporary file `.trailgraph-<pid>-<random>.tmp` in the same directory (mode 0600) is filled, flushed to disk and renamed over the target |
//! | a symbolic link to a regular file | the link is kept; the file it points to is replaced as above |
//! | `-`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` | written straight to that stream, no rename |
//! | a character device (`/dev/null`, a terminal) | written straight to it, no rename |
//! | a directory, a named pipe, a socket, a block device, a link to a missing file | refused with [`std::io::ErrorKind::InvalidInput`] |
//!
//! Before writing, temporary files of this naming whose process is no longer alive are removed
//! from the target directory (a write killed with SIGKILL leaves one behind); a signal handler
//! can remove the files of writes still in progress with [`remove_temporary_files`].

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Name prefix of trailgraph's temporary files; the process id and a random part follow.
pub const TEMP_PREFIX: &str = ".trailgraph-";
/// Name suffix of trailgraph's temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Temporary files of writes in progress in this process.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes the temporary files of every write still in progress in this process. Meant for a
/// SIGINT/SIGTERM handler that ends the process right after.
pub fn remove_temporary_files() {
    let paths = match IN_PROGRESS.lock() {
        Ok(mut paths) => std::mem::take(&mut *paths),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for path in paths {
        let _ = fs::remove_file(path);
    }
}

/// Where a write goes, decided from what the target path is.
enum Target {
    /// Replace this regular file (or create it) by renaming a temporary file over it.
    Replace(PathBuf),
    /// Write straight to this already opened stream or device.
    Stream(fs::File),
}

fn refused(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

/// A duplicate of standard output (1) or standard error (2) as a file, so the write goes where
/// the shell pointed it, at its current offset, without truncating anything.
fn standard_stream(fd: u8) -> io::Result<fs::File> {
    use std::os::fd::AsFd;
    let owned = if fd == 1 {
        io::stdout().flush()?;
        io::stdout().as_fd().try_clone_to_owned()?
    } else {
        io::stderr().as_fd().try_clone_to_owned()?
    };
    Ok(fs::File::from(owned))
}

/// The file descriptor a `/dev/fd/N`-style path names, if it is one.
fn descriptor_path(path: &Path) -> Option<&str> {
    let text = path.to_str()?;
    ["/dev/fd/", "/proc/self/fd/"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn resolve(path: &Path) -> io::Result<Target> {
    use std::os::unix::fs::FileTypeExt;
    let text = path.to_str();
    match text {
        Some("-" | "/dev/stdout") => return standard_stream(1).map(Target::Stream),
        Some("/dev/stderr") => return standard_stream(2).map(Target::Stream),
        _ => {}
    }
    match descriptor_path(path) {
        Some("1") => return standard_stream(1).map(Target::Stream),
        Some("2") => return standard_stream(2).map(Target::Stream),
        Some(_) => {
            return fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map(Target::Stream);
        }
        None => {}
    }
    let link = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Target::Replace(path.to_owned()));
        }
        Err(e) => return Err(e),
    };
    let (meta, target) = if link.file_type().is_symlink() {
        match fs::metadata(path) {
            Ok(meta) => (meta, fs::canonicalize(path)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(refused(
                    "is a symbolic link to a file that does not exist; give the file itself",
                ));
            }
            Err(e) => return Err(e),
        }
    } else {
        (link, path.to_owned())
    };
    let kind = meta.file_type();
    if kind.is_file() {
        Ok(Target::Replace(target))
    } else if kind.is_char_device() {
        fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .map(Target::Stream)
    } else if kind.is_dir() {
        Err(refused("is a directory, not a file"))
    } else if kind.is_fifo() {
        Err(refused(
            "is a named pipe; trailgraph writes regular files, or `-` for standard output",
        ))
    } else if kind.is_block_device() {
        Err(refused(
            "is a block device; trailgraph writes regular files",
        ))
    } else {
        Err(refused(
            "is not a regular file; trailgraph writes regular files",
        ))
    }
}

/// Writes a file the way every file of trailgraph's is written (see the [module](self) for
/// which targets are replaced, written through or refused). For a regular file, `write` fills
/// a temporary file in the same directory (mode 0600), which is flushed to disk and renamed
/// over the target: a reader never sees half a file, and a failed write leaves the old file
/// as it was. Error messages do not name the path; callers prefix the target's.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    match resolve(path)? {
        Target::Stream(file) => {
            let mut out = BufWriter::with_capacity(1 << 16, file);
            write(&mut out)?;
            out.flush()
        }
        Target::Replace(target) => replace(&target, write),
    }
}

/// Checks that [`write_atomically`] would accept `path` (its directory exists, it is not a
/// directory, pipe or device), without writing: a command that works for minutes before
/// writing checks its output path first.
pub fn check_output_path(path: &Path) -> io::Result<()> {
    match resolve(path)? {
        Target::Stream(_) => Ok(()),
        Target::Replace(target) => directory_of(&target).map(drop),
    }
}

/// The directory a regular file is written in, which must exist.
fn directory_of(target: &Path) -> io::Result<PathBuf> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    match fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(refused(format!("{} is not a directory", dir.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the directory {} does not exist", dir.display()),
            ));
        }
        Err(e) => return Err(e),
    }
    Ok(dir)
}

fn replace(target: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = directory_of(target)?;
    remove_stale_temporary_files(&dir);
    let temp = TempFile::create(&dir)?;
    let file = &temp.file;
    std::thread::scope(|scope| -> io::Result<()> {
        // Whatever has been written is flushed to disk on a thread of its own every
        // `SYNC_STEP` bytes, while the rest is being produced, so the final flush of a large
        // file has little left to wait for.
        let (start, started) = std::sync::mpsc::sync_channel::<()>(1);
        let syncing = scope.spawn(move || -> io::Result<()> {
            for () in started {
                file.sync_data()?;
            }
            Ok(())
        });
        let written = {
            let mut out = BufWriter::with_capacity(
                1 << 20,
                SyncingWriter {
                    file,
                    written: 0,
                    next_sync: SYNC_STEP,
                    start,
                },
            );
            write(&mut out).and_then(|()| out.flush())
        };
        let synced = syncing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.and(synced)
    })?;
    temp.file.sync_all()?;
    temp.persist(target)
}

/// How many bytes [`replace`] writes between two flushes to disk started in the background.
const SYNC_STEP: u64 = 16 << 20;

/// Writes to the file and, every [`SYNC_STEP`] bytes, asks the syncing thread to flush what is
/// there (unless it is still busy with the previous flush). Dropping it ends that thread.
struct SyncingWriter<'a> {
    file: &'a fs::File,
    written: u64,
    next_sync: u64,
    start: std::sync::mpsc::SyncSender<()>,
}

impl Write for SyncingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written >= self.next_sync {
            self.next_sync = self.written + SYNC_STEP;
            // A full channel means a flush is pending already; that one covers these bytes.
            let _ = self.start.try_send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A temporary file that is removed when dropped unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    file: fs::File,
    persisted: bool,
}

impl TempFile {
    fn create(dir: &Path) -> io::Result<TempFile> {
        let pid = std::process::id();
        let mut last = None;
        for attempt in 0..16u32 {
            let name = format!("{TEMP_PREFIX}{pid}-{}{TEMP_SUFFIX}", random_part(attempt));
            let path = dir.join(name);
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(file) => {
                    if let Ok(mut list) = IN_PROGRESS.lock() {
                        list.push(path.clone());
                    }
                    return Ok(TempFile {
                        path,
                        file,
                        persisted: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("cannot create a file in {}: {e}", dir.display()),
                    ));
                }
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
    }

    fn persist(mut self, target: &Path) -> io::Result<()> {
        fs::rename(&self.path, target)?;
        self.persisted = true;
        Ok(())
    }

    fn forget(&self) {
        if let Ok(mut list) = IN_PROGRESS.lock() {
            list.retain(|p| p != &self.path);
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
        self.forget();
    }
}

/// Six base-36 characters from the clock, a counter and the attempt number.
fn random_part(attempt: u32) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut n = nanos
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed) << 8)
        .wrapping_add(u64::from(attempt));
    let mut out = String::with_capacity(6);
    for _ in 0..6 {
        let digit = (n % 36) as u8;
        out.push(char::from(if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        }));
        n /= 36;
    }
    out
}

/// The process id in a temporary file name of trailgraph's, if `name` is one.
fn temp_file_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

/// Removes temporary files of trailgraph's naming in `dir` whose writing process is gone.
/// Works where `/proc` shows processes; elsewhere it does nothing.
pub fn remove_stale_temporary_files(dir: &Path) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_pid) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if pid != own && is_file && !proc.join(pid.to_string()).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn temp_files(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect()
    }

    #[test]
    fn replaces_a_regular_file_privately_and_leaves_no_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, |out| out.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_large_file_synced_while_written_arrives_whole() {
        // Past several `SYNC_STEP`s, in writes of odd sizes, with a failure after the first
        // background flushes in a second file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.bin");
        let chunk: Vec<u8> = (0..=250u8).collect();
        let total = 3 * SYNC_STEP as usize + 12_345;
        write_atomically(&path, |out| {
            let mut left = total;
            while left > 0 {
                let n = left.min(chunk.len());
                out.write_all(&chunk[..n])?;
                left -= n;
            }
            Ok(())
        })
        .unwrap();
        let written = fs::read(&path).unwrap();
        assert_eq!(written.len(), total);
        assert!(written.chunks(chunk.len()).all(|c| c == &chunk[..c.len()]));

        let failing = dir.path().join("failing.bin");
        let err = write_atomically(&failing, |out| {
            out.write_all(&vec![7u8; 2 * SYNC_STEP as usize])?;
            Err(io::Error::other("stopped half way"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "stopped half way");
        assert!(!failing.exists());
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        fs::write(&path, "old").unwrap();
        let err = write_atomically(&path, |_| Err(io::Error::other("boom"))).unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_symlink_is_kept_and_its_target_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, |out| out.write_all(b"new")).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn directories_fifos_and_dangling_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomically(dir.path(), |out| out.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("missing"), &dangling).unwrap();
        let err = write_atomically(&dangling, |out| out.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let missing_dir = dir.path().join("no/such/file");
        let err = write_atomically(&missing_dir, |out| out.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn dev_null_is_written_through_and_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        write_atomically(Path::new("/dev/null"), |out| out.write_all(b"x")).unwrap();
        let meta = fs::symlink_metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
    }

    #[test]
    fn stale_temporary_files_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // Process ids stay below 2^22 on Linux, so this one is not alive.
        let stale = dir
            .path()
            .join(format!("{TEMP_PREFIX}4294967294-abcdef{TEMP_SUFFIX}"));
        let own = dir.path().join(format!(
            "{TEMP_PREFIX}{}-abcdef{TEMP_SUFFIX}",
            std::process::id()
        ));
        let other = dir.path().join(".trailgraph-notes.tmp");
        for p in [&stale, &own, &other] {
            fs::write(p, "x").unwrap();
        }
        write_atomically(&dir.path().join("out"), |out| out.write_all(b"x")).unwrap();
        assert!(!stale.exists());
        assert!(own.exists(), "a live process's file stays");
        assert!(other.exists(), "a file of another naming stays");
    }

    #[test]
    fn temporary_file_names_carry_the_pid() {
        assert_eq!(temp_file_pid(".trailgraph-123-abc123.tmp"), Some(123));
        assert_eq!(temp_file_pid(".trailgraph-abc123.tmp"), None);
        assert_eq!(temp_file_pid("trailgraph-123-a.tmp"), None);
    }
}
