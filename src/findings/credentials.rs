//! `token_expiry` (SPEC §6): the credentials a collection depends on, from the config's
//! `credential` blocks and what the apps said about them (snapshot credential observations).
//!
//! Every HTTP app has a credential, `app-credential`, whether or not the config describes it; a
//! `csv` app has one only when its config describes it (e.g. the key used to pull the export).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::*;

use super::params::RuleParams;
use super::table::{col_name as f, severity_rank};
use crate::config::Config;
use crate::model::{credential as c, datetime_from_millis, CoverageRecord};
use crate::roster::{PersonStatus, Roster};

pub use crate::model::APP_CREDENTIAL;

/// What is known about one credential, merged from the config and the API.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialView {
    pub app: String,
    pub credential_id: String,
    pub label: String,
    pub owner: Option<String>,
    pub created: Option<NaiveDate>,
    pub expires: Option<DateTime<Utc>>,
    pub max_lifetime_days: Option<i64>,
    pub sources: Vec<String>,
    pub observation: Option<String>,
    /// When its issuer refused it (observed by the collector).
    pub refused_at: Option<DateTime<Utc>>,
    pub token_lifetime_seconds: Option<i64>,
    pub token_expires_at: Option<DateTime<Utc>>,
    /// What it may do (the API's words) and whether that is more than reading.
    pub scope: Option<String>,
    pub write_access: Option<bool>,
    /// The write access cannot be narrowed (the vendor has no read-only level for it).
    pub write_unavoidable: Option<bool>,
}

/// Merges the snapshot's observations with the config's `credential` blocks; the config wins
/// where it states a fact, the API fills the rest.
pub fn credential_views(
    credentials: &DataFrame,
    coverage: &[CoverageRecord],
    config: &Config,
    max_lifetime: &BTreeMap<String, i64>,
) -> PolarsResult<Vec<CredentialView>> {
    let collected: Vec<&str> = coverage.iter().map(|c| c.app.as_str()).collect();
    let mut views: BTreeMap<(String, String), CredentialView> = BTreeMap::new();
    let s = |name: &str| -> PolarsResult<Vec<Option<String>>> {
        Ok(credentials.column(name)?.str()?.iter().map(|v| v.map(str::to_string)).collect())
    };
    let t = |name: &str| -> PolarsResult<Vec<Option<DateTime<Utc>>>> {
        let col = credentials.column(name)?.cast(&DataType::Int64)?;
        Ok(col.i64()?.iter().map(|v| v.and_then(datetime_from_millis)).collect())
    };
    let (apps, ids, labels, owners, sources, observations) =
        (s(c::APP)?, s(c::CREDENTIAL_ID)?, s(c::LABEL)?, s(c::OWNER)?, s(c::SOURCE)?, s(c::OBSERVATION)?);
    let (created, expires) = (t(c::CREATED_AT)?, t(c::EXPIRES_AT)?);
    let max_life: Vec<Option<i64>> = credentials.column(c::MAX_LIFETIME_DAYS)?.i64()?.iter().collect();
    // Observed facts added in snapshot format 2: absent from older snapshots.
    let has = |name: &str| credentials.get_column_names().iter().any(|c| c.as_str() == name);
    let height = credentials.height();
    let refused = if has(c::REFUSED_AT) { t(c::REFUSED_AT)? } else { vec![None; height] };
    let token_exp = if has(c::TOKEN_EXPIRES_AT) { t(c::TOKEN_EXPIRES_AT)? } else { vec![None; height] };
    let scopes: Vec<Option<String>> = if has(c::SCOPE) { s(c::SCOPE)? } else { vec![None; height] };
    let flags = |name: &str| -> PolarsResult<Vec<Option<bool>>> {
        Ok(if has(name) { credentials.column(name)?.bool()?.iter().collect() } else { vec![None; height] })
    };
    let writes = flags(c::WRITE_ACCESS)?;
    let unavoidable = flags(c::WRITE_UNAVOIDABLE)?;
    let lifetimes: Vec<Option<i64>> = if has(c::TOKEN_LIFETIME_SECONDS) {
        credentials.column(c::TOKEN_LIFETIME_SECONDS)?.cast(&DataType::Int64)?.i64()?.iter().collect()
    } else {
        vec![None; height]
    };
    for i in 0..credentials.height() {
        let key = (apps[i].clone().unwrap_or_default(), ids[i].clone().unwrap_or_default());
        let v = views.entry(key.clone()).or_insert_with(|| CredentialView {
            app: key.0.clone(),
            credential_id: key.1.clone(),
            ..Default::default()
        });
        if v.label.is_empty() {
            v.label = labels[i].clone().unwrap_or_default();
        }
        v.owner = v.owner.clone().or(owners[i].clone());
        v.created = v.created.or(created[i].map(|d| d.date_naive()));
        v.expires = match (v.expires, expires[i]) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        v.max_lifetime_days = v.max_lifetime_days.or(max_life[i]);
        v.refused_at = match (v.refused_at, refused[i]) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        v.token_lifetime_seconds = v.token_lifetime_seconds.or(lifetimes[i]);
        v.token_expires_at = v.token_expires_at.or(token_exp[i]);
        v.scope = v.scope.clone().or(scopes[i].clone());
        v.write_access = v.write_access.or(writes[i]);
        v.write_unavoidable = v.write_unavoidable.or(unavoidable[i]);
        v.sources.push(sources[i].clone().unwrap_or_default());
        if let Some(o) = &observations[i] {
            v.observation = Some(match &v.observation {
                Some(prev) => format!("{prev}; {o}"),
                None => o.clone(),
            });
        }
    }
    for app in &config.apps {
        if !collected.contains(&app.name.as_str()) {
            continue;
        }
        let implicit = app.http.is_some();
        if app.credential.is_none() && !implicit {
            continue;
        }
        let key = (app.name.clone(), APP_CREDENTIAL.to_string());
        let v = views.entry(key).or_insert_with(|| CredentialView {
            app: app.name.clone(),
            credential_id: APP_CREDENTIAL.into(),
            ..Default::default()
        });
        if let Some(cfg) = &app.credential {
            if let Some(o) = &cfg.owner {
                v.owner = Some(o.clone());
            }
            if let Some(d) = cfg.created {
                v.created = Some(d.0);
            }
            if let Some(d) = cfg.expires {
                v.expires = Some(d.0.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
            }
            if let Some(m) = cfg.max_lifetime_days {
                v.max_lifetime_days = Some(m);
            }
            if let Some(l) = &cfg.label {
                v.label = l.clone();
            }
            v.sources.push("config".into());
        }
        if v.max_lifetime_days.is_none() {
            v.max_lifetime_days = max_lifetime.get(&app.name).copied();
        }
        if v.label.is_empty() {
            v.label = format!("credential used to collect {}", app.name);
        }
    }
    for v in views.values_mut() {
        v.sources.sort();
        v.sources.dedup();
    }
    Ok(views.into_values().collect())
}

/// The verdict on one credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub severity: &'static str,
    pub detail: String,
    pub owner_person_id: Option<String>,
    pub owner_status: Option<String>,
    pub days_left: Option<i64>,
    /// The expiry the verdict counted from (stated, or derived from the maximum lifetime).
    pub expires: Option<NaiveDate>,
}

/// When a credential expires: the stated date, else, when only its creation is known, the latest
/// its kind's maximum lifetime allows (`derived`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expiry {
    pub at: DateTime<Utc>,
    pub derived: bool,
}

pub fn expiry(v: &CredentialView) -> Option<Expiry> {
    match (v.expires, v.created, v.max_lifetime_days) {
        (Some(at), _, _) => Some(Expiry { at, derived: false }),
        (None, Some(created), Some(max)) => {
            let at = (created + chrono::Duration::days(max)).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            Some(Expiry { at, derived: true })
        }
        _ => None,
    }
}

/// The verdict on one credential: the most severe reason wins the severity; every reason is in
/// the detail.
pub fn assess(v: &CredentialView, roster: &Roster, p: &RuleParams) -> Option<Verdict> {
    let mut reasons: Vec<(&'static str, String)> = Vec::new();
    let expiry = expiry(v);
    let days_left = expiry.map(|e| (e.at.date_naive() - p.as_of).num_days());
    let how = |e: &Expiry| match (e.derived, v.created, v.max_lifetime_days) {
        (true, Some(c), Some(m)) => {
            format!(" at the latest (its expiry is not known: created {} + the app's maximum lifetime of {m} days)", c.format("%Y-%m-%d"))
        }
        _ => String::new(),
    };
    match (v.refused_at, expiry, days_left) {
        // SPEC §6: a credential refused by its issuer when it was checked is expired as of that
        // check, whatever as_of is.
        (Some(r), _, _) => reasons.push((
            "critical",
            format!(
                "refused by its issuer when it was checked on {}: expired or revoked (an observation, whatever the review date)",
                r.format("%Y-%m-%d")
            ),
        )),
        (None, Some(e), Some(d)) if d < 0 => {
            reasons.push(("critical", format!("expired on {}{} ({} days before as_of)", e.at.format("%Y-%m-%d"), how(&e), -d)))
        }
        (None, Some(e), Some(d)) if d <= p.token_warn_days => reasons.push((
            "high",
            format!("expires on {}{} (in {d} days, within the {}-day window)", e.at.format("%Y-%m-%d"), how(&e), p.token_warn_days),
        )),
        (None, None, _) => reasons.push(("low", "no known expiry (state it as credential.expires in the config)".into())),
        _ => {}
    }
    let owner_person = v.owner.as_deref().and_then(|o| roster.find(o));
    match (&v.owner, owner_person) {
        (None, _) => reasons.push(("medium", "no accountable owner recorded (set credential.owner)".into())),
        (Some(o), None) => reasons.push(("medium", format!("owner {o} is not in the roster"))),
        (Some(o), Some(person)) => match person.status {
            PersonStatus::Terminated => reasons.push(("high", format!("owner {o} is terminated"))),
            PersonStatus::Leave => reasons.push(("medium", format!("owner {o} is on leave"))),
            PersonStatus::Active => {}
        },
    }
    // A collecting credential that may write: an audit only reads.
    match (v.write_access, v.write_unavoidable) {
        (Some(true), Some(true)) => reasons.push((
            "low",
            format!(
                "may write ({}), and the vendor offers no read-only permission for what the collector reads: keep the credential to the audit and rotate it",
                v.scope.as_deref().unwrap_or("write access")
            ),
        )),
        (Some(true), _) => reasons.push((
            "medium",
            format!(
                "broader than a read-only audit needs ({}): give the collector a read-only credential",
                v.scope.as_deref().unwrap_or("write access")
            ),
        )),
        _ => {}
    }
    // The maximum lifetime applies when either date is known: with both, the lifetime itself;
    // with only the expiry, the credential lives at least until then from the review date.
    match (v.created, v.expires, v.max_lifetime_days) {
        (Some(created), Some(expires), Some(max)) => {
            let lifetime = (expires.date_naive() - created).num_days();
            if lifetime > max {
                reasons.push(("medium", format!("lifetime of {lifetime} days exceeds the app's maximum of {max} days")));
            }
        }
        (None, Some(expires), Some(max)) => {
            let at_least = (expires.date_naive() - p.as_of).num_days();
            if at_least > max {
                reasons.push((
                    "medium",
                    format!(
                        "expires {at_least} days after as_of, more than the app's maximum lifetime of {max} days, whenever it was created"
                    ),
                ));
            }
        }
        _ => {}
    }
    if reasons.is_empty() {
        return None;
    }
    let severity = reasons.iter().map(|(s, _)| *s).min_by_key(|s| severity_rank(s)).expect("non-empty");
    let detail = reasons.iter().map(|(_, r)| r.as_str()).collect::<Vec<_>>().join("; ");
    Some(Verdict {
        severity,
        detail,
        owner_person_id: owner_person.map(|p| p.person_id.clone()),
        owner_status: owner_person.map(|p| p.status.as_str().to_string()),
        days_left,
        expires: expiry.map(|e| e.at.date_naive()),
    })
}

pub fn token_expiry(
    credentials: &DataFrame,
    coverage: &[CoverageRecord],
    config: &Config,
    roster: &Roster,
    p: &RuleParams,
) -> PolarsResult<DataFrame> {
    let views = credential_views(credentials, coverage, config, &p.max_credential_lifetime_days)?;
    let mut rows = Vec::new();
    for v in &views {
        if let Some(verdict) = assess(v, roster, p) {
            rows.push((v, verdict));
        }
    }
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let stamp = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    DataFrame::new_infer_height(vec![
        Column::new(f::CATEGORY.into(), vec!["token_expiry"; rows.len()]),
        Column::new(f::SEVERITY.into(), rows.iter().map(|(_, r)| r.severity).collect::<Vec<_>>()),
        Column::new(f::APP.into(), rows.iter().map(|(v, _)| v.app.as_str()).collect::<Vec<_>>()),
        Column::new(f::ACCOUNT_ID.into(), rows.iter().map(|(v, _)| v.credential_id.as_str()).collect::<Vec<_>>()),
        Column::new(f::EMAIL.into(), rows.iter().map(|(v, _)| v.owner.as_deref()).collect::<Vec<_>>()),
        Column::new(f::DISPLAY_NAME.into(), rows.iter().map(|(v, _)| v.label.as_str()).collect::<Vec<_>>()),
        Column::new(f::PERSON_ID.into(), rows.iter().map(|(_, r)| r.owner_person_id.clone()).collect::<Vec<_>>()),
        Column::new(f::PERSON_STATUS.into(), rows.iter().map(|(_, r)| r.owner_status.clone()).collect::<Vec<_>>()),
        Column::new(f::DETAIL.into(), rows.iter().map(|(_, r)| r.detail.as_str()).collect::<Vec<_>>()),
        Column::new("credential_label".into(), rows.iter().map(|(v, _)| v.label.as_str()).collect::<Vec<_>>()),
        Column::new("owner".into(), rows.iter().map(|(v, _)| v.owner.as_deref()).collect::<Vec<_>>()),
        Column::new("created".into(), rows.iter().map(|(v, _)| date(v.created)).collect::<Vec<_>>()),
        Column::new("expires".into(), rows.iter().map(|(_, r)| date(r.expires)).collect::<Vec<_>>()),
        Column::new("days_left".into(), rows.iter().map(|(_, r)| r.days_left).collect::<Vec<_>>()),
        Column::new("max_lifetime_days".into(), rows.iter().map(|(v, _)| v.max_lifetime_days).collect::<Vec<_>>()),
        Column::new("sources".into(), rows.iter().map(|(v, _)| v.sources.join(", ")).collect::<Vec<_>>()),
        Column::new("observation".into(), rows.iter().map(|(v, _)| v.observation.clone()).collect::<Vec<_>>()),
        Column::new("refused_at".into(), rows.iter().map(|(v, _)| stamp(v.refused_at)).collect::<Vec<_>>()),
        Column::new("token_lifetime_seconds".into(), rows.iter().map(|(v, _)| v.token_lifetime_seconds).collect::<Vec<_>>()),
        Column::new("token_expires_at".into(), rows.iter().map(|(v, _)| stamp(v.token_expires_at)).collect::<Vec<_>>()),
        Column::new("scope".into(), rows.iter().map(|(v, _)| v.scope.clone()).collect::<Vec<_>>()),
    ])
}
