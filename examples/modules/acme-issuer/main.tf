# The acme-issuer module on a small hierarchy, so the example applies on an empty server:
# a root CA mount, an intermediate CA mount tuned for ACME and signed by the root, then ACME
# on the intermediate. In production the intermediate is usually signed offline
# (modules/pki-intermediate); only the mount tuning and the module call matter here.
#
#   terraform apply -var base_url=https://bao.example.test:8200
#   terraform output -raw directory_url
#   terraform output -json eab_keys        (sensitive: the EAB key IDs and HMAC keys)
#
# The provider reads VAULT_ADDR and VAULT_TOKEN (and VAULT_CACERT) from the environment.

terraform {
  required_version = ">= 1.11"
  required_providers {
    vaultpki = {
      source  = "vaultpki/vaultpki"
      version = "~> 0.1"
    }
  }
}

provider "vaultpki" {}

variable "root_mount_path" {
  description = "Path of the root CA mount."
  type        = string
  default     = "pki-root"
}

variable "mount_path" {
  description = "Path of the intermediate CA mount that answers ACME."
  type        = string
  default     = "pki-acme"
}

variable "base_url" {
  description = "URL under which ACME clients reach the server (https in production)."
  type        = string
  default     = "https://bao.example.test:8200"
}

variable "allowed_domains" {
  description = "Domains ACME certificates may be issued for."
  type        = list(string)
  default     = ["example.test"]
}

variable "eab_policy" {
  description = "not-required, new-account-required or always-required."
  type        = string
  default     = "not-required"
}

variable "eab_keys" {
  description = "Names of the EAB keys to create, one per ACME client."
  type        = set(string)
  default     = ["traefik"]
}

resource "vaultpki_mount" "root" {
  path                  = var.root_mount_path
  type                  = "pki"
  max_lease_ttl_seconds = 315360000
}

resource "vaultpki_pki_root_cert" "root" {
  mount       = vaultpki_mount.root.path
  common_name = "Example ACME Root CA"
  key_type    = "ec"
  key_bits    = 256
  ttl         = "87600h"
  issuer_name = "root"
}

module "acme" {
  source = "../../../modules/acme-issuer"

  # The default issuer must exist before ACME is configured.
  mount_path      = vaultpki_pki_config_issuers.int.mount
  base_url        = var.base_url
  allowed_domains = var.allowed_domains
  eab_policy      = var.eab_policy
  eab_keys        = var.eab_keys
}

# The ACME mount: its tuning lets the ACME headers through (module.acme.required_mount_tuning).
resource "vaultpki_mount" "int" {
  path                        = var.mount_path
  type                        = "pki"
  max_lease_ttl_seconds       = 157680000
  allowed_response_headers    = ["Last-Modified", "Location", "Replay-Nonce", "Link"]
  passthrough_request_headers = ["If-Modified-Since"]
}

resource "vaultpki_pki_intermediate_csr" "int" {
  mount       = vaultpki_mount.int.path
  common_name = "Example ACME Issuing CA"
  key_type    = "ec"
  key_bits    = 256
}

resource "vaultpki_pki_root_sign_intermediate" "int" {
  mount           = vaultpki_mount.root.path
  issuer_ref      = vaultpki_pki_root_cert.root.issuer_id
  csr             = vaultpki_pki_intermediate_csr.int.csr
  common_name     = "Example ACME Issuing CA"
  ttl             = "43800h"
  max_path_length = 0
}

resource "vaultpki_pki_intermediate_set_signed" "int" {
  mount       = vaultpki_mount.int.path
  certificate = "${vaultpki_pki_root_sign_intermediate.int.certificate}\n${vaultpki_pki_root_cert.root.certificate}"
}

resource "vaultpki_pki_config_issuers" "int" {
  mount   = vaultpki_mount.int.path
  default = vaultpki_pki_intermediate_set_signed.int.issuer_id
}

output "directory_url" {
  description = "The default ACME directory (lego --server, Traefik caServer)."
  value       = module.acme.directory_url
}

output "role_directory_url" {
  description = "The ACME directory of the module's role."
  value       = module.acme.role_directory_url
}

output "eab_key_ids" {
  description = "EAB key ID per client."
  value       = module.acme.eab_key_ids
}

output "eab_keys" {
  description = "EAB key ID and HMAC key per client."
  value       = module.acme.eab_keys
  sensitive   = true
}

output "root_certificate" {
  description = "The root CA certificate ACME clients' certificates chain to."
  value       = vaultpki_pki_root_cert.root.certificate
}
