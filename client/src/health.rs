//! The answers of the unauthenticated status endpoints, typed: `sys/health` (whose HTTP status
//! says active / standby / sealed / uninitialised), `sys/leader` (who the active node is), and
//! the server's flavour and version, since OpenBao and Vault differ in details callers care about.

use serde::Deserialize;

/// What `sys/health`'s status code says about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// 200: initialised, unsealed, active.
    Active,
    /// 429: unsealed standby.
    Standby,
    /// 472: disaster-recovery secondary (Vault Enterprise).
    DrSecondary,
    /// 473: performance standby (Vault Enterprise).
    PerformanceStandby,
    /// 474: standby that cannot reach the active node.
    StandbyNoLeader,
    /// 501: not initialised.
    Uninitialized,
    /// 503: sealed.
    Sealed,
    /// Any other status.
    Other(u16),
}

impl HealthState {
    /// Maps a `sys/health` status code.
    pub fn from_status(status: u16) -> Self {
        match status {
            200 => Self::Active,
            429 => Self::Standby,
            472 => Self::DrSecondary,
            473 => Self::PerformanceStandby,
            474 => Self::StandbyNoLeader,
            501 => Self::Uninitialized,
            503 => Self::Sealed,
            other => Self::Other(other),
        }
    }

    /// Human wording for messages.
    pub fn describe(self) -> String {
        match self {
            Self::Active => "active".into(),
            Self::Standby => "standby".into(),
            Self::DrSecondary => "DR secondary".into(),
            Self::PerformanceStandby => "performance standby".into(),
            Self::StandbyNoLeader => "standby without an active node".into(),
            Self::Uninitialized => "not initialised".into(),
            Self::Sealed => "sealed".into(),
            Self::Other(s) => format!("unexpected health status {s}"),
        }
    }
}

/// `sys/health` of one node.
#[derive(Debug, Clone)]
pub struct Health {
    /// The state given by the status code.
    pub state: HealthState,
    /// Server version, e.g. `2.7.2`.
    pub version: Option<String>,
    /// Which product answered.
    pub flavour: Flavour,
    /// Cluster name, when reported.
    pub cluster_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HealthBody {
    pub(crate) version: Option<String>,
    pub(crate) cluster_name: Option<String>,
    /// Vault reports this; OpenBao dropped it.
    pub(crate) enterprise: Option<bool>,
}

impl Health {
    pub(crate) fn from_parts(status: u16, body: Option<HealthBody>) -> Self {
        let (version, cluster_name, enterprise) = match body {
            Some(b) => (b.version, b.cluster_name, b.enterprise),
            None => (None, None, None),
        };
        Self {
            state: HealthState::from_status(status),
            flavour: Flavour::detect(enterprise.is_some(), version.as_deref()),
            version,
            cluster_name,
        }
    }
}

/// OpenBao or HashiCorp Vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// OpenBao (`sys/health` has no `enterprise` field).
    OpenBao,
    /// HashiCorp Vault (`sys/health` reports `enterprise`).
    Vault,
    /// Could not tell (no body).
    Unknown,
}

impl Flavour {
    fn detect(has_enterprise_field: bool, version: Option<&str>) -> Self {
        if has_enterprise_field {
            Self::Vault
        } else if version.is_some() {
            Self::OpenBao
        } else {
            Self::Unknown
        }
    }

    /// `openbao`, `vault` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenBao => "openbao",
            Self::Vault => "vault",
            Self::Unknown => "unknown",
        }
    }
}

/// Flavour and version of a server.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// OpenBao or Vault.
    pub flavour: Flavour,
    /// Version string as reported.
    pub version: String,
}

/// `sys/leader`: who the active node is.
#[derive(Debug, Clone, Deserialize)]
pub struct Leader {
    /// Whether HA (Raft) is enabled.
    #[serde(default)]
    pub ha_enabled: bool,
    /// Whether the node asked is the leader.
    #[serde(default)]
    pub is_self: bool,
    /// The leader's API address (its `api_addr`); empty when none is known.
    #[serde(default)]
    pub leader_address: String,
    /// When the leader became active; changes when a restore re-initialises it.
    #[serde(default)]
    pub active_time: Option<String>,
    /// Raft index committed, when the storage is Raft.
    #[serde(default)]
    pub raft_committed_index: Option<u64>,
    /// Raft index applied, when the storage is Raft.
    #[serde(default)]
    pub raft_applied_index: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_from_status() {
        assert_eq!(HealthState::from_status(200), HealthState::Active);
        assert_eq!(HealthState::from_status(429), HealthState::Standby);
        assert_eq!(HealthState::from_status(503), HealthState::Sealed);
        assert_eq!(HealthState::from_status(501), HealthState::Uninitialized);
        assert_eq!(HealthState::from_status(418), HealthState::Other(418));
    }

    #[test]
    fn flavour_from_openbao_and_vault_bodies() {
        let bao: HealthBody = serde_json::from_str(
            r#"{"initialized":true,"sealed":false,"standby":false,"version":"2.7.2","cluster_name":"c"}"#,
        )
        .unwrap();
        let h = Health::from_parts(200, Some(bao));
        assert_eq!(h.flavour, Flavour::OpenBao);
        assert_eq!(h.version.as_deref(), Some("2.7.2"));
        let vault: HealthBody =
            serde_json::from_str(r#"{"version":"1.18.0","enterprise":false}"#).unwrap();
        assert_eq!(Health::from_parts(429, Some(vault)).flavour, Flavour::Vault);
        assert_eq!(Health::from_parts(503, None).flavour, Flavour::Unknown);
    }

    #[test]
    fn leader_parses() {
        let l: Leader = serde_json::from_str(r#"{"ha_enabled":true,"is_self":false,"leader_address":"http://127.0.0.1:1","leader_cluster_address":"https://x","raft_committed_index":33,"raft_applied_index":33}"#).unwrap();
        assert!(!l.is_self);
        assert_eq!(l.leader_address, "http://127.0.0.1:1");
        assert_eq!(l.raft_applied_index, Some(33));
    }
}
