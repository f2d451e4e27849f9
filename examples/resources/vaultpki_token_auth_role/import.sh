terraform import vaultpki_token_auth_role.deploy auth/token/roles/deploy
