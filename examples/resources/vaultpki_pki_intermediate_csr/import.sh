# Not supported: the server keeps the key but not the CSR. Import the signed intermediate with
# vaultpki_pki_intermediate_set_signed (<mount>/issuer/<issuer_id>) instead.
