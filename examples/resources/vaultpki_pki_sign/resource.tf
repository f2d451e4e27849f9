resource "vaultpki_pki_sign" "ingress" {
  mount = vaultpki_mount.pki_int.path
  role  = vaultpki_pki_role.web.name
  csr   = file("${path.module}/ingress.csr")
  # Sign with this issuer of the mount rather than its default one.
  issuer_ref  = "int-2026"
  common_name = "ingress.svc.example.internal"
  ttl         = "720h"

  auto_renew            = true
  min_seconds_remaining = 604800
  revoke                = true
}
