//! The record cannot lie under crashes: the example ceremony, `sign-csr` and `crl` are each
//! killed (SIGKILL, injected by `strace --inject`) at every file-placing system call of a clean
//! run: every `openat` that creates (O_CREAT, O_TMPFILE), `write` to a file, `linkat`, `rename`,
//! `unlink` and `mkdir`, in the order a traced clean run makes them. After each kill:
//!
//! - odd points: `pki-bootstrap recover` runs, and the tree must be exactly as before the command
//!   (byte for byte) or completely as a finished command leaves it (`verify` passes, the record
//!   lists what was made); then, if it was the old tree, the command runs again and must finish;
//! - even points: the command itself runs again straight away (its own recovery): it finishes,
//!   or refuses because the killed run had completed, and the tree is the finished one.
//!
//! Either way no temporary, undo link or journal may be left. The PBKDF2 cost is lowered
//! (debug builds only) so a few hundred ceremonies take seconds; needs `strace` (installed by
//! `scripts/common.sh`).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns: a failed unwrap is a failed test

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::PASS;
use pki_bootstrap::ca::State;
use pki_bootstrap::journal;
use pki_bootstrap::keys::ENV_TEST_PBKDF2_ITERATIONS;
use pki_bootstrap::record::CertSummary;

/// The system calls whose every invocation is a kill point (when it places something).
const TRACED: &str =
    "openat,open,creat,link,linkat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,write";
const WORKERS: usize = 3;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("pki-bootstrap")
}

fn strace() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("strace"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "strace is required for the crash-point test: run \
             `bash -c 'source scripts/common.sh; ensure_test_tools'` (or `apt-get install strace`)"
        )
    })
}

fn config() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/ceremony/ceremony.toml"
    )
    .to_owned()
}

/// One kill point: the `nth` call (1-based) of `syscall`, as strace's `when=` counts them.
#[derive(Clone, Debug)]
struct Point {
    syscall: String,
    nth: usize,
    call: String,
}

/// Runs the binary in `dir` with `args`, under strace when `inject` (or `trace`) asks.
fn run(dir: &Path, args: &[String], inject: Option<&Point>, trace: Option<&Path>) -> Output {
    let mut cmd = match (inject, trace) {
        (Some(p), _) => {
            let mut c = Command::new(strace());
            c.args(["-f", "-qq", "-o", "/dev/null"])
                .arg(format!("--trace={}", p.syscall))
                .arg(format!(
                    "--inject={}:signal=SIGKILL:when={}",
                    p.syscall, p.nth
                ))
                .arg("--")
                .arg(bin());
            c
        }
        (None, Some(out)) => {
            let mut c = Command::new(strace());
            c.args(["-f", "-qq", "-o"])
                .arg(out)
                .arg(format!("--trace={TRACED}"))
                .arg("--")
                .arg(bin());
            c
        }
        (None, None) => Command::new(bin()),
    };
    cmd.args(args)
        .current_dir(dir)
        .env(ENV_TEST_PBKDF2_ITERATIONS, "1000")
        .env_remove("PKI_BOOTSTRAP_PASSPHRASE_FILE")
        .env_remove("PKI_BOOTSTRAP_CA_PASSPHRASE_FILE")
        .output()
        .unwrap()
}

/// The kill points of a traced clean run: calls that create, link, rename or remove a name, or
/// write to a file (not stdout/stderr).
fn points(trace: &str) -> Vec<Point> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for line in trace.lines() {
        let call = line.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        let Some((name, rest)) = call.split_once('(') else {
            continue;
        };
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let n = counts.entry(name.to_owned()).or_default();
        *n += 1;
        let places = match name {
            "openat" | "open" => rest.contains("O_CREAT") || rest.contains("O_TMPFILE"),
            "write" => rest
                .split(',')
                .next()
                .and_then(|fd| fd.trim().parse::<u32>().ok())
                .is_some_and(|fd| fd > 2),
            _ => true,
        };
        if places {
            out.push(Point {
                syscall: name.to_owned(),
                nth: *n,
                call: call.chars().take(140).collect(),
            });
        }
    }
    out
}

/// Every file below `dir` (relative path → contents).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, map: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &format!("{name}/"), map);
            } else {
                map.insert(name, std::fs::read(e.path()).unwrap_or_default());
            }
        }
    }
    let mut map = BTreeMap::new();
    walk(dir, "", &mut map);
    map
}

fn leftovers(snap: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    snap.keys()
        .filter(|k| journal::is_internal(k.rsplit('/').next().unwrap_or(k)))
        .cloned()
        .collect()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn verify(dir: &Path, paths: &[&str]) -> Result<(), String> {
    let mut args: Vec<String> = vec!["verify".into()];
    args.extend(paths.iter().map(|p| (*p).to_owned()));
    args.extend(["--passphrase-file".into(), "pass".into()]);
    let o = run(dir, &args, None, None);
    if o.status.success() {
        Ok(())
    } else {
        Err(format!("verify fails:\n{}", text(&o)))
    }
}

fn state(path: &Path) -> State {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Decides whether a tree is the complete result of a command (Err says what is off).
type Completeness = Box<dyn Fn(&Path) -> Result<(), String> + Sync>;

/// A command under test.
struct Scenario {
    name: &'static str,
    /// The command line (run in the scenario's directory).
    args: Vec<String>,
    /// Directories `recover` is given.
    recover: Vec<&'static str>,
    /// The template directory copied before each run (None: an empty directory).
    template: Option<PathBuf>,
    /// Is the tree the complete result of the command?
    complete: Completeness,
}

#[derive(Default)]
struct Tally {
    old: usize,
    new: usize,
    failures: Vec<String>,
}

fn prepare(s: &Scenario, dir: &Path) {
    match &s.template {
        Some(t) => {
            let ok = Command::new("cp")
                .arg("-a")
                .arg(t)
                .arg(dir)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        None => std::fs::create_dir_all(dir).unwrap(),
    }
    std::fs::write(dir.join("pass"), format!("{PASS}\n")).unwrap();
}

/// Kills `s` at every point and checks the tree after the next command.
fn kill_everywhere(base: &Path, s: &Scenario) -> (usize, Tally) {
    let clean = base.join(format!("{}-clean", s.name));
    prepare(s, &clean);
    let trace = base.join(format!("{}.trace", s.name));
    let o = run(&clean, &s.args, None, Some(&trace));
    assert!(o.status.success(), "clean traced run: {}", text(&o));
    (s.complete)(&clean).unwrap_or_else(|e| panic!("clean run is not complete: {e}"));
    let points = points(&std::fs::read_to_string(&trace).unwrap());
    assert!(points.len() > 10, "too few kill points: {points:?}");

    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(p) = points.get(i) else { break };
                    let dir = base.join(format!("{}-{i}", s.name));
                    let outcome = one_point(s, &dir, i, p);
                    let mut t = tally.lock().unwrap();
                    match outcome {
                        Ok(true) => t.new += 1,
                        Ok(false) => t.old += 1,
                        Err(e) => t.failures.push(format!(
                            "{} killed at {}#{} ({}): {e}",
                            s.name, p.syscall, p.nth, p.call
                        )),
                    }
                    drop(t);
                    let _ = std::fs::remove_dir_all(&dir);
                }
            });
        }
    });
    (points.len(), tally.into_inner().unwrap())
}

/// One kill point; Ok(true) when the killed command had completed (new tree), Ok(false) when
/// it was undone (old tree).
fn one_point(s: &Scenario, dir: &Path, i: usize, p: &Point) -> Result<bool, String> {
    prepare(s, dir);
    let before = snapshot(dir);
    let killed = run(dir, &s.args, Some(p), None);
    if killed.status.signal() != Some(9) && killed.status.code() != Some(137) {
        return Err(format!(
            "the injected SIGKILL did not land (status {:?}): {}",
            killed.status,
            text(&killed)
        ));
    }
    let had_journal = snapshot(dir).keys().any(|k| {
        k.rsplit('/')
            .next()
            .unwrap_or(k)
            .starts_with(journal::JOURNAL_PREFIX)
    });
    let was_new = if i % 2 == 1 {
        let mut args = vec!["recover".to_owned()];
        args.extend(s.recover.iter().map(|d| (*d).to_owned()));
        let r = run(dir, &args, None, None);
        if !r.status.success() {
            return Err(format!("recover failed: {}", text(&r)));
        }
        let after = snapshot(dir);
        let left = leftovers(&after);
        if !left.is_empty() {
            return Err(format!("recover left {left:?}"));
        }
        let was_new = if after == before {
            false
        } else {
            (s.complete)(dir).map_err(|e| {
                format!(
                    "after recover the tree is neither the old one nor complete: {e}\n{}",
                    text(&r)
                )
            })?;
            true
        };
        if !was_new {
            let again = run(dir, &s.args, None, None);
            if !again.status.success() {
                return Err(format!(
                    "the command again after recovery: {}",
                    text(&again)
                ));
            }
        }
        was_new
    } else {
        let again = run(dir, &s.args, None, None);
        let said = text(&again);
        let refused_as_done = !again.status.success() && said.contains("refusing to overwrite");
        if !again.status.success() && !refused_as_done {
            return Err(format!("the command again after the kill: {said}"));
        }
        if had_journal && !(said.contains("has been undone") || said.contains("had completed")) {
            return Err(format!(
                "the next run did not say what it recovered: {said}"
            ));
        }
        refused_as_done
    };
    let left = leftovers(&snapshot(dir));
    if !left.is_empty() {
        return Err(format!("left behind: {left:?}"));
    }
    (s.complete)(dir).map_err(|e| format!("final tree incomplete: {e}"))?;
    Ok(was_new)
}

fn report(name: &str, start: Instant, points: usize, t: &Tally) {
    eprintln!(
        "{name}: {points} kill points in {:.1} s ({WORKERS} workers): {} undone to the old \
         tree, {} completed, {} inconsistent",
        start.elapsed().as_secs_f64(),
        t.old,
        t.new,
        t.failures.len()
    );
    for f in &t.failures {
        eprintln!("  {f}");
    }
}

fn ceremony_args(out: &str) -> Vec<String> {
    [
        "ceremony",
        "--config",
        &config(),
        "--out",
        out,
        "--passphrase-file",
        "pass",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[test]
fn the_ceremony_killed_at_every_file_placing_call_leaves_the_old_tree_or_the_new() {
    let tmp = tempfile::tempdir().unwrap();
    // The names a complete run leaves, from an untraced run.
    let reference = tmp.path().join("reference");
    std::fs::create_dir(&reference).unwrap();
    std::fs::write(reference.join("pass"), format!("{PASS}\n")).unwrap();
    assert!(
        run(&reference, &ceremony_args("out"), None, None)
            .status
            .success()
    );
    let names: BTreeSet<String> = snapshot(&reference.join("out")).into_keys().collect();
    let scenario = Scenario {
        name: "ceremony",
        args: ceremony_args("out"),
        recover: vec!["out"],
        template: None,
        complete: Box::new(move |dir| {
            let got: BTreeSet<String> = snapshot(&dir.join("out")).into_keys().collect();
            if got != names {
                return Err(format!(
                    "files differ from a complete run: missing {:?}, extra {:?}",
                    names.difference(&got).collect::<Vec<_>>(),
                    got.difference(&names).collect::<Vec<_>>()
                ));
            }
            verify(dir, &["out"])
        }),
    };
    let start = Instant::now();
    let (points, tally) = kill_everywhere(tmp.path(), &scenario);
    report("ceremony", start, points, &tally);
    assert!(
        tally.failures.is_empty(),
        "{} failures",
        tally.failures.len()
    );
    assert!(
        tally.old > 0 && tally.new > 0,
        "kills land before and after the commit"
    );
}

/// A finished example ceremony in `base/template/ca`, a CSR in `template/req.csr`.
fn template(base: &Path) -> PathBuf {
    let t = base.join("template");
    std::fs::create_dir(&t).unwrap();
    std::fs::write(t.join("pass"), format!("{PASS}\n")).unwrap();
    let o = run(&t, &ceremony_args("ca"), None, None);
    assert!(o.status.success(), "{}", text(&o));
    common::make_csr(
        &t,
        "req.csr",
        "ec",
        &[
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-subj",
            "/CN=Example Issuing CA",
        ],
    );
    t
}

#[test]
fn sign_csr_and_crl_killed_at_every_file_placing_call_leave_the_old_tree_or_the_new() {
    let tmp = tempfile::tempdir().unwrap();
    let t = template(tmp.path());
    let sign = Scenario {
        name: "sign-csr",
        args: [
            "sign-csr",
            "--ca",
            "ca/root",
            "--ca-passphrase-file",
            "pass",
            "--csr",
            "req.csr",
            "--profile",
            "intermediate",
            "--out",
            "media/pki_int.pem",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        recover: vec!["ca/root", "media"],
        template: Some(t.clone()),
        complete: Box::new(|dir| {
            verify(dir, &["ca", "media/pki_int.pem"])?;
            let certs = pki_bootstrap::ca::read_certs(&dir.join("media/pki_int.pem"))
                .map_err(|e| e.to_string())?;
            let serial = CertSummary::from_der(&certs[0]).unwrap().serial;
            let st = state(&dir.join("ca/root/state.json"));
            if !st.issued.iter().any(|i| i.serial == serial) {
                return Err(format!("root/state.json does not record {serial}"));
            }
            let log = std::fs::read_to_string(dir.join("ca/root/ceremony-log.jsonl")).unwrap();
            if !log.lines().last().unwrap_or("").contains(&serial) {
                return Err(format!("the root's log does not end with {serial}"));
            }
            Ok(())
        }),
    };
    let start = Instant::now();
    let (points, signed) = kill_everywhere(tmp.path(), &sign);
    report("sign-csr", start, points, &signed);

    // The intermediate's serial, revoked by the CRL under test.
    let int = pki_bootstrap::ca::read_certs(&t.join("ca/intermediate/ca.pem")).unwrap();
    let serial = CertSummary::from_der(&int[0]).unwrap().serial;
    let crl = Scenario {
        name: "crl",
        args: [
            "crl",
            "--ca",
            "ca/root",
            "--ca-passphrase-file",
            "pass",
            "--revoke",
            &serial,
            "--reason",
            "keyCompromise",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        recover: vec!["ca/root"],
        template: Some(t),
        complete: Box::new(move |dir| {
            verify(dir, &["ca"])?;
            let st = state(&dir.join("ca/root/state.json"));
            if st.crl_number == 0 || !st.revoked.iter().any(|r| r.serial == serial) {
                return Err(format!("root/state.json: {st:?}"));
            }
            let numbered = dir.join(format!("ca/root/crl-{:04}.pem", st.crl_number));
            let latest = std::fs::read(dir.join("ca/root/crl.pem")).unwrap_or_default();
            if std::fs::read(&numbered).ok() != Some(latest) {
                return Err(format!("crl.pem is not {}", numbered.display()));
            }
            Ok(())
        }),
    };
    let start = Instant::now();
    let (crl_points, crls) = kill_everywhere(tmp.path(), &crl);
    report("crl", start, crl_points, &crls);
    assert!(signed.failures.is_empty() && crls.failures.is_empty());
    assert!(signed.old > 0 && signed.new > 0 && crls.old > 0 && crls.new > 0);
}
