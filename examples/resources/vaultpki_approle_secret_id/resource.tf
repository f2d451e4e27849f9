resource "vaultpki_approle_secret_id" "cert_manager" {
  mount     = vaultpki_approle_role.cert_manager.mount
  role_name = vaultpki_approle_role.cert_manager.role_name
  metadata  = { owner = "platform" }
  ttl       = 2592000
}

output "cert_manager_secret_id" {
  value     = vaultpki_approle_secret_id.cert_manager.secret_id
  sensitive = true
}
