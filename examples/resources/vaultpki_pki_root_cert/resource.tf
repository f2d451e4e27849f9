resource "vaultpki_mount" "pki_root" {
  path                  = "pki-root"
  type                  = "pki"
  max_lease_ttl_seconds = 315360000
}

# The key is generated inside the server and never reaches the state.
resource "vaultpki_pki_root_cert" "root" {
  mount           = vaultpki_mount.pki_root.path
  common_name     = "Example Root CA 2026"
  organization    = ["Example Corp"]
  ou              = ["Platform"]
  country         = ["DE"]
  locality        = ["Berlin"]
  key_type        = "ec"
  key_bits        = 384
  ttl             = "87600h"
  max_path_length = 1
  key_usage       = ["CertSign", "CRLSign"]
  # Written into the certificate: relying parties reject names outside these domains. OpenBao
  # still issues them, so restrict the roles' allowed_domains too.
  permitted_dns_domains = ["example.internal"]
  issuer_name           = "root-2026"
  key_name              = "root-2026"
  # Leave the root on the server when this resource is destroyed (the default).
  delete_on_destroy = false
}
