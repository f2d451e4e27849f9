resource "vaultpki_mount" "pki_int" {
  path                  = "pki-int"
  type                  = "pki"
  max_lease_ttl_seconds = 157680000
}

# The key is generated inside the server; only the CSR leaves it.
resource "vaultpki_pki_intermediate_csr" "int" {
  mount        = vaultpki_mount.pki_int.path
  common_name  = "Example Intermediate CA 2026"
  organization = ["Example Corp"]
  ou           = ["Issuing"]
  country      = ["DE"]
  key_type     = "ec"
  key_bits     = 256
  key_name     = "int-2026"
}

# Sign it offline, e.g. with pki-bootstrap or `openssl x509 -req -CA root.pem ...`.
output "intermediate_csr" {
  value = vaultpki_pki_intermediate_csr.int.csr
}
