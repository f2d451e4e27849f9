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

# Logging in as the pod's Kubernetes service account (the provider runs in the cluster, e.g. in
# a CI runner pod); the token read from jwt_file defaults to the pod's own.
provider "vaultpki" {
  alias   = "kubernetes"
  address = "https://bao.example.internal:8200"

  auth_login_kubernetes {
    mount = "kubernetes"
    role  = "terraform"
  }
}

# Logging in with a signed JWT (a CI job's identity token):
provider "vaultpki" {
  alias   = "jwt"
  address = "https://bao.example.internal:8200"

  auth_login_jwt {
    mount = "jwt"
    role  = "terraform-ci"
    jwt   = var.ci_id_token
  }
}

variable "ci_id_token" {
  type      = string
  sensitive = true
}
