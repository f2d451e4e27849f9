# The quickstart's PKI as code: an intermediate CA mount whose key never leaves OpenBao, its CSR
# signed offline by the ceremony's root, a role, a least-privilege policy and an AppRole for a
# consumer such as cert-manager, and a certificate.
#
# Two applies (scripts/quickstart runs both):
#   1. terraform apply -target=vaultpki_pki_intermediate_csr.int
#      terraform output -raw intermediate_csr > pki_int.csr       (carried to the offline root)
#      pki-bootstrap sign-csr --ca ceremony/root --csr pki_int.csr --profile intermediate --out pki_int.pem
#   2. TF_VAR_signed_intermediate="$(cat pki_int.pem)" terraform apply
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

variable "signed_intermediate" {
  description = "The intermediate certificate signed offline, with its chain up to the root (PEM). Needed from the second apply on."
  type        = string
  default     = null
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

# The key is generated inside OpenBao; only the CSR leaves it.
resource "vaultpki_pki_intermediate_csr" "int" {
  mount        = vaultpki_mount.pki_int.path
  common_name  = "Quickstart Issuing CA"
  organization = ["Example"]
  key_type     = "ec"
  key_bits     = 256
  key_name     = "quickstart-int"
}

resource "vaultpki_pki_intermediate_set_signed" "int" {
  mount       = vaultpki_mount.pki_int.path
  certificate = var.signed_intermediate
}

resource "vaultpki_pki_config_issuers" "int" {
  mount   = vaultpki_mount.pki_int.path
  default = vaultpki_pki_intermediate_set_signed.int.issuer_id
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

  # Issue only once the signed intermediate is the mount's default issuer.
  depends_on = [vaultpki_pki_config_issuers.int]
}

output "intermediate_csr" {
  description = "The intermediate CSR to carry to the offline root (PEM)."
  value       = vaultpki_pki_intermediate_csr.int.csr
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
