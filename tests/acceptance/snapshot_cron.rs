//! Acceptance tests for snapshot_cron (filled in by its issue).
