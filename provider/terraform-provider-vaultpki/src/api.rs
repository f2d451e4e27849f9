//! The provider's connection to OpenBao/Vault: opened once, on the first call that needs it,
//! and shared by all concurrent resource calls. Opening it asks `sys/health` (which also tells
//! the flavour and version, detected once per run) and checks the token (`lookup-self`, or for
//! a token without that right, `sys/internal/ui/mounts`), so a server that is down, sealed, or
//! a token that is wrong gives one clear diagnostic naming the address (computed once and
//! reported by every call that needed the server) instead of whatever each request happened to
//! fail with. The token is used as is:
//! no child token is created.
//!
//! The helpers below add the provider's rules on top of `vaultpki-client` (whose one request
//! path does the retries and body timeouts): reads return the `data` object or `None` for 404;
//! writes that set a fixed state (roles, policies, tuning) are marked idempotent so they are
//! retried, while writes that create something new (issuing, secret IDs, mounting) keep the
//! client's cautious default.

use std::fmt;
use std::sync::Mutex;

use reqwest::Method;
use serde_json::Value as Json;
use tfplugin::Diagnostics;
use tokio::sync::OnceCell;
use vaultpki_client::{
    Auth, Client, Config, Error, Flavour, HealthState, Idempotency, JsonRequest, ServerInfo,
};

use crate::diagnostics;

/// Resolved provider settings, or why they are unusable (reported on first use).
pub(crate) enum Settings {
    /// Usable settings.
    Valid {
        /// Address, TLS, namespace, retries.
        config: Box<Config>,
        /// How to authenticate (`None`: nothing configured).
        auth: Option<Auth>,
    },
    /// Unusable settings and why.
    Invalid(Diagnostics),
}

/// The lazily opened connection handed to every resource call.
pub struct Api {
    settings: Settings,
    conn: OnceCell<Result<Conn, Diagnostics>>,
}

struct Conn {
    client: Client,
    info: ServerInfo,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let address = match &self.settings {
            Settings::Valid { config, .. } => Some(config.address.as_str()),
            Settings::Invalid(_) => None,
        };
        f.debug_struct("Api")
            .field("address", &address)
            .field("connected", &self.conn.initialized())
            .finish_non_exhaustive()
    }
}

/// Whether a write may be repeated after a failure whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// The write sets a fixed state (repeating it changes nothing).
    SetsState,
    /// The write creates something new each time.
    Creates,
}

impl Api {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            settings,
            conn: OnceCell::new(),
        }
    }

    /// The server's flavour (detected once, at connect time) and address.
    pub(crate) async fn flavour(&self) -> Result<(Flavour, String), Diagnostics> {
        let conn = self.conn().await?;
        Ok((conn.info.flavour, conn.client.address().to_owned()))
    }

    /// Opens the connection now (health, login, token check) instead of on the first call, so
    /// that a failure is reported once, by the provider's configuration, rather than by every
    /// resource that needed the server.
    pub(crate) async fn connect_now(&self) -> Result<(), Diagnostics> {
        self.conn().await.map(|_| ())
    }

    async fn conn(&self) -> Result<&Conn, Diagnostics> {
        let conn = self.conn.get_or_init(|| connect(&self.settings)).await;
        conn.as_ref().map_err(Clone::clone)
    }

    async fn client(&self) -> Result<&Client, Diagnostics> {
        Ok(&self.conn().await?.client)
    }

    /// `GET <path>`: the `data` object of the answer, `None` on 404.
    pub(crate) async fn read(&self, action: &str, path: &str) -> Result<Option<Json>, Diagnostics> {
        Ok(self
            .read_raw(action, path)
            .await?
            .map(|mut body| body.get_mut("data").map_or(Json::Null, Json::take)))
    }

    /// `GET <path>`: the whole answer, `None` on 404.
    pub(crate) async fn read_raw(
        &self,
        action: &str,
        path: &str,
    ) -> Result<Option<Json>, Diagnostics> {
        let client = self.client().await?;
        client
            .request_json(Method::GET, path, None)
            .await
            .map_err(|e| diagnostics::api(action, client.address(), &e))
    }

    /// `GET <path>` of a PKI issuer or key: the `data` object, `None` when it does not exist,
    /// which the PKI engine says with 404 or with a 500 naming a missing reference (see
    /// [`Error::is_missing_pki_reference`]).
    pub(crate) async fn read_pki(
        &self,
        action: &str,
        path: &str,
    ) -> Result<Option<Json>, Diagnostics> {
        let client = self.client().await?;
        match client.request_json(Method::GET, path, None).await {
            Err(e) if e.is_missing_pki_reference() => Ok(None),
            Err(e) => Err(diagnostics::api(action, client.address(), &e)),
            Ok(body) => Ok(body.map(|body| body.get("data").cloned().unwrap_or(Json::Null))),
        }
    }

    /// `POST <path>` with a JSON body: the whole answer (`None` for 204).
    pub(crate) async fn write(
        &self,
        action: &str,
        path: &str,
        body: &Json,
        kind: Write,
    ) -> Result<Option<Json>, Diagnostics> {
        let client = self.client().await?;
        let idempotency = match kind {
            Write::SetsState => Idempotency::Idempotent,
            Write::Creates => Idempotency::NonIdempotent,
        };
        client
            .execute(JsonRequest::post(path, body).idempotency(idempotency))
            .await
            .map_err(|e| diagnostics::api(action, client.address(), &e))
    }

    /// [`Self::write`] to an endpoint that answers with a `data` object: that object, or a
    /// diagnostic when the answer has none.
    pub(crate) async fn write_for_data(
        &self,
        action: &str,
        path: &str,
        body: &Json,
        kind: Write,
    ) -> Result<Json, Diagnostics> {
        self.write(action, path, body, kind)
            .await?
            .and_then(|mut answer| answer.get_mut("data").map(Json::take))
            .ok_or_else(|| diagnostics::unexpected_response(action, path, "no data"))
    }

    /// A `POST` that only looks something up (AppRole's secret-ID accessor lookup): the `data`
    /// object, or `None` when the object — or the role it belongs to — does not exist, which
    /// the server says with 404 or with a 500 whose message says so.
    pub(crate) async fn lookup(
        &self,
        action: &str,
        path: &str,
        body: &Json,
    ) -> Result<Option<Json>, Diagnostics> {
        let client = self.client().await?;
        let request = JsonRequest::post(path, body)
            .idempotency(Idempotency::Idempotent)
            .not_found_is_none(true);
        match client.execute(request).await {
            Ok(answer) => Ok(answer.and_then(|a| a.get("data").cloned())),
            Err(e) if e.is_missing_object() => Ok(None),
            Err(e) => Err(diagnostics::api(action, client.address(), &e)),
        }
    }

    /// `DELETE <path>`; a 404 counts as done.
    pub(crate) async fn delete(&self, action: &str, path: &str) -> Result<(), Diagnostics> {
        let client = self.client().await?;
        client
            .send(Method::DELETE, path, None, Idempotency::Idempotent, &[404])
            .await
            .map(|_| ())
            .map_err(|e| diagnostics::api(action, client.address(), &e))
    }
}

/// The string `key` of an answer's `data`, or a diagnostic saying that the answer of `path`
/// (written for `action`) has no `key`.
pub(crate) fn required_str(
    data: &Json,
    key: &str,
    action: &str,
    path: &str,
) -> Result<String, Diagnostics> {
    data.get(key)
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ok_or_else(|| diagnostics::unexpected_response(action, path, &format!("no {key}")))
}

async fn connect(settings: &Settings) -> Result<Conn, Diagnostics> {
    let (config, auth) = match settings {
        Settings::Valid { config, auth } => (config, auth),
        Settings::Invalid(d) => return Err(d.clone()),
    };
    let mut client =
        Client::new((**config).clone()).map_err(|e| diagnostics::invalid_configuration(&e))?;
    let address = client.address().to_owned();
    // `sys/health` exists only in the root namespace: ask it without the namespace header.
    let mut probe_config = (**config).clone();
    probe_config.namespace = None;
    let probe = Client::new(probe_config).map_err(|e| diagnostics::invalid_configuration(&e))?;
    let health = probe.health().await.map_err(|e| match e {
        Error::Api { .. } | Error::InvalidResponse { .. } => {
            diagnostics::api("ask the server for its health", &address, &e)
        }
        other => diagnostics::unreachable(&address, &other),
    })?;
    match health.state {
        HealthState::Active | HealthState::Standby | HealthState::PerformanceStandby => {}
        other => return Err(diagnostics::not_serving(&address, other)),
    }
    let info = ServerInfo {
        flavour: health.flavour,
        version: health.version.unwrap_or_default(),
    };
    tracing::debug!(
        address = %address,
        flavour = info.flavour.as_str(),
        version = %info.version,
        "connected"
    );
    let Some(auth) = auth else {
        return Err(diagnostics::no_credentials(&address));
    };
    match auth {
        Auth::AppRole { mount, .. } | Auth::Kubernetes { mount, .. } | Auth::Jwt { mount, .. } => {
            client.login(auth).await.map_err(|e| match auth {
                Auth::AppRole { .. } => diagnostics::approle_login_failed(&address, mount, &e),
                _ => diagnostics::login_failed(&address, auth.method(), mount, &e),
            })?;
            // The logged-in client goes to the process-wide list that is revoked when the
            // provider stops; the connection works with a copy that does not own the token.
            let copy = client
                .with_address(&address)
                .map_err(|e| diagnostics::invalid_configuration(&e))?;
            remember_login(std::mem::replace(&mut client, copy));
        }
        _ => {
            client
                .login(auth)
                .await
                .map_err(|e| diagnostics::token_rejected(&address, &e))?;
            check_token(&client).await.map_err(|e| match e {
                Error::Api { .. } => diagnostics::token_rejected(&address, &e),
                other => diagnostics::unreachable(&address, &other),
            })?;
        }
    }
    Ok(Conn { client, info })
}

/// Checks that the token is valid. `auth/token/lookup-self` says so, but a correctly scoped
/// token without the `default` policy may not call it, and the server answers an invalid token
/// and a missing right alike (403). Then `sys/internal/ui/mounts` decides: it answers any valid
/// token (listing only what the token may see) and refuses an invalid one.
async fn check_token(client: &Client) -> Result<(), Error> {
    match client
        .request_json(Method::GET, "auth/token/lookup-self", None)
        .await
    {
        Err(e) if e.status() == Some(403) => {
            tracing::debug!("the token may not look itself up; checking it another way");
            client
                .request_json(Method::GET, "sys/internal/ui/mounts", None)
                .await
                .map(|_| ())
        }
        other => other.map(|_| ()),
    }
}

/// Clients holding a token this process obtained by logging in, revoked by [`revoke_logins`].
/// Process-wide because the provider is served until the process ends, and each configured
/// provider instance (alias) logs in on its own.
static LOGINS: Mutex<Vec<Client>> = Mutex::new(Vec::new());

fn remember_login(client: Client) {
    if let Ok(mut logins) = LOGINS.lock() {
        logins.push(client);
    }
}

/// Revokes every token the provider obtained by logging in (never a token it was given), once
/// serving has ended: Terraform shuts the provider down at the end of every command, also after
/// a Stop (Ctrl-C), and in debug mode an interrupt ends serving. A token that cannot be revoked
/// now (server gone) expires with its TTL; the failure is only logged.
pub fn revoke_logins() {
    let clients = match LOGINS.lock() {
        Ok(mut logins) => std::mem::take(&mut *logins),
        Err(_) => return,
    };
    if clients.is_empty() {
        return;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::warn!("cannot revoke the login tokens: {e}");
            return;
        }
    };
    runtime.block_on(revoke_all(clients));
}

async fn revoke_all(clients: Vec<Client>) {
    for mut client in clients {
        match client.revoke_login().await {
            Ok(_) => tracing::debug!(address = client.address(), "revoked the login token"),
            Err(e) => tracing::warn!(error = %e, "could not revoke the login token"),
        }
    }
}
