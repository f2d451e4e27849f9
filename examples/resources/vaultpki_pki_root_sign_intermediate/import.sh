# <root mount>/cert/<serial>; the CSR and request settings are taken from the configuration by
# the next apply without signing again.
terraform import vaultpki_pki_root_sign_intermediate.int pki-root/cert/1e:51:68:72:49:a6:a9:33:01:95:a0:d8:1b:e1:e9:ee:0c:b5:e2:d0
