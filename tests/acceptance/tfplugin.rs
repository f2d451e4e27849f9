//! Acceptance tests for tfplugin (filled in by its issue).
