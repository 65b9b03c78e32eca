//! Jobs: one record per inpaint, indexed by state (`jobs_by_state`) with per-state counters
//! in `meta` so filtered listings never scan all jobs.

use redb::{ReadableTable, ReadableTableMetadata, Table, WriteTransaction};

use super::Store;
use super::records::{Job, JobState, Page, now_ms};
use super::tables::{JOBS, JOBS_BY_STATE, META, from_json, meta_add, meta_get, meta_key, to_json};
use crate::{Error, Result};

/// Longest job id accepted.
const MAX_JOB_ID_LEN: usize = 128;

/// The state's serde name (`queued`, `running`, …).
fn state_name(state: JobState) -> Result<String> {
    match serde_json::to_value(state) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(Error::Storage(format!("cannot name job state {state:?}"))),
    }
}

fn index_key(state: &str, id: &str) -> String {
    format!("{state}/{id}")
}

fn counter_key(state: &str) -> String {
    format!("{}{state}", meta_key::JOBS_PREFIX)
}

/// Moves a job in the state index and counters (`old` = `None` for a new job, `new` = `None`
/// for a deleted one).
fn reindex(
    txn: &WriteTransaction,
    id: &str,
    old: Option<JobState>,
    new: Option<JobState>,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let mut index = txn.open_table(JOBS_BY_STATE)?;
    let mut meta = txn.open_table(META)?;
    if let Some(old) = old {
        let name = state_name(old)?;
        index.remove(index_key(&name, id).as_str())?;
        meta_add(&mut meta, &counter_key(&name), -1)?;
    }
    if let Some(new) = new {
        let name = state_name(new)?;
        index.insert(index_key(&name, id).as_str(), ())?;
        meta_add(&mut meta, &counter_key(&name), 1)?;
    }
    Ok(())
}

fn read_job(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<Job>> {
    match table.get(id)? {
        Some(value) => from_json(value.value()).map(Some),
        None => Ok(None),
    }
}

fn write_job(table: &mut Table<&'static str, &'static [u8]>, job: &Job) -> Result<()> {
    table.insert(job.id.as_str(), to_json(job)?.as_slice())?;
    Ok(())
}

/// Start-up recovery: every `queued`/`running` job becomes `failed` with error
/// "interrupted". Returns how many.
pub(super) fn mark_interrupted(txn: &WriteTransaction) -> Result<u64> {
    let mut ids = Vec::new();
    {
        let index = txn.open_table(JOBS_BY_STATE)?;
        for state in [JobState::Queued, JobState::Running] {
            let prefix = format!("{}/", state_name(state)?);
            for item in index.range(prefix.as_str()..)? {
                let (key, _) = item?;
                let Some(id) = key.value().strip_prefix(&prefix) else {
                    break;
                };
                ids.push((id.to_owned(), state));
            }
        }
    }
    let now = now_ms();
    let mut jobs = txn.open_table(JOBS)?;
    let mut count = 0;
    for (id, old_state) in ids {
        let Some(mut job) = read_job(&jobs, &id)? else {
            continue;
        };
        job.state = JobState::Failed;
        job.error = Some("interrupted".to_owned());
        job.updated_at = now;
        write_job(&mut jobs, &job)?;
        reindex(txn, &id, Some(old_state), Some(JobState::Failed))?;
        count += 1;
    }
    Ok(count)
}

impl Store {
    /// Stores a new job. Fails with [`Error::Conflict`] if a job with this id exists and with
    /// [`Error::BadRequest`] if the id is empty or longer than 128 bytes. Ids should come from
    /// [`super::records::new_id`] so that listings are in creation order.
    pub fn create_job(&self, job: &Job) -> Result<()> {
        if job.id.is_empty() || job.id.len() > MAX_JOB_ID_LEN {
            return Err(Error::BadRequest(format!("invalid job id `{}`", job.id)));
        }
        let txn = self.begin_write()?;
        {
            let mut jobs = txn.open_table(JOBS)?;
            if jobs.get(job.id.as_str())?.is_some() {
                return Err(Error::Conflict(format!("job {} already exists", job.id)));
            }
            write_job(&mut jobs, job)?;
        }
        reindex(&txn, &job.id, None, Some(job.state))?;
        txn.commit()?;
        Ok(())
    }

    /// Changes a job in one write transaction: `f` edits it (keep `f` short: it runs while
    /// holding the database's write lock), then `updated_at` is set to now. The id cannot be
    /// changed. Returns the updated job, or `None` if there is no such job.
    pub fn update_job(&self, id: &str, f: impl FnOnce(&mut Job)) -> Result<Option<Job>> {
        self.update_job_with(id, f, true)
    }

    /// Marks a queued job `running` with a non-durable commit: visible at once to every reader
    /// in this process, but not worth an `fsync` — after a crash the job is found `queued`,
    /// which start-up recovery treats exactly like `running` (failed, "interrupted"). Returns
    /// the job if it changed.
    pub fn mark_job_running(&self, id: &str) -> Result<Option<Job>> {
        let mut changed = false;
        let job = self.update_job_with(
            id,
            |job| {
                if job.state == JobState::Queued {
                    job.state = JobState::Running;
                    changed = true;
                }
            },
            false,
        )?;
        Ok(job.filter(|_| changed))
    }

    /// [`Store::update_job`] with a choice of durability. Nothing is written when `f` leaves
    /// the job as it was.
    fn update_job_with(
        &self,
        id: &str,
        f: impl FnOnce(&mut Job),
        durable: bool,
    ) -> Result<Option<Job>> {
        let mut txn = self.begin_write()?;
        if !durable {
            txn.set_durability(redb::Durability::None)
                .map_err(|e| Error::Storage(e.to_string()))?;
        }
        let job = {
            let mut jobs = txn.open_table(JOBS)?;
            let Some(mut job) = read_job(&jobs, id)? else {
                return Ok(None);
            };
            let before = job.clone();
            f(&mut job);
            id.clone_into(&mut job.id);
            if job == before {
                drop(jobs);
                txn.abort()?;
                return Ok(Some(job));
            }
            job.updated_at = now_ms();
            write_job(&mut jobs, &job)?;
            reindex(&txn, id, Some(before.state), Some(job.state))?;
            job
        };
        txn.commit()?;
        Ok(Some(job))
    }

    /// In a history commit: marks the job with the entry's id (if any, and still active)
    /// `succeeded` with that entry, so the entry and its job's outcome are one durable commit.
    pub(super) fn succeed_job_in(txn: &WriteTransaction, id: &str) -> Result<()> {
        let mut jobs = txn.open_table(JOBS)?;
        let Some(mut job) = read_job(&jobs, id)? else {
            return Ok(());
        };
        if !job.state.is_active() {
            return Ok(());
        }
        let old_state = job.state;
        job.state = JobState::Succeeded;
        job.history_id = Some(id.to_owned());
        job.progress = 1.0;
        job.error = None;
        job.updated_at = now_ms();
        write_job(&mut jobs, &job)?;
        drop(jobs);
        reindex(txn, id, Some(old_state), Some(JobState::Succeeded))
    }

    /// One job.
    pub fn get_job(&self, id: &str) -> Result<Option<Job>> {
        let txn = self.begin_read()?;
        read_job(&txn.open_table(JOBS)?, id)
    }

    /// Jobs newest first (by id), optionally only those in `state`, at most `limit`, starting
    /// after `before` (exclusive; pass the previous page's `next_before`). `total` counts all
    /// jobs (of that state). `limit` 0 returns only the total.
    pub fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Page<Job>> {
        let txn = self.begin_read()?;
        let jobs = txn.open_table(JOBS)?;
        let mut items = Vec::new();
        let mut more = false;
        let total = match state {
            None => {
                let range = match before {
                    Some(before) => jobs.range::<&str>(..before)?,
                    None => jobs.range::<&str>(..)?,
                };
                for item in range.rev() {
                    if items.len() == limit {
                        more = true;
                        break;
                    }
                    let (_, value) = item?;
                    items.push(from_json::<Job>(value.value())?);
                }
                jobs.len()?
            }
            Some(state) => {
                let name = state_name(state)?;
                let prefix = format!("{name}/");
                let start = prefix.clone();
                let end = index_key(&name, before.unwrap_or("\u{10FFFF}"));
                let index = txn.open_table(JOBS_BY_STATE)?;
                for item in index.range(start.as_str()..end.as_str())?.rev() {
                    if items.len() == limit {
                        more = true;
                        break;
                    }
                    let (key, _) = item?;
                    let Some(id) = key.value().strip_prefix(&prefix) else {
                        continue;
                    };
                    if let Some(job) = read_job(&jobs, id)? {
                        items.push(job);
                    }
                }
                meta_get(&txn.open_table(META)?, &counter_key(&name))?
            }
        };
        let next_before = if more && limit > 0 {
            items.last().map(|j: &Job| j.id.clone())
        } else {
            None
        };
        Ok(Page {
            items,
            total,
            next_before,
        })
    }

    /// Deletes a job. Returns whether it existed. Its history entry (if any) stays.
    pub fn delete_job(&self, id: &str) -> Result<bool> {
        let txn = self.begin_write()?;
        let old = {
            let mut jobs = txn.open_table(JOBS)?;
            let old = read_job(&jobs, id)?;
            if old.is_some() {
                jobs.remove(id)?;
            }
            old
        };
        let Some(old) = old else {
            return Ok(false);
        };
        reindex(&txn, id, Some(old.state), None)?;
        txn.commit()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::records::new_id;
    use super::super::test_util::*;
    use super::*;

    fn job(state: JobState) -> Job {
        let now = now_ms();
        Job {
            id: new_id(),
            state,
            kind: "inpaint".into(),
            model: "lama".into(),
            created_at: now,
            updated_at: now,
            progress: 0.0,
            error: None,
            history_id: None,
            width: 8,
            height: 8,
            provider: None,
            cost_usd: None,
        }
    }

    #[test]
    fn create_get_update_delete() {
        let dir = temp_dir();
        let store = open(&dir);
        let j = job(JobState::Queued);
        store.create_job(&j).unwrap();
        assert!(store.create_job(&j).is_err(), "duplicate id");
        assert_eq!(store.get_job(&j.id).unwrap().unwrap(), j);

        let updated = store
            .update_job(&j.id, |job| {
                job.state = JobState::Running;
                job.progress = 0.25;
                job.id = "hijack".into();
            })
            .unwrap()
            .unwrap();
        assert_eq!(updated.id, j.id);
        assert_eq!(updated.state, JobState::Running);
        assert!(updated.updated_at >= j.updated_at);
        assert_eq!(store.get_job(&j.id).unwrap().unwrap(), updated);
        assert!(store.update_job("missing", |_| {}).unwrap().is_none());
        assert_eq!(
            store
                .list_jobs(Some(JobState::Queued), 10, None)
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            store
                .list_jobs(Some(JobState::Running), 10, None)
                .unwrap()
                .total,
            1
        );

        assert!(store.delete_job(&j.id).unwrap());
        assert!(!store.delete_job(&j.id).unwrap());
        assert!(store.get_job(&j.id).unwrap().is_none());
        assert_eq!(
            store
                .list_jobs(Some(JobState::Running), 10, None)
                .unwrap()
                .total,
            0
        );
        assert_eq!(store.list_jobs(None, 10, None).unwrap().total, 0);
    }

    #[test]
    fn list_newest_first_with_state_filter_and_paging() {
        let dir = temp_dir();
        let store = open(&dir);
        let mut ids = Vec::new();
        for i in 0..7 {
            let state = if i % 2 == 0 {
                JobState::Succeeded
            } else {
                JobState::Failed
            };
            let j = job(state);
            store.create_job(&j).unwrap();
            ids.push((j.id, state));
        }
        let all: Vec<_> = ids.iter().rev().map(|(id, _)| id.clone()).collect();
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = store.list_jobs(None, 3, before.as_deref()).unwrap();
            assert_eq!(page.total, 7);
            seen.extend(page.items.iter().map(|j| j.id.clone()));
            match page.next_before {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, all);

        let ok: Vec<_> = ids
            .iter()
            .rev()
            .filter(|(_, s)| *s == JobState::Succeeded)
            .map(|(id, _)| id.clone())
            .collect();
        let first = store.list_jobs(Some(JobState::Succeeded), 3, None).unwrap();
        assert_eq!(first.total, 4);
        assert_eq!(
            first.items.iter().map(|j| j.id.clone()).collect::<Vec<_>>(),
            ok[..3]
        );
        let second = store
            .list_jobs(Some(JobState::Succeeded), 3, first.next_before.as_deref())
            .unwrap();
        assert_eq!(second.items.len(), 1);
        assert_eq!(second.items[0].id, ok[3]);
        assert!(second.next_before.is_none());
    }
}
