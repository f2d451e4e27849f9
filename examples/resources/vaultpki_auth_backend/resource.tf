resource "vaultpki_auth_backend" "approle" {
  path        = "approle"
  type        = "approle"
  description = "Machine logins (cert-manager, CI)"
}
