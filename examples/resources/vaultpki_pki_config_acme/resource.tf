# The mount must pass the ACME headers through:
#   allowed_response_headers    = ["Last-Modified", "Location", "Replay-Nonce", "Link"]
#   passthrough_request_headers = ["If-Modified-Since"]
resource "vaultpki_pki_config_acme" "int" {
  mount                    = vaultpki_pki_config_cluster.int.mount
  enabled                  = true
  allowed_roles            = [vaultpki_pki_role.web.name]
  default_directory_policy = "role:${vaultpki_pki_role.web.name}"
  eab_policy               = "new-account-required"
}
