//! Unit tests of the request path against a scripted local HTTP server: which failures are
//! retried, which are not, and how the active node is found from a standby.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::retry::RetryPolicy;

type Script = dyn Fn(&str, &str, usize) -> (u16, String) + Send + Sync;
/// (method, path, token header) of each request seen.
type Seen = Arc<Mutex<Vec<(String, String, Option<String>)>>>;

/// A one-thread HTTP/1.1 server answering from `script(method, path, nth request)`; records
/// every request line and the token header it saw.
struct Fake {
    addr: String,
    seen: Seen,
}

impl Fake {
    fn start(script: Box<Script>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let seen: Seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_owned();
                let path = parts.next().unwrap_or("").to_owned();
                let mut len = 0usize;
                let mut token = None;
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    let lower = h.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap();
                    }
                    if lower.starts_with("x-vault-token:") {
                        token = Some(h[14..].trim().to_owned());
                    }
                }
                let mut body = vec![0u8; len];
                reader.read_exact(&mut body).unwrap();
                let n = {
                    let mut s = seen2.lock().unwrap();
                    s.push((method.clone(), path.clone(), token));
                    s.iter()
                        .filter(|(m, p, _)| *m == method && *p == path)
                        .count()
                        - 1
                };
                let (status, body) = script(&method, &path, n);
                let resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(resp.as_bytes());
            }
        });
        Self { addr, seen }
    }

    fn count(&self, method: &str, path: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .count()
    }
}

fn config(addr: &str) -> Config {
    let mut c = Config::new(addr);
    c.retry = RetryPolicy {
        max_attempts: 4,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    c.request_timeout = Duration::from_secs(5);
    c
}

#[tokio::test]
async fn idempotent_get_is_retried_through_503_and_429() {
    let fake = Fake::start(Box::new(|_, _, n| match n {
        0 => (503, r#"{"errors":["Vault is sealed"]}"#.into()),
        1 => (429, "{}".into()),
        _ => (200, r#"{"data":{"x":1}}"#.into()),
    }));
    let c = Client::new(config(&fake.addr)).unwrap();
    let v = c.request_json(Method::GET, "secret/x", None).await.unwrap();
    assert_eq!(v.unwrap()["data"]["x"], 1);
    assert_eq!(fake.count("GET", "/v1/secret/x"), 3);
}

#[tokio::test]
async fn post_is_not_retried_on_500_but_is_on_503() {
    let fake = Fake::start(Box::new(|_, path, n| {
        if path.ends_with("a") {
            (500, r#"{"errors":["internal"]}"#.into())
        } else if n == 0 {
            (503, "{}".into())
        } else {
            (204, String::new())
        }
    }));
    let c = Client::new(config(&fake.addr)).unwrap();
    let body = serde_json::json!({"k": "v"});
    let err = c
        .request_json(Method::POST, "sys/a", Some(&body))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.to_string().contains("internal"), "{err}");
    assert_eq!(fake.count("POST", "/v1/sys/a"), 1);
    assert!(
        c.request_json(Method::POST, "sys/b", Some(&body))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(fake.count("POST", "/v1/sys/b"), 2);
}

#[tokio::test]
async fn post_is_retried_when_the_storage_transaction_was_rolled_back() {
    // OpenBao's answer when a write lost a storage transaction conflict: nothing was written.
    let fake = Fake::start(Box::new(|_, _, n| {
        if n == 0 {
            (
                500,
                r#"{"errors":["1 error occurred:\n\t* transaction commit failed\n\n"]}"#.into(),
            )
        } else {
            (200, r#"{"data":{"secret_id_accessor":"x"}}"#.into())
        }
    }));
    let c = Client::new(config(&fake.addr)).unwrap();
    let body = serde_json::json!({"k": "v"});
    let answer = c
        .request_json(Method::POST, "auth/approle/role/r/secret-id", Some(&body))
        .await
        .unwrap();
    assert_eq!(answer.unwrap()["data"]["secret_id_accessor"], "x");
    assert_eq!(fake.count("POST", "/v1/auth/approle/role/r/secret-id"), 2);
}

#[tokio::test]
async fn a_missing_pki_issuer_is_answered_at_once_not_retried() {
    // The PKI engine reports a deleted issuer with a 500; it is final, so a read gives up at
    // once (a refresh of a deleted issuer must not wait through the retries).
    let fake = Fake::start(Box::new(|_, _, _| {
        (
            500,
            r#"{"errors":["unable to find PKI issuer for reference: 1b2c"]}"#.into(),
        )
    }));
    let c = Client::new(config(&fake.addr)).unwrap();
    let err = c
        .request_json(Method::GET, "pki/issuer/1b2c", None)
        .await
        .unwrap_err();
    assert!(err.is_missing_pki_reference(), "{err}");
    assert_eq!(fake.count("GET", "/v1/pki/issuer/1b2c"), 1);
    // Any other 500 on a read is still retried.
    let other = Fake::start(Box::new(|_, _, _| {
        (500, r#"{"errors":["internal"]}"#.into())
    }));
    let c = Client::new(config(&other.addr)).unwrap();
    assert!(c.request_json(Method::GET, "x", None).await.is_err());
    assert_eq!(other.count("GET", "/v1/x"), 4);
}

#[tokio::test]
async fn retries_are_bounded() {
    let fake = Fake::start(Box::new(|_, _, _| (502, "{}".into())));
    let c = Client::new(config(&fake.addr)).unwrap();
    let err = c.request_json(Method::GET, "x", None).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(fake.count("GET", "/v1/x"), 4);
}

#[tokio::test]
async fn refused_connection_is_a_transport_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::new(config(&format!("http://127.0.0.1:{port}"))).unwrap();
    let err = c.health().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.is_server_refusal());
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");
}

#[tokio::test]
async fn health_reports_standby_without_error() {
    let fake = Fake::start(Box::new(|_, _, _| {
        (429, r#"{"standby":true,"version":"2.7.2"}"#.into())
    }));
    let c = Client::new(config(&fake.addr)).unwrap();
    let h = c.health().await.unwrap();
    assert_eq!(h.state, HealthState::Standby);
    assert_eq!(fake.count("GET", "/v1/sys/health"), 1);
}

#[tokio::test]
async fn active_node_follows_the_leader_and_keeps_the_token() {
    let leader = Fake::start(Box::new(|_, _, _| (200, r#"{"version":"2.7.2"}"#.into())));
    let leader_addr = leader.addr.clone();
    let standby = Fake::start(Box::new(move |_, path, _| {
        if path == "/v1/sys/health" {
            (429, r#"{"standby":true,"version":"2.7.2"}"#.into())
        } else {
            (
                200,
                format!(
                    r#"{{"ha_enabled":true,"is_self":false,"leader_address":"{leader_addr}/"}}"#
                ),
            )
        }
    }));
    let mut c = Client::new(config(&standby.addr)).unwrap();
    c.login(&Auth::Token(Secret::new("s.tok"))).await.unwrap();
    let active = c.active_node().await.unwrap();
    assert_eq!(active.address(), leader.addr);
    active
        .request_json(Method::GET, "sys/storage/raft/snapshot-auto/config", None)
        .await
        .unwrap();
    let seen = leader.seen.lock().unwrap();
    let last = seen.last().unwrap();
    assert_eq!(last.2.as_deref(), Some("s.tok"));
}

#[tokio::test]
async fn sealed_node_is_no_active_node() {
    let fake = Fake::start(Box::new(|_, _, _| (503, r#"{"sealed":true}"#.into())));
    let c = Client::new(config(&fake.addr)).unwrap();
    let err = c.active_node().await.unwrap_err();
    assert!(matches!(err, Error::NoActiveNode { .. }), "{err:?}");
    assert!(err.to_string().contains("sealed"), "{err}");
}

#[tokio::test]
async fn approle_login_is_not_retried_on_500_and_token_is_not_in_errors() {
    let fake = Fake::start(Box::new(|_, _, _| {
        (500, r#"{"errors":["internal error"]}"#.into())
    }));
    let mut c = Client::new(config(&fake.addr)).unwrap();
    let err = c
        .login(&Auth::AppRole {
            mount: "approle".into(),
            role_id: "rid".into(),
            secret_id: Secret::new("super-secret-id"),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(!format!("{err} {err:?}").contains("super-secret-id"));
    assert_eq!(fake.count("POST", "/v1/auth/approle/login"), 1);
}

#[tokio::test]
async fn approle_login_sets_token_and_revoke_only_revokes_own_login() {
    let fake = Fake::start(Box::new(|_, path, _| {
        if path == "/v1/auth/approle/login" {
            (
                200,
                r#"{"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"data":null,"wrap_info":null,"warnings":null,"auth":{"client_token":"s.fromlogin","accessor":"a","policies":["p"],"token_policies":["p"],"metadata":{},"lease_duration":60,"renewable":true,"entity_id":"e","token_type":"service","orphan":true}}"#.into(),
            )
        } else {
            (204, String::new())
        }
    }));
    let mut c = Client::new(config(&fake.addr)).unwrap();
    assert!(!c.revoke_login().await.unwrap());
    c.login(&Auth::AppRole {
        mount: "approle".into(),
        role_id: "rid".into(),
        secret_id: Secret::new("sid"),
    })
    .await
    .unwrap();
    assert!(c.revoke_login().await.unwrap());
    let seen = fake.seen.lock().unwrap();
    let revoke = seen
        .iter()
        .find(|(_, p, _)| p == "/v1/auth/token/revoke-self")
        .unwrap();
    assert_eq!(revoke.2.as_deref(), Some("s.fromlogin"));
    assert!(!format!("{c:?}").contains("s.fromlogin"));
}

#[test]
fn addresses_are_checked() {
    assert_eq!(
        normalize_address("https://v.example:8200/").unwrap(),
        "https://v.example:8200"
    );
    assert!(normalize_address("v.example:8200").is_err());
    assert!(normalize_address("ftp://v.example").is_err());
    assert!(normalize_address("not a url").is_err());
}

#[test]
fn missing_ca_file_is_reported() {
    let mut c = config("https://127.0.0.1:8200");
    c.ca_cert_file = Some("/nonexistent/ca.pem".into());
    let err = Client::new(c).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn idempotency_by_method() {
    assert_eq!(
        Idempotency::of_method(&Method::GET),
        Idempotency::Idempotent
    );
    assert_eq!(
        Idempotency::of_method(&Method::DELETE),
        Idempotency::Idempotent
    );
    assert_eq!(
        Idempotency::of_method(&Method::from_bytes(b"LIST").unwrap()),
        Idempotency::Idempotent
    );
    assert_eq!(
        Idempotency::of_method(&Method::POST),
        Idempotency::NonIdempotent
    );
    assert_eq!(
        Idempotency::of_method(&Method::PUT),
        Idempotency::NonIdempotent
    );
}

#[tokio::test]
async fn kubernetes_login_posts_to_its_mount_and_keeps_the_jwt_out_of_errors() {
    let fake = Fake::start(Box::new(|_, _, _| {
        (403, r#"{"errors":["permission denied"]}"#.into())
    }));
    let mut c = Client::new(config(&fake.addr)).unwrap();
    let err = c
        .login(&Auth::Kubernetes {
            mount: "k8s-prod".into(),
            role: "snapshot".into(),
            jwt: Secret::new("eyJhbGciOi.secret.jwt"),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(!format!("{err} {err:?}").contains("eyJhbGciOi"));
    assert_eq!(fake.count("POST", "/v1/auth/k8s-prod/login"), 1);
}

#[tokio::test]
async fn empty_token_is_a_configuration_error() {
    let mut c = Client::new(config("http://127.0.0.1:1")).unwrap();
    let err = c.login(&Auth::Token(Secret::new(""))).await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn a_write_marked_idempotent_is_retried_like_a_read() {
    let fake = Fake::start(Box::new(|_, _, n| match n {
        0 => (502, "{}".into()),
        _ => (200, r#"{"data":{"ok":true}}"#.into()),
    }));
    let c = Client::new(config(&fake.addr)).unwrap();
    let body = serde_json::json!({"allowed_domains": ["example.com"]});
    let answer = c
        .execute(JsonRequest::post("pki/roles/r", &body).idempotency(Idempotency::Idempotent))
        .await
        .unwrap();
    assert_eq!(answer.unwrap()["data"]["ok"], true);
    assert_eq!(fake.count("POST", "/v1/pki/roles/r"), 2);
    // The same write left at its default (creates something) is not repeated after a 502.
    let fresh = Fake::start(Box::new(|_, _, _| (502, "{}".into())));
    let c2 = Client::new(config(&fresh.addr)).unwrap();
    assert!(
        c2.execute(JsonRequest::post("pki/issue/r", &body))
            .await
            .is_err()
    );
    assert_eq!(fresh.count("POST", "/v1/pki/issue/r"), 1);
}

#[tokio::test]
async fn a_lookup_answered_does_not_exist_is_final() {
    let fake = Fake::start(Box::new(|_, path, _| {
        if path.ends_with("gone") {
            (404, "{}".into())
        } else {
            (500, r#"{"errors":["role \"r\" does not exist"]}"#.into())
        }
    }));
    let c = Client::new(config(&fake.addr)).unwrap();
    let body = serde_json::json!({"secret_id_accessor": "a"});
    let lookup = |path| {
        JsonRequest::post(path, &body)
            .idempotency(Idempotency::Idempotent)
            .not_found_is_none(true)
    };
    assert!(
        c.execute(lookup("auth/approle/gone"))
            .await
            .unwrap()
            .is_none()
    );
    let err = c
        .execute(lookup("auth/approle/role/r/x"))
        .await
        .unwrap_err();
    assert!(err.is_missing_object(), "{err}");
    assert_eq!(fake.count("POST", "/v1/auth/approle/role/r/x"), 1);
}

#[tokio::test]
async fn a_login_is_repeated_only_when_the_server_did_nothing() {
    let fake = Fake::start(Box::new(|_, _, n| match n {
        0 => (503, r#"{"errors":["Vault is sealed"]}"#.into()),
        _ => (200, r#"{"auth":{"client_token":"s.second"}}"#.into()),
    }));
    let mut c = Client::new(config(&fake.addr)).unwrap();
    c.login(&Auth::AppRole {
        mount: "approle".into(),
        role_id: "rid".into(),
        secret_id: Secret::new("sid"),
    })
    .await
    .unwrap();
    assert!(c.owns_token());
    assert_eq!(fake.count("POST", "/v1/auth/approle/login"), 2);
}

#[tokio::test]
async fn a_body_that_stalls_times_out() {
    // Headers arrive at once, the promised body never does.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
            );
            held.push(stream);
        }
    });
    let mut cfg = config(&addr);
    cfg.request_timeout = Duration::from_millis(300);
    cfg.retry = RetryPolicy::none();
    let c = Client::new(cfg).unwrap();
    let body = serde_json::json!({});
    let err = c
        .execute(JsonRequest::post("pki/roles/r", &body).idempotency(Idempotency::Idempotent))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[test]
fn a_request_never_prints_its_body() {
    let body = serde_json::json!({"secret_id": "very-secret"});
    let text = format!("{:?}", JsonRequest::post("auth/approle/login", &body));
    assert!(!text.contains("very-secret"), "{text}");
}
