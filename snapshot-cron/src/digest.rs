//! SHA-256 for everything the job hashes (the snapshot's upload parts, `meta.json`, `state.bin`,
//! a downloaded snapshot), and the composite checksum S3 records for a multipart upload.
//! It comes from aws-lc-rs, which the TLS stack already builds: its assembly implementation
//! runs at memory speed in any build profile, where a pure-Rust one at opt-level 0 would make
//! hashing the slowest step of a run.

use aws_lc_rs::digest;

/// An incremental SHA-256.
#[derive(Clone)]
pub struct Sha256(digest::Context);

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// A fresh hash.
    pub fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The digest.
    pub fn finalize(self) -> [u8; 32] {
        let d = self.0.finish();
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    /// SHA-256 of `data` in one call.
    pub fn digest(data: &[u8]) -> [u8; 32] {
        let mut h = Self::new();
        h.update(data);
        h.finalize()
    }
}

/// The checksum S3 records for a multipart upload with per-part SHA-256 checksums (checksum
/// type `COMPOSITE`): the base64 SHA-256 of the concatenated part digests, then `-` and the
/// number of parts. `HeadObject` with checksum mode shows it as `ChecksumSHA256`.
pub fn composite_sha256(parts: &[[u8; 32]]) -> String {
    use base64::Engine as _;
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    format!(
        "{}-{}",
        base64::engine::general_purpose::STANDARD.encode(h.finalize()),
        parts.len()
    )
}

/// Whether a composite checksum we computed matches one a store reports. AWS S3 shows the
/// part count (`…=-3`); some S3-compatible stores (moto's `HeadObject`) leave it out, and then
/// only the hash is compared.
pub fn same_composite(computed: &str, reported: &str) -> bool {
    let (hash, count) = computed.split_once('-').unwrap_or((computed, ""));
    match reported.split_once('-') {
        Some((r_hash, r_count)) => r_hash == hash && r_count == count,
        None => reported == hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_is_the_hash_of_the_part_hashes_with_the_count() {
        let parts = [Sha256::digest(b"a"), Sha256::digest(b"b")];
        let mut joined = Vec::new();
        joined.extend_from_slice(&parts[0]);
        joined.extend_from_slice(&parts[1]);
        use base64::Engine as _;
        let expected = format!(
            "{}-2",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&joined))
        );
        assert_eq!(composite_sha256(&parts), expected);
        let hash = expected.trim_end_matches("-2");
        assert!(same_composite(&expected, &expected));
        assert!(same_composite(&expected, hash));
        assert!(!same_composite(&expected, &format!("{hash}-3")));
        assert!(!same_composite(&expected, "AAAA-2"));
    }

    #[test]
    fn known_answer() {
        assert_eq!(
            hex::encode(Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut h = Sha256::new();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finalize(), Sha256::digest(b"abc"));
    }
}
