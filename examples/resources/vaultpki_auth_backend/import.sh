terraform import vaultpki_auth_backend.approle sys/auth/approle
