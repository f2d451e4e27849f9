# <mount>/config/cluster; nested mounts work too, e.g. pki/int/eu/config/cluster
terraform import vaultpki_pki_config_cluster.int pki-int/config/cluster
