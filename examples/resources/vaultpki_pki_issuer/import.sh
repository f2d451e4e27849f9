# <mount>/issuer/<issuer_id>
terraform import vaultpki_pki_issuer.int pki-int/issuer/5d0c1e7a-3f4b-4c9e-8a21-6b7d9e0f1a23
