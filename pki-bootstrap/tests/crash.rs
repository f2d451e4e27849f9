//! Crash safety: the ceremony is killed (SIGKILL) at random points while it writes, many times,
//! and every file found under its final name must be complete and valid: certificates parse,
//! keys decrypt, JSON parses line by line, manifests are well-formed. A run with `--force`
//! afterwards always completes.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns: a failed unwrap is a failed test

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{PASS, Scratch};
use pki_bootstrap::keys::PrivateKey;
use pki_bootstrap::secret::Passphrase;

const RUNS: u32 = 30;
/// Files a complete run of the example ceremony leaves (3 directories and the top level).
const COMPLETE: usize = 19;

/// xorshift64*: enough to spread kill points without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn config() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/ceremony/ceremony.toml"
    )
    .to_owned()
}

fn run_ceremony(s: &Scratch, out: &str, force: bool) -> std::process::Child {
    let cfg = config();
    let mut args = vec![
        "ceremony",
        "--config",
        &cfg,
        "--out",
        out,
        "--passphrase-file",
        "pass",
    ];
    if force {
        args.push("--force");
    }
    s.cmd()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Checks every file below `dir`; returns how many final-named files were found.
fn check_tree(dir: &Path) -> usize {
    let mut found = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            found += check_tree(&path);
            continue;
        }
        if pki_bootstrap::journal::is_internal(&name) {
            // Never under a final name, removed by the next run, and never key material: keys
            // go through an unnamed O_TMPFILE.
            let bytes = std::fs::read(&path).unwrap_or_default();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"),
                "temporary {} holds a private key",
                path.display()
            );
            continue;
        }
        found += 1;
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.is_empty(), "{} is empty", path.display());
        let what = path.display();
        match name.as_str() {
            "ca.pem" | "chain.pem" | "tls.crt" | "ca.crt" => {
                let certs = pki_bootstrap::ca::parse_certs(&bytes)
                    .unwrap_or_else(|e| panic!("{what} is not complete PEM certificates: {e}"));
                assert!(!certs.is_empty(), "{what}");
                assert!(
                    bytes.ends_with(b"-----END CERTIFICATE-----\n"),
                    "{what} is truncated"
                );
            }
            "ca.key" => {
                PrivateKey::from_pem(&bytes, Some(&Passphrase::new(PASS)), &path)
                    .unwrap_or_else(|e| panic!("{what} does not decrypt: {e}"));
            }
            "tls.key" => {
                PrivateKey::from_pem(&bytes, None, &path)
                    .unwrap_or_else(|e| panic!("{what} does not parse: {e}"));
            }
            "state.json" => {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{what} is not JSON: {e}"));
            }
            "ceremony-log.jsonl" => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.ends_with('\n'), "{what} ends mid-line");
                for line in text.lines() {
                    serde_json::from_str::<serde_json::Value>(line)
                        .unwrap_or_else(|e| panic!("{what} has a broken line: {e}"));
                }
            }
            "SHA256SUMS" => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.ends_with('\n'), "{what} ends mid-line");
                for line in text.lines() {
                    let (digest, file) = line.split_once("  ").unwrap();
                    assert_eq!(digest.len(), 64, "{what}: {line}");
                    assert!(!file.is_empty());
                }
            }
            "ceremony.toml" => assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                std::fs::read_to_string(config()).unwrap()
            ),
            other => panic!("unexpected file {other} in {}", dir.display()),
        }
    }
    found
}

#[test]
fn killed_at_random_points_leaves_only_complete_files() {
    let s = Scratch::new();
    // Calibrate: how long does a whole ceremony take here?
    let start = Instant::now();
    let status = run_ceremony(&s, "calibrate", false).wait().unwrap();
    assert!(status.success());
    let full = start.elapsed();
    assert_eq!(check_tree(&s.path("calibrate")), COMPLETE);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}, full run {full:?}");
    let mut rng = Rng(seed);
    let mut outcomes = [0u32; 3]; // nothing written, partial, complete
    for run in 0..RUNS {
        let out = format!("run{run}");
        let budget = u64::try_from(full.as_micros()).unwrap().max(1);
        let delay = Duration::from_micros(rng.next() % budget);
        let mut child = run_ceremony(&s, &out, false);
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let found = check_tree(&s.path(&out));
        outcomes[match found {
            0 => 0,
            COMPLETE => 2,
            _ => 1,
        }] += 1;
        // Recovery: a forced re-run over whatever was left completes and verifies.
        if run % 8 == 0 {
            let status = run_ceremony(&s, &out, true).wait().unwrap();
            assert!(
                status.success(),
                "forced re-run after a crash (run {run}, delay {delay:?})"
            );
            assert_eq!(check_tree(&s.path(&out)), COMPLETE);
        }
    }
    eprintln!(
        "outcomes: nothing {} / partial {} / complete {}",
        outcomes[0], outcomes[1], outcomes[2]
    );
    assert!(
        outcomes[1] > 0,
        "the kills should land mid-ceremony at least once"
    );
}
