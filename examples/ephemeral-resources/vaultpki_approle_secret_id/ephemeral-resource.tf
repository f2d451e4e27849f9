# A secret ID that lives only while Terraform runs: it is destroyed through its accessor at the
# end of the run and never stored in the plan or the state.
ephemeral "vaultpki_approle_secret_id" "bootstrap" {
  mount     = vaultpki_approle_role.cert_manager.mount
  role_name = vaultpki_approle_role.cert_manager.role_name
  ttl       = 600
  num_uses  = 1
}

# Or choose the value of a managed secret ID without storing it (write-only).
ephemeral "random_password" "cert_manager" {
  length  = 32
  special = false
}

resource "vaultpki_approle_secret_id" "cert_manager" {
  mount                = vaultpki_approle_role.cert_manager.mount
  role_name            = vaultpki_approle_role.cert_manager.role_name
  secret_id_wo         = ephemeral.random_password.cert_manager.result
  secret_id_wo_version = 1
}
