//! Acceptance tests for pki_bootstrap (filled in by its issue).
