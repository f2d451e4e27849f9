//! Turning the server and auth flags into a logged-in [`vaultpki_client::Client`]. Shared by
//! `run` and `restore`; the login's token is revoked by the caller when the job ends.

use std::time::Duration;

use anyhow::Context as _;
use vaultpki_client::{Auth, Client, Config, Secret};

use crate::cli::{AuthArgs, ServerArgs};
use crate::exit::{Failure, Stage, StageExt as _};

/// Builds the client configuration from flags / environment.
pub fn config(server: &ServerArgs) -> Result<Config, Failure> {
    let addr = server
        .addr
        .clone()
        .or_else(|| server.bao_addr.clone())
        .ok_or_else(|| {
            Failure::new(
                Stage::Config,
                "no server address: set VAULT_ADDR (or BAO_ADDR) or pass --vault-addr",
            )
        })?;
    let mut config = Config::new(addr);
    config.ca_cert_file = server
        .ca_cert
        .clone()
        .or_else(|| server.bao_ca_cert.clone());
    config.namespace = server
        .namespace
        .clone()
        .or_else(|| server.bao_namespace.clone())
        .filter(|n| !n.is_empty());
    config.skip_tls_verify = server.tls_skip_verify;
    config.request_timeout = Duration::from_secs(server.request_timeout.max(1));
    Ok(config)
}

/// Chooses the auth method from the flags: AppRole, then Kubernetes, then token file, then
/// token.
pub fn auth(args: &AuthArgs) -> Result<Auth, Failure> {
    if let Some(role_id) = &args.approle_role_id {
        let secret_id = match (&args.approle_secret_id, &args.approle_secret_id_file) {
            (Some(s), _) => Secret::new(s.clone()),
            (None, Some(path)) => Secret::from_file(path)
                .context("reading the AppRole secret ID file")
                .stage(Stage::Config)?,
            (None, None) => {
                return Err(Failure::new(
                    Stage::Config,
                    "AppRole login needs a secret ID: set SNAPSHOT_CRON_APPROLE_SECRET_ID or SNAPSHOT_CRON_APPROLE_SECRET_ID_FILE",
                ));
            }
        };
        return Ok(Auth::AppRole {
            mount: args.approle_mount.trim_matches('/').to_owned(),
            role_id: role_id.clone(),
            secret_id,
        });
    }
    if let Some(role) = &args.k8s_role {
        let jwt = Secret::from_file(&args.k8s_jwt_file)
            .context("reading the Kubernetes service-account token")
            .stage(Stage::Config)?;
        return Ok(Auth::Kubernetes {
            mount: args.k8s_mount.trim_matches('/').to_owned(),
            role: role.clone(),
            jwt,
        });
    }
    if let Some(path) = &args.token_file {
        let token = Secret::from_file(path)
            .context("reading the token file")
            .stage(Stage::Config)?;
        return Ok(Auth::Token(token));
    }
    match args.token.clone().or_else(|| args.bao_token.clone()) {
        Some(t) if !t.is_empty() => Ok(Auth::Token(Secret::new(t))),
        _ => Err(Failure::new(
            Stage::Config,
            "no credentials: set VAULT_TOKEN (or BAO_TOKEN), SNAPSHOT_CRON_TOKEN_FILE, AppRole (SNAPSHOT_CRON_APPROLE_ROLE_ID + secret ID) or SNAPSHOT_CRON_K8S_ROLE",
        )),
    }
}

/// Connects and logs in; returns the client for the configured address.
pub async fn login(server: &ServerArgs, auth_args: &AuthArgs) -> Result<Client, Failure> {
    let config = config(server)?;
    let auth = auth(auth_args)?;
    let mut client = Client::new(config).stage(Stage::Config)?;
    client
        .login(&auth)
        .await
        .with_context(|| format!("{} login failed", auth.method()))
        .stage(Stage::Server)?;
    Ok(client)
}

/// Revokes the token if we logged in for it; failures are logged, not fatal.
pub async fn logout(client: &mut Client) {
    match client.revoke_login().await {
        Ok(true) => tracing::debug!("revoked the login token"),
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(error = %e, "could not revoke the login token; it expires with its TTL")
        }
    }
}
