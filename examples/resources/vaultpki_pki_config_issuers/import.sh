# <mount>/config/issuers
terraform import vaultpki_pki_config_issuers.int pki-int/config/issuers
