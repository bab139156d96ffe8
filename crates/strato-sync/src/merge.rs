//! The sorted merge by external id (Cloudpods' CompareSets): cloud listing vs stored rows ->
//! add / update / remove, with unique local names and change-log entries.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use strato_store::synced::{children_json, ChangeEntry, ChangeSource, KindDef, ResourceId, ScanRow, StoredRow, SyncDigest, SyncRow, Value};
use strato_types::CloudAccountId;

use crate::kinds::Desired;

/// What the merge decided for one scope.
#[derive(Debug, Default)]
pub struct Plan {
    pub inserts: Vec<SyncRow>,
    pub updates: Vec<SyncRow>,
    pub removals: Vec<ScanRow>,
    /// External ids the cloud listed more than once (the first one is kept).
    pub duplicates: Vec<String>,
    /// External id -> local id of every row in scope after the merge.
    pub ids: HashMap<String, ResourceId>,
}

/// Merges a complete listing into the stored rows of its scope. With `only`, the listing is a
/// targeted re-read of that one external id: other stored rows are left alone.
pub fn plan(desired: Vec<Desired>, stored: Vec<ScanRow>, only: Option<&str>) -> Plan {
    plan_with(desired, stored, only, false)
}

/// `plan`, and with `force` every matched row is rewritten whatever its hash says.
///
/// Both sides are consumed and their strings moved, never copied: a no-change re-sync of a
/// large scope is this loop, one digest per row and nothing else.
pub fn plan_with(mut desired: Vec<Desired>, mut stored: Vec<ScanRow>, only: Option<&str>, force: bool) -> Plan {
    let mut plan = Plan::default();
    desired.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    desired.dedup_by(|later, first| {
        let dup = later.external_id == first.external_id;
        if dup {
            plan.duplicates.push(later.external_id.clone());
        }
        dup
    });
    plan.duplicates.dedup();
    stored.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    plan.ids.reserve(desired.len().max(stored.len()));

    // Local names of the stored rows that stay; they only matter when a name is chosen.
    let mut kept_names = Vec::with_capacity(stored.len());
    let mut adds = Vec::new();
    let mut changed: Vec<(SyncRow, String)> = Vec::new();
    let mut desired = desired.into_iter().peekable();
    let mut stored = stored.into_iter().peekable();
    loop {
        let order = match (desired.peek(), stored.peek()) {
            (Some(d), Some(s)) => d.external_id.cmp(&s.external_id),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match order {
            Ordering::Less => adds.extend(desired.next()),
            Ordering::Greater => {
                let Some(s) = stored.next() else { break };
                if only.is_none_or(|o| o == s.external_id) {
                    plan.removals.push(s);
                } else {
                    plan.ids.insert(s.external_id, s.id);
                    kept_names.push(s.name);
                }
            }
            Ordering::Equal => {
                let (Some(d), Some(s)) = (desired.next(), stored.next()) else { break };
                if force || !SyncDigest::of(&d.cloud_name, &d.values, &d.children).matches(s.sync_hash.as_deref()) {
                    changed.push((to_row(d, s.id, s.name.clone()), s.name));
                } else {
                    kept_names.push(s.name);
                }
                plan.ids.insert(s.external_id, s.id);
            }
        }
    }

    let renames = changed.iter().any(|(row, old)| !keeps_name(old, &row.cloud_name));
    let mut taken: HashSet<String> = if adds.is_empty() && !renames {
        HashSet::new()
    } else {
        kept_names.into_iter().chain(changed.iter().map(|(_, old)| old.clone())).collect()
    };
    for (mut row, old_name) in changed {
        if !keeps_name(&old_name, &row.cloud_name) {
            taken.remove(&old_name);
            let name = unique_name(&row.cloud_name, &row.external_id, &mut taken);
            row.values[0] = Value::text(name);
        }
        plan.updates.push(row);
    }
    for d in adds {
        let name = unique_name(&d.cloud_name, &d.external_id, &mut taken);
        let row = to_row(d, ResourceId::new(), name);
        plan.ids.insert(row.external_id.clone(), row.id);
        plan.inserts.push(row);
    }
    plan
}

fn to_row(d: Desired, id: ResourceId, name: String) -> SyncRow {
    let mut values = Vec::with_capacity(d.values.len() + 1);
    values.push(Value::text(name));
    values.extend(d.values);
    SyncRow { id, external_id: d.external_id, cloud_name: d.cloud_name, values, children: d.children, project_id: None }
}

/// A stored name still fits the cloud name: equal, or the cloud name with our clash suffix.
fn keeps_name(stored: &str, cloud: &str) -> bool {
    let base = if cloud.is_empty() { return false } else { cloud };
    stored == base || stored.strip_prefix(base).and_then(|r| r.strip_prefix('-')).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The cloud name, or the first free `name-N`; the external id for unnamed resources.
fn unique_name(cloud: &str, external_id: &str, taken: &mut HashSet<String>) -> String {
    let base = if cloud.trim().is_empty() { external_id } else { cloud };
    let mut name = base.to_string();
    let mut n = 1;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// Whom the change log credits with a write: a sync run, or the user whose operation re-read
/// the resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeOrigin {
    pub source: ChangeSource,
    pub actor: String,
}

impl ChangeOrigin {
    pub fn sync(run: impl ToString) -> Self {
        ChangeOrigin { source: ChangeSource::Sync, actor: run.to_string() }
    }
    pub fn user(name: impl Into<String>) -> Self {
        ChangeOrigin { source: ChangeSource::User, actor: name.into() }
    }
}

/// Change-log entries for updated rows (old values from the store) and removed rows.
pub fn changes(
    def: &KindDef,
    account: CloudAccountId,
    origin: &ChangeOrigin,
    updates: &[SyncRow],
    old: &[StoredRow],
    removals: &[ScanRow],
) -> Vec<ChangeEntry> {
    let old: HashMap<ResourceId, &StoredRow> = old.iter().map(|o| (o.id, o)).collect();
    let columns: Vec<&str> = def.synced_columns().map(|c| c.name).collect();
    let entry = |id: ResourceId, field: &str, old_value: Option<String>, new_value: Option<String>| ChangeEntry {
        resource_kind: def.keyword(),
        resource_id: id,
        cloudaccount_id: Some(account),
        field: field.to_string(),
        old_value,
        new_value,
        source: origin.source,
        actor: Some(origin.actor.clone()),
    };
    let mut out = Vec::new();
    for row in updates {
        let Some(before) = old.get(&row.id) else { continue };
        for (k, (a, b)) in before.values.iter().zip(&row.values).enumerate() {
            if !same(a, b) {
                out.push(entry(row.id, columns[k], a.render(), b.render()));
            }
        }
        for ((child, a), b) in def.children.iter().zip(&before.children).zip(children_json(row)) {
            if *a != b {
                out.push(entry(row.id, child.field, Some(a.clone()), Some(b)));
            }
        }
    }
    for r in removals {
        out.push(entry(r.id, "removed", Some(r.external_id.clone()), None));
    }
    out
}

/// Equal values; an integer stored from a bool (SQLite) compares by truth.
fn same(a: &Value, b: &Value) -> bool {
    a == b
}
