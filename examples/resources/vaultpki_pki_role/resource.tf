resource "vaultpki_pki_role" "web" {
  mount            = vaultpki_mount.pki_int.path
  name             = "web"
  allowed_domains  = ["svc.example.internal"]
  allow_subdomains = true
  max_ttl          = "720h"
  key_type         = "ec"
  key_bits         = 256
  # Fields left out are the server's defaults; deleting a line plans the field back to it.
  ext_key_usage = ["ServerAuth"]
}
