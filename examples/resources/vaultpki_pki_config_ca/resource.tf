# The offline CA's certificate and key, e.g. from a secrets manager through an ephemeral
# resource, or an ephemeral variable: never stored in the plan or the state.
variable "offline_ca_bundle" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "vaultpki_pki_config_ca" "offline" {
  mount                 = "pki-root"
  pem_bundle_wo         = var.offline_ca_bundle
  pem_bundle_wo_version = 1 # change to send the current bundle again
}

output "issuer_ids" {
  value = vaultpki_pki_config_ca.offline.issuer_ids
}
