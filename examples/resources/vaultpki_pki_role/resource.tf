resource "vaultpki_pki_role" "web" {
  mount            = vaultpki_mount.pki_int.path
  name             = "web"
  allowed_domains  = ["svc.example.internal"]
  allow_subdomains = true
  max_ttl          = 2592000
  key_type         = "ec"
  key_bits         = 256
  # key_usage and ext_key_usage may be left out: the server's defaults never show a diff.
  ext_key_usage = ["ServerAuth"]
}
