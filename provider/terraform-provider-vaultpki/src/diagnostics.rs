//! Every diagnostic the provider shows, worded in one place so that the same failure reads the
//! same everywhere: what failed, on which server or object, and what to check next. Nothing here
//! ever receives a token, secret ID or private key; callers pass addresses, paths and the
//! client's errors, whose texts are secret-free by construction (`vaultpki-client`).

use tfplugin::{AttributePath, Diagnostic, Diagnostics};
use vaultpki_client::{Error, HealthState};

/// The summary shared by every "cannot use the server" diagnostic: tests and users can rely on
/// it naming the address.
pub(crate) fn server_summary(address: &str) -> String {
    format!("Cannot use the OpenBao/Vault server at {address}")
}

/// The server did not answer (refused, DNS, TLS, timeout).
pub(crate) fn unreachable(address: &str, err: &Error) -> Diagnostics {
    let what = match err {
        Error::Tls { .. } => {
            "The TLS handshake failed. Check `ca_cert_file` (or VAULT_CACERT/BAO_CACERT): it must hold the CA that signed the server's certificate, and the certificate must cover this address."
        }
        Error::Timeout { .. } => {
            "The server did not answer in time. Check that it is running and not overloaded, and that `address` is right."
        }
        _ => {
            "The server could not be reached. Check that it is running and that `address` (or VAULT_ADDR/BAO_ADDR) is right."
        }
    };
    Diagnostic::error(server_summary(address), format!("{what}\n\nCause: {err}")).into()
}

/// The server answered but cannot serve requests (sealed, uninitialised, DR secondary...).
pub(crate) fn not_serving(address: &str, state: HealthState) -> Diagnostics {
    let next = match state {
        HealthState::Sealed => {
            "Unseal it (`bao operator unseal` / `vault operator unseal`) and run again."
        }
        HealthState::Uninitialized => "Initialise and unseal it first.",
        _ => "Point `address` at the active node of the cluster.",
    };
    Diagnostic::error(
        server_summary(address),
        format!("The server is {}. {next}", state.describe()),
    )
    .into()
}

/// The token was refused by `auth/token/lookup-self`.
pub(crate) fn token_rejected(address: &str, err: &Error) -> Diagnostics {
    Diagnostic::error(
        server_summary(address),
        format!(
            "The server rejected the token. Check `token` (or VAULT_TOKEN/BAO_TOKEN): it may be expired, revoked, or issued by another server.\n\nCause: {err}"
        ),
    )
    .into()
}

/// The AppRole login failed.
pub(crate) fn approle_login_failed(address: &str, mount: &str, err: &Error) -> Diagnostics {
    Diagnostic::error(
        server_summary(address),
        format!(
            "Logging in with AppRole at auth/{mount}/login failed. Check `auth_login_approle` (mount, role_id, secret_id): the secret ID may be expired or used up.\n\nCause: {err}"
        ),
    )
    .at(AttributePath::root("auth_login_approle"))
    .into()
}

/// A login other than AppRole (Kubernetes, JWT) failed.
pub(crate) fn login_failed(address: &str, method: &str, mount: &str, err: &Error) -> Diagnostics {
    let block = format!("auth_login_{method}");
    Diagnostic::error(
        server_summary(address),
        format!(
            "Logging in with the {method} auth method at auth/{mount}/login failed. Check `{block}` (mount, role, and the token: expired, or not meeting the role's bound claims, audience or service account).\n\nCause: {err}"
        ),
    )
    .at(AttributePath::root(block))
    .into()
}

/// The service account token file of `auth_login_kubernetes` cannot be read.
pub(crate) fn jwt_file_unreadable(file: &str, err: &Error) -> Diagnostics {
    Diagnostic::error(
        "Cannot read the service account token",
        format!(
            "`auth_login_kubernetes` reads the token from {file}, which failed: {err}. Set `jwt_file` to the file of a projected service account token, or run the provider in a pod."
        ),
    )
    .at(AttributePath::root("auth_login_kubernetes"))
    .into()
}

/// No address anywhere.
pub(crate) fn no_address() -> Diagnostics {
    Diagnostic::error(
        "No OpenBao/Vault address configured",
        "Set `address` in the provider block, or VAULT_ADDR (or BAO_ADDR) in the environment.",
    )
    .at(AttributePath::root("address"))
    .into()
}

/// No token and no login method.
pub(crate) fn no_credentials(address: &str) -> Diagnostics {
    Diagnostic::error(
        server_summary(address),
        "No credentials configured. Set `token` (or VAULT_TOKEN/BAO_TOKEN), or configure an `auth_login_approle` block.",
    )
    .at(AttributePath::root("token"))
    .into()
}

/// The local configuration is unusable (bad address, unreadable CA file...).
pub(crate) fn invalid_configuration(err: &Error) -> Diagnostics {
    Diagnostic::error("Invalid vaultpki provider configuration", format!("{err}")).into()
}

/// A provider setting has an impossible value.
pub(crate) fn invalid_setting(attribute: &str, reason: &str) -> Diagnostics {
    Diagnostic::error("Invalid vaultpki provider configuration", reason.to_owned())
        .at(AttributePath::root(attribute))
        .into()
}

/// An API call failed after the connection was established.
pub(crate) fn api(action: &str, address: &str, err: &Error) -> Diagnostics {
    match err {
        Error::Transport { .. } | Error::Tls { .. } | Error::Timeout { .. } => {
            unreachable(address, err)
        }
        Error::Api { status: 503, .. } => not_serving(address, HealthState::Sealed),
        _ => Diagnostic::error(format!("Failed to {action}"), format!("{err}")).into(),
    }
}

/// The server answered 2xx with a body the provider cannot use.
pub(crate) fn unexpected_response(action: &str, path: &str, reason: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Failed to {action}"),
        format!("The answer of /v1/{path} is not what the API documents: {reason}."),
    )
    .into()
}

/// An import ID that is not the API path the resource expects.
pub(crate) fn bad_import_id(type_name: &str, id: &str, expected: &str) -> Diagnostics {
    Diagnostic::error(
        "Invalid import ID",
        format!("{type_name} is imported by its API path, of the form `{expected}`; got {id:?}."),
    )
    .into()
}

/// A moved state comes from a newer schema version of the source type than the mapping knows.
pub(crate) fn move_unsupported_version(source: &str, version: i64, known: i64) -> Diagnostics {
    Diagnostic::error(
        "Unsupported source schema version",
        format!(
            "The {source} state was written with schema version {version}; moving it is supported up to version {known}. Remove the `moved` block, run `terraform state rm` on the {source} resource and import the object into the vaultpki resource instead."
        ),
    )
    .into()
}

/// A moved state lacks what identifies the object, or cannot be decoded.
pub(crate) fn move_bad_source(source: &str, reason: &str) -> Diagnostics {
    Diagnostic::error(
        "Cannot move this state",
        format!(
            "The stored {source} state cannot be moved: {reason}. Remove the `moved` block and import the object into the vaultpki resource by its API path instead."
        ),
    )
    .into()
}

/// A moved state names its own Vault namespace, which vaultpki sets only per provider.
pub(crate) fn move_namespaced(source: &str, namespace: &str) -> Diagnostics {
    Diagnostic::error(
        "Cannot move a namespaced resource",
        format!(
            "The {source} resource sets `namespace = {namespace:?}`; vaultpki takes the namespace from the provider configuration only. Move it with a vaultpki provider configured for that namespace (`provider = vaultpki.<alias>` with `namespace = {namespace:?}`), after importing instead of moving."
        ),
    )
    .into()
}

/// An attribute of a moved state that has no place in the vaultpki resource.
pub(crate) fn move_not_carried(
    source: &str,
    target: &str,
    attribute: &str,
    reason: &str,
) -> Diagnostic {
    Diagnostic::warning(
        "Attribute not carried over",
        format!("`{attribute}` of the moved {source} is not carried over to {target}: {reason}."),
    )
}

/// Both our name of an attribute and hashicorp/vault's (`mount` and `backend`) are set.
pub(crate) fn spelled_twice(ours: &str, theirs: &str) -> Diagnostics {
    let summary = format!("Conflicting attributes: {ours} and {theirs}");
    let detail = format!(
        "`{ours}` and `{theirs}` name the same thing (`{theirs}` is hashicorp/vault's spelling). Set one of them and remove the other."
    );
    Diagnostics(vec![
        Diagnostic::error(&summary, &detail).at(AttributePath::root(ours)),
        Diagnostic::error(&summary, &detail).at(AttributePath::root(theirs)),
    ])
}

/// Neither spelling of a required attribute is set.
pub(crate) fn spelling_missing(ours: &str, theirs: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Missing required argument: {ours} or {theirs}"),
        format!("Set `{ours}` (or `{theirs}`, hashicorp/vault's spelling of it)."),
    )
    .at(AttributePath::root(ours))
    .into()
}

/// A policy to be created with `allow_overwrite = false` exists already.
pub(crate) fn policy_exists(name: &str) -> Diagnostics {
    Diagnostic::error(
        "Policy already exists",
        format!("The policy {name} exists on the server and `allow_overwrite` is false, so it was left untouched. Import it (`terraform import` with the ID `sys/policies/acl/{name}`), choose another `name`, or set `allow_overwrite = true` to take it over."),
    )
    .at(AttributePath::root("allow_overwrite"))
    .into()
}

/// An attribute of the configuration is invalid.
pub(crate) fn invalid_attribute(attribute: &str, reason: impl Into<String>) -> Diagnostics {
    Diagnostic::error("Invalid attribute value", reason.into())
        .at(AttributePath::root(attribute))
        .into()
}

/// A certificate the server returned cannot be parsed.
pub(crate) fn bad_certificate(path: &str, reason: &str) -> Diagnostics {
    Diagnostic::error(
        "Cannot parse the issued certificate",
        format!("The certificate returned by /v1/{path} could not be parsed: {reason}."),
    )
    .into()
}

/// A converted model does not fit (a provider bug).
pub(crate) fn model(what: &str, reason: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error(
        "Internal error in the vaultpki provider",
        format!("Converting the {what} failed: {reason}. This is a bug in the provider."),
    )
    .into()
}

/// Import of a secret ID: the secret cannot be recovered.
pub(crate) fn secret_id_not_recoverable() -> Diagnostic {
    Diagnostic::warning(
        "The secret ID itself cannot be imported",
        "OpenBao/Vault never returns a secret ID after it is created, so the imported resource has no `secret_id` value. Its accessor, metadata and limits are managed as usual.",
    )
}

/// A remount did not finish.
pub(crate) fn remount_failed(from: &str, to: &str, reason: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Failed to move the mount {from} to {to}"),
        format!(
            "{reason}. Check `sys/remount/status` on the server; the mount may be left at {from}."
        ),
    )
    .into()
}

/// A data source's AppRole role does not exist.
pub(crate) fn approle_role_not_found(mount: &str, role: &str) -> Diagnostics {
    Diagnostic::error(
        "AppRole role not found",
        format!(
            "There is no AppRole role {role:?} at auth/{mount}; check `mount` and `role_name`."
        ),
    )
    .at(AttributePath::root("role_name"))
    .into()
}

/// A configured field the server's flavour does not have.
pub(crate) fn field_not_supported(field: &str, only: &str, address: &str) -> Diagnostics {
    Diagnostic::error(
        "Attribute not supported by this server",
        format!("`{field}` exists only on {only}, but the server at {address} is not {only}. Remove it from the configuration."),
    )
    .at(AttributePath::root(field))
    .into()
}

/// Issued or signed certificates cannot be imported.
pub(crate) fn certificate_not_importable(type_name: &str, missing: &str) -> Diagnostics {
    Diagnostic::error(
        "Certificates cannot be imported",
        format!(
            "{type_name} cannot be imported: the server does not keep {missing}, so the imported resource could never match its configuration. Let Terraform issue a new certificate, and revoke the old one with `bao write <mount>/revoke serial_number=<serial>` if it must not stay valid."
        ),
    )
    .into()
}

/// An imported certificate's serial is not on the mount.
pub(crate) fn certificate_not_found(path: &str) -> Diagnostics {
    Diagnostic::error(
        "Certificate not found",
        format!("There is no certificate at {path}. Check the mount and the serial number (colon-separated hex, as `bao list <mount>/certs` shows it)."),
    )
    .into()
}

/// Warnings the server gave with its answer to `action` (e.g. a TTL capped by the role), one
/// Terraform warning each, on the resource that caused them.
pub(crate) fn server_warnings(action: &str, warnings: &[String]) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for w in warnings.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        diags.push(Diagnostic::warning(
            "The server warned",
            format!("While asked to {action}, the server answered with a warning: {w}"),
        ));
    }
    diags
}

/// Import of an issued certificate: the private key cannot be recovered.
pub(crate) fn private_key_not_importable() -> Diagnostic {
    Diagnostic::warning(
        "The private key cannot be imported",
        "OpenBao/Vault never keeps the private key of a certificate it issued, so the imported vaultpki_pki_cert has only the public material (certificate, issuing CA, serial, expiration) and `private_key` stays null. The role and request settings are taken from the configuration by the next apply without re-issuing.",
    )
}

/// A data source names an issuer the mount does not have.
pub(crate) fn issuer_not_found(mount: &str, issuer_ref: &str) -> Diagnostics {
    Diagnostic::error(
        "Issuer not found",
        format!(
            "There is no issuer {issuer_ref:?} in the mount {mount}. Check `mount` and `issuer_ref` (a name or an ID, as `bao list -detailed {mount}/issuers` shows them)."
        ),
    )
    .into()
}

/// The warning when destroying a `vaultpki_pki_key` leaves the key on the server.
pub(crate) fn key_left_on_server(path: &str) -> Diagnostic {
    Diagnostic::warning(
        "The PKI key was left on the server",
        format!(
            "`delete_on_destroy` is not true, so destroying only removed it from the Terraform state; the key is still at {path}. Delete it there if no issuer needs it, or set `delete_on_destroy = true` and apply before destroying."
        ),
    )
}

/// Import of an ACME EAB key: the key itself cannot be recovered.
pub(crate) fn eab_key_not_importable() -> Diagnostic {
    Diagnostic::warning(
        "The EAB key itself cannot be imported",
        "OpenBao shows an ACME EAB key only when it is created, so the imported vaultpki_pki_acme_eab has its key ID, type and directory but `key` stays null. Destroy and re-create the resource if a client needs the key.",
    )
}
