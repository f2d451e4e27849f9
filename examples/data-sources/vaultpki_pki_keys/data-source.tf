data "vaultpki_pki_keys" "int" {
  mount = "pki-int"
}

# The default key, before rotating an issuer onto a new one.
output "default_key" {
  value = data.vaultpki_pki_keys.int.default
}
