data "vaultpki_approle_role_id" "cert_manager" {
  mount     = "approle"
  role_name = "cert-manager"
}

output "cert_manager_role_id" {
  value = data.vaultpki_approle_role_id.cert_manager.role_id
}
