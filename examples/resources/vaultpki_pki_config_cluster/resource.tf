resource "vaultpki_pki_config_cluster" "int" {
  mount    = vaultpki_mount.pki_int.path
  path     = "https://bao.example.internal:8200/v1/pki-int"
  aia_path = "http://bao.example.internal:8200/v1/pki-int"
}
