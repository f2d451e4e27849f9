data "vaultpki_pki_issuers" "int" {
  mount = "pki-int"
}

# The mount's current default issuer, by ID.
output "default_issuer" {
  value = data.vaultpki_pki_issuers.int.default
}

output "issuer_names" {
  value = [for i in data.vaultpki_pki_issuers.int.issuers : i.issuer_name]
}
