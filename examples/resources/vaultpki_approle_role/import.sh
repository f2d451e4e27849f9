terraform import vaultpki_approle_role.cert_manager auth/approle/role/cert-manager
