# By accessor path. The secret ID itself cannot be recovered: the imported resource has no secret_id.
terraform import vaultpki_approle_secret_id.cert_manager auth/approle/role/cert-manager/secret-id-accessor/0d3a7a52-6f1e-4c4b-9c59-3c5e0d2f8a11
