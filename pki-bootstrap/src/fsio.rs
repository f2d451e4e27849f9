//! Writing files so that a crash, a full disk or a pulled USB stick leaves either the complete
//! file or nothing under its final name: every file is written to a temporary name in the same
//! directory, fsynced, then linked (new files) or renamed (`--force`, and our own records) into
//! place, and the directory is fsynced. Keys are created 0600, everything else 0644.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Mode for private keys and CA state.
pub const MODE_SECRET: u32 = 0o600;
/// Mode for certificates, CRLs and records.
pub const MODE_PUBLIC: u32 = 0o644;

const TMP_MARKER: &str = ".pki-bootstrap-tmp.";

/// Fails with [`Error::Exists`] for the first path that exists, unless `force`. Called before any
/// key is generated so a refused run creates nothing.
pub fn ensure_absent<'a>(paths: impl IntoIterator<Item = &'a Path>, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    for p in paths {
        if fs::symlink_metadata(p).is_ok() {
            return Err(Error::Exists(p.to_path_buf()));
        }
    }
    Ok(())
}

/// Creates `dir` (and parents) if needed, mode 0700 for new directories.
pub fn create_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(Error::io(format!("creating directory {}", dir.display())))
}

/// Writes a new output file. Without `force` an existing file is never replaced, even one that
/// appeared after [`ensure_absent`] (the final step is a hard link, which fails on existing names).
/// Secret files (mode 0600: keys, CA state) are written to an unnamed `O_TMPFILE` and linked into
/// place, so no named temporary file ever holds key material; on a filesystem without
/// `O_TMPFILE` (e.g. FAT) they fall back to the named temporary.
pub fn write_new(path: &Path, contents: &[u8], mode: u32, force: bool) -> Result<()> {
    if mode == MODE_SECRET && write_unnamed(path, contents, mode, force)? {
        return sync_dir(path);
    }
    let tmp = write_temp(path, contents, mode)?;
    let placed = if force {
        fs::rename(&tmp, path)
    } else {
        fs::hard_link(&tmp, path).and_then(|()| fs::remove_file(&tmp))
    };
    if let Err(e) = placed {
        let _ = fs::remove_file(&tmp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(Error::Exists(path.to_path_buf()));
        }
        return Err(Error::Io {
            context: format!("moving the new file into place at {}", path.display()),
            source: e,
        });
    }
    sync_dir(path)
}

/// Replaces a file we own (state, log, checksums) atomically.
pub fn replace(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let tmp = write_temp(path, contents, mode)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::Io {
            context: format!("moving the new file into place at {}", path.display()),
            source: e,
        });
    }
    sync_dir(path)
}

/// True for names [`write_new`] uses while writing.
pub fn is_temp_name(name: &str) -> bool {
    name.contains(TMP_MARKER)
}

fn write_temp(path: &Path, contents: &[u8], mode: u32) -> Result<PathBuf> {
    let dir = parent(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rnd = [0u8; 6];
    openssl::rand::rand_bytes(&mut rnd).map_err(Error::ssl("drawing a temp file name"))?;
    let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{name}{TMP_MARKER}{suffix}"));
    let ctx = || format!("writing {}", tmp.display());
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(Error::io(ctx()))?;
    // The umask may have narrowed the mode; certificates must stay world-readable.
    let written = f
        .set_permissions(fs::Permissions::from_mode(mode))
        .and_then(|()| f.write_all(contents))
        .and_then(|()| f.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::Io {
            context: ctx(),
            source: e,
        });
    }
    Ok(tmp)
}

/// Writes `contents` to an unnamed file in `path`'s directory and links it in as `path`
/// (replacing an existing file only with `force`: unlinked first, so a crash in between leaves
/// no file rather than a half-written one). Returns false when the filesystem has no O_TMPFILE.
fn write_unnamed(path: &Path, contents: &[u8], mode: u32, force: bool) -> Result<bool> {
    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    let dir = parent(path);
    let ctx = || format!("writing {}", path.display());
    let fd = match rustix::fs::openat(
        CWD,
        dir,
        OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::from_raw_mode(mode),
    ) {
        Ok(fd) => fd,
        Err(e) if e == rustix::io::Errno::OPNOTSUPP || e == rustix::io::Errno::ISDIR => {
            return Ok(false);
        }
        Err(e) => {
            return Err(Error::Io {
                context: ctx(),
                source: e.into(),
            });
        }
    };
    let mut f = File::from(fd);
    f.set_permissions(fs::Permissions::from_mode(mode))
        .and_then(|()| f.write_all(contents))
        .and_then(|()| f.sync_all())
        .map_err(Error::io(ctx()))?;
    if force {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::Io {
                    context: format!("replacing {}", path.display()),
                    source: e,
                });
            }
        }
    }
    // Linking through /proc/self/fd needs no privilege (AT_EMPTY_PATH would).
    let proc_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&f));
    match rustix::fs::linkat(CWD, proc_path.as_str(), CWD, path, AtFlags::SYMLINK_FOLLOW) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::EXIST => Err(Error::Exists(path.to_path_buf())),
        Err(e) => Err(Error::Io {
            context: format!("moving the new file into place at {}", path.display()),
            source: e.into(),
        }),
    }
}

/// The directory `path` is in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    parent(path)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_dir(path: &Path) -> Result<()> {
    let dir = parent(path);
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(format!("syncing directory {}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_file_has_mode_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pem");
        write_new(&p, b"one", MODE_SECRET, false).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let err = write_new(&p, b"two", MODE_SECRET, false).unwrap_err();
        assert!(matches!(err, Error::Exists(_)));
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_new(&p, b"three", MODE_PUBLIC, true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"three");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp files left behind");
    }

    #[test]
    fn secret_files_never_have_a_named_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ca.key");
        assert!(write_unnamed(&p, b"secret", MODE_SECRET, false).unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"secret");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(
            write_unnamed(&p, b"other", MODE_SECRET, false).unwrap_err(),
            Error::Exists(_)
        ));
        assert!(write_unnamed(&p, b"again", MODE_SECRET, true).unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"again");
    }
}
