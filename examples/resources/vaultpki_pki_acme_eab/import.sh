# <mount>/eab/<key_id>; the key itself cannot be imported (OpenBao shows it only at creation),
# so the imported resource has `key` null.
terraform import vaultpki_pki_acme_eab.traefik pki-int/eab/004c44bb-eaa9-6905-0a44-3f1f1d2099c0
