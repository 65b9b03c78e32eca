//! The budget ledger on redb: reservations, settled charges, running totals per UTC day,
//! calendar month and session, the per-session rate-limit clock and the dedupe index.
//!
//! Every decision that touches money happens inside ONE write transaction: checking the
//! caps against `spent + reserved` and inserting the reservation ([`Store::budget_reserve`]);
//! replacing a reservation by a charge ([`Store::budget_settle`]); dropping it
//! ([`Store::budget_release`]). redb serialises write transactions, so two requests can never
//! both pass a check that only one of them fits (the defect of checking and recording in
//! separate steps).
//!
//! Amounts are integer micro-dollars (`1 USD = 1_000_000`), so sums never drift.
//!
//! Tables:
//! - `budget_totals`: `spent/day/<YYYY-MM-DD>`, `spent/month/<YYYY-MM>`, `spent/session/<id>`
//!   and the same with `reserved/` → micro-dollars (`u64`), so a check never scans the ledger;
//! - `budget_reservations`: reservation id (the cloud job's id) → [`Reservation`] as JSON;
//! - `budget_ledger`: entry id → [`LedgerEntry`] as JSON (charges and free dedupe hits);
//! - `budget_sessions`: session id → the last expensive call's start, ms since the epoch;
//! - `budget_dedupe`: request key → [`DedupeRecord`] as JSON (result files live under
//!   `<data_dir>/cloud-cache/<key>/`).
//!
//! Reservations and the rate-limit clock are committed without `fsync`: after a crash every
//! reservation is released anyway (no job survives a restart), so losing them costs nothing.
//! Charges are committed durably.

use std::path::PathBuf;

use redb::{ReadableTable, ReadableTableMetadata, Table, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::Store;
use super::files::TMP_SUFFIX;
use super::records::{RecordId, new_id};
use super::tables::{from_json, io_error, to_json};
use crate::{Error, Result};

/// `budget_totals`: running sums in micro-dollars.
pub(super) const BUDGET_TOTALS: TableDefinition<&str, u64> = TableDefinition::new("budget_totals");
/// `budget_reservations`: open reservations.
pub(super) const BUDGET_RESERVATIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("budget_reservations");
/// `budget_ledger`: settled charges and dedupe hits.
pub(super) const BUDGET_LEDGER: TableDefinition<&str, &[u8]> =
    TableDefinition::new("budget_ledger");
/// `budget_sessions`: last expensive call per session.
pub(super) const BUDGET_SESSIONS: TableDefinition<&str, i64> =
    TableDefinition::new("budget_sessions");
/// `budget_dedupe`: stored results of recent paid requests.
pub(super) const BUDGET_DEDUPE: TableDefinition<&str, &[u8]> =
    TableDefinition::new("budget_dedupe");

/// Folder (inside the data dir) of the dedupe cache's result files.
pub const CLOUD_CACHE_DIR: &str = "cloud-cache";

/// Longest accepted session id.
pub const MAX_SESSION_LEN: usize = 128;

/// Micro-dollars per dollar.
pub const MICROS_PER_USD: f64 = 1_000_000.0;

/// Converts dollars to micro-dollars (negative and NaN → 0, rounded to the nearest micro).
pub fn usd_to_micros(usd: f64) -> u64 {
    if usd.is_finite() && usd > 0.0 {
        // Saturating float → int conversion; caps beyond u64 are "effectively unlimited".
        (usd * MICROS_PER_USD).round() as u64
    } else {
        0
    }
}

/// Converts micro-dollars to dollars.
pub fn micros_to_usd(micros: u64) -> f64 {
    micros as f64 / MICROS_PER_USD
}

/// Which cap a request hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CapKind {
    /// Per UTC day.
    Daily,
    /// Per calendar month (UTC).
    Monthly,
    /// Per browser/API session.
    Session,
}

impl std::fmt::Display for CapKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CapKind {
    /// The name used in messages and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Monthly => "monthly",
            Self::Session => "session",
        }
    }
}

/// Spending caps in micro-dollars; 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caps {
    /// Per UTC day.
    pub daily: u64,
    /// Per calendar month.
    pub monthly: u64,
    /// Per session.
    pub session: u64,
}

/// The accounting periods a moment falls in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periods {
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// UTC month, `YYYY-MM`.
    pub month: String,
}

impl Periods {
    /// The UTC day and month of `ms` (milliseconds since the epoch).
    pub fn at(ms: i64) -> Self {
        let (y, m, d) = super::files::civil_from_days(ms.div_euclid(86_400_000));
        Self {
            day: format!("{y:04}-{m:02}-{d:02}"),
            month: format!("{y:04}-{m:02}"),
        }
    }
}

/// Sums for one day, month and session, in micro-dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PeriodAmounts {
    /// The day.
    pub day: u64,
    /// The month.
    pub month: u64,
    /// The session.
    pub session: u64,
}

/// Spent (settled) and reserved (in flight) amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    /// Settled charges.
    pub spent: PeriodAmounts,
    /// Open reservations.
    pub reserved: PeriodAmounts,
}

/// An amount held for a call in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Reservation id (the cloud job's id).
    pub id: RecordId,
    /// Session that made the call.
    pub session: String,
    /// Provider model.
    pub model: String,
    /// `edit`, `generation` or `variation`.
    pub operation: String,
    /// Held amount, micro-dollars (the estimate).
    pub amount: u64,
    /// Periods the amount counts in (those of the moment it was reserved).
    pub periods: Periods,
    /// When it was made, ms since the epoch.
    pub created_at: i64,
}

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// A provider call that was billed.
    Charge,
    /// An identical request answered from the dedupe cache, at no cost.
    DedupeHit,
}

/// One settled line of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerEntry {
    /// Entry id (the job's id for charges).
    pub id: RecordId,
    /// Charge or dedupe hit.
    pub kind: LedgerKind,
    /// Session.
    pub session: String,
    /// Provider model.
    pub model: String,
    /// Operation.
    pub operation: String,
    /// Amount charged, micro-dollars.
    pub amount: u64,
    /// The estimate it was reserved with, micro-dollars.
    pub estimate: u64,
    /// UTC day it counts in.
    pub day: String,
    /// UTC month it counts in.
    pub month: String,
    /// When it was recorded, ms since the epoch.
    pub created_at: i64,
    /// The provider's response id, when it gave one.
    pub response_id: Option<String>,
}

/// A request for a reservation.
#[derive(Debug, Clone)]
pub struct ReserveRequest {
    /// Reservation id (the cloud job's id).
    pub id: RecordId,
    /// Session making the call.
    pub session: String,
    /// Provider model.
    pub model: String,
    /// Operation.
    pub operation: String,
    /// Estimated cost, micro-dollars.
    pub estimate: u64,
    /// The caps to enforce.
    pub caps: Caps,
    /// Minimum time between two expensive calls of one session, ms (0 = none).
    pub min_interval_ms: u64,
    /// The current time, ms since the epoch (from the guard's clock).
    pub now_ms: i64,
}

/// The guard's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// The amount is held.
    Reserved(Reservation),
    /// A cap would be exceeded; nothing was written.
    OverCap {
        /// Which cap.
        cap: CapKind,
        /// Its limit, micro-dollars.
        limit: u64,
        /// Already settled in its period, micro-dollars.
        spent: u64,
        /// Held by calls in flight in its period, micro-dollars.
        reserved: u64,
        /// The refused estimate, micro-dollars.
        estimate: u64,
    },
    /// The session called less than the minimum interval ago; nothing was written.
    RateLimited {
        /// How long until the session may call again, ms.
        retry_after_ms: u64,
    },
}

/// A stored result of a paid request, reused for identical requests within its TTL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupeRecord {
    /// When it was stored, ms since the epoch.
    pub created_at: i64,
    /// When it stops being reused, ms since the epoch.
    pub expires_at: i64,
    /// The job that paid for it.
    pub job_id: RecordId,
    /// File names of the images under `cloud-cache/<key>/`, in order.
    pub files: Vec<String>,
    /// MIME type of the images.
    pub content_type: String,
    /// What the original call cost, micro-dollars.
    pub cost: u64,
}

fn total_key(kind: &str, period: &str, value: &str) -> String {
    format!("{kind}/{period}/{value}")
}

fn get_total(table: &impl ReadableTable<&'static str, u64>, key: &str) -> Result<u64> {
    Ok(table.get(key)?.map_or(0, |v| v.value()))
}

fn add_total(table: &mut Table<&'static str, u64>, key: &str, delta: i128) -> Result<()> {
    let current = i128::from(get_total(table, key)?);
    let next = (current + delta).clamp(0, i128::from(u64::MAX));
    let next = u64::try_from(next).unwrap_or(0);
    if next == 0 {
        table.remove(key)?;
    } else {
        table.insert(key, next)?;
    }
    Ok(())
}

/// Adds `delta` to the `kind` totals (`spent` or `reserved`) of a day, month and session.
fn add_totals(
    table: &mut Table<&'static str, u64>,
    kind: &str,
    periods: &Periods,
    session: &str,
    delta: i128,
) -> Result<()> {
    add_total(table, &total_key(kind, "day", &periods.day), delta)?;
    add_total(table, &total_key(kind, "month", &periods.month), delta)?;
    add_total(table, &total_key(kind, "session", session), delta)
}

fn read_totals(
    table: &impl ReadableTable<&'static str, u64>,
    periods: &Periods,
    session: &str,
) -> Result<Totals> {
    let amounts = |kind: &str| -> Result<PeriodAmounts> {
        Ok(PeriodAmounts {
            day: get_total(table, &total_key(kind, "day", &periods.day))?,
            month: get_total(table, &total_key(kind, "month", &periods.month))?,
            session: get_total(table, &total_key(kind, "session", session))?,
        })
    };
    Ok(Totals {
        spent: amounts("spent")?,
        reserved: amounts("reserved")?,
    })
}

/// The first non-zero cap that `estimate` would exceed, checked day, month, session: the
/// refusal [`Store::budget_reserve`] returns (and the guard's advisory check reports).
pub fn over_cap(caps: Caps, totals: &Totals, estimate: u64) -> Option<ReserveOutcome> {
    let checks = [
        (
            CapKind::Daily,
            caps.daily,
            totals.spent.day,
            totals.reserved.day,
        ),
        (
            CapKind::Monthly,
            caps.monthly,
            totals.spent.month,
            totals.reserved.month,
        ),
        (
            CapKind::Session,
            caps.session,
            totals.spent.session,
            totals.reserved.session,
        ),
    ];
    checks
        .into_iter()
        .find_map(|(cap, limit, spent, reserved)| {
            let total = u128::from(spent) + u128::from(reserved) + u128::from(estimate);
            (limit != 0 && total > u128::from(limit)).then_some(ReserveOutcome::OverCap {
                cap,
                limit,
                spent,
                reserved,
                estimate,
            })
        })
}

pub(super) fn check_session(session: &str) -> Result<()> {
    if session.is_empty() || session.len() > MAX_SESSION_LEN || session.contains('/') {
        return Err(Error::BadRequest(format!(
            "invalid session id (1..={MAX_SESSION_LEN} bytes, no `/`)"
        )));
    }
    Ok(())
}

/// Opens the budget tables (start-up).
pub(super) fn create_tables(txn: &WriteTransaction) -> Result<()> {
    txn.open_table(BUDGET_TOTALS)?;
    txn.open_table(BUDGET_RESERVATIONS)?;
    txn.open_table(BUDGET_LEDGER)?;
    txn.open_table(BUDGET_SESSIONS)?;
    txn.open_table(BUDGET_DEDUPE)?;
    Ok(())
}

/// Start-up: releases every open reservation (no job survives a restart, so none is live).
/// Returns how many were released.
pub(super) fn release_all(txn: &WriteTransaction) -> Result<u64> {
    let mut reservations = txn.open_table(BUDGET_RESERVATIONS)?;
    let mut totals = txn.open_table(BUDGET_TOTALS)?;
    let mut open = Vec::new();
    for row in reservations.iter()? {
        let (_, value) = row?;
        open.push(from_json::<Reservation>(value.value())?);
    }
    for r in &open {
        add_totals(
            &mut totals,
            "reserved",
            &r.periods,
            &r.session,
            -i128::from(r.amount),
        )?;
        reservations.remove(r.id.as_str())?;
    }
    Ok(open.len() as u64)
}

impl Store {
    /// Checks the rate limit and the caps and, if the request fits, holds its estimate — all
    /// in one write transaction. Nothing is written when the answer is no.
    pub fn budget_reserve(&self, req: &ReserveRequest) -> Result<ReserveOutcome> {
        check_session(&req.session)?;
        let mut txn = self.begin_write()?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| Error::Storage(e.to_string()))?;
        let periods = Periods::at(req.now_ms);
        let outcome = {
            let mut sessions = txn.open_table(BUDGET_SESSIONS)?;
            if req.min_interval_ms > 0
                && let Some(last) = sessions.get(req.session.as_str())?.map(|v| v.value())
            {
                let since = req.now_ms.saturating_sub(last);
                let interval = i64::try_from(req.min_interval_ms).unwrap_or(i64::MAX);
                if since < interval {
                    let wait = u64::try_from(interval - since.max(0)).unwrap_or(0);
                    return Ok(ReserveOutcome::RateLimited {
                        retry_after_ms: wait,
                    });
                }
            }
            let mut totals = txn.open_table(BUDGET_TOTALS)?;
            let current = read_totals(&totals, &periods, &req.session)?;
            if let Some(refusal) = over_cap(req.caps, &current, req.estimate) {
                return Ok(refusal);
            }
            let mut reservations = txn.open_table(BUDGET_RESERVATIONS)?;
            if reservations.get(req.id.as_str())?.is_some() {
                return Err(Error::Conflict(format!(
                    "reservation {} already exists",
                    req.id
                )));
            }
            let reservation = Reservation {
                id: req.id.clone(),
                session: req.session.clone(),
                model: req.model.clone(),
                operation: req.operation.clone(),
                amount: req.estimate,
                periods,
                created_at: req.now_ms,
            };
            reservations.insert(req.id.as_str(), to_json(&reservation)?.as_slice())?;
            add_totals(
                &mut totals,
                "reserved",
                &reservation.periods,
                &reservation.session,
                i128::from(reservation.amount),
            )?;
            sessions.insert(req.session.as_str(), req.now_ms)?;
            ReserveOutcome::Reserved(reservation)
        };
        txn.commit()?;
        Ok(outcome)
    }

    /// Replaces a reservation by a durable charge of `actual` micro-dollars (counted in the
    /// reservation's periods). Returns the ledger entry, or `None` if the reservation is not
    /// open (already settled or released).
    pub fn budget_settle(
        &self,
        id: &str,
        actual: u64,
        response_id: Option<String>,
        now_ms: i64,
    ) -> Result<Option<LedgerEntry>> {
        let txn = self.begin_write()?;
        let entry = {
            let mut reservations = txn.open_table(BUDGET_RESERVATIONS)?;
            let Some(reservation) = reservations
                .remove(id)?
                .map(|v| from_json::<Reservation>(v.value()))
                .transpose()?
            else {
                return Ok(None);
            };
            let mut totals = txn.open_table(BUDGET_TOTALS)?;
            let r = &reservation;
            add_totals(
                &mut totals,
                "reserved",
                &r.periods,
                &r.session,
                -i128::from(r.amount),
            )?;
            add_totals(
                &mut totals,
                "spent",
                &r.periods,
                &r.session,
                i128::from(actual),
            )?;
            let entry = LedgerEntry {
                id: r.id.clone(),
                kind: LedgerKind::Charge,
                session: r.session.clone(),
                model: r.model.clone(),
                operation: r.operation.clone(),
                amount: actual,
                estimate: r.amount,
                day: r.periods.day.clone(),
                month: r.periods.month.clone(),
                created_at: now_ms,
                response_id,
            };
            let mut ledger = txn.open_table(BUDGET_LEDGER)?;
            ledger.insert(entry.id.as_str(), to_json(&entry)?.as_slice())?;
            entry
        };
        txn.commit()?;
        Ok(Some(entry))
    }

    /// Drops a reservation without a charge (the call failed and was not billed). Returns
    /// whether it was open.
    pub fn budget_release(&self, id: &str) -> Result<bool> {
        let mut txn = self.begin_write()?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| Error::Storage(e.to_string()))?;
        {
            let mut reservations = txn.open_table(BUDGET_RESERVATIONS)?;
            let Some(r) = reservations
                .remove(id)?
                .map(|v| from_json::<Reservation>(v.value()))
                .transpose()?
            else {
                return Ok(false);
            };
            let mut totals = txn.open_table(BUDGET_TOTALS)?;
            add_totals(
                &mut totals,
                "reserved",
                &r.periods,
                &r.session,
                -i128::from(r.amount),
            )?;
        }
        txn.commit()?;
        Ok(true)
    }

    /// Records a free dedupe hit in the ledger.
    pub fn budget_record_dedupe_hit(
        &self,
        session: &str,
        model: &str,
        operation: &str,
        now_ms: i64,
    ) -> Result<LedgerEntry> {
        check_session(session)?;
        let periods = Periods::at(now_ms);
        let entry = LedgerEntry {
            id: new_id(),
            kind: LedgerKind::DedupeHit,
            session: session.to_owned(),
            model: model.to_owned(),
            operation: operation.to_owned(),
            amount: 0,
            estimate: 0,
            day: periods.day,
            month: periods.month,
            created_at: now_ms,
            response_id: None,
        };
        let mut txn = self.begin_write()?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| Error::Storage(e.to_string()))?;
        {
            let mut ledger = txn.open_table(BUDGET_LEDGER)?;
            ledger.insert(entry.id.as_str(), to_json(&entry)?.as_slice())?;
        }
        txn.commit()?;
        Ok(entry)
    }

    /// Spent and reserved amounts for the periods of `now_ms` and one session.
    pub fn budget_totals(&self, session: &str, now_ms: i64) -> Result<Totals> {
        check_session(session)?;
        let txn = self.begin_read()?;
        let totals = txn.open_table(BUDGET_TOTALS)?;
        read_totals(&totals, &Periods::at(now_ms), session)
    }

    /// When `session` last made a paid call (ms since the epoch), if ever.
    pub fn budget_last_call(&self, session: &str) -> Result<Option<i64>> {
        check_session(session)?;
        let txn = self.begin_read()?;
        let table = txn.open_table(BUDGET_SESSIONS)?;
        Ok(table.get(session)?.map(|v| v.value()))
    }

    /// Open reservations (oldest first).
    pub fn budget_reservations(&self) -> Result<Vec<Reservation>> {
        let txn = self.begin_read()?;
        let table = txn.open_table(BUDGET_RESERVATIONS)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            out.push(from_json(row?.1.value())?);
        }
        out.sort_by_key(|r: &Reservation| r.created_at);
        Ok(out)
    }

    /// Ledger entries, newest first, at most `limit`, older than `before` when given.
    pub fn budget_ledger(&self, limit: usize, before: Option<&str>) -> Result<Vec<LedgerEntry>> {
        let txn = self.begin_read()?;
        let table = txn.open_table(BUDGET_LEDGER)?;
        let mut out = Vec::new();
        let rows = match before {
            Some(b) => table.range(..b)?,
            None => table.range::<&str>(..)?,
        };
        for row in rows.rev().take(limit) {
            out.push(from_json(row?.1.value())?);
        }
        Ok(out)
    }

    /// Number of ledger entries.
    pub fn budget_ledger_len(&self) -> Result<u64> {
        let txn = self.begin_read()?;
        Ok(txn.open_table(BUDGET_LEDGER)?.len()?)
    }

    /// A live dedupe record and its images, or `None` when absent, expired or its files are
    /// gone (an expired record is left for [`Store::budget_dedupe_sweep`]).
    pub fn budget_dedupe_get(
        &self,
        key: &str,
        now_ms: i64,
    ) -> Result<Option<(DedupeRecord, Vec<Vec<u8>>)>> {
        check_dedupe_key(key)?;
        let record = {
            let txn = self.begin_read()?;
            let table = txn.open_table(BUDGET_DEDUPE)?;
            match table.get(key)? {
                Some(v) => from_json::<DedupeRecord>(v.value())?,
                None => return Ok(None),
            }
        };
        if record.expires_at <= now_ms {
            return Ok(None);
        }
        let dir = self.dedupe_dir(key);
        let mut images = Vec::with_capacity(record.files.len());
        for name in &record.files {
            match std::fs::read(dir.join(name)) {
                Ok(bytes) => images.push(bytes),
                Err(_) => return Ok(None),
            }
        }
        Ok(Some((record, images)))
    }

    /// Stores the images of a paid request under its dedupe key (files first, then the
    /// record, so a crash leaves at most an orphan folder that the next sweep removes).
    pub fn budget_dedupe_put(
        &self,
        key: &str,
        record: &DedupeRecord,
        images: &[Vec<u8>],
    ) -> Result<()> {
        check_dedupe_key(key)?;
        if record.files.len() != images.len() {
            return Err(Error::Storage(
                "dedupe record names a different number of files than it stores".into(),
            ));
        }
        let dir = self.dedupe_dir(key);
        std::fs::create_dir_all(&dir).map_err(|e| {
            io_error(
                "storing a cloud result",
                || format!("creating {}", dir.display()),
                e,
            )
        })?;
        for (name, bytes) in record.files.iter().zip(images) {
            if name.contains(['/', '\\']) || name.starts_with('.') || name.ends_with(TMP_SUFFIX) {
                return Err(Error::Storage(format!("bad dedupe file name `{name}`")));
            }
            let path = dir.join(name);
            crate::atomic_write::write_atomically(&path, bytes).map_err(|e| {
                io_error(
                    "storing a cloud result",
                    || format!("writing {}", path.display()),
                    e,
                )
            })?;
        }
        let mut txn = self.begin_write()?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| Error::Storage(e.to_string()))?;
        {
            let mut table = txn.open_table(BUDGET_DEDUPE)?;
            table.insert(key, to_json(record)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Removes expired dedupe records and their files, and folders no record names. Returns
    /// how many records were removed.
    pub fn budget_dedupe_sweep(&self, now_ms: i64) -> Result<u64> {
        let txn = self.begin_write()?;
        let (expired, live) = {
            let mut table = txn.open_table(BUDGET_DEDUPE)?;
            let mut expired = Vec::new();
            let mut live = std::collections::HashSet::new();
            for row in table.iter()? {
                let (k, v) = row?;
                let record: DedupeRecord = from_json(v.value())?;
                if record.expires_at <= now_ms {
                    expired.push(k.value().to_owned());
                } else {
                    live.insert(k.value().to_owned());
                }
            }
            for key in &expired {
                table.remove(key.as_str())?;
            }
            (expired, live)
        };
        txn.commit()?;
        let root = self.data_dir().join(CLOUD_CACHE_DIR);
        if let Ok(dirs) = std::fs::read_dir(&root) {
            for dir in dirs.flatten() {
                let name = dir.file_name().to_string_lossy().into_owned();
                if !live.contains(&name) {
                    let _ = std::fs::remove_dir_all(dir.path());
                }
            }
        }
        Ok(expired.len() as u64)
    }

    fn dedupe_dir(&self, key: &str) -> PathBuf {
        self.data_dir().join(CLOUD_CACHE_DIR).join(key)
    }
}

/// Dedupe keys are lower-case hex SHA-256 digests.
fn check_dedupe_key(key: &str) -> Result<()> {
    if key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(())
    } else {
        Err(Error::BadRequest("invalid dedupe key".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    const DAY_MS: i64 = 86_400_000;
    /// 2026-11-26T12:00:00Z.
    const NOON: i64 = 1_795_694_400_000;

    fn req(id: &str, session: &str, estimate: u64, caps: Caps, now_ms: i64) -> ReserveRequest {
        ReserveRequest {
            id: id.to_owned(),
            session: session.to_owned(),
            model: "gpt-image-1".into(),
            operation: "edit".into(),
            estimate,
            caps,
            min_interval_ms: 0,
            now_ms,
        }
    }

    fn caps(daily: u64, monthly: u64, session: u64) -> Caps {
        Caps {
            daily,
            monthly,
            session,
        }
    }

    #[test]
    fn periods_are_utc_day_and_month() {
        assert_eq!(Periods::at(NOON).day, "2026-11-26");
        assert_eq!(Periods::at(NOON).month, "2026-11");
        assert_eq!(Periods::at(0).day, "1970-01-01");
    }

    #[test]
    fn reserve_settle_and_release_keep_totals() {
        let dir = temp_dir();
        let store = open(&dir);
        let unlimited = Caps::default();
        let ReserveOutcome::Reserved(_) = store
            .budget_reserve(&req("a", "s1", 100, unlimited, NOON))
            .unwrap()
        else {
            panic!("expected a reservation");
        };
        store
            .budget_reserve(&req("b", "s1", 50, unlimited, NOON))
            .unwrap();
        let t = store.budget_totals("s1", NOON).unwrap();
        assert_eq!(t.reserved.day, 150);
        assert_eq!(t.spent.day, 0);

        let entry = store
            .budget_settle("a", 80, Some("resp_1".into()), NOON)
            .unwrap()
            .unwrap();
        assert_eq!((entry.amount, entry.estimate), (80, 100));
        assert!(store.budget_release("b").unwrap());
        assert!(!store.budget_release("b").unwrap());
        assert!(store.budget_settle("a", 1, None, NOON).unwrap().is_none());
        let t = store.budget_totals("s1", NOON).unwrap();
        assert_eq!(
            t.spent,
            PeriodAmounts {
                day: 80,
                month: 80,
                session: 80
            }
        );
        assert_eq!(t.reserved, PeriodAmounts::default());
        assert_eq!(store.budget_ledger_len().unwrap(), 1);
    }

    #[test]
    fn caps_count_spent_plus_reserved_and_name_the_cap() {
        let dir = temp_dir();
        let store = open(&dir);
        let c = caps(0, 0, 250);
        store.budget_reserve(&req("a", "s", 100, c, NOON)).unwrap();
        store.budget_settle("a", 100, None, NOON).unwrap();
        store.budget_reserve(&req("b", "s", 100, c, NOON)).unwrap();
        let refused = store.budget_reserve(&req("c", "s", 100, c, NOON)).unwrap();
        assert_eq!(
            refused,
            ReserveOutcome::OverCap {
                cap: CapKind::Session,
                limit: 250,
                spent: 100,
                reserved: 100,
                estimate: 100
            }
        );
        // Another session is not limited by this one's cap.
        assert!(matches!(
            store
                .budget_reserve(&req("d", "other", 100, c, NOON))
                .unwrap(),
            ReserveOutcome::Reserved(_)
        ));
        // Exactly reaching the cap is allowed.
        assert!(matches!(
            store.budget_reserve(&req("e", "s", 50, c, NOON)).unwrap(),
            ReserveOutcome::Reserved(_)
        ));
    }

    #[test]
    fn daily_cap_resets_at_utc_midnight_and_monthly_at_month_start() {
        let dir = temp_dir();
        let store = open(&dir);
        let c = caps(100, 150, 0);
        store.budget_reserve(&req("a", "s", 100, c, NOON)).unwrap();
        store.budget_settle("a", 100, None, NOON).unwrap();
        // Same day: daily cap hit.
        let same_day = NOON + 11 * 3_600_000;
        assert!(matches!(
            store
                .budget_reserve(&req("b", "s", 1, c, same_day))
                .unwrap(),
            ReserveOutcome::OverCap {
                cap: CapKind::Daily,
                ..
            }
        ));
        // Next day: the daily cap allows it, the monthly one still counts yesterday.
        let next_day = NOON + DAY_MS;
        assert!(matches!(
            store
                .budget_reserve(&req("c", "s", 50, c, next_day))
                .unwrap(),
            ReserveOutcome::Reserved(_)
        ));
        assert!(matches!(
            store
                .budget_reserve(&req("d", "s", 1, c, next_day))
                .unwrap(),
            ReserveOutcome::OverCap {
                cap: CapKind::Monthly,
                ..
            }
        ));
        // 2026-12-01: a new month.
        let december = NOON + 5 * DAY_MS;
        assert_eq!(Periods::at(december).month, "2026-12");
        assert!(matches!(
            store
                .budget_reserve(&req("e", "s", 100, c, december))
                .unwrap(),
            ReserveOutcome::Reserved(_)
        ));
    }

    #[test]
    fn rate_limit_is_per_session_and_writes_nothing() {
        let dir = temp_dir();
        let store = open(&dir);
        let mut r = req("a", "s", 10, Caps::default(), NOON);
        r.min_interval_ms = 10_000;
        assert!(matches!(
            store.budget_reserve(&r).unwrap(),
            ReserveOutcome::Reserved(_)
        ));
        let mut again = r.clone();
        again.id = "b".into();
        again.now_ms = NOON + 4_000;
        assert_eq!(
            store.budget_reserve(&again).unwrap(),
            ReserveOutcome::RateLimited {
                retry_after_ms: 6_000
            }
        );
        assert_eq!(store.budget_totals("s", NOON).unwrap().reserved.day, 10);
        again.now_ms = NOON + 10_000;
        assert!(matches!(
            store.budget_reserve(&again).unwrap(),
            ReserveOutcome::Reserved(_)
        ));
    }

    #[test]
    fn reopening_releases_open_reservations() {
        let dir = temp_dir();
        {
            let store = open(&dir);
            store
                .budget_reserve(&req("a", "s", 10, Caps::default(), NOON))
                .unwrap();
            store
                .budget_reserve(&req("b", "s", 20, Caps::default(), NOON))
                .unwrap();
            store.budget_settle("b", 20, None, NOON).unwrap();
        }
        let (store, report) = Store::open(dir.path()).unwrap();
        assert_eq!(report.budget_reservations_released, 1);
        let t = store.budget_totals("s", NOON).unwrap();
        assert_eq!((t.reserved.day, t.spent.day), (0, 20));
        assert!(store.budget_reservations().unwrap().is_empty());
    }

    #[test]
    fn dedupe_round_trip_expiry_and_sweep() {
        let dir = temp_dir();
        let store = open(&dir);
        let key = "ab".repeat(32);
        let record = DedupeRecord {
            created_at: NOON,
            expires_at: NOON + 1_000,
            job_id: "j".into(),
            files: vec!["0.png".into(), "1.png".into()],
            content_type: "image/png".into(),
            cost: 5,
        };
        store
            .budget_dedupe_put(&key, &record, &[b"one".to_vec(), b"two".to_vec()])
            .unwrap();
        let (got, images) = store.budget_dedupe_get(&key, NOON + 500).unwrap().unwrap();
        assert_eq!(got, record);
        assert_eq!(images, vec![b"one".to_vec(), b"two".to_vec()]);
        assert!(
            store
                .budget_dedupe_get(&key, NOON + 1_000)
                .unwrap()
                .is_none()
        );
        assert_eq!(store.budget_dedupe_sweep(NOON + 1_000).unwrap(), 1);
        assert!(!dir.path().join(CLOUD_CACHE_DIR).join(&key).exists());
        assert!(store.budget_dedupe_get("../x", NOON).is_err());
    }

    #[test]
    fn usd_conversion_rounds_and_clamps() {
        assert_eq!(usd_to_micros(0.042), 42_000);
        assert_eq!(usd_to_micros(-1.0), 0);
        assert_eq!(usd_to_micros(f64::NAN), 0);
        assert!((micros_to_usd(42_000) - 0.042).abs() < 1e-12);
    }
}
