//! The budget settings: caps per day, month and session, the per-session minimum interval and
//! the dedupe TTL. Defaults come from the configuration file/flags; values set through the API
//! are stored and win from then on.

use serde::{Deserialize, Serialize};

use crate::storage::budget::{Caps, usd_to_micros};
use crate::{Error, Result};

/// Largest accepted cap, in dollars (a typo guard, not a business rule).
pub const MAX_CAP_USD: f64 = 1_000_000.0;
/// Largest accepted minimum interval, seconds (one day).
pub const MAX_MIN_INTERVAL_SECS: u64 = 86_400;
/// Largest accepted dedupe TTL, seconds (30 days).
pub const MAX_DEDUPE_TTL_SECS: u64 = 30 * 86_400;

/// Budget settings. A cap of 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetConfig {
    /// Spending allowed per UTC day, USD.
    pub daily_cap_usd: f64,
    /// Spending allowed per calendar month (UTC), USD.
    pub monthly_cap_usd: f64,
    /// Spending allowed per browser/API session, USD.
    pub session_cap_usd: f64,
    /// Minimum seconds between two paid calls of one session (0 = no limit).
    pub min_interval_secs: u64,
    /// Identical paid requests within this many seconds reuse the stored result for free
    /// (0 = never).
    pub dedupe_ttl_secs: u64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            daily_cap_usd: 10.0,
            monthly_cap_usd: 100.0,
            session_cap_usd: 5.0,
            min_interval_secs: 10,
            dedupe_ttl_secs: 3_600,
        }
    }
}

/// A partial update of [`BudgetConfig`]: absent fields keep their value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfigPatch {
    /// See [`BudgetConfig::daily_cap_usd`].
    pub daily_cap_usd: Option<f64>,
    /// See [`BudgetConfig::monthly_cap_usd`].
    pub monthly_cap_usd: Option<f64>,
    /// See [`BudgetConfig::session_cap_usd`].
    pub session_cap_usd: Option<f64>,
    /// See [`BudgetConfig::min_interval_secs`].
    pub min_interval_secs: Option<u64>,
    /// See [`BudgetConfig::dedupe_ttl_secs`].
    pub dedupe_ttl_secs: Option<u64>,
}

impl BudgetConfig {
    /// Checks ranges: caps finite and within `0..=MAX_CAP_USD`, interval and TTL bounded.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("daily_cap_usd", self.daily_cap_usd),
            ("monthly_cap_usd", self.monthly_cap_usd),
            ("session_cap_usd", self.session_cap_usd),
        ] {
            if !v.is_finite() || !(0.0..=MAX_CAP_USD).contains(&v) {
                return Err(Error::BadRequest(format!(
                    "`{name}` must be between 0 (unlimited) and {MAX_CAP_USD}, got {v}"
                )));
            }
        }
        if self.min_interval_secs > MAX_MIN_INTERVAL_SECS {
            return Err(Error::BadRequest(format!(
                "`min_interval_secs` must be at most {MAX_MIN_INTERVAL_SECS}"
            )));
        }
        if self.dedupe_ttl_secs > MAX_DEDUPE_TTL_SECS {
            return Err(Error::BadRequest(format!(
                "`dedupe_ttl_secs` must be at most {MAX_DEDUPE_TTL_SECS}"
            )));
        }
        Ok(())
    }

    /// The caps in micro-dollars.
    pub fn caps(&self) -> Caps {
        Caps {
            daily: usd_to_micros(self.daily_cap_usd),
            monthly: usd_to_micros(self.monthly_cap_usd),
            session: usd_to_micros(self.session_cap_usd),
        }
    }

    /// Applies a patch and validates the result.
    pub fn patched(&self, patch: &BudgetConfigPatch) -> Result<Self> {
        let next = Self {
            daily_cap_usd: patch.daily_cap_usd.unwrap_or(self.daily_cap_usd),
            monthly_cap_usd: patch.monthly_cap_usd.unwrap_or(self.monthly_cap_usd),
            session_cap_usd: patch.session_cap_usd.unwrap_or(self.session_cap_usd),
            min_interval_secs: patch.min_interval_secs.unwrap_or(self.min_interval_secs),
            dedupe_ttl_secs: patch.dedupe_ttl_secs.unwrap_or(self.dedupe_ttl_secs),
        };
        next.validate()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec() {
        let c = BudgetConfig::default();
        assert_eq!(c.caps().daily, 10_000_000);
        assert_eq!(c.caps().monthly, 100_000_000);
        assert_eq!(c.caps().session, 5_000_000);
        assert_eq!((c.min_interval_secs, c.dedupe_ttl_secs), (10, 3_600));
        c.validate().unwrap();
    }

    #[test]
    fn patches_are_validated() {
        let c = BudgetConfig::default();
        let p = BudgetConfigPatch {
            daily_cap_usd: Some(0.0),
            ..Default::default()
        };
        assert_eq!(c.patched(&p).unwrap().caps().daily, 0);
        for bad in [-1.0, f64::NAN, f64::INFINITY, 2e6] {
            let p = BudgetConfigPatch {
                session_cap_usd: Some(bad),
                ..Default::default()
            };
            assert!(c.patched(&p).is_err(), "{bad}");
        }
    }
}
