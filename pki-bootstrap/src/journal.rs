//! All-or-nothing commands. A command changes several files, often in several directories (a
//! new CA directory and its issuer's state, log and checksums; a CSR's output file and the
//! issuer's record). Each file is placed atomically by [`fsio`], but a crash between two of them
//! would leave a record that disagrees with the files. So every command that writes is one
//! [`Transaction`] with an intent/commit order:
//!
//! 1. every content is computed in memory first;
//! 2. the intent is written: `.pki-bootstrap-journal.json` in the command's home directory
//!    (state `pending`, every file it will place, every directory it creates), and a pointer to
//!    it in every other directory it touches;
//! 3. each file that will be replaced is hard-linked to an undo name beside it;
//! 4. the files are placed, and what landed on disk is verified;
//! 5. the commit point: the home journal is rewritten with state `committed`;
//! 6. undo links, pointers and the journal are removed.
//!
//! [`recover`], which every command runs on the directories it touches before reading them,
//! finishes an interrupted transaction: a committed one is rolled forward (only clean-up is
//! left), a pending one is rolled back (placed files removed, replaced ones restored from their
//! undo links, directories it created removed), so the directory is either as it was before the
//! command or as the command left it, never between. It says which, and removes every temporary
//! the crash left.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::fsio::{self, MODE_PUBLIC};
use crate::{Error, Result};

/// How the intent records in a directory a command is changing begin (then the transaction's
/// id and `.json`). A directory may hold several: a ceremony's own and that of its current step.
pub const JOURNAL_PREFIX: &str = ".pki-bootstrap-journal.";
const UNDO_MARKER: &str = ".pki-bootstrap-undo.";

/// Journals this process is in the middle of (a ceremony's outer transaction while its steps
/// run): [`recover`] leaves them alone.
static ACTIVE: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// True for names that belong to an unfinished write (temporaries, undo links, journals), never
/// to the record itself.
pub fn is_internal(name: &str) -> bool {
    name.starts_with(JOURNAL_PREFIX) || name.contains(UNDO_MARKER) || fsio::is_temp_name(name)
}

/// One command's writes, staged in memory until [`Transaction::commit`].
#[derive(Debug)]
pub struct Transaction {
    command: String,
    home: PathBuf,
    force: bool,
    staged: Vec<Staged>,
    /// Files the transaction owns without staging them here (a ceremony's steps write them).
    reserved: Vec<PathBuf>,
    /// Directories that must exist for the transaction (created if missing, removed on undo).
    dirs: Vec<PathBuf>,
    begun: Option<Begun>,
}

#[derive(Debug)]
struct Staged {
    path: PathBuf,
    contents: zeroize::Zeroizing<Vec<u8>>,
    mode: u32,
    /// One of our own records (state, log, checksums, the latest CRL): replaced in place.
    record: bool,
}

#[derive(Debug)]
struct Begun {
    id: String,
    started: String,
    home_abs: PathBuf,
    created: Vec<PathBuf>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    id: String,
    command: String,
    started: String,
    /// In a pointer: the home directory, relative to this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    home: Option<String>,
    #[serde(default)]
    committed: bool,
    /// Files placed (or to be placed), relative to the home directory.
    #[serde(default)]
    files: Vec<FileOp>,
    /// Directories this transaction created, relative to the home directory.
    #[serde(default)]
    created: Vec<String>,
    /// Every directory touched other than home (each holds a pointer), relative to home.
    #[serde(default)]
    others: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileOp {
    path: String,
    /// Name of the undo link beside it (the file existed before and is being replaced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    undo: Option<String>,
}

impl Transaction {
    /// A transaction for `command` whose journal lives in `home`. With `force`, existing
    /// outputs may be replaced (they are kept under an undo name until the commit).
    pub fn new(command: &str, home: &Path, force: bool) -> Self {
        Self {
            command: command.to_owned(),
            home: home.to_path_buf(),
            force,
            staged: Vec::new(),
            reserved: Vec::new(),
            dirs: vec![home.to_path_buf()],
            begun: None,
        }
    }

    /// Stages a new output (refused at commit if it exists, unless `force`).
    pub fn create(&mut self, path: &Path, contents: impl Into<Vec<u8>>, mode: u32) {
        self.stage(path, contents.into(), mode, false);
    }

    /// Stages a new version of one of our own records (state, log, checksums, latest CRL).
    pub fn replace(&mut self, path: &Path, contents: impl Into<Vec<u8>>, mode: u32) {
        self.stage(path, contents.into(), mode, true);
    }

    fn stage(&mut self, path: &Path, contents: Vec<u8>, mode: u32, record: bool) {
        self.staged.retain(|s| s.path != path);
        self.staged.push(Staged {
            path: path.to_path_buf(),
            contents: zeroize::Zeroizing::new(contents),
            mode,
            record,
        });
        self.dirs.push(parent(path).to_path_buf());
    }

    /// Reserves a directory (created at [`Self::begin`] when missing, and removed with all it
    /// holds when the transaction is undone).
    pub fn reserve_dir(&mut self, dir: &Path) {
        self.dirs.push(dir.to_path_buf());
    }

    /// Reserves a file that other code writes while the transaction is open (a ceremony's
    /// steps): removed when the transaction is undone. Files existing at [`Self::begin`] are not
    /// reserved.
    pub fn reserve_file(&mut self, path: &Path) {
        self.reserved.push(path.to_path_buf());
        self.dirs.push(parent(path).to_path_buf());
    }

    /// What is staged for `path`, if anything.
    pub fn staged(&self, path: &Path) -> Option<&[u8]> {
        self.staged
            .iter()
            .find(|s| s.path == path)
            .map(|s| s.contents.as_slice())
    }

    /// Every staged file below `dir`, as (path relative to `dir` with `/`, contents).
    pub fn staged_under(&self, dir: &Path) -> Vec<(String, &[u8])> {
        self.staged
            .iter()
            .filter_map(|s| {
                let rel = s.path.strip_prefix(dir).ok()?;
                let name = rel.to_string_lossy().into_owned();
                (!name.is_empty()).then_some((name, s.contents.as_slice()))
            })
            .collect()
    }

    /// Writes the pending journal (and creates the reserved directories) now, before the
    /// caller writes reserved files. [`Self::commit`] does this itself when not called.
    pub fn begin(&mut self) -> Result<()> {
        if self.begun.is_some() {
            return Ok(());
        }
        let mut created = Vec::new();
        for dir in dedup(&self.dirs) {
            if let Some(top) = outermost_missing(&dir) {
                fsio::create_dir(&dir)?;
                if !created.contains(&top) {
                    created.push(top);
                }
            }
        }
        let home_abs = canonical_dir(&self.home)?;
        let mut rnd = [0u8; 8];
        openssl::rand::rand_bytes(&mut rnd).map_err(Error::ssl("drawing a journal id"))?;
        let begun = Begun {
            id: crate::record::hex(&rnd),
            started: crate::record::now_rfc3339(),
            home_abs,
            created: created
                .iter()
                .map(|d| canonical_dir(d))
                .collect::<Result<_>>()?,
        };
        self.reserved
            .retain(|p| std::fs::symlink_metadata(p).is_err());
        active(&begun.id, true);
        self.begun = Some(begun);
        self.write_journal(false)?;
        // Pointers go out before anything is placed in their directories.
        let id = self.begun_ref()?.id.clone();
        let home_abs = self.begun_ref()?.home_abs.clone();
        for dir in self.other_dirs()? {
            let pointer = Journal {
                id: id.clone(),
                command: self.command.clone(),
                started: self.begun_ref()?.started.clone(),
                home: Some(relative(&dir, &home_abs).to_string_lossy().into_owned()),
                ..Journal::default()
            };
            write_json(&dir.join(journal_name(&id)), &pointer)?;
        }
        Ok(())
    }

    /// Places every staged file, runs `check` on what landed, and commits. Any failure undoes
    /// the whole transaction before the error is returned.
    pub fn commit(mut self, check: impl FnOnce() -> Result<()>) -> Result<()> {
        self.begin()?;
        if !self.force {
            for s in self.staged.iter().filter(|s| !s.record) {
                if std::fs::symlink_metadata(&s.path).is_ok() {
                    let err = Error::Exists(s.path.clone());
                    return Err(self.fail(err));
                }
            }
        }
        // The journal now lists every file, then undo links are made, then files are placed.
        if let Err(e) = self.write_journal(false) {
            return Err(self.fail(e));
        }
        if let Err(e) = self.place().and_then(|()| check()) {
            return Err(self.fail(e));
        }
        self.write_journal(true)?;
        let begun = self.begun_ref()?;
        let home = begun.home_abs.clone();
        let id = begun.id.clone();
        active(&id, false);
        finish(&home, &read_journal(&home.join(journal_name(&id)))?, true).map(|_| ())
    }

    fn place(&self) -> Result<()> {
        let id = &self.begun_ref()?.id;
        let mut synced = BTreeSet::new();
        for s in &self.staged {
            if std::fs::symlink_metadata(&s.path).is_ok() {
                std::fs::hard_link(&s.path, undo_path(&s.path, id)).map_err(Error::io(format!(
                    "keeping the previous {} until the command completes",
                    s.path.display()
                )))?;
                synced.insert(parent(&s.path).to_path_buf());
            }
        }
        for dir in synced {
            sync_dir(&dir)?;
        }
        for s in &self.staged {
            if s.record {
                fsio::replace(&s.path, &s.contents, s.mode)?;
            } else {
                fsio::write_new(&s.path, &s.contents, s.mode, self.force)?;
            }
        }
        Ok(())
    }

    /// Undoes everything the transaction placed (and, for a ceremony, what its steps wrote), and
    /// returns `err` (extended when the undo itself failed).
    pub fn fail(&self, err: Error) -> Error {
        let Ok(begun) = self.begun_ref() else {
            return err;
        };
        active(&begun.id, false);
        let home = begun.home_abs.clone();
        let path = home.join(journal_name(&begun.id));
        match read_journal(&path).and_then(|j| finish(&home, &j, false)) {
            Ok(_) => err,
            Err(undo) => Error::Invalid(format!(
                "{err}; undoing the partial command also failed ({undo}): run \
                 `pki-bootstrap recover {}`",
                self.home.display()
            )),
        }
    }

    fn begun_ref(&self) -> Result<&Begun> {
        self.begun
            .as_ref()
            .ok_or_else(|| Error::Invalid("internal: transaction not begun".into()))
    }

    fn other_dirs(&self) -> Result<Vec<PathBuf>> {
        let home = &self.begun_ref()?.home_abs;
        let mut out = Vec::new();
        for d in dedup(&self.dirs) {
            let abs = canonical_dir(&d)?;
            if &abs != home && !out.contains(&abs) {
                out.push(abs);
            }
        }
        Ok(out)
    }

    fn write_journal(&self, committed: bool) -> Result<()> {
        let begun = self.begun_ref()?;
        let home = &begun.home_abs;
        let mut files = Vec::new();
        for s in &self.staged {
            let abs = canonical_file(&s.path)?;
            let undo = std::fs::symlink_metadata(&s.path)
                .is_ok()
                .then(|| undo_name(&s.path, &begun.id));
            files.push(FileOp {
                path: rel_string(home, &abs),
                undo,
            });
        }
        for r in &self.reserved {
            files.push(FileOp {
                path: rel_string(home, &canonical_file(r)?),
                undo: None,
            });
        }
        let journal = Journal {
            id: begun.id.clone(),
            command: self.command.clone(),
            started: begun.started.clone(),
            home: None,
            committed,
            files,
            created: begun.created.iter().map(|d| rel_string(home, d)).collect(),
            others: self
                .other_dirs()?
                .iter()
                .map(|d| rel_string(home, d))
                .collect(),
        };
        write_json(&home.join(journal_name(&begun.id)), &journal)
    }
}

/// Finishes whatever an interrupted command left in `dir`: its transaction is rolled forward
/// (committed) or back (pending), and temporaries are removed. Returns one sentence per thing
/// done, for the user (empty when there was nothing to do).
pub fn recover(dir: &Path) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    if !dir.is_dir() {
        return Ok(notes);
    }
    for (path, journal) in journals_in(dir)? {
        if is_active(&journal.id) || !path.exists() {
            continue;
        }
        let home = match &journal.home {
            None => Some((canonical_dir(dir)?, journal)),
            Some(home) => {
                let home = resolve(dir, home);
                match read_journal(&home.join(journal_name(&journal.id))).ok() {
                    Some(h) => Some((canonical_dir(&home)?, h)),
                    // The home finished (its journal is removed last): a stale pointer.
                    None => {
                        remove_file(&path)?;
                        None
                    }
                }
            }
        };
        if let Some((home, journal)) = home {
            notes.extend(finish(&home, &journal, journal.committed)?);
            if journal.committed {
                notes.push(format!(
                    "{}: the `{}` started {} had completed all its writes before it was \
                     interrupted; its results stand and its clean-up is now done",
                    home.display(),
                    journal.command,
                    journal.started
                ));
            }
        }
    }
    if dir.is_dir() {
        let removed = remove_leftovers(dir)?;
        if removed > 0 {
            notes.push(format!(
                "{}: removed {removed} temporary file(s) an interrupted command left",
                dir.display()
            ));
        }
    }
    Ok(notes)
}

/// What [`recover`] would find in `dir`, without changing anything: the interrupted commands,
/// or the number of leftover temporaries.
pub fn pending(dir: &Path) -> Option<String> {
    let journals = journals_in(dir).unwrap_or_default();
    if !journals.is_empty() {
        let what: Vec<String> = journals
            .iter()
            .map(|(_, j)| {
                let state = if j.committed {
                    "completed its writes but not its clean-up"
                } else {
                    "was interrupted before it completed"
                };
                format!("the `{}` started {} {state}", j.command, j.started)
            })
            .collect();
        return Some(what.join("; "));
    }
    let leftovers = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| is_internal(&e.file_name().to_string_lossy()))
                .count()
        })
        .unwrap_or(0);
    (leftovers > 0).then(|| format!("{leftovers} temporary file(s) of an interrupted command"))
}

fn journal_name(id: &str) -> String {
    format!("{JOURNAL_PREFIX}{id}.json")
}

/// Every journal in `dir`, oldest first.
fn journals_in(dir: &Path) -> Result<Vec<(PathBuf, Journal)>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(JOURNAL_PREFIX) && name.ends_with(".json") && !fsio::is_temp_name(&name)
        {
            let path = entry.path();
            out.push((path.clone(), read_journal(&path)?));
        }
    }
    out.sort_by(|a, b| a.1.started.cmp(&b.1.started));
    Ok(out)
}

/// Rolls the transaction recorded in `journal` (home directory `home`) forward or back, then
/// removes its journal, pointers, undo links and temporaries.
fn finish(home: &Path, journal: &Journal, forward: bool) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let others: Vec<PathBuf> = journal.others.iter().map(|o| resolve(home, o)).collect();
    let mut dirs: Vec<PathBuf> = vec![home.to_path_buf()];
    dirs.extend(others.iter().cloned());
    if forward {
        for f in &journal.files {
            if let Some(undo) = &f.undo {
                remove_file(&parent(&resolve(home, &f.path)).join(undo))?;
            }
        }
    } else {
        // Directories other commands own may hold their own interrupted transactions (a
        // ceremony's steps): finish those first, so their undo links are not lost.
        for d in &others {
            for (_, j) in journals_in(d)? {
                if j.home.is_none() && j.id != journal.id {
                    notes.extend(finish(&canonical_dir(d)?, &j, j.committed)?);
                }
            }
        }
        let (mut removed, mut restored) = (0, 0);
        for f in journal.files.iter().rev() {
            let target = resolve(home, &f.path);
            match &f.undo {
                Some(undo) => {
                    let undo = parent(&target).join(undo);
                    if undo.exists() {
                        std::fs::rename(&undo, &target).map_err(Error::io(format!(
                            "restoring {} from {}",
                            target.display(),
                            undo.display()
                        )))?;
                        restored += 1;
                    }
                }
                None => {
                    if std::fs::symlink_metadata(&target).is_ok() {
                        remove_file(&target)?;
                        removed += 1;
                    }
                }
            }
        }
        for d in &dirs {
            if d.is_dir() {
                sync_dir(d)?;
            }
        }
        notes.push(format!(
            "{}: the `{}` started {} was interrupted before it completed and has been undone \
             ({removed} file(s) it had placed removed, {restored} restored); its directories are \
             as they were before it; run it again",
            home.display(),
            journal.command,
            journal.started
        ));
    }
    for d in &others {
        remove_file(&d.join(journal_name(&journal.id)))?;
        if d.is_dir() {
            remove_leftovers(d)?;
            sync_dir(d)?;
        }
    }
    if !forward {
        for c in journal.created.iter().map(|c| resolve(home, c)) {
            if c.is_dir() {
                std::fs::remove_dir_all(&c)
                    .map_err(Error::io(format!("removing {}", c.display())))?;
                if let Some(p) = c.parent() {
                    let _ = sync_dir(p);
                }
            }
        }
    }
    if home.is_dir() {
        remove_file(&home.join(journal_name(&journal.id)))?;
        remove_leftovers(home)?;
        sync_dir(home)?;
    }
    Ok(notes)
}

/// Removes temporaries, and undo links of no journal present in `dir`; returns how many.
fn remove_leftovers(dir: &Path) -> Result<usize> {
    let ids: Vec<String> = journals_in(dir)?.into_iter().map(|(_, j)| j.id).collect();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let journal = name.starts_with(JOURNAL_PREFIX) && !fsio::is_temp_name(&name);
        let kept_undo = name.contains(UNDO_MARKER) && ids.iter().any(|id| name.ends_with(id));
        if is_internal(&name) && !journal && !kept_undo {
            remove_file(&entry.path())?;
            n += 1;
        }
    }
    Ok(n)
}

fn active(id: &str, on: bool) {
    if let Ok(mut a) = ACTIVE.lock() {
        if on {
            a.push(id.to_owned());
        } else {
            a.retain(|x| x != id);
        }
    }
}

fn is_active(id: &str) -> bool {
    ACTIVE
        .lock()
        .map(|a| a.iter().any(|x| x == id))
        .unwrap_or(false)
}

fn read_journal(path: &Path) -> Result<Journal> {
    let bytes = std::fs::read(path).map_err(Error::io(format!("reading {}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::Invalid(format!(
            "{} is not a journal this tool wrote ({e}); move it away and check the directory \
             with `pki-bootstrap verify`",
            path.display()
        ))
    })
}

fn write_json(path: &Path, journal: &Journal) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(journal)
        .map_err(|e| Error::Invalid(format!("serialising a journal: {e}")))?;
    bytes.push(b'\n');
    fsio::replace(path, &bytes, MODE_PUBLIC)
}

fn remove_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io {
            context: format!("removing {}", path.display()),
            source: e,
        }),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(format!("syncing directory {}", dir.display())))
}

fn undo_name(path: &Path, id: &str) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}{UNDO_MARKER}{id}")
}

fn undo_path(path: &Path, id: &str) -> PathBuf {
    parent(path).join(undo_name(path, id))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn dedup(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for d in dirs {
        if !out.contains(d) {
            out.push(d.clone());
        }
    }
    out
}

/// The outermost missing ancestor of `dir` (itself included), if `dir` is missing.
fn outermost_missing(dir: &Path) -> Option<PathBuf> {
    if dir.exists() {
        return None;
    }
    let mut top = dir.to_path_buf();
    let mut cur = dir.parent();
    while let Some(p) = cur.filter(|p| !p.as_os_str().is_empty()) {
        if p.exists() {
            break;
        }
        top = p.to_path_buf();
        cur = p.parent();
    }
    Some(top)
}

fn canonical_dir(dir: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(dir).map_err(Error::io(format!("resolving {}", dir.display())))
}

fn canonical_file(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{} names no file", path.display())))?;
    Ok(canonical_dir(parent(path))?.join(name))
}

/// `target` relative to `base` (both absolute, canonical).
fn relative(base: &Path, target: &Path) -> PathBuf {
    let b: Vec<Component<'_>> = base.components().collect();
    let t: Vec<Component<'_>> = target.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `rel` (as written by [`rel_string`]) resolved against `home`.
fn resolve(home: &Path, rel: &str) -> PathBuf {
    if rel == "." {
        home.to_path_buf()
    } else {
        home.join(rel)
    }
}

fn rel_string(base: &Path, target: &Path) -> String {
    relative(base, target).to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b/c"), Path::new("/a/d/e")),
            PathBuf::from("../../d/e")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a")),
            PathBuf::from(".")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/x")),
            PathBuf::from("x")
        );
    }

    #[test]
    fn commit_places_everything_and_leaves_no_journal() {
        let tmp = tempfile::tempdir().unwrap();
        let issuer = tmp.path().join("issuer");
        std::fs::create_dir(&issuer).unwrap();
        std::fs::write(issuer.join("state.json"), "old").unwrap();
        let out = tmp.path().join("new/sub");
        let mut tx = Transaction::new("test", &out, false);
        tx.create(&out.join("a.pem"), b"a".to_vec(), MODE_PUBLIC);
        tx.replace(&issuer.join("state.json"), b"new".to_vec(), MODE_PUBLIC);
        tx.commit(|| Ok(())).unwrap();
        assert_eq!(names(&out), ["a.pem"]);
        assert_eq!(names(&issuer), ["state.json"]);
        assert_eq!(std::fs::read(issuer.join("state.json")).unwrap(), b"new");
    }

    #[test]
    fn a_failed_check_undoes_everything() {
        let tmp = tempfile::tempdir().unwrap();
        let issuer = tmp.path().join("issuer");
        std::fs::create_dir(&issuer).unwrap();
        std::fs::write(issuer.join("state.json"), "old").unwrap();
        let out = tmp.path().join("new");
        let mut tx = Transaction::new("test", &out, false);
        tx.create(&out.join("a.pem"), b"a".to_vec(), MODE_PUBLIC);
        tx.replace(&issuer.join("state.json"), b"new".to_vec(), MODE_PUBLIC);
        let err = tx.commit(|| Err(Error::Verify("no".into()))).unwrap_err();
        assert!(matches!(err, Error::Verify(_)));
        assert!(!out.exists(), "the directory it created is gone");
        assert_eq!(names(&issuer), ["state.json"]);
        assert_eq!(std::fs::read(issuer.join("state.json")).unwrap(), b"old");
    }

    #[test]
    fn pending_journal_is_rolled_back_from_either_directory() {
        for from_issuer in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let issuer = tmp.path().join("issuer");
            std::fs::create_dir(&issuer).unwrap();
            std::fs::write(issuer.join("state.json"), "old").unwrap();
            let out = tmp.path().join("new");
            let mut tx = Transaction::new("intermediate", &out, false);
            tx.create(&out.join("a.pem"), b"a".to_vec(), MODE_PUBLIC);
            tx.replace(&issuer.join("state.json"), b"new".to_vec(), MODE_PUBLIC);
            // What a crash after placing the files, before the commit point, leaves.
            tx.begin().unwrap();
            tx.write_journal(false).unwrap();
            tx.place().unwrap();
            active(&tx.begun_ref().unwrap().id, false);
            std::mem::forget(tx);
            assert_eq!(std::fs::read(issuer.join("state.json")).unwrap(), b"new");
            let notes = recover(if from_issuer { &issuer } else { &out }).unwrap();
            assert!(notes[0].contains("has been undone"), "{notes:?}");
            assert!(notes[0].contains("`intermediate`"), "{notes:?}");
            assert!(!out.exists());
            assert_eq!(names(&issuer), ["state.json"]);
            assert_eq!(std::fs::read(issuer.join("state.json")).unwrap(), b"old");
        }
    }

    #[test]
    fn committed_journal_is_rolled_forward() {
        let tmp = tempfile::tempdir().unwrap();
        let issuer = tmp.path().join("issuer");
        std::fs::create_dir(&issuer).unwrap();
        std::fs::write(issuer.join("state.json"), "old").unwrap();
        let out = tmp.path().join("new");
        let mut tx = Transaction::new("crl", &out, false);
        tx.create(&out.join("a.pem"), b"a".to_vec(), MODE_PUBLIC);
        tx.replace(&issuer.join("state.json"), b"new".to_vec(), MODE_PUBLIC);
        tx.begin().unwrap();
        tx.place().unwrap();
        tx.write_journal(true).unwrap();
        active(&tx.begun_ref().unwrap().id, false);
        std::mem::forget(tx);
        recover(&issuer).unwrap();
        assert_eq!(names(&out), ["a.pem"]);
        assert_eq!(names(&issuer), ["state.json"]);
        assert_eq!(std::fs::read(issuer.join("state.json")).unwrap(), b"new");
    }
}
