resource "vaultpki_pki_config_issuers" "int" {
  mount   = vaultpki_mount.pki_int.path
  default = vaultpki_pki_intermediate_set_signed.int.issuer_id
}
