# cert-manager's service account may log in and gets the pki-consumer policy only.
resource "vaultpki_kubernetes_auth_backend_role" "cert_manager" {
  mount                            = "kubernetes"
  role_name                        = "cert-manager"
  bound_service_account_names      = ["cert-manager"]
  bound_service_account_namespaces = ["cert-manager"]
  audience                         = "vault"
  token_policies                   = ["pki-consumer"]
  token_no_default_policy          = true
  token_ttl                        = 1200
}
