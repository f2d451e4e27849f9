terraform import vaultpki_pki_role.web pki-int/roles/web
