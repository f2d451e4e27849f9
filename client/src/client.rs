//! The client itself: the reqwest client inside a `vaultrs::client::VaultClient` (so TLS trust,
//! proxies and connection pools are configured exactly once, by vaultrs's settings) plus the
//! one request path of the workspace, [`Client::send`]: logins, token revocation, health,
//! leader, JSON requests ([`Client::execute`] with a [`JsonRequest`]) and Raft snapshots all go
//! through it. Retries live there too, once, with the rule that a request which may have changed
//! something on the server is never repeated unless the server cannot have acted on it
//! (connection refused, 429, 503, a rolled-back storage transaction); the caller says which
//! kind a request is with its [`Idempotency`].

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tracing::{debug, warn};
use vaultrs::client::{Client as _, VaultClient, VaultClientSettingsBuilder};

use crate::config::{Auth, Config};
use crate::error::{Error, Result};
use crate::health::{Health, HealthBody, HealthState, Leader, ServerInfo};
use crate::retry::retryable_status;
use crate::secret::Secret;

/// Whether repeating a request is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, deletes, and writes that set a fixed state: retried on 429, 5xx and any
    /// connection failure.
    Idempotent,
    /// Writes that create something or consume a use (logins, issuing, restores): retried only
    /// when the server cannot have acted on them (connection refused, 429, 503).
    NonIdempotent,
}

impl Idempotency {
    /// The usual reading of an HTTP method in Vault's API: GET, LIST, HEAD and DELETE are
    /// idempotent, POST and PUT (the same thing to Vault) are not.
    pub fn of_method(method: &Method) -> Self {
        if method == Method::GET
            || method == Method::HEAD
            || method == Method::DELETE
            || method.as_str() == "LIST"
        {
            Self::Idempotent
        } else {
            Self::NonIdempotent
        }
    }
}

/// One JSON request: what to send, and whether it may be repeated. Built with [`Self::new`]
/// (or [`Self::get`] / [`Self::post`]), adjusted with the setters, sent with
/// [`Client::execute`]. The defaults follow [`Idempotency::of_method`], and a 404 means "not
/// there" (`None`) for reads only.
#[derive(Clone)]
pub struct JsonRequest<'a> {
    method: Method,
    path: &'a str,
    body: Option<&'a Value>,
    idempotency: Idempotency,
    not_found_is_none: bool,
}

impl fmt::Debug for JsonRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may hold a secret ID, a JWT or a private key: never printed.
        f.debug_struct("JsonRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body", &self.body.map(|_| "[redacted]"))
            .field("idempotency", &self.idempotency)
            .field("not_found_is_none", &self.not_found_is_none)
            .finish()
    }
}

impl<'a> JsonRequest<'a> {
    /// `method /v1/<path>` without a body.
    pub fn new(method: Method, path: &'a str) -> Self {
        let idempotency = Idempotency::of_method(&method);
        let not_found_is_none = method == Method::GET || method.as_str() == "LIST";
        Self {
            method,
            path,
            body: None,
            idempotency,
            not_found_is_none,
        }
    }

    /// `GET /v1/<path>`.
    pub fn get(path: &'a str) -> Self {
        Self::new(Method::GET, path)
    }

    /// `POST /v1/<path>` with a JSON body; not idempotent unless said otherwise.
    pub fn post(path: &'a str, body: &'a Value) -> Self {
        Self::new(Method::POST, path).body(body)
    }

    /// Sends `body` as JSON.
    #[must_use]
    pub fn body(mut self, body: &'a Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Whether a repeat is harmless: a write that sets a fixed state, or a lookup sent as POST,
    /// is [`Idempotency::Idempotent`] and so retried like a read.
    #[must_use]
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Whether a 404 answer is `Ok(None)` rather than an error (the default for reads).
    #[must_use]
    pub fn not_found_is_none(mut self, yes: bool) -> Self {
        self.not_found_is_none = yes;
        self
    }
}

/// A connection to one OpenBao/Vault node, with its token.
pub struct Client {
    inner: VaultClient,
    config: Config,
    address: String,
    token: Secret,
    logged_in: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.address)
            .field("namespace", &self.config.namespace)
            .field("token", &"[redacted]")
            .field("logged_in", &self.logged_in)
            .finish()
    }
}

impl Client {
    /// Builds a client for `config.address` without a token.
    pub fn new(config: Config) -> Result<Self> {
        let address = normalize_address(&config.address)?;
        let inner = build_vault_client(&config, &address)?;
        Ok(Self {
            inner,
            config,
            address,
            token: Secret::new(""),
            logged_in: false,
        })
    }

    /// The node's base address, without a trailing slash.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes the time limit for ordinary requests and for the headers of streamed ones.
    pub fn set_request_timeout(&mut self, timeout: Duration) {
        self.config.request_timeout = timeout;
    }

    /// Uses `token` for all further requests.
    pub fn set_token(&mut self, token: Secret) {
        self.inner.set_token(token.expose());
        self.token = token;
    }

    /// Obtains a token with `auth` (AppRole, Kubernetes and JWT log in; a token is taken as is).
    /// A token obtained by logging in is remembered so that [`Client::revoke_login`] can revoke
    /// it when the job is done.
    pub async fn login(&mut self, auth: &Auth) -> Result<()> {
        let (mount, body) = match auth {
            Auth::Token(token) => {
                if token.is_empty() {
                    return Err(Error::Config {
                        reason: "no token given; set VAULT_TOKEN (or BAO_TOKEN) or configure AppRole or Kubernetes login".into(),
                    });
                }
                self.set_token(token.clone());
                return Ok(());
            }
            Auth::AppRole {
                mount,
                role_id,
                secret_id,
            } => (
                mount,
                serde_json::json!({ "role_id": role_id, "secret_id": secret_id.expose() }),
            ),
            // Both methods take the same body: the role and the signed token.
            Auth::Kubernetes { mount, role, jwt } | Auth::Jwt { mount, role, jwt } => (
                mount,
                serde_json::json!({ "role": role, "jwt": jwt.expose() }),
            ),
        };
        let path = format!("auth/{}/login", mount.trim_matches('/'));
        // A login consumes a use of the secret ID and creates a token: retried only when the
        // server cannot have acted on it.
        let answer = self
            .execute(JsonRequest::post(&path, &body).idempotency(Idempotency::NonIdempotent))
            .await?;
        let token = answer
            .as_ref()
            .and_then(|a| a.pointer("/auth/client_token"))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.invalid(&path, "login answered without a client token"))?;
        debug!(method = auth.method(), "logged in");
        self.set_token(Secret::new(token));
        self.logged_in = true;
        Ok(())
    }

    /// Whether this client's token was obtained by logging in (and so is ours to revoke).
    pub fn owns_token(&self) -> bool {
        self.logged_in
    }

    /// Revokes the token if this client obtained it by logging in; a token that was handed to
    /// us belongs to someone else and is left alone. Returns whether a token was revoked.
    pub async fn revoke_login(&mut self) -> Result<bool> {
        if !self.logged_in {
            return Ok(false);
        }
        let body = Value::Object(serde_json::Map::new());
        // Not repeated once the server may have acted: a second revoke-self with the revoked
        // token would be refused and hide that the first one worked.
        self.execute(
            JsonRequest::post("auth/token/revoke-self", &body)
                .idempotency(Idempotency::NonIdempotent),
        )
        .await?;
        self.logged_in = false;
        Ok(true)
    }

    /// `sys/health` of this node. Never retried on a non-2xx status: those are its answer.
    pub async fn health(&self) -> Result<Health> {
        let path = "sys/health";
        let resp = self
            .send(
                Method::GET,
                path,
                None,
                Idempotency::Idempotent,
                &[429, 472, 473, 474, 501, 503],
            )
            .await?;
        let status = resp.status().as_u16();
        let body = self.read_body(path, resp).await?;
        let parsed = serde_json::from_slice::<HealthBody>(&body).ok();
        Ok(Health::from_parts(status, parsed))
    }

    /// `sys/leader` of this node.
    pub async fn leader(&self) -> Result<Leader> {
        let path = "sys/leader";
        let value = self
            .request_json(Method::GET, path, None)
            .await?
            .ok_or_else(|| self.invalid(path, "empty answer"))?;
        serde_json::from_value(value).map_err(|e| self.invalid(path, &e.to_string()))
    }

    /// The server's flavour (OpenBao or Vault) and version, from `sys/health`.
    pub async fn server_info(&self) -> Result<ServerInfo> {
        let health = self.health().await?;
        let version = health
            .version
            .ok_or_else(|| self.invalid("sys/health", "no version reported"))?;
        Ok(ServerInfo {
            flavour: health.flavour,
            version,
        })
    }

    /// A client for the cluster's active node, with the same token, CA and namespace. Works
    /// when this client points at a standby or a load balancer: a standby (429) is asked for
    /// the leader's API address, which must then answer 200 itself. Standbys serve snapshots
    /// they build themselves and silently drop restores, so callers that care use this.
    pub async fn active_node(&self) -> Result<Self> {
        let mut last_reason = String::new();
        for attempt in 0..self.config.retry.max_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(self.config.retry.delay(attempt - 1)).await;
            }
            let health = self.health().await?;
            match health.state {
                HealthState::Active => return self.with_address(&self.address),
                HealthState::Standby
                | HealthState::PerformanceStandby
                | HealthState::StandbyNoLeader => {}
                other => {
                    return Err(Error::NoActiveNode {
                        address: self.address.clone(),
                        reason: format!(
                            "this node is {}; unseal or initialise it, or point at another node",
                            other.describe()
                        ),
                    });
                }
            }
            let leader = self.leader().await?;
            if leader.leader_address.is_empty() {
                last_reason = "the standby knows no leader (election in progress?)".into();
                continue;
            }
            let leader_address = normalize_address(&leader.leader_address)?;
            let candidate = self.with_address(&leader_address)?;
            let state = match candidate.health().await {
                Ok(h) => h.state,
                Err(Error::Tls { reason, .. }) => {
                    return Err(Error::Tls {
                        address: leader_address,
                        reason: format!(
                            "{reason} (this is the leader's advertised api_addr, reached via the standby {}; its certificate must cover that address too)",
                            self.address
                        ),
                    });
                }
                Err(e) => return Err(e),
            };
            if state == HealthState::Active {
                debug!(standby = %self.address, leader = %leader_address, "found active node");
                return Ok(candidate);
            }
            last_reason = format!(
                "the advertised leader {leader_address} reports itself {}",
                state.describe()
            );
        }
        Err(Error::NoActiveNode {
            address: self.address.clone(),
            reason: last_reason,
        })
    }

    /// A client for another node of the same cluster (same TLS, namespace, token). The copy
    /// does not own the login: revoking stays with the original.
    pub fn with_address(&self, address: &str) -> Result<Self> {
        let address = normalize_address(address)?;
        let mut inner = build_vault_client(&self.config, &address)?;
        inner.set_token(self.token.expose());
        Ok(Self {
            inner,
            config: self.config.clone(),
            address,
            token: self.token.clone(),
            logged_in: false,
        })
    }

    /// A JSON request with retries by method (see [`Idempotency::of_method`]). Returns the
    /// parsed body, or `None` for an empty body (204) or a 404 on GET/LIST.
    pub async fn request_json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>> {
        let mut request = JsonRequest::new(method, path);
        request.body = body;
        self.execute(request).await
    }

    /// Sends a JSON request through [`Self::send`] (the one retry loop, by the request's
    /// idempotency) and reads its body within the request timeout. Returns the parsed body, or
    /// `None` for an empty body (204) or, when the request says so, a 404.
    pub async fn execute(&self, request: JsonRequest<'_>) -> Result<Option<Value>> {
        let JsonRequest {
            method,
            path,
            body,
            idempotency,
            not_found_is_none,
        } = request;
        let bytes = match body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|e| Error::Config {
                reason: format!("cannot encode the request body for /v1/{path}: {e}"),
            })?),
            None => None,
        };
        let accept: &[u16] = if not_found_is_none { &[404] } else { &[] };
        let resp = self.send(method, path, bytes, idempotency, accept).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = self.read_body(path, resp).await?;
        if body.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| self.invalid(path, &format!("not JSON: {e}")))
    }

    /// The generic request path: sends `method /v1/<path>` with the token, namespace and
    /// `X-Vault-Request` headers, retrying according to `idempotency` and the retry policy.
    /// Returns the response once its headers arrive, if its status is 2xx or listed in
    /// `accept`; any other status becomes [`Error::Api`]. The body is left unread, so this is
    /// also the way to stream large downloads.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        idempotency: Idempotency,
        accept: &[u16],
    ) -> Result<reqwest::Response> {
        let policy = self.config.retry;
        let mut retry = 0u32;
        loop {
            let sent = std::time::Instant::now();
            let mut req = self.request(method.clone(), path);
            if let Some(b) = &body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            let outcome = tokio::time::timeout(self.config.request_timeout, req.send()).await;
            let may_retry = retry + 1 < policy.max_attempts;
            match outcome {
                Err(_) => {
                    let err = Error::Timeout {
                        address: self.address.clone(),
                        method: method.to_string(),
                        path: path.to_owned(),
                        after: self.config.request_timeout,
                    };
                    if !(may_retry && idempotency == Idempotency::Idempotent) {
                        return Err(err);
                    }
                    warn!(error = %err, "retrying");
                    tokio::time::sleep(policy.delay(retry)).await;
                }
                Ok(Err(e)) => {
                    let connect = is_connect_error(&e);
                    let err = self.transport_error(&method, path, &e);
                    let retryable = connect || idempotency == Idempotency::Idempotent;
                    if !(may_retry && retryable) || matches!(err, Error::Tls { .. }) {
                        return Err(err);
                    }
                    warn!(error = %err, "retrying");
                    tokio::time::sleep(policy.delay(retry)).await;
                }
                Ok(Ok(resp)) => {
                    let status = resp.status().as_u16();
                    // One line per answer; never a header or body (they can hold secrets).
                    debug!(%method, path, status, duration = ?sent.elapsed(), retries = retry, "API call");
                    if resp.status().is_success() || accept.contains(&status) {
                        return Ok(resp);
                    }
                    let server_did_nothing = matches!(status, 429 | 503);
                    let retryable = retryable_status(status)
                        && (idempotency == Idempotency::Idempotent || server_did_nothing);
                    if !(may_retry && retryable) {
                        let err = self.api_error(&method, path, resp).await;
                        // OpenBao answers 500 "transaction commit failed" when its storage
                        // transaction lost to a concurrent one: the write was rolled back, so
                        // even a request that creates something is safe to send again.
                        if may_retry && status == 500 && rolled_back(&err) {
                            warn!(path, "storage transaction rolled back; retrying");
                            tokio::time::sleep(policy.delay(retry)).await;
                            retry += 1;
                            continue;
                        }
                        return Err(err);
                    }
                    let hint = retry_after(&resp);
                    if status == 500 {
                        // Some 500s are final answers, not hiccups: the PKI engine says an
                        // issuer or key is gone with a 500, AppRole a role. Waiting for it
                        // would only slow every refresh of a deleted object down.
                        let err = self.api_error(&method, path, resp).await;
                        if err.is_missing_object() {
                            return Err(err);
                        }
                        warn!(error = %err, "retrying");
                    } else {
                        warn!(
                            status,
                            path, "server answered with a retryable status; retrying"
                        );
                    }
                    tokio::time::sleep(policy.delay_with_hint(retry, hint)).await;
                }
            }
            retry += 1;
        }
    }

    /// Sends a request whose body is a stream (a snapshot being restored) exactly once: a
    /// stream cannot be replayed, and a restore must not be repeated blindly. `timeout` bounds
    /// the whole exchange.
    pub async fn send_stream_once(
        &self,
        method: Method,
        path: &str,
        body: reqwest::Body,
        timeout: Duration,
    ) -> Result<reqwest::Response> {
        let req = self
            .request(method.clone(), path)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body);
        let resp = match tokio::time::timeout(timeout, req.send()).await {
            Err(_) => {
                return Err(Error::Timeout {
                    address: self.address.clone(),
                    method: method.to_string(),
                    path: path.to_owned(),
                    after: timeout,
                });
            }
            Ok(Err(e)) => return Err(self.transport_error(&method, path, &e)),
            Ok(Ok(resp)) => resp,
        };
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.api_error(&method, path, resp).await)
    }

    /// Maps a failure while reading a streamed body into this crate's error.
    pub fn body_error(&self, path: &str, err: &reqwest::Error) -> Error {
        self.transport_error(&Method::GET, path, err)
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}/v1/{}", self.address, path.trim_start_matches('/'));
        let mut req = self
            .inner
            .http
            .http
            .request(method, url)
            .header("X-Vault-Request", "true");
        if !self.token.is_empty() {
            req = req.header("X-Vault-Token", self.token.expose());
        }
        if let Some(ns) = &self.config.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        req
    }

    async fn read_body(&self, path: &str, resp: reqwest::Response) -> Result<Vec<u8>> {
        match tokio::time::timeout(self.config.request_timeout, resp.bytes()).await {
            Err(_) => Err(Error::Timeout {
                address: self.address.clone(),
                method: "GET".into(),
                path: path.to_owned(),
                after: self.config.request_timeout,
            }),
            Ok(Err(e)) => Err(self.transport_error(&Method::GET, path, &e)),
            Ok(Ok(b)) => Ok(b.to_vec()),
        }
    }

    async fn api_error(&self, method: &Method, path: &str, resp: reqwest::Response) -> Error {
        let status = resp.status().as_u16();
        // Error bodies are small JSON; cap what we keep so a misbehaving proxy cannot make us
        // buffer a large page.
        let body = tokio::time::timeout(Duration::from_secs(10), resp.bytes())
            .await
            .ok()
            .and_then(|r| r.ok())
            .unwrap_or_default();
        let errors = parse_errors(&body[..body.len().min(64 * 1024)]);
        Error::Api {
            address: self.address.clone(),
            method: method.to_string(),
            path: path.to_owned(),
            status,
            errors,
        }
    }

    fn transport_error(&self, method: &Method, path: &str, err: &reqwest::Error) -> Error {
        let reason = flatten_chain(err);
        if is_tls_failure(&reason) {
            return Error::Tls {
                address: self.address.clone(),
                reason,
            };
        }
        Error::Transport {
            address: self.address.clone(),
            method: method.to_string(),
            path: path.to_owned(),
            reason,
        }
    }

    fn invalid(&self, path: &str, reason: &str) -> Error {
        Error::InvalidResponse {
            address: self.address.clone(),
            path: path.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

fn build_vault_client(config: &Config, address: &str) -> Result<VaultClient> {
    let mut builder = VaultClientSettingsBuilder::default();
    // Every field is set explicitly: vaultrs otherwise falls back to VAULT_* environment
    // variables, and the caller has already decided what the environment means.
    builder
        .address(address)
        .token("")
        .verify(!config.skip_tls_verify)
        .ca_certs(
            config
                .ca_cert_file
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        )
        .identity(None)
        .timeout(None)
        .namespace(config.namespace.clone());
    if let Some(ca) = &config.ca_cert_file {
        // vaultrs reports an unreadable CA file, but without saying why; check first.
        std::fs::metadata(ca).map_err(|source| Error::Io {
            path: ca.clone(),
            source,
        })?;
    }
    let settings = builder.build().map_err(|e| Error::Config {
        reason: format!("client settings for {address}: {e}"),
    })?;
    VaultClient::new(settings).map_err(|e| Error::Config {
        reason: format!(
            "cannot set up the HTTP client for {address}: {}",
            flatten_chain(&e)
        ),
    })
}

/// Checks and normalises a server address: http or https, a host, no trailing slash.
fn normalize_address(address: &str) -> Result<String> {
    let trimmed = address.trim().trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|e| Error::Config {
        reason: format!(
            "server address {trimmed:?} is not a URL ({e}); use e.g. https://vault.example:8200"
        ),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config {
            reason: format!(
                "server address {trimmed:?} must be an http:// or https:// URL with a host"
            ),
        });
    }
    Ok(trimmed.to_owned())
}

fn parse_errors(body: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        errors: Vec<String>,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => b.errors,
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                Vec::new()
            } else {
                vec![text.chars().take(300).collect()]
            }
        }
    }
}

/// Whether the server reported that its storage transaction was rolled back (nothing written).
fn rolled_back(err: &Error) -> bool {
    matches!(err, Error::Api { errors, .. }
        if errors.iter().any(|e| e.contains("transaction commit failed")))
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn is_connect_error(err: &reqwest::Error) -> bool {
    err.is_connect()
}

/// Joins an error and its causes into one line, dropping repeats, so that "error sending
/// request" is followed by the reason that matters ("Connection refused").
fn flatten_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

fn is_tls_failure(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("certificate") || r.contains("invalid peer") || r.contains("handshake")
}

#[cfg(test)]
mod tests;
