data "vaultpki_pki_issuer" "root" {
  mount      = "pki-root"
  issuer_ref = "default"
}

# The root's certificate for clients' trust stores.
output "root_ca" {
  value = data.vaultpki_pki_issuer.root.certificate
}
