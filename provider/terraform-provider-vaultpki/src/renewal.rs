//! When a managed certificate (`vaultpki_pki_cert`, `vaultpki_pki_sign`) must be replaced: it
//! was found revoked, or `auto_renew` is on and fewer than `min_seconds_remaining` seconds of
//! validity are left. Decided at plan time from the configured window and the certificate's
//! own NotAfter, the same way for every type that renews.
//!
//! A window at least as long as the certificate's lifetime would put a fresh certificate inside
//! it at once, so every plan would replace it. A configured window like that is refused at
//! validation when the TTL is known; the default window (seven days) is then shortened to a
//! third of the lifetime, with a warning, so that short-lived certificates still converge.

use tfplugin::{AttributePath, Diagnostic, Diagnostics, Plan, Value};

use crate::duration::parse_seconds;
use crate::issuance::{lifetime, now};

/// The default renewal window: seven days.
pub(crate) const DEFAULT_MIN_SECONDS_REMAINING: i64 = 7 * 24 * 3600;

/// Plans a replacement when [`renewal_reason`] finds one: `outputs` become unknown and the
/// expiration forces the replacement.
pub(crate) fn plan_renewal<'a>(plan: &mut Plan, outputs: impl IntoIterator<Item = &'a str>) {
    if let Some(reason) = renewal_reason(&plan.config, &plan.prior, now()) {
        tracing::debug!(reason, "planning a replacement certificate");
        for name in outputs {
            plan.planned.set_attr(name, Value::Unknown);
        }
        plan.requires_replace
            .push(AttributePath::root("expiration"));
    }
}

/// Why the certificate in `prior` must be replaced now, if it must.
pub(crate) fn renewal_reason(config: &Value, prior: &Value, now: i64) -> Option<&'static str> {
    if prior.attr("revoked").as_bool() == Some(true) {
        return Some("revoked");
    }
    if config.attr("auto_renew").as_bool() != Some(true) {
        return None;
    }
    let lifetime = prior
        .attr("certificate")
        .as_str()
        .and_then(|pem| lifetime(pem).ok());
    let min = window(config.attr("min_seconds_remaining").as_i64(), lifetime);
    let expiration = prior.attr("expiration").as_i64()?;
    (now.saturating_add(min) >= expiration).then_some("inside the renewal window")
}

/// The renewal window in seconds: the configured one, else the default unless that is not
/// shorter than the certificate's `lifetime`, in which case a third of the lifetime.
pub(crate) fn window(configured: Option<i64>, lifetime: Option<i64>) -> i64 {
    match (configured, lifetime) {
        (Some(min), _) => min,
        (None, Some(life)) if DEFAULT_MIN_SECONDS_REMAINING >= life => life / 3,
        (None, _) => DEFAULT_MIN_SECONDS_REMAINING,
    }
}

/// Plan-time checks of the renewal window against a known `ttl`: an error when a configured
/// `min_seconds_remaining` is not smaller than the TTL (every plan would replace the
/// certificate), a warning when the default window is not and is therefore shortened.
pub(crate) fn validate_window(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(n) = config.attr("min_seconds_remaining").as_i64()
        && n < 0
    {
        diags.push(
            Diagnostic::error(
                "Invalid attribute value",
                "min_seconds_remaining must not be negative.",
            )
            .at(AttributePath::root("min_seconds_remaining")),
        );
        return diags;
    }
    if config.attr("auto_renew").as_bool() != Some(true) {
        return diags;
    }
    let Some(ttl) = config.attr("ttl").as_str().and_then(parse_seconds) else {
        return diags;
    };
    match config.attr("min_seconds_remaining").as_i64() {
        Some(min) if min >= ttl => diags.push(
            Diagnostic::error(
                "Renewal window not shorter than the TTL",
                format!(
                    "min_seconds_remaining = {min} is not smaller than the TTL ({ttl} s): a new \
                     certificate would be inside its renewal window as soon as it is issued, so \
                     every plan would replace it. Set min_seconds_remaining below {ttl} (a third \
                     of the TTL, {}, is a common choice) or raise ttl.",
                    ttl / 3
                ),
            )
            .at(AttributePath::root("min_seconds_remaining")),
        ),
        None if DEFAULT_MIN_SECONDS_REMAINING >= ttl => diags.push(
            Diagnostic::warning(
                "Default renewal window shortened",
                format!(
                    "The default renewal window ({DEFAULT_MIN_SECONDS_REMAINING} s, 7 days) is \
                     not shorter than the TTL ({ttl} s), so the certificate is renewed when a \
                     third of its lifetime ({} s) is left. Set min_seconds_remaining to choose \
                     another window.",
                    ttl / 3
                ),
            )
            .at(AttributePath::root("min_seconds_remaining")),
        ),
        _ => {}
    }
    diags
}

/// An object value from `(attribute, value)` pairs, for the unit tests of the certificate types.
#[cfg(test)]
pub(crate) fn value(pairs: &[(&str, Value)]) -> Value {
    let mut v = Value::Null;
    for (k, x) in pairs {
        v.set_attr(*k, x.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_window_shrinks_for_short_lived_certificates() {
        assert_eq!(
            window(None, Some(30 * 86_400)),
            DEFAULT_MIN_SECONDS_REMAINING
        );
        assert_eq!(window(None, Some(3_600)), 1_200);
        assert_eq!(window(Some(60), Some(3_600)), 60);
        assert_eq!(window(None, None), DEFAULT_MIN_SECONDS_REMAINING);
    }

    #[test]
    fn a_window_not_shorter_than_the_ttl_is_refused_or_warned() {
        let config = |min: Option<i64>| {
            let mut pairs = vec![
                ("auto_renew", Value::Bool(true)),
                ("ttl", Value::from("1h")),
            ];
            if let Some(m) = min {
                pairs.push(("min_seconds_remaining", Value::from(m)));
            }
            value(&pairs)
        };
        let refused = validate_window(&config(Some(3_600)));
        assert!(refused.has_errors(), "{refused:?}");
        let warned = validate_window(&config(None));
        assert!(!warned.has_errors() && !warned.is_empty(), "{warned:?}");
        assert!(validate_window(&config(Some(600))).is_empty());
    }

    #[test]
    fn renewal_uses_the_configured_window_and_not_after() {
        let prior = value(&[
            ("expiration", Value::from(1_000_i64)),
            ("revoked", Value::Bool(false)),
        ]);
        let cfg = |renew: bool, min: i64| {
            value(&[
                ("auto_renew", Value::Bool(renew)),
                ("min_seconds_remaining", Value::from(min)),
            ])
        };
        assert_eq!(renewal_reason(&cfg(true, 100), &prior, 800), None);
        assert_eq!(
            renewal_reason(&cfg(true, 200), &prior, 800),
            Some("inside the renewal window")
        );
        assert_eq!(renewal_reason(&cfg(false, 200), &prior, 800), None);
        let revoked = value(&[
            ("expiration", Value::from(1_000_i64)),
            ("revoked", Value::Bool(true)),
        ]);
        assert_eq!(renewal_reason(&cfg(false, 0), &revoked, 0), Some("revoked"));
    }
}
