# <mount>/config/auto-tidy; nested mounts work too, e.g. pki/int/eu/config/auto-tidy
terraform import vaultpki_pki_config_auto_tidy.int pki-int/config/auto-tidy
