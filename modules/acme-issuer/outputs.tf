output "mount_path" {
  description = "Path of the PKI mount ACME is enabled on."
  value       = vaultpki_pki_config_acme.this.mount
}

output "directory_url" {
  description = "The mount's default ACME directory (its policy is default_directory_policy); EAB keys from eab_keys belong to it. Give it to Traefik's caServer, lego's --server or certbot's --server."
  value       = "${vaultpki_pki_config_cluster.this.path}/acme/directory"
}

output "role_directory_url" {
  description = "The ACME directory of the module's role (`roles/<role>/acme/directory`); null without create_role."
  value       = var.create_role ? "${vaultpki_pki_config_cluster.this.path}/roles/${local.role_name}/acme/directory" : null
}

output "role_name" {
  description = "Name of the PKI role ACME issues with; null without create_role."
  value       = local.role_name
}

output "eab_key_ids" {
  description = "EAB key ID per name in eab_keys (the client's --eab-kid / Traefik's eab.kid)."
  value       = { for name, k in vaultpki_pki_acme_eab.this : name => k.key_id }
}

output "eab_keys" {
  description = "Per name in eab_keys: key_id and key, the base64url HMAC key (the client's --hmac / Traefik's eab.hmacEncoded). Only known to the apply that created it."
  value       = { for name, k in vaultpki_pki_acme_eab.this : name => { key_id = k.key_id, key = k.key } }
  sensitive   = true
}

output "required_mount_tuning" {
  description = "The tuning the mount's vaultpki_mount must carry for ACME clients to work (Replay-Nonce and friends are dropped otherwise)."
  value = {
    allowed_response_headers    = ["Last-Modified", "Location", "Replay-Nonce", "Link"]
    passthrough_request_headers = ["If-Modified-Since"]
  }
}
