# <mount>/config/urls; nested mounts work too, e.g. pki/int/eu/config/urls
terraform import vaultpki_pki_config_urls.int pki-int/config/urls
