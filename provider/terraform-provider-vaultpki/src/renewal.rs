//! When a managed certificate (`vaultpki_pki_cert`, `vaultpki_pki_sign`) must be replaced: it
//! was found revoked, or `auto_renew` is on and fewer than `min_seconds_remaining` seconds of
//! validity are left. Decided at plan time from the configured window and the certificate's
//! own NotAfter, the same way for every type that renews.

use tfplugin::{AttributePath, Plan, Value};

use crate::issuance::now;

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
    let min = config
        .attr("min_seconds_remaining")
        .as_i64()
        .unwrap_or(DEFAULT_MIN_SECONDS_REMAINING);
    let expiration = prior.attr("expiration").as_i64()?;
    (now.saturating_add(min) >= expiration).then_some("inside the renewal window")
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
