output "policy_name" {
  description = "Name of the snapshot policy."
  value       = vaultpki_policy.snapshot.name
}

output "role_name" {
  description = "Name of the AppRole or Kubernetes auth role (SNAPSHOT_CRON_K8S_ROLE with Kubernetes auth)."
  value       = var.role_name
}

output "role_id" {
  description = "Role ID for SNAPSHOT_CRON_APPROLE_ROLE_ID (null with Kubernetes auth)."
  value       = var.auth_method == "approle" ? vaultpki_approle_role.snapshot[0].role_id : null
}

output "secret_id" {
  description = "Secret ID for SNAPSHOT_CRON_APPROLE_SECRET_ID(_FILE), when create_secret_id is true (null with Kubernetes auth)."
  value       = var.auth_method == "approle" && var.create_secret_id ? vaultpki_approle_secret_id.snapshot[0].secret_id : null
  sensitive   = true
}
