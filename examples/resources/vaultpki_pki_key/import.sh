terraform import vaultpki_pki_key.next pki-int/key/int-2027
