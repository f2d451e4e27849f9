//! The API paths that are also resource IDs, and the parsing of import IDs back into their
//! parts, in one place: the issuer, certificate and mount-relative types share these shapes, so a
//! resource file never borrows them from a sibling.

use tfplugin::Diagnostics;

use crate::diagnostics;

/// The part of an import ID after `prefix` (surrounding slashes ignored), if it is non-empty.
pub(crate) fn strip_id<'a>(id: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = id.trim_matches('/').strip_prefix(prefix)?;
    (!rest.is_empty()).then_some(rest)
}

/// `<mount>/issuer/<ref>`.
pub(crate) fn issuer_path(mount: &str, issuer: &str) -> String {
    format!("{}/issuer/{issuer}", mount.trim_matches('/'))
}

/// Splits an import ID `<mount>/issuer/<ref>` (the mount may be nested, `pki/int/eu`).
pub(crate) fn split_issuer_id<'a>(
    type_name: &str,
    id: &'a str,
) -> Result<(&'a str, &'a str), Diagnostics> {
    let bad = || diagnostics::bad_import_id(type_name, id, "<mount>/issuer/<issuer_id>");
    let (mount, issuer) = id
        .trim_matches('/')
        .rsplit_once("/issuer/")
        .ok_or_else(bad)?;
    if mount.is_empty() || issuer.is_empty() || issuer.contains('/') {
        return Err(bad());
    }
    Ok((mount, issuer))
}

/// The API path of the certificate `serial` of `mount`, which is also the certificate types' ID.
pub(crate) fn cert_path(mount: &str, serial: &str) -> String {
    format!("{}/cert/{serial}", mount.trim_matches('/'))
}

/// The mount and serial of an import ID `<mount>/cert/<serial>`.
pub(crate) fn parse_cert_id<'a>(
    type_name: &str,
    id: &'a str,
) -> Result<(&'a str, &'a str), Diagnostics> {
    let bad = || diagnostics::bad_import_id(type_name, id, "<mount>/cert/<serial>");
    let (mount, serial) = id.trim_matches('/').rsplit_once("/cert/").ok_or_else(bad)?;
    if mount.is_empty() || serial.is_empty() || serial.contains('/') {
        return Err(bad());
    }
    Ok((mount, serial))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_may_have_nested_mounts() {
        assert_eq!(
            split_issuer_id("t", "pki/int/eu/issuer/abc").unwrap(),
            ("pki/int/eu", "abc")
        );
        assert_eq!(
            split_issuer_id("t", "/pki/issuer/abc/").unwrap(),
            ("pki", "abc")
        );
        for bad in [
            "pki",
            "pki/issuer/",
            "issuer/abc",
            "pki/issuer/a/b",
            "pki/issuers/abc",
        ] {
            assert!(split_issuer_id("t", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cert_ids_name_the_mount_and_the_serial() {
        let ok = parse_cert_id("t", "/pki/int/cert/01:02/").unwrap();
        assert_eq!(ok, ("pki/int", "01:02"));
        for bad in ["pki/cert/", "/cert/01", "pki/cert/01/02", "pki/certs/01"] {
            assert!(parse_cert_id("t", bad).is_err(), "{bad}");
        }
        assert_eq!(cert_path("/pki/", "01"), "pki/cert/01");
    }

    #[test]
    fn a_prefix_is_stripped_only_when_something_follows() {
        assert_eq!(
            strip_id("/sys/policies/acl/p/", "sys/policies/acl/"),
            Some("p")
        );
        assert_eq!(strip_id("sys/policies/acl/", "sys/policies/acl/"), None);
        assert_eq!(strip_id("other/p", "sys/policies/acl/"), None);
    }
}
