# ACME on an existing PKI mount, for Traefik, cert-manager's ACME issuer, lego or certbot:
# the mount's cluster URLs (every URL in the ACME directory is built from them), optionally a
# role that limits which names ACME may issue, the ACME settings, and EAB keys for clients.
#
# The mount itself is the caller's: its tuning (the ACME headers) belongs to the vaultpki_mount
# that created it, and one mount has one owner. See README.md.

locals {
  mount_url = "${var.base_url}/v1/${var.mount_path}"
  aia_url   = "${coalesce(var.aia_base_url, var.base_url)}/v1/${var.mount_path}"

  role_name = var.create_role ? vaultpki_pki_role.acme[0].name : null

  allowed_roles = var.allowed_roles != null ? var.allowed_roles : (var.create_role ? [var.role_name] : null)
  default_directory_policy = coalesce(
    var.default_directory_policy,
    var.create_role ? "role:${var.role_name}" : "forbid",
  )
}

resource "vaultpki_pki_config_cluster" "this" {
  mount    = var.mount_path
  path     = local.mount_url
  aia_path = local.aia_url
}

resource "vaultpki_pki_role" "acme" {
  count = var.create_role ? 1 : 0

  mount                       = var.mount_path
  name                        = var.role_name
  allowed_domains             = var.allowed_domains
  allow_subdomains            = var.allow_subdomains
  allow_bare_domains          = var.allow_bare_domains
  allow_wildcard_certificates = var.allow_wildcard_certificates
  max_ttl                     = var.max_ttl_seconds
  # The client's CSR decides the key; Traefik defaults to RSA 4096, lego and certbot to EC.
  key_type      = "any"
  ext_key_usage = ["ServerAuth"]

  lifecycle {
    precondition {
      condition     = length(var.allowed_domains) > 0
      error_message = "allowed_domains must name at least one domain when create_role is true."
    }
  }
}

resource "vaultpki_pki_config_acme" "this" {
  # ACME is only switched on once the cluster URL and the role exist.
  mount                    = vaultpki_pki_config_cluster.this.mount
  enabled                  = true
  allowed_roles            = local.allowed_roles
  allowed_issuers          = var.allowed_issuers
  default_directory_policy = local.default_directory_policy
  eab_policy               = var.eab_policy
  dns_resolver             = var.dns_resolver

  depends_on = [vaultpki_pki_role.acme]
}

resource "vaultpki_pki_acme_eab" "this" {
  for_each = var.eab_keys

  mount = vaultpki_pki_config_acme.this.mount
}
