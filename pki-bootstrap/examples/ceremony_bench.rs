//! Benchmark (prints figures, asserts nothing about speed): the three-tier ceremony of
//! `examples/ceremony/ceremony.toml` (P-384 root → P-384 intermediate → P-256 listener
//! certificate) run with `pki-bootstrap ceremony` and with the equivalent `openssl` CLI recipe,
//! alternately in the same process, CA keys encrypted with the same KDF cost on both sides
//! (PBES2, PBKDF2-HMAC-SHA256, 600 000 iterations, AES-256-CBC).
//!
//! Run: `cargo build -p pki-bootstrap && cargo run -p pki-bootstrap --example ceremony_bench [RUNS]`.
//!
//! The openssl recipe does less than the tool (no self-lints, no re-verification of what it
//! wrote, no record): the ratio is the price of those checks plus process start-up.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark driver: failing loudly is right

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PASS: &str = "benchmark passphrase, long enough";
const ITER: &str = "600000";

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let tool = tool_path();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ceremony/ceremony.toml");
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for i in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pass"), format!("{PASS}\n")).unwrap();
        let t = Instant::now();
        let out = Command::new(&tool)
            .current_dir(dir.path())
            .args(["ceremony", "--config"])
            .arg(&config)
            .args(["--out", "c", "--passphrase-file", "pass"])
            .output()
            .unwrap();
        ours.push(t.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let t = Instant::now();
        openssl_recipe(dir.path());
        theirs.push(t.elapsed());
        eprintln!(
            "run {}: pki-bootstrap {:?}, openssl {:?}",
            i + 1,
            ours[i],
            theirs[i]
        );
    }
    let (mo, mt) = (median(&mut ours), median(&mut theirs));
    println!("three-tier ceremony, {runs} runs each, PBKDF2-SHA256 600000 iterations both sides");
    println!("  pki-bootstrap ceremony : median {:>8.1} ms", ms(mo));
    println!("  openssl CLI recipe     : median {:>8.1} ms", ms(mt));
    println!(
        "  ratio (ours / openssl) : {:.2}",
        mo.as_secs_f64() / mt.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn tool_path() -> PathBuf {
    // examples live in <target>/<profile>/examples/; the binary one level up.
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("pki-bootstrap");
    assert!(
        bin.is_file(),
        "build the binary first: cargo build -p pki-bootstrap"
    );
    bin
}

fn ossl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl CLI");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn serial() -> String {
    let mut b = [0u8; 20];
    openssl::rand::rand_bytes(&mut b).unwrap();
    b[0] = (b[0] & 0x7f) | 1;
    format!(
        "0x{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

/// New key → PKCS#8 PBES2 with the same KDF as the tool, through a pipe (no plaintext on disk).
fn encrypted_key(dir: &Path, curve: &str, out: &str) {
    let script = format!(
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:{curve} | \
         openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter {ITER} \
         -passout file:pass -out {out}"
    );
    let st = Command::new("sh")
        .current_dir(dir)
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(st.success());
}

fn openssl_recipe(dir: &Path) {
    let o = dir.join("o");
    for d in ["root", "int", "tls"] {
        std::fs::create_dir_all(o.join(d)).unwrap();
    }
    std::fs::copy(dir.join("pass"), o.join("pass")).unwrap();
    std::fs::write(
        o.join("ext.cnf"),
        "[int]\nbasicConstraints=critical,CA:TRUE,pathlen:0\n\
         keyUsage=critical,keyCertSign,cRLSign,digitalSignature\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
         [srv]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    // Root.
    encrypted_key(&o, "P-384", "root/ca.key");
    let s = serial();
    ossl(
        &o,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root/ca.key",
            "-passin",
            "file:pass",
            "-sha384",
            "-subj",
            "/CN=Example Root CA/O=Example/C=NL",
            "-days",
            "7300",
            "-set_serial",
            &s,
            "-addext",
            "basicConstraints=critical,CA:TRUE,pathlen:1",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            "-out",
            "root/ca.pem",
        ],
    );
    // Intermediate.
    encrypted_key(&o, "P-384", "int/ca.key");
    ossl(
        &o,
        &[
            "req",
            "-new",
            "-key",
            "int/ca.key",
            "-passin",
            "file:pass",
            "-subj",
            "/CN=Example Offline Intermediate CA/O=Example/C=NL",
            "-out",
            "int/ca.csr",
        ],
    );
    let s = serial();
    ossl(
        &o,
        &[
            "x509",
            "-req",
            "-in",
            "int/ca.csr",
            "-CA",
            "root/ca.pem",
            "-CAkey",
            "root/ca.key",
            "-passin",
            "file:pass",
            "-sha384",
            "-days",
            "3650",
            "-set_serial",
            &s,
            "-extfile",
            "ext.cnf",
            "-extensions",
            "int",
            "-out",
            "int/ca.pem",
        ],
    );
    // Listener certificate.
    ossl(
        &o,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "tls/tls.key",
        ],
    );
    ossl(
        &o,
        &[
            "req",
            "-new",
            "-key",
            "tls/tls.key",
            "-subj",
            "/CN=localhost",
            "-out",
            "tls/tls.csr",
        ],
    );
    let s = serial();
    ossl(
        &o,
        &[
            "x509",
            "-req",
            "-in",
            "tls/tls.csr",
            "-CA",
            "int/ca.pem",
            "-CAkey",
            "int/ca.key",
            "-passin",
            "file:pass",
            "-sha384",
            "-days",
            "397",
            "-set_serial",
            &s,
            "-extfile",
            "ext.cnf",
            "-extensions",
            "srv",
            "-out",
            "tls/leaf.pem",
        ],
    );
    let mut bundle = std::fs::read(o.join("tls/leaf.pem")).unwrap();
    bundle.extend(std::fs::read(o.join("int/ca.pem")).unwrap());
    std::fs::write(o.join("tls/tls.crt"), bundle).unwrap();
    std::fs::copy(o.join("root/ca.pem"), o.join("tls/ca.crt")).unwrap();
    ossl(
        &o,
        &[
            "verify",
            "-CAfile",
            "tls/ca.crt",
            "-untrusted",
            "tls/tls.crt",
            "tls/tls.crt",
        ],
    );
    let st = Command::new("sh")
        .current_dir(&o)
        .args([
            "-c",
            "sha256sum root/ca.pem root/ca.key int/ca.pem int/ca.key tls/* > SHA256SUMS",
        ])
        .status()
        .unwrap();
    assert!(st.success());
}
