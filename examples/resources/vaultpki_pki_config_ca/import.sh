# <mount>/config/ca; records every issuer and key of the mount
terraform import vaultpki_pki_config_ca.offline pki-root/config/ca
