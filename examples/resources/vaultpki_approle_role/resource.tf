resource "vaultpki_approle_role" "cert_manager" {
  mount          = vaultpki_auth_backend.approle.path
  role_name      = "cert-manager"
  token_policies = [vaultpki_policy.cert_manager.name]
  token_ttl      = "1h"
  token_max_ttl  = "4h"
  secret_id_ttl  = "720h"
}
