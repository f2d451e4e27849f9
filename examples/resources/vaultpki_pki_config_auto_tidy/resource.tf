resource "vaultpki_pki_config_auto_tidy" "int" {
  mount                = vaultpki_mount.pki_int.path
  enabled              = true
  interval_duration    = 3600
  tidy_cert_store      = true
  tidy_revoked_certs   = true
  tidy_expired_issuers = true
  safety_buffer        = 86400
}
