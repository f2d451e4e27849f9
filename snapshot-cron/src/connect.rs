//! Turning the server and auth flags into a logged-in [`vaultpki_client::Client`]. Shared by
//! `run` and `restore`; the login's token is revoked by the caller when the job ends.

use anyhow::Context as _;
use vaultpki_client::{Auth, AuthSettings, AuthVarNames, Client, Config, ServerSettings};

use crate::cli::{AuthArgs, ServerArgs};
use crate::env_vars as env;
use crate::exit::{Failure, Stage, StageExt as _};

/// Builds the client configuration from flags / environment.
pub fn config(server: &ServerArgs) -> Result<Config, Failure> {
    ServerSettings {
        addr: server.addr.clone(),
        bao_addr: server.bao_addr.clone(),
        ca_cert: server.ca_cert.clone(),
        bao_ca_cert: server.bao_ca_cert.clone(),
        namespace: server.namespace.clone(),
        bao_namespace: server.bao_namespace.clone(),
        tls_skip_verify: server.tls_skip_verify,
        request_timeout_secs: server.request_timeout,
    }
    .config()
    .stage(Stage::Config)
}

/// Chooses the auth method from the flags: AppRole, then Kubernetes, then token file, then
/// token (the rule lives in `vaultpki_client::AuthSettings`).
pub fn auth(args: &AuthArgs) -> Result<Auth, Failure> {
    AuthSettings {
        token: args.token.clone(),
        bao_token: args.bao_token.clone(),
        token_file: args.token_file.clone(),
        approle_role_id: args.approle_role_id.clone(),
        approle_secret_id: args.approle_secret_id.clone(),
        approle_secret_id_file: args.approle_secret_id_file.clone(),
        approle_mount: args.approle_mount.clone(),
        k8s_role: args.k8s_role.clone(),
        k8s_mount: args.k8s_mount.clone(),
        k8s_jwt_file: args.k8s_jwt_file.clone(),
        names: AuthVarNames {
            role_id: env::APPROLE_ROLE_ID,
            secret_id: env::APPROLE_SECRET_ID,
            secret_id_file: env::APPROLE_SECRET_ID_FILE,
            token_file: env::TOKEN_FILE,
            k8s_role: env::K8S_ROLE,
        },
    }
    .auth()
    .stage(Stage::Config)
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
