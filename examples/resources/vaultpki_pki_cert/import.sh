# Issued certificates cannot be imported: the server never keeps their private keys.
# Re-issue them with Terraform instead (the old one can be revoked with `bao write <mount>/revoke`).
