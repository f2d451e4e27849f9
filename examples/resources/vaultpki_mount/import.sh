terraform import vaultpki_mount.pki_int sys/mounts/pki-int
