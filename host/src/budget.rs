//! The budget guard: every paid call passes it. Per call (see the budget spec):
//! 1. dedupe — an identical request within the TTL returns the stored result, records a free
//!    ledger entry and skips the rest;
//! 2. rate limit and 3. caps — checked and the estimate reserved in ONE redb write
//!    transaction ([`Guard::reserve`]), so concurrent requests cannot overspend;
//! 4. after the provider call, [`Guard::settle`] replaces the reservation by the actual
//!    charge, or [`Guard::release`] drops it when the call failed unbilled;
//! 5. start-up releases reservations left by a previous run (storage recovery).
//!
//! The guard is synchronous (it runs redb transactions); async callers use the blocking pool.

mod clock;
mod config;
mod costs;
mod dedupe;
mod providers_usage;

use std::sync::Arc;

use serde::Serialize;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{BudgetConfig, BudgetConfigPatch};
pub use costs::{
    Estimate, MAX_N, ModelPrices, Operation, TokenPrices, estimate, find_model, is_provider_model,
    price_table, settled_cost,
};
pub use dedupe::{DedupeInput, dedupe_key};

use crate::storage::Store;
use crate::storage::budget::{
    CapKind, DedupeRecord, LedgerEntry, ReserveOutcome, ReserveRequest, Totals, micros_to_usd,
    over_cap,
};
use crate::{Error, Result};

/// Settings key of the budget configuration set through the API.
const SETTINGS_KEY: &str = "budget";

/// Spent, reserved and remaining amounts for one period kind, USD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PeriodUsd {
    /// The current UTC day.
    pub day: f64,
    /// The current month.
    pub month: f64,
    /// The session.
    pub session: f64,
}

/// What is left under each cap, USD; `None` where the cap is 0 (unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RemainingUsd {
    /// Under the daily cap.
    pub day: Option<f64>,
    /// Under the monthly cap.
    pub month: Option<f64>,
    /// Under the session cap.
    pub session: Option<f64>,
}

/// The caps, USD (0 = unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CapsUsd {
    /// Per day.
    pub daily_usd: f64,
    /// Per month.
    pub monthly_usd: f64,
    /// Per session.
    pub session_usd: f64,
}

/// The budget as a session sees it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BudgetStatus {
    /// Whether a provider key is configured (paid models can run at all).
    pub provider_configured: bool,
    /// The caps.
    pub caps: CapsUsd,
    /// Settled spending.
    pub spent: PeriodUsd,
    /// Held by calls in flight.
    pub reserved: PeriodUsd,
    /// Left under each cap (`null` = unlimited).
    pub remaining: RemainingUsd,
    /// Minimum seconds between two paid calls of one session.
    pub min_interval_secs: u64,
    /// Dedupe TTL, seconds.
    pub dedupe_ttl_secs: u64,
    /// The UTC day and month the amounts are for.
    pub day: String,
    /// The month.
    pub month: String,
}

/// A cap that refuses an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BlockedBy {
    /// Which cap.
    pub cap: CapKind,
    /// Its limit, USD.
    pub limit_usd: f64,
    /// Spent in its period, USD.
    pub spent_usd: f64,
    /// Reserved in its period, USD.
    pub reserved_usd: f64,
    /// The estimate, USD.
    pub estimate_usd: f64,
}

/// An estimate and whether the guard would let it through now (advisory: the real decision
/// is made atomically when the call is made).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EstimateReport {
    /// Estimated cost, USD.
    pub estimate_usd: f64,
    /// Size priced.
    pub size: String,
    /// Quality priced.
    pub quality: String,
    /// Whether the caps allow it now.
    pub allowed: bool,
    /// The cap that would refuse it.
    pub blocked_by: Option<BlockedBy>,
    /// Seconds until the session's rate limit allows a call, when it does not now.
    pub retry_after_secs: Option<u64>,
}

/// The guard. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Guard {
    store: Store,
    clock: Arc<dyn Clock>,
    defaults: BudgetConfig,
}

impl Guard {
    /// A guard over `store` with the configured defaults.
    pub fn new(store: Store, clock: Arc<dyn Clock>, defaults: BudgetConfig) -> Self {
        Self {
            store,
            clock,
            defaults,
        }
    }

    /// The clock's current time.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The effective settings: those set through the API, else the configured defaults.
    pub fn config(&self) -> Result<BudgetConfig> {
        Ok(self
            .store
            .get_setting::<BudgetConfig>(SETTINGS_KEY)?
            .unwrap_or(self.defaults))
    }

    /// Updates the settings; they are stored and win over the configured defaults.
    pub fn update_config(&self, patch: &BudgetConfigPatch) -> Result<BudgetConfig> {
        let next = self.config()?.patched(patch)?;
        self.store.put_setting(SETTINGS_KEY, &next)?;
        Ok(next)
    }

    /// Spent, reserved and remaining amounts for `session` now.
    pub fn status(&self, session: &str, provider_configured: bool) -> Result<BudgetStatus> {
        let config = self.config()?;
        let now = self.now_ms();
        let totals = self.store.budget_totals(session, now)?;
        let caps = config.caps();
        let remaining = |cap: u64, spent: u64, reserved: u64| {
            (cap != 0).then(|| micros_to_usd(cap.saturating_sub(spent + reserved)))
        };
        let periods = crate::storage::budget::Periods::at(now);
        Ok(BudgetStatus {
            provider_configured,
            caps: CapsUsd {
                daily_usd: config.daily_cap_usd,
                monthly_usd: config.monthly_cap_usd,
                session_usd: config.session_cap_usd,
            },
            spent: usd(&totals, true),
            reserved: usd(&totals, false),
            remaining: RemainingUsd {
                day: remaining(caps.daily, totals.spent.day, totals.reserved.day),
                month: remaining(caps.monthly, totals.spent.month, totals.reserved.month),
                session: remaining(caps.session, totals.spent.session, totals.reserved.session),
            },
            min_interval_secs: config.min_interval_secs,
            dedupe_ttl_secs: config.dedupe_ttl_secs,
            day: periods.day,
            month: periods.month,
        })
    }

    /// Whether `estimate` would pass the caps and rate limit for `session` now.
    pub fn check(&self, session: &str, estimate: &Estimate) -> Result<EstimateReport> {
        let config = self.config()?;
        let now = self.now_ms();
        let totals = self.store.budget_totals(session, now)?;
        let blocked_by = match over_cap(config.caps(), &totals, estimate.micros) {
            Some(ReserveOutcome::OverCap {
                cap,
                limit,
                spent,
                reserved,
                estimate,
            }) => Some(BlockedBy {
                cap,
                limit_usd: micros_to_usd(limit),
                spent_usd: micros_to_usd(spent),
                reserved_usd: micros_to_usd(reserved),
                estimate_usd: micros_to_usd(estimate),
            }),
            _ => None,
        };
        let retry_after_secs = self.store.budget_last_call(session)?.and_then(|last| {
            let wait = (config.min_interval_secs as i64 * 1000) - (now - last);
            (wait > 0).then(|| (wait as u64).div_ceil(1000))
        });
        Ok(EstimateReport {
            estimate_usd: micros_to_usd(estimate.micros),
            size: estimate.size.clone(),
            quality: estimate.quality.clone(),
            allowed: blocked_by.is_none() && retry_after_secs.is_none(),
            blocked_by,
            retry_after_secs,
        })
    }

    /// Step 1: a stored result for `key` within the TTL. A hit is recorded as a free ledger
    /// entry for `session`.
    pub fn dedupe_lookup(
        &self,
        key: &str,
        session: &str,
        estimate: &Estimate,
    ) -> Result<Option<(DedupeRecord, Vec<Vec<u8>>)>> {
        if self.config()?.dedupe_ttl_secs == 0 {
            return Ok(None);
        }
        let now = self.now_ms();
        let Some(hit) = self.store.budget_dedupe_get(key, now)? else {
            return Ok(None);
        };
        self.store.budget_record_dedupe_hit(
            session,
            &estimate.model,
            estimate.operation.as_str(),
            now,
        )?;
        Ok(Some(hit))
    }

    /// Whether a live stored result exists for `key` (no ledger entry is written).
    pub fn has_stored_result(&self, key: &str) -> Result<bool> {
        if self.config()?.dedupe_ttl_secs == 0 {
            return Ok(false);
        }
        Ok(self.store.budget_dedupe_get(key, self.now_ms())?.is_some())
    }

    /// Steps 2 and 3: rate limit, caps and reservation in one transaction. `Ok(())` means
    /// the estimate is held under `id`; refusals are [`Error::BudgetExceeded`] and
    /// [`Error::RateLimited`].
    pub fn reserve(&self, id: &str, session: &str, estimate: &Estimate) -> Result<()> {
        let config = self.config()?;
        let outcome = self.store.budget_reserve(&ReserveRequest {
            id: id.to_owned(),
            session: session.to_owned(),
            model: estimate.model.clone(),
            operation: estimate.operation.as_str().to_owned(),
            estimate: estimate.micros,
            caps: config.caps(),
            min_interval_ms: config.min_interval_secs.saturating_mul(1000),
            now_ms: self.now_ms(),
        })?;
        match outcome {
            ReserveOutcome::Reserved(_) => Ok(()),
            ReserveOutcome::OverCap {
                cap,
                limit,
                spent,
                reserved,
                estimate,
            } => Err(Error::BudgetExceeded {
                cap,
                limit_usd: micros_to_usd(limit),
                spent_usd: micros_to_usd(spent),
                reserved_usd: micros_to_usd(reserved),
                estimate_usd: micros_to_usd(estimate),
            }),
            ReserveOutcome::RateLimited { retry_after_ms } => Err(Error::RateLimited {
                retry_after_secs: retry_after_ms.div_ceil(1000).max(1),
                interval_secs: config.min_interval_secs,
            }),
        }
    }

    /// Step 4, success: the reservation becomes a charge of `actual` micro-dollars.
    pub fn settle(
        &self,
        id: &str,
        actual: u64,
        response_id: Option<String>,
    ) -> Result<Option<LedgerEntry>> {
        self.store
            .budget_settle(id, actual, response_id, self.now_ms())
    }

    /// Step 4, failure: the reservation is dropped.
    pub fn release(&self, id: &str) -> Result<bool> {
        self.store.budget_release(id)
    }

    /// Keeps a paid result for identical requests within the TTL (no-op when the TTL is 0).
    pub fn remember(
        &self,
        key: &str,
        job_id: &str,
        images: &[Vec<u8>],
        content_type: &str,
        extension: &str,
        cost: u64,
    ) -> Result<()> {
        let ttl = self.config()?.dedupe_ttl_secs;
        if ttl == 0 {
            return Ok(());
        }
        let now = self.now_ms();
        let record = DedupeRecord {
            created_at: now,
            expires_at: now.saturating_add(i64::try_from(ttl * 1000).unwrap_or(i64::MAX)),
            job_id: job_id.to_owned(),
            files: (0..images.len())
                .map(|i| format!("{i}.{extension}"))
                .collect(),
            content_type: content_type.to_owned(),
            cost,
        };
        self.store.budget_dedupe_put(key, &record, images)
    }
}

fn usd(totals: &Totals, spent: bool) -> PeriodUsd {
    let a = if spent { totals.spent } else { totals.reserved };
    PeriodUsd {
        day: micros_to_usd(a.day),
        month: micros_to_usd(a.month),
        session: micros_to_usd(a.session),
    }
}
