output "policy_name" {
  description = "Name of the snapshot policy."
  value       = vaultpki_policy.snapshot.name
}

output "role_name" {
  description = "Name of the AppRole."
  value       = vaultpki_approle_role.snapshot.role_name
}

output "role_id" {
  description = "Role ID for SNAPSHOT_CRON_APPROLE_ROLE_ID."
  value       = vaultpki_approle_role.snapshot.role_id
}

output "secret_id" {
  description = "Secret ID for SNAPSHOT_CRON_APPROLE_SECRET_ID(_FILE), when create_secret_id is true."
  value       = var.create_secret_id ? vaultpki_approle_secret_id.snapshot[0].secret_id : null
  sensitive   = true
}
