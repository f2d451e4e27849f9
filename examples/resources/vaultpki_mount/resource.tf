resource "vaultpki_mount" "pki_int" {
  path                      = "pki-int"
  type                      = "pki"
  description               = "Intermediate CA for internal services"
  default_lease_ttl_seconds = 86400
  max_lease_ttl_seconds     = 31536000
}
