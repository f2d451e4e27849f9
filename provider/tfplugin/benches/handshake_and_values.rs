//! Prints figures, asserts nothing (speed goals are read, not enforced by timed tests):
//!
//! 1. Time from process start to the go-plugin handshake line for the test provider binary,
//!    beside the time to start `echo` and read its line (process start-up baseline).
//! 2. Per-call cost of encoding plus decoding a 50-attribute object as msgpack: through the
//!    untyped Value (struct → Value → msgpack → Value → struct, the server's route) and on the
//!    untyped Value alone, beside the same struct through `serde_json` and `rmp-serde` in the
//!    same run.
//!
//! Run on release binaries with `scripts/bench tfplugin` (or by hand:
//! `cargo build --release -p tfplugin --examples && cargo bench -p tfplugin`).

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tfplugin::{Type, from_value, msgpack, to_value};

trait Cty {
    fn cty() -> Type;
}

impl Cty for String {
    fn cty() -> Type {
        Type::String
    }
}

impl Cty for i64 {
    fn cty() -> Type {
        Type::Number
    }
}

impl Cty for bool {
    fn cty() -> Type {
        Type::Bool
    }
}

impl<T: Cty> Cty for Option<T> {
    fn cty() -> Type {
        T::cty()
    }
}

macro_rules! model {
    ($($name:ident : $ty:ty = $val:expr),* $(,)?) => {
        #[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
        struct Model { $($name: $ty),* }

        fn model_type() -> Type {
            Type::object([$((stringify!($name), <$ty as Cty>::cty())),*])
        }

        fn sample() -> Model {
            Model { $($name: $val),* }
        }
    };
}

model! {
    a00: String = "pki-int".into(), a01: String = "example.com".into(),
    a02: i64 = 8760, a03: bool = true, a04: Option<String> = None,
    a05: String = "rsa".into(), a06: i64 = 2048, a07: bool = false,
    a08: Option<i64> = Some(300), a09: String = "ttl".into(),
    a10: String = "allowed_domains".into(), a11: i64 = 1, a12: bool = true,
    a13: Option<String> = Some("x".into()), a14: String = "issuer".into(),
    a15: String = "default".into(), a16: i64 = 0, a17: bool = true,
    a18: Option<bool> = None, a19: String = "key_usage".into(),
    a20: String = "DigitalSignature".into(), a21: i64 = 256, a22: bool = false,
    a23: Option<String> = None, a24: String = "ou".into(),
    a25: String = "organization".into(), a26: i64 = 42, a27: bool = true,
    a28: Option<i64> = Some(-7), a29: String = "country".into(),
    a30: String = "locality".into(), a31: i64 = 86400, a32: bool = false,
    a33: Option<String> = Some("province".into()), a34: String = "street".into(),
    a35: String = "postal".into(), a36: i64 = 12345, a37: bool = true,
    a38: Option<bool> = Some(false), a39: String = "serial".into(),
    a40: String = "policy".into(), a41: i64 = 3, a42: bool = false,
    a43: Option<String> = None, a44: String = "not_after".into(),
    a45: String = "2030-01-01T00:00:00Z".into(), a46: i64 = 9, a47: bool = true,
    a48: Option<i64> = None, a49: String = "last".into(),
}

/// Start -> handshake medians the last time this ran (before: 40-50 ms with AutoMTLS, when
/// aws-lc seeded its generator from CPU jitter at every start).
const PREVIOUS_AUTOMTLS: &str = "3.7 ms (2026-12-05, dev profile)";
const PREVIOUS_PLAIN: &str = "1.6 ms (2026-12-05, dev profile)";

fn per_call(iterations: u32, mut f: impl FnMut()) -> Duration {
    for _ in 0..iterations / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed() / iterations
}

fn first_line(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read the first line");
    let elapsed = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert!(!line.is_empty(), "{cmd:?} printed nothing");
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn provider_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir
        .join("examples")
        .join("terraform-provider-tfplugintest");
    path.is_file().then_some(path)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let Some(provider) = provider_binary() else {
        eprintln!(
            "handshake_and_values: the example binary terraform-provider-tfplugintest is not built \
             next to this benchmark; run `cargo build -p tfplugin --examples` with the same profile"
        );
        return ExitCode::FAILURE;
    };

    // A client certificate, so the provider takes the AutoMTLS path (generating its own
    // certificate) as it does under Terraform; no TLS connection is made.
    let client_cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .expect("a client certificate")
        .cert
        .pem();
    const RUNS: usize = 20;
    let handshake = median(
        (0..RUNS)
            .map(|_| {
                first_line(
                    Command::new(&provider)
                        .env(
                            "TF_PLUGIN_MAGIC_COOKIE",
                            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
                        )
                        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
                        .env("PLUGIN_CLIENT_CERT", &client_cert),
                )
            })
            .collect(),
    );
    let plain = median(
        (0..RUNS)
            .map(|_| {
                first_line(
                    Command::new(&provider)
                        .env(
                            "TF_PLUGIN_MAGIC_COOKIE",
                            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
                        )
                        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
                        .env_remove("PLUGIN_CLIENT_CERT"),
                )
            })
            .collect(),
    );
    let echo = median(
        (0..RUNS)
            .map(|_| first_line(Command::new("echo").arg("1|6|tcp|127.0.0.1:1|grpc|")))
            .collect(),
    );
    println!("process start -> first stdout line (median of {RUNS})");
    // The figures this benchmark printed last, on the same machines: AutoMTLS and plain.
    println!("  provider handshake (AutoMTLS)  {handshake:>10.2?}   previous: {PREVIOUS_AUTOMTLS}");
    println!("  provider handshake (plain TCP) {plain:>10.2?}   previous: {PREVIOUS_PLAIN}");
    println!(
        "  echo (baseline)                {echo:>10.2?}   ratio {:.1}x",
        handshake.as_secs_f64() / echo.as_secs_f64()
    );

    let ty = model_type();
    let model = sample();
    let value = to_value(&model).expect("to_value");
    let bytes = msgpack::encode(&value, &ty).expect("encode");
    assert_eq!(
        from_value::<Model>(&msgpack::decode(&bytes, &ty).expect("decode")).expect("from_value"),
        model
    );
    const N: u32 = 20_000;
    let typed = per_call(N, || {
        let v = to_value(black_box(&model)).expect("to_value");
        let b = msgpack::encode(&v, &ty).expect("encode");
        let back: Model =
            from_value(&msgpack::decode(&b, &ty).expect("decode")).expect("from_value");
        black_box(back);
    });
    let untyped = per_call(N, || {
        let b = msgpack::encode(black_box(&value), &ty).expect("encode");
        black_box(msgpack::decode(&b, &ty).expect("decode"));
    });
    let json = per_call(N, || {
        let b = serde_json::to_vec(black_box(&model)).expect("to_vec");
        let back: Model = serde_json::from_slice(&b).expect("from_slice");
        black_box(back);
    });
    let rmp = per_call(N, || {
        let b = rmp_serde::to_vec_named(black_box(&model)).expect("to_vec_named");
        let back: Model = rmp_serde::from_slice(&b).expect("from_slice");
        black_box(back);
    });
    let ratio = |d: Duration| d.as_secs_f64() / json.as_secs_f64();
    println!(
        "encode + decode of a 50-attribute object, per call ({N} calls, {} msgpack bytes)",
        bytes.len()
    );
    println!(
        "  tfplugin struct<->Value<->msgpack {typed:>10.2?}   {:.1}x serde_json",
        ratio(typed)
    );
    println!(
        "  tfplugin Value<->msgpack          {untyped:>10.2?}   {:.1}x serde_json",
        ratio(untyped)
    );
    println!(
        "  rmp-serde struct (baseline)       {rmp:>10.2?}   {:.1}x serde_json",
        ratio(rmp)
    );
    println!("  serde_json struct (baseline)      {json:>10.2?}   1.0x");
    ExitCode::SUCCESS
}
