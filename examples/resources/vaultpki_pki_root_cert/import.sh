# <mount>/issuer/<issuer_id>. The ttl comes from the certificate's lifetime and
# delete_on_destroy at its default (false): a matching configuration plans nothing.
terraform import vaultpki_pki_root_cert.root pki-root/issuer/0b2f4d1e-8c5a-4a43-9d6e-2a7f3c1b5e90
