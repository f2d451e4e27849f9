# A new key generated inside the server, for rotating an issuer onto it.
resource "vaultpki_pki_key" "next" {
  mount    = "pki-int"
  key_name = "int-2027"
  key_type = "ec"
  key_bits = 384
}

# A key made elsewhere, imported through a write-only input (never in the plan or the state).
resource "vaultpki_pki_key" "hsm_export" {
  mount                 = "pki-int"
  key_name              = "imported-2026"
  pem_bundle_wo         = file("${path.module}/int-key.pem")
  pem_bundle_wo_version = 1
  delete_on_destroy     = true
}
