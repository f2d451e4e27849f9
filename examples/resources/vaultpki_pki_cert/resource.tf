resource "vaultpki_pki_cert" "api" {
  mount       = vaultpki_mount.pki_int.path
  role        = vaultpki_pki_role.web.name
  common_name = "api.svc.example.internal"
  alt_names   = ["api-internal.svc.example.internal"]
  ttl         = "720h"

  # Replace the certificate in the first plan that finds less than 7 days of validity left.
  auto_renew            = true
  min_seconds_remaining = 604800
  revoke                = true
}
