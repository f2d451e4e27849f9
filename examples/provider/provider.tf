terraform {
  required_providers {
    vaultpki = {
      source  = "vaultpki/vaultpki"
      version = "~> 0.1"
    }
  }
}

# Address and token default to VAULT_ADDR / VAULT_TOKEN (or BAO_ADDR / BAO_TOKEN).
provider "vaultpki" {
  address      = "https://bao.example.internal:8200"
  ca_cert_file = "/etc/pki/bao-ca.pem"
  max_retries  = 4
}

# Logging in with AppRole instead of a token:
provider "vaultpki" {
  alias   = "approle"
  address = "https://bao.example.internal:8200"

  auth_login_approle {
    mount     = "approle"
    role_id   = var.role_id
    secret_id = var.secret_id
  }
}

variable "role_id" {
  type      = string
  sensitive = true
}

variable "secret_id" {
  type      = string
  sensitive = true
}
