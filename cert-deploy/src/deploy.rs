//! Putting one certificate's files into place so that a crash at any point can be undone.
//!
//! Two files (key and certificate) cannot be replaced in one atomic step: whatever the order,
//! some instant has a new key beside an old certificate. So a deploy is a small journal:
//!
//! 1. every new file is written to an unguessable temporary name in its target's directory
//!    (the key through an unnamed `O_TMPFILE`, linked in only once complete), with owner and
//!    mode set and fsynced;
//! 2. every existing target gets a hard link `.<name>.cert-deploy-old` (same inode: no copy of
//!    the key is made);
//! 3. the journal marker `.cert-deploy.<cert>.journal` is created and fsynced: from here on an
//!    interruption is rolled back;
//! 4. the temporaries are renamed over the targets, key first, directories fsynced;
//! 5. the marker is removed and its directory fsynced: this is the commit;
//! 6. the old links are removed.
//!
//! [`recover`] (the first thing every `run` does, and `cert-deploy recover` for systemd's
//! `ExecStopPost`) rolls a marked deploy back by renaming each old link over its target, or,
//! without a marker, only removes leftovers. A run killed anywhere therefore leaves, after
//! recovery, the old pair or the new pair, never a mix; and services are only reloaded after the
//! commit, so they never load a mismatched pair.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};

use crate::config::{CertSpec, Kind, Target};

const NEW_MARK: &str = ".cert-deploy-new.";
const OLD_SUFFIX: &str = ".cert-deploy-old";

/// What a fresh issuance gives to deploy.
pub struct Material {
    /// PEM private key.
    pub key: String,
    /// PEM certificate.
    pub cert: String,
    /// PEM CA chain (issuer first).
    pub chain: String,
}

impl std::fmt::Debug for Material {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Material { key: [redacted], .. }")
    }
}

impl Material {
    fn contents(&self, kind: Kind) -> String {
        match kind {
            Kind::PrivKey => self.key.clone(),
            Kind::Cert => self.cert.clone(),
            Kind::Chain => self.chain.clone(),
            Kind::FullChain => format!("{}{}", self.cert, self.chain),
        }
    }
}

/// Checks that every target directory exists, before anything is issued.
pub fn check_dirs(spec: &CertSpec) -> anyhow::Result<()> {
    for t in &spec.targets {
        let dir = parent(&t.path);
        if !dir.is_dir() {
            return Err(anyhow!(
                "{}: the directory {} does not exist; create it with the owner and mode the service needs",
                t.path.display(),
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Deploys `material` into the targets of `spec` (see the module documentation). On an error the
/// previous files are put back before returning.
pub fn deploy(spec: &CertSpec, material: &Material) -> anyhow::Result<()> {
    let mut order: Vec<&Target> = spec.targets.iter().collect();
    // The key first: a reader that opens both between steps 4 and 5 is the one case a journal
    // cannot close; the key leading keeps it the shortest.
    order.sort_by_key(|t| t.kind != Kind::PrivKey);
    let mut temps = Vec::with_capacity(order.len());
    for t in &order {
        match write_temp(t, material.contents(t.kind).as_bytes()) {
            Ok(tmp) => temps.push(tmp),
            Err(e) => {
                remove_all(&temps);
                return Err(e);
            }
        }
    }
    let result = swap_in(spec, &order, &temps);
    if result.is_err() {
        let _ = recover(spec);
        remove_all(&temps);
    }
    result
}

fn swap_in(spec: &CertSpec, order: &[&Target], temps: &[PathBuf]) -> anyhow::Result<()> {
    for t in order {
        let old = old_link(&t.path);
        remove_if_present(&old)?;
        match fs::hard_link(&t.path, &old) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("keeping the previous {}", t.path.display()));
            }
        }
    }
    sync_dirs(order)?;
    let marker = marker_path(spec);
    create_marker(&marker)?;
    for (t, tmp) in order.iter().zip(temps) {
        fs::rename(tmp, &t.path)
            .with_context(|| format!("moving the new file into place at {}", t.path.display()))?;
    }
    sync_dirs(order)?;
    fs::remove_file(&marker)
        .with_context(|| format!("committing the deploy (removing {})", marker.display()))?;
    sync_dir(parent(&marker))?;
    for t in order {
        let _ = fs::remove_file(old_link(&t.path));
    }
    Ok(())
}

/// What [`recover`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Nothing was left over.
    Clean,
    /// Leftovers of an interrupted deploy that had not started replacing files (or had
    /// committed) were removed.
    Tidied,
    /// An interrupted deploy was rolled back: the previous files are in place again.
    RolledBack,
}

/// Undoes an interrupted deploy of `spec` (see the module documentation).
pub fn recover(spec: &CertSpec) -> anyhow::Result<Recovery> {
    let marker = marker_path(spec);
    let marked = fs::symlink_metadata(&marker).is_ok();
    let mut touched = false;
    for t in &spec.targets {
        let old = old_link(&t.path);
        if fs::symlink_metadata(&old).is_err() {
            continue;
        }
        touched = true;
        if marked {
            // Renaming a link over another link of the same inode does nothing and succeeds,
            // so the old name is removed explicitly afterwards either way.
            fs::rename(&old, &t.path)
                .with_context(|| format!("putting the previous {} back", t.path.display()))?;
        }
        remove_if_present(&old)?;
    }
    for t in &spec.targets {
        touched |= remove_stale_temps(&t.path);
    }
    let refs: Vec<&Target> = spec.targets.iter().collect();
    sync_dirs(&refs)?;
    if marked {
        fs::remove_file(&marker)
            .with_context(|| format!("removing the journal {}", marker.display()))?;
        sync_dir(parent(&marker))?;
        return Ok(Recovery::RolledBack);
    }
    Ok(if touched {
        Recovery::Tidied
    } else {
        Recovery::Clean
    })
}

/// Whether an interrupted deploy of `spec` awaits [`recover`] (for `check`).
pub fn interrupted(spec: &CertSpec) -> bool {
    fs::symlink_metadata(marker_path(spec)).is_ok()
}

/// Sets owner and mode of an existing target in place (no new content, no reload).
pub fn fix_metadata(t: &Target) -> anyhow::Result<()> {
    rustix::fs::chown(
        &t.path,
        t.uid.map(rustix::fs::Uid::from_raw),
        t.gid.map(rustix::fs::Gid::from_raw),
    )
    .with_context(|| format!("setting the owner of {}", t.path.display()))?;
    fs::set_permissions(&t.path, fs::Permissions::from_mode(t.mode))
        .with_context(|| format!("setting the mode of {}", t.path.display()))
}

/// Replaces a file we own outright (the metrics textfile): temporary, fsync, rename, fsync.
pub fn replace_file(path: &Path, contents: &[u8], mode: u32) -> anyhow::Result<()> {
    let t = Target {
        kind: Kind::Cert,
        path: path.to_path_buf(),
        uid: None,
        gid: None,
        mode,
    };
    let tmp = write_temp(&t, contents)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("moving {} into place", path.display()));
    }
    sync_dir(parent(path))
}

/// Writes `contents` for target `t` to a temporary name beside it, owner and mode set, fsynced.
/// Keys go through an unnamed `O_TMPFILE` that gets a (random) name only once complete; where
/// the filesystem has none, the named temporary is created 0600 before any byte is written.
fn write_temp(t: &Target, contents: &[u8]) -> anyhow::Result<PathBuf> {
    let tmp = temp_name(&t.path)?;
    let ctx = || format!("writing the new {}", t.path.display());
    let unnamed_file = match t.kind {
        Kind::PrivKey => unnamed(parent(&t.path)).with_context(ctx)?,
        _ => None,
    };
    if let Some(file) = unnamed_file {
        fill(&file, t, contents).with_context(ctx)?;
        let proc_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&file));
        // Through /proc/self/fd, linkat needs no privilege (AT_EMPTY_PATH would).
        rustix::fs::linkat(
            rustix::fs::CWD,
            proc_path.as_str(),
            rustix::fs::CWD,
            &tmp,
            rustix::fs::AtFlags::SYMLINK_FOLLOW,
        )
        .map_err(std::io::Error::from)
        .with_context(ctx)?;
        return Ok(tmp);
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(ctx)?;
    if let Err(e) = fill(&file, t, contents) {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(ctx);
    }
    Ok(tmp)
}

fn unnamed(dir: &Path) -> anyhow::Result<Option<File>> {
    use rustix::fs::{Mode, OFlags};
    match rustix::fs::openat(
        rustix::fs::CWD,
        dir,
        OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    ) {
        Ok(fd) => Ok(Some(File::from(fd))),
        Err(e) if e == rustix::io::Errno::OPNOTSUPP || e == rustix::io::Errno::ISDIR => Ok(None),
        Err(e) => Err(std::io::Error::from(e).into()),
    }
}

/// Owner and mode first (while only we can open it), then the bytes, then fsync.
fn fill(mut file: &File, t: &Target, contents: &[u8]) -> anyhow::Result<()> {
    if t.uid.is_some() || t.gid.is_some() {
        rustix::fs::fchown(
            file,
            t.uid.map(rustix::fs::Uid::from_raw),
            t.gid.map(rustix::fs::Gid::from_raw),
        )
        .map_err(std::io::Error::from)
        .context(
            "setting the owner (cert-deploy runs as root when owners differ from its own user)",
        )?;
    }
    file.set_permissions(fs::Permissions::from_mode(t.mode))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

fn temp_name(path: &Path) -> anyhow::Result<PathBuf> {
    let mut rnd = [0u8; 12];
    openssl::rand::rand_bytes(&mut rnd).context("drawing a temporary name")?;
    Ok(parent(path).join(format!(
        ".{}{NEW_MARK}{}",
        file_name(path),
        hex::encode(rnd)
    )))
}

fn old_link(path: &Path) -> PathBuf {
    parent(path).join(format!(".{}{OLD_SUFFIX}", file_name(path)))
}

/// The journal marker lives beside the first target, named after the certificate.
fn marker_path(spec: &CertSpec) -> PathBuf {
    let dir = spec
        .targets
        .iter()
        .find(|t| t.kind == Kind::PrivKey)
        .or_else(|| spec.targets.first())
        .map_or(Path::new("/"), |t| parent(&t.path));
    let safe: String = spec
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!(".cert-deploy.{safe}.journal"))
}

fn create_marker(marker: &Path) -> anyhow::Result<()> {
    let ctx = || format!("starting the journal {}", marker.display());
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(marker)
        .with_context(ctx)?;
    f.sync_all().with_context(ctx)?;
    sync_dir(parent(marker))
}

/// Removes `.<name>.cert-deploy-new.*` files beside `path`; true when there were any.
fn remove_stale_temps(path: &Path) -> bool {
    let prefix = format!(".{}{NEW_MARK}", file_name(path));
    let Ok(entries) = fs::read_dir(parent(path)) else {
        return false;
    };
    let mut any = false;
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            any |= fs::remove_file(e.path()).is_ok();
        }
    }
    any
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = fs::remove_file(p);
    }
}

fn sync_dirs(targets: &[&Target]) -> anyhow::Result<()> {
    let mut seen: Vec<&Path> = Vec::new();
    for t in targets {
        let d = parent(&t.path);
        if !seen.contains(&d) {
            sync_dir(d)?;
            seen.push(d);
        }
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing the directory {}", dir.display()))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Renew;

    fn spec(dir: &Path) -> CertSpec {
        let target = |kind, name: &str, mode| Target {
            kind,
            path: dir.join(name),
            uid: None,
            gid: None,
            mode,
        };
        CertSpec {
            name: "web.example".into(),
            pki: "pki".into(),
            role: "web".into(),
            ttl: None,
            renew: Renew::LastThird,
            dns_sans: vec![],
            ip_sans: vec![],
            services: vec![],
            commands: vec![],
            targets: vec![
                target(Kind::Cert, "web.crt", 0o644),
                target(Kind::PrivKey, "web.key", 0o600),
            ],
        }
    }

    fn material(tag: &str) -> Material {
        Material {
            key: format!("key-{tag}"),
            cert: format!("cert-{tag}"),
            chain: String::new(),
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn deploy_replaces_with_modes_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path());
        deploy(&s, &material("1")).unwrap();
        deploy(&s, &material("2")).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("web.key")).unwrap(),
            "key-2"
        );
        let mode = |n: &str| {
            fs::metadata(dir.path().join(n))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!((mode("web.key"), mode("web.crt")), (0o600, 0o644));
        assert_eq!(listing(dir.path()), ["web.crt", "web.key"]);
        assert_eq!(recover(&s).unwrap(), Recovery::Clean);
    }

    #[test]
    fn an_interrupted_swap_is_rolled_back_to_the_old_pair() {
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path());
        deploy(&s, &material("old")).unwrap();
        // As after a kill between the key's and the certificate's rename: journal, old links,
        // new key in place, old certificate, a temporary left over.
        let key = dir.path().join("web.key");
        let crt = dir.path().join("web.crt");
        fs::hard_link(&key, old_link(&key)).unwrap();
        fs::hard_link(&crt, old_link(&crt)).unwrap();
        create_marker(&marker_path(&s)).unwrap();
        fs::write(dir.path().join(".web.key.tmp"), "key-new").unwrap();
        fs::rename(dir.path().join(".web.key.tmp"), &key).unwrap();
        fs::write(
            dir.path().join(format!(".web.crt{NEW_MARK}abc")),
            "cert-new",
        )
        .unwrap();
        assert!(interrupted(&s));
        assert_eq!(recover(&s).unwrap(), Recovery::RolledBack);
        assert_eq!(fs::read_to_string(&key).unwrap(), "key-old");
        assert_eq!(fs::read_to_string(&crt).unwrap(), "cert-old");
        assert_eq!(listing(dir.path()), ["web.crt", "web.key"]);
    }

    #[test]
    fn leftovers_without_a_journal_are_only_removed() {
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path());
        deploy(&s, &material("new")).unwrap();
        let key = dir.path().join("web.key");
        fs::write(old_link(&key), "key-older").unwrap();
        assert_eq!(recover(&s).unwrap(), Recovery::Tidied);
        assert_eq!(fs::read_to_string(&key).unwrap(), "key-new");
        assert_eq!(listing(dir.path()), ["web.crt", "web.key"]);
    }
}
