# The snapshot-approle module: the identity snapshot-cron logs in with.
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

variable "approle_mount" {
  description = "Path of an existing AppRole auth method."
  type        = string
  default     = "approle"
}

variable "auth_method" {
  description = "How the job logs in: approle or kubernetes."
  type        = string
  default     = "approle"
}

variable "kubernetes_mount" {
  description = "Path of the configured Kubernetes auth method (auth_method = kubernetes)."
  type        = string
  default     = "kubernetes"
}

variable "role_name" {
  description = "Name of the AppRole and of its policy."
  type        = string
  default     = "snapshot-cron"
}

module "snapshot_approle" {
  source = "../../../modules/snapshot-approle"

  auth_method      = var.auth_method
  approle_mount    = var.approle_mount
  kubernetes_mount = var.kubernetes_mount
  role_name        = var.role_name
  create_secret_id = true
}

output "role_id" {
  description = "SNAPSHOT_CRON_APPROLE_ROLE_ID"
  value       = module.snapshot_approle.role_id
}

output "secret_id" {
  description = "SNAPSHOT_CRON_APPROLE_SECRET_ID"
  value       = module.snapshot_approle.secret_id
  sensitive   = true
}
