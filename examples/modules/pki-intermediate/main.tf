# The pki-intermediate module in two phases:
#   1. terraform apply
#      terraform output -raw csr > int.csr        (carry it to the offline root and sign it)
#   2. terraform apply -var "signed_certificate=$(cat int.pem root.pem)"
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

variable "mount_path" {
  description = "Path of the intermediate CA mount."
  type        = string
  default     = "pki-int"
}

variable "base_url" {
  description = "Public URL of the server, for the URLs embedded in certificates."
  type        = string
  default     = "https://vault.example.test:8200"
}

variable "signed_certificate" {
  description = "The intermediate signed offline, followed by its chain (PEM); null in phase 1."
  type        = string
  default     = null
}

module "pki_intermediate" {
  source = "../../../modules/pki-intermediate"

  mount_path         = var.mount_path
  common_name        = "Example Issuing CA"
  organization       = ["Example"]
  key_name           = "issuing-2026"
  base_url           = var.base_url
  signed_certificate = var.signed_certificate
  crl_expiry         = "48h"
}

output "csr" {
  description = "The CSR to sign offline."
  value       = module.pki_intermediate.csr
}

output "mount_path" {
  description = "The intermediate CA mount."
  value       = module.pki_intermediate.mount_path
}

output "issuer_id" {
  description = "The default issuer, once signed."
  value       = module.pki_intermediate.issuer_id
}
