//! The runbooks in `docs/guides/`: every command in them runs here (issue 9).
