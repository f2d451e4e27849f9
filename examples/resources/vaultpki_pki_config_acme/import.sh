# <mount>/config/acme; nested mounts work too, e.g. pki/int/eu/config/acme
terraform import vaultpki_pki_config_acme.int pki-int/config/acme
