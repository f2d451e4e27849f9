# An intermediate CA whose key is generated inside the server and never leaves it. Two phases:
#   1. apply with signed_certificate = null: the mount, the key and its CSR (output `csr`), the
#      URL, CRL and auto-tidy configuration;
#   2. sign the CSR offline, apply again with signed_certificate set: the certificate is imported
#      and made the mount's default issuer.

locals {
  signed = var.signed_certificate != null
}

resource "vaultpki_mount" "this" {
  path                  = var.mount_path
  type                  = "pki"
  description           = var.description
  max_lease_ttl_seconds = var.max_lease_ttl_seconds

  # ACME clients need these headers; OpenBao drops them unless the mount lets them through.
  allowed_response_headers    = var.acme_headers ? ["Last-Modified", "Location", "Replay-Nonce", "Link"] : null
  passthrough_request_headers = var.acme_headers ? ["If-Modified-Since"] : null
}

resource "vaultpki_pki_intermediate_csr" "this" {
  mount        = vaultpki_mount.this.path
  common_name  = var.common_name
  organization = var.organization
  key_type     = var.key_type
  key_bits     = var.key_bits
  key_name     = var.key_name
}

resource "vaultpki_pki_intermediate_set_signed" "this" {
  count = local.signed ? 1 : 0

  mount             = vaultpki_mount.this.path
  certificate       = var.signed_certificate
  delete_on_destroy = var.delete_issuer_on_destroy

  # The certificate must be for the key the CSR was made with.
  depends_on = [vaultpki_pki_intermediate_csr.this]
}

resource "vaultpki_pki_config_issuers" "this" {
  count = local.signed ? 1 : 0

  mount   = vaultpki_mount.this.path
  default = vaultpki_pki_intermediate_set_signed.this[0].issuer_id
}

# With per_issuer_urls, the server fills in {{issuer_id}} per certificate: after a rotation, the
# certificates of the old issuer keep pointing at that issuer's CRL, not the new default's.
locals {
  mount_url = "${var.base_url}/v1/${vaultpki_mount.this.path}"
  ca_url    = var.per_issuer_urls ? "${local.mount_url}/issuer/{{issuer_id}}/der" : "${local.mount_url}/ca"
  crl_url   = var.per_issuer_urls ? "${local.mount_url}/issuer/{{issuer_id}}/crl/der" : "${local.mount_url}/crl"
}

resource "vaultpki_pki_config_urls" "this" {
  mount                   = vaultpki_mount.this.path
  issuing_certificates    = [local.ca_url]
  crl_distribution_points = [local.crl_url]
  ocsp_servers            = var.ocsp_servers
  enable_templating       = var.per_issuer_urls
}

resource "vaultpki_pki_config_crl" "this" {
  mount        = vaultpki_mount.this.path
  expiry       = var.crl_expiry
  auto_rebuild = var.crl_auto_rebuild
}

resource "vaultpki_pki_config_auto_tidy" "this" {
  mount              = vaultpki_mount.this.path
  enabled            = true
  interval_duration  = var.tidy_interval_seconds
  safety_buffer      = var.tidy_safety_buffer_seconds
  tidy_cert_store    = true
  tidy_revoked_certs = true
}
