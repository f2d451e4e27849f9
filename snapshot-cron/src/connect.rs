//! Turning the server and auth flags into a logged-in [`vaultpki_client::Client`]. Shared by
//! `run` and `restore`; the login's token is revoked by the caller when the job ends.

use anyhow::Context as _;
use vaultpki_client::{Auth, Client, Config};

use crate::cli::{AuthArgs, ServerArgs};
use crate::exit::{Failure, Stage, StageExt as _};

/// Builds the client configuration from flags / environment.
pub fn config(server: &ServerArgs) -> Result<Config, Failure> {
    server.settings().config().stage(Stage::Config)
}

/// Chooses the auth method from the flags: AppRole, then Kubernetes, then token file, then
/// token (the rule lives in `vaultpki_client::AuthSettings`).
pub fn auth(args: &AuthArgs) -> Result<Auth, Failure> {
    args.settings().auth().stage(Stage::Config)
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
