# <mount>/config/crl; nested mounts work too, e.g. pki/int/eu/config/crl
terraform import vaultpki_pki_config_crl.int pki-int/config/crl
