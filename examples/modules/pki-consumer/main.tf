# The pki-consumer module for cert-manager. The PKI mount here is a self-contained stand-in (a
# root made inside the server); in production pass the pki-intermediate module's mount_path.
#
#   terraform apply                                   # AppRole login
#   terraform apply -var auth_method=kubernetes       # or Kubernetes auth
#   terraform output -raw cluster_issuer_manifest | kubectl apply -f -
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
  description = "Path of the PKI mount the example creates."
  type        = string
  default     = "pki-consumer-example"
}

variable "approle_mount" {
  description = "Path of the AppRole auth method the example creates."
  type        = string
  default     = "approle-cert-manager"
}

variable "auth_method" {
  description = "How cert-manager logs in: approle or kubernetes."
  type        = string
  default     = "approle"
}

variable "kubernetes_mount" {
  description = "Path of the configured Kubernetes auth method (auth_method = kubernetes)."
  type        = string
  default     = "kubernetes"
}

variable "vault_addr" {
  description = "Address cert-manager reaches the server at."
  type        = string
  default     = "https://vault.example.test:8200"
}

resource "vaultpki_mount" "pki" {
  path                  = var.mount_path
  type                  = "pki"
  max_lease_ttl_seconds = 31536000
}

resource "vaultpki_pki_root_cert" "root" {
  mount             = vaultpki_mount.pki.path
  common_name       = "Example Consumer CA"
  key_type          = "ec"
  ttl               = "8760h"
  delete_on_destroy = true
}

module "cert_manager" {
  source = "../../../modules/pki-consumer"

  # Through the root's mount attribute, so the role is created after the issuer exists.
  pki_mount            = vaultpki_pki_root_cert.root.mount
  role_name            = "cert-manager"
  allowed_domains      = ["example.test"]
  auth_method          = var.auth_method
  approle_mount        = var.approle_mount
  create_approle_mount = true
  kubernetes_mount     = var.kubernetes_mount
  vault_addr           = var.vault_addr
}

output "server" {
  description = "spec.vault.server"
  value       = module.cert_manager.server
}

output "path" {
  description = "spec.vault.path"
  value       = module.cert_manager.path
}

output "approle_path" {
  description = "spec.vault.auth.appRole.path"
  value       = module.cert_manager.approle_path
}

output "role_id" {
  description = "spec.vault.auth.appRole.roleId"
  value       = module.cert_manager.role_id
}

output "secret_id" {
  description = "The secret ID for the Secret."
  value       = module.cert_manager.secret_id
  sensitive   = true
}

output "kubernetes_role" {
  description = "spec.vault.auth.kubernetes.role"
  value       = module.cert_manager.kubernetes_role
}

output "kubernetes_mount_path" {
  description = "spec.vault.auth.kubernetes.mountPath"
  value       = module.cert_manager.kubernetes_mount_path
}

output "issuing_ca_chain" {
  description = "Chain of the mount's default issuer."
  value       = module.cert_manager.issuing_ca_chain
}

output "cluster_issuer_manifest" {
  description = "ClusterIssuer and Secret YAML."
  value       = module.cert_manager.cluster_issuer_manifest
  sensitive   = true
}
