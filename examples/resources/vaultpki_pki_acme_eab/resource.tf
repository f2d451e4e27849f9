resource "vaultpki_pki_acme_eab" "traefik" {
  mount = vaultpki_pki_config_acme.int.mount
}

output "eab_kid" {
  value = vaultpki_pki_acme_eab.traefik.key_id
}

output "eab_hmac_key" {
  value     = vaultpki_pki_acme_eab.traefik.key
  sensitive = true
}
