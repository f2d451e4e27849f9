# The quickstart's PKI as code: an intermediate CA mount whose key never leaves OpenBao (its CSR is
# signed offline by the ceremony's root between the two applies of scripts/quickstart), a role,
# a least-privilege policy and an AppRole for a consumer such as cert-manager, and a certificate.
#
# The provider reads VAULT_ADDR, VAULT_TOKEN and VAULT_CACERT from the environment.

terraform {
  required_version = ">= 1.11"
  required_providers {
    vaultpki = {
      source = "vaultpki/vaultpki"
    }
  }
}

provider "vaultpki" {}

variable "mount_path" {
  description = "Path of the intermediate CA mount."
  type        = string
  default     = "pki-int"
}

variable "domain" {
  description = "Domain the role may issue certificates under."
  type        = string
  default     = "example.test"
}

resource "vaultpki_mount" "pki_int" {
  path                  = var.mount_path
  type                  = "pki"
  description           = "Quickstart intermediate CA, signed by the offline root"
  max_lease_ttl_seconds = 157680000
}

resource "vaultpki_pki_role" "web" {
  mount            = vaultpki_mount.pki_int.path
  name             = "web"
  allowed_domains  = [var.domain]
  allow_subdomains = true
  max_ttl          = 259200
  key_type         = "ec"
  key_bits         = 256
  ext_key_usage    = ["ServerAuth"]
}

data "vaultpki_policy_document" "cert_manager" {
  rule {
    path         = "${vaultpki_mount.pki_int.path}/sign/${vaultpki_pki_role.web.name}"
    capabilities = ["create", "update"]
  }
  rule {
    path         = "${vaultpki_mount.pki_int.path}/issue/${vaultpki_pki_role.web.name}"
    capabilities = ["create", "update"]
  }
}

resource "vaultpki_policy" "cert_manager" {
  name   = "quickstart-cert-manager"
  policy = data.vaultpki_policy_document.cert_manager.hcl
}

resource "vaultpki_auth_backend" "approle" {
  path = "approle"
  type = "approle"
}

resource "vaultpki_approle_role" "cert_manager" {
  mount          = vaultpki_auth_backend.approle.path
  role_name      = "cert-manager"
  token_policies = [vaultpki_policy.cert_manager.name]
  token_ttl      = 3600
  token_max_ttl  = 14400
}

resource "vaultpki_approle_secret_id" "cert_manager" {
  mount     = vaultpki_approle_role.cert_manager.mount
  role_name = vaultpki_approle_role.cert_manager.role_name
  metadata  = { owner = "quickstart" }
}

resource "vaultpki_pki_cert" "app" {
  mount                 = vaultpki_mount.pki_int.path
  role                  = vaultpki_pki_role.web.name
  common_name           = "app.${var.domain}"
  ttl                   = "24h"
  auto_renew            = true
  min_seconds_remaining = 3600
  revoke                = true
}

output "certificate" {
  description = "The issued certificate (PEM)."
  value       = vaultpki_pki_cert.app.certificate
}

output "ca_chain" {
  description = "Its issuing chain (PEM)."
  value       = vaultpki_pki_cert.app.ca_chain
}

output "cert_manager_role_id" {
  description = "AppRole role ID for cert-manager's Vault issuer."
  value       = vaultpki_approle_role.cert_manager.role_id
}

output "cert_manager_secret_id" {
  description = "AppRole secret ID for cert-manager's Vault issuer."
  value       = vaultpki_approle_secret_id.cert_manager.secret_id
  sensitive   = true
}
