resource "vaultpki_pki_config_crl" "int" {
  mount                  = vaultpki_mount.pki_int.path
  expiry                 = "48h"
  auto_rebuild           = true
  enable_delta           = true
  delta_rebuild_interval = "30m"
}
