//! Log forwarding to the host. go-plugin reads a plugin's stderr line by line and, for every line
//! that is a JSON object in hclog's format, re-logs it into the host's own log at the line's
//! level, under the plugin's name, with the object's other keys as fields. That is the only way a
//! provider's log lines reach `TF_LOG` output, so this module turns `tracing` events into exactly
//! those lines:
//!
//! ```text
//! {"@level":"debug","@message":"API call","@module":"provider.vaultpki_client",
//!  "@timestamp":"2026-12-05T09:10:42.123456Z","method":"GET","path":"sys/health",
//!  "tf_rpc":"ReadResource","tf_resource_type":"example_thing"}
//! ```
//!
//! go-plugin parses `@timestamp` with the layout `2006-01-02T15:04:05.000000Z07:00` and drops
//! the structure of a line it cannot parse (it is then logged as raw text at debug), so the
//! timestamp always has six fractional digits and ends in `Z`. Fields of the spans an event
//! happens in are added to it: the server opens one span per RPC with `tf_rpc` and the type name
//! (`tf_resource_type`, `tf_data_source_type`, `tf_ephemeral_resource_type`, or
//! `tf_function_name`), the field names
//! Terraform's own SDKs use, so a user can grep one resource's lines.
//!
//! The level comes from the environment the host passes on: `TF_LOG_PROVIDER`, else `TF_LOG`
//! (`trace`, `debug`, `info`, `warn`, `error`, `json` meaning trace, `off`; any other non-empty
//! value means trace, as Terraform treats it). Nothing is installed when neither is set, so a
//! normal run pays nothing for logging.
//!
//! Transport and HTTP-client crates (`h2`, `hyper`, `tonic`, `rustls`, `reqwest`, `vaultrs`,
//! ...) are forwarded at warn and above only: below that they describe frames and buffers, and
//! an HTTP client's debug output can show request material a provider must never log.

use std::fmt;
use std::io::Write;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;

/// Crates whose events are forwarded at warn and above only (see the module documentation).
const QUIET_TARGETS: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "mio",
    "reqwest",
    "rustify",
    "rustls",
    "tokio_rustls",
    "tonic",
    "tower",
    "tower_http",
    "vaultrs",
    "want",
];

/// A `tracing` layer writing go-plugin's hclog JSON lines to stderr.
#[derive(Clone, Copy, Debug)]
pub struct HclogLayer {
    max: Level,
}

impl HclogLayer {
    /// A layer forwarding events at `max` and more severe levels.
    pub fn new(max: Level) -> Self {
        Self { max }
    }

    /// The layer for the level the host asks for through `TF_LOG_PROVIDER` / `TF_LOG`; `None`
    /// when logging is off or not asked for.
    pub fn from_env() -> Option<Self> {
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let setting = var("TF_LOG_PROVIDER").or_else(|| var("TF_LOG"))?;
        level_from_setting(&setting).map(Self::new)
    }

    fn wants(&self, metadata: &Metadata<'_>) -> bool {
        if metadata.is_span() {
            // Spans carry the RPC fields for events of every level.
            return true;
        }
        let level = *metadata.level();
        if level > self.max {
            return false;
        }
        let krate = metadata.target().split("::").next().unwrap_or_default();
        level <= Level::WARN || !QUIET_TARGETS.contains(&krate)
    }
}

/// Installs [`HclogLayer::from_env`] as the global subscriber, unless logging is not asked for
/// or the program already installed a subscriber of its own (which then keeps its place).
/// Returns whether the layer was installed. [`serve`](crate::serve::serve) calls it.
pub fn install_from_env() -> bool {
    let Some(layer) = HclogLayer::from_env() else {
        return false;
    };
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::set_global_default(subscriber).is_ok()
}

fn level_from_setting(setting: &str) -> Option<Level> {
    match setting.trim().to_ascii_lowercase().as_str() {
        "off" => None,
        "error" => Some(Level::ERROR),
        "warn" => Some(Level::WARN),
        "info" => Some(Level::INFO),
        "debug" => Some(Level::DEBUG),
        // "trace", "json", and anything Terraform does not know (it then logs at trace).
        _ => Some(Level::TRACE),
    }
}

/// The fields a span was opened with, kept in its extensions.
struct SpanFields(Map<String, Json>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.wants(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.wants(metadata)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = JsonFields::default();
        attrs.record(&mut fields);
        span.extensions_mut().insert(SpanFields(fields.map));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(map)) = extensions.get_mut::<SpanFields>() {
            let mut fields = JsonFields {
                map: std::mem::take(map),
                message: None,
            };
            values.record(&mut fields);
            *map = fields.map;
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let line = event_line(event, &ctx);
        // One write per line: go-plugin splits stderr on newlines, and a line interleaved with
        // another writer's bytes would no longer parse.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// The hclog line for `event`, with the fields of the spans it happens in.
fn event_line<S>(event: &Event<'_>, ctx: &Context<'_, S>) -> String
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let mut fields = JsonFields::default();
    for span in ctx
        .event_scope(event)
        .into_iter()
        .flat_map(|s| s.from_root())
    {
        if let Some(SpanFields(map)) = span.extensions().get::<SpanFields>() {
            fields
                .map
                .extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    event.record(&mut fields);
    hclog_line(
        event.metadata(),
        fields.message.unwrap_or_default(),
        fields.map,
        &hclog_timestamp(time::OffsetDateTime::now_utc()),
    )
}

/// One hclog JSON line (with its newline) for an event.
fn hclog_line(
    metadata: &Metadata<'_>,
    message: String,
    fields: Map<String, Json>,
    timestamp: &str,
) -> String {
    let mut object = Map::new();
    object.insert("@level".into(), hclog_level(*metadata.level()).into());
    object.insert("@message".into(), message.into());
    let krate = metadata.target().split("::").next().unwrap_or_default();
    object.insert("@module".into(), format!("provider.{krate}").into());
    object.insert("@timestamp".into(), timestamp.into());
    for (key, value) in fields {
        // A field must not replace one of go-plugin's own keys.
        if !key.starts_with('@') {
            object.insert(key, value);
        }
    }
    let mut line = Json::Object(object).to_string();
    line.push('\n');
    line
}

fn hclog_level(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// hclog's timestamp layout: UTC, microseconds, `Z`.
fn hclog_timestamp(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Collects an event's or span's fields as JSON values; `message` is go-plugin's `@message`.
#[derive(Default)]
struct JsonFields {
    map: Map<String, Json>,
    message: Option<String>,
}

impl JsonFields {
    fn put(&mut self, field: &Field, value: Json) {
        if field.name() == "message" {
            self.message = Some(match value {
                Json::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.map.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for JsonFields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_map_to_levels_like_terraform() {
        assert_eq!(level_from_setting("DEBUG"), Some(Level::DEBUG));
        assert_eq!(level_from_setting("warn"), Some(Level::WARN));
        assert_eq!(level_from_setting("JSON"), Some(Level::TRACE));
        assert_eq!(level_from_setting("nonsense"), Some(Level::TRACE));
        assert_eq!(level_from_setting("off"), None);
    }

    #[test]
    fn timestamp_has_hclogs_layout() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_796_461_842_000_123_000).unwrap();
        assert_eq!(hclog_timestamp(t), "2026-12-05T09:10:42.000123Z");
    }

    /// Events captured through the layer's own line builder, with a span around them.
    #[test]
    fn lines_are_hclog_json_with_span_fields() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<Json>>>);
        struct Capture(HclogLayer, Lines);
        impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
            fn register_callsite(&self, m: &'static Metadata<'static>) -> Interest {
                Layer::<S>::register_callsite(&self.0, m)
            }
            fn enabled(&self, m: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
                self.0.enabled(m, ctx)
            }
            fn on_new_span(&self, a: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
                self.0.on_new_span(a, id, ctx);
            }
            fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
                let line = event_line(event, &ctx);
                assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
                let mut json: Json = serde_json::from_str(&line).unwrap();
                let stamp = json["@timestamp"].as_str().unwrap().to_owned();
                assert!(
                    stamp.len() == 27 && stamp.ends_with('Z') && stamp.as_bytes()[19] == b'.',
                    "{stamp}"
                );
                json["@timestamp"] = "T".into();
                (self.1).0.lock().unwrap().push(json);
            }
        }
        let lines = Lines::default();
        let subscriber = tracing_subscriber::registry()
            .with(Capture(HclogLayer::new(Level::DEBUG), lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span =
                tracing::trace_span!("rpc", tf_rpc = "ReadResource", tf_resource_type = "x_thing");
            let _entered = span.enter();
            tracing::debug!(
                method = "GET",
                path = "sys/health",
                status = 200u64,
                "API call"
            );
            tracing::trace!("too detailed");
            tracing::debug!(target: "h2::codec", "frame");
            tracing::warn!(target: "hyper::proto", "connection reset");
        });
        let lines = lines.0.lock().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            serde_json::json!({
                "@level": "debug",
                "@message": "API call",
                "@module": "provider.tfplugin",
                "@timestamp": "T",
                "method": "GET",
                "path": "sys/health",
                "status": 200,
                "tf_rpc": "ReadResource",
                "tf_resource_type": "x_thing",
            })
        );
        assert_eq!(lines[1]["@level"], "warn");
        assert_eq!(lines[1]["@module"], "provider.hyper");
    }
}
