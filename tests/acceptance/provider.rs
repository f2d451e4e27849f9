//! Acceptance tests for the vaultpki provider's resources (filled in by its issue).
