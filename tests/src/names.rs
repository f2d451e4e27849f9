//! Unique names, so tests running in parallel can share one server and one bucket.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// `prefix-<process>-<counter><time>`: lowercase letters, digits and dashes only, which suits
/// Vault mount paths, role names, S3 key prefixes and Terraform names alike.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{:x}-{n}{:05x}",
        std::process::id(),
        nanos & 0xfffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_path_safe() {
        let a = unique_name("pki");
        let b = unique_name("pki");
        assert_ne!(a, b);
        assert!(a.starts_with("pki-"));
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{a}"
        );
    }
}
