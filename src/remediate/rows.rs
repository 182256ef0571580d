//! The accounts to revoke: the pack's `revoke` decisions joined with its accounts and the
//! snapshot's entitlements, per app, each with its revocation (filled in by the plan).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::collectors::{Revocation, RevokeTarget};
use crate::evidence::pack::{read_pack_csv, EvidenceError, Pack};
use crate::model::account as a;
use crate::model::entitlement as e;
use crate::report::review::Decision;

/// One account to revoke, with what the report and the decision say about it.
pub struct Row {
    pub decision: Decision,
    pub email: String,
    pub person: String,
    pub status: String,
    pub found: bool,
    pub revocation: Revocation,
    /// Per call: the outcome of `--apply` ("" when not applied).
    pub applied: Vec<String>,
    /// The account's status as the API answered the revocation (when its answer carries it).
    pub status_after: String,
}

pub type AppRows = BTreeMap<String, Vec<(RevokeTarget, Row)>>;

/// Per (app, account): the `(kind, value)` of its entitlements.
type Held = HashMap<(String, String), Vec<(String, String)>>;

/// The revoke decisions joined with the report's accounts and the snapshot's entitlements, per
/// app, sorted by account id.
pub fn rows_of(pack: &Pack, decided: BTreeMap<(String, String), Decision>, warnings: &mut Vec<String>) -> Result<AppRows, EvidenceError> {
    let mut out: AppRows = BTreeMap::new();
    if decided.is_empty() {
        return Ok(out);
    }
    let (accounts, _) = read_pack_csv(
        pack,
        crate::report::ACCOUNTS_CSV,
        &[a::APP, a::ACCOUNT_ID, a::EMAIL, a::STATUS, a::ACCOUNT_TYPE, a::PERSON_EMAIL],
        &[],
    )?;
    let col = |c: &str| accounts.column(c).and_then(|s| s.str().cloned());
    let (apps, ids, emails, status, types, persons) =
        (col(a::APP)?, col(a::ACCOUNT_ID)?, col(a::EMAIL)?, col(a::STATUS)?, col(a::ACCOUNT_TYPE)?, col(a::PERSON_EMAIL)?);
    let mut at: HashMap<(&str, &str), usize> = HashMap::new();
    for i in 0..accounts.height() {
        at.insert((apps.get(i).unwrap_or(""), ids.get(i).unwrap_or("")), i);
    }
    let mut held = entitlements_of(pack, &decided, warnings)?;
    for ((app, id), decision) in decided {
        let i = at.get(&(app.as_str(), id.as_str())).copied();
        let get = |c: &StringChunked| i.and_then(|i| c.get(i)).unwrap_or("").to_string();
        let email = if i.is_some() { get(&emails) } else { decision.email.clone() };
        let target = RevokeTarget {
            account_id: id.clone(),
            email: email.clone(),
            account_type: get(&types),
            entitlements: held.remove(&(app.clone(), id.clone())).unwrap_or_default(),
        };
        let row = Row {
            email,
            person: get(&persons),
            status: get(&status),
            found: i.is_some(),
            decision,
            revocation: Revocation::default(),
            applied: Vec::new(),
            status_after: String::new(),
        };
        out.entry(app).or_default().push((target, row));
    }
    Ok(out)
}

/// The entitlements of the accounts to revoke, from the pack's snapshot (the manifest names it).
fn entitlements_of(pack: &Pack, decided: &BTreeMap<(String, String), Decision>, warnings: &mut Vec<String>) -> Result<Held, EvidenceError> {
    let mut out = Held::new();
    let file = pack
        .manifest
        .inputs
        .iter()
        .find(|f| f.role == "snapshot" && f.path.ends_with(crate::model::snapshot::ENTITLEMENTS_FILE))
        .map(|f| if Path::new(&f.path).is_absolute() { PathBuf::from(&f.path) } else { pack.dir.join(&f.path) });
    let Some(file) = file.filter(|f| f.exists()) else {
        warnings.push(
            "the report's snapshot is not at hand (its entitlements.parquet): plans that go by groups, desks or events could not be made"
                .into(),
        );
        return Ok(out);
    };
    let read = || -> PolarsResult<DataFrame> {
        let handle = std::fs::File::open(&file).map_err(|err| polars_err!(ComputeError: "{err}"))?;
        let columns = [e::APP, e::ACCOUNT_ID, e::KIND, e::VALUE].map(String::from).to_vec();
        let df = ParquetReader::new(handle).with_columns(Some(columns)).finish()?;
        let apps: HashSet<&str> = decided.keys().map(|(app, _)| app.as_str()).collect();
        let mask: BooleanChunked = df.column(e::APP)?.str()?.iter().map(|v| v.is_some_and(|v| apps.contains(v))).collect();
        df.filter(&mask)
    };
    let df = read().map_err(|err| EvidenceError::File { file: file.clone(), detail: err.to_string() })?;
    let c = |n: &str| df.column(n).and_then(|s| s.str().cloned());
    let (apps, ids, kinds, values) = (c(e::APP)?, c(e::ACCOUNT_ID)?, c(e::KIND)?, c(e::VALUE)?);
    for i in 0..df.height() {
        let key = (apps.get(i).unwrap_or("").to_string(), ids.get(i).unwrap_or("").to_string());
        if decided.contains_key(&key) {
            out.entry(key).or_default().push((kinds.get(i).unwrap_or("").to_string(), values.get(i).unwrap_or("").to_string()));
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    Ok(out)
}

/// SPEC §6: a disabled or deactivated account holds no access (nothing left to revoke).
pub fn holds_access(status: &str) -> bool {
    crate::model::AccountStatus::parse(status).unwrap_or_default().holds_access()
}
