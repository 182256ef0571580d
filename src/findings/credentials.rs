//! `token_expiry` (SPEC §6): the credentials a collection depends on, from the config's
//! `credential` blocks and what the apps said about them (snapshot credential observations).
//!
//! Every HTTP app has a credential, `app-credential`, whether or not the config describes it; a
//! `csv` app has one only when its config describes it (e.g. the key used to pull the export).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::*;

use super::col_name as f;
use super::{severity_rank, RuleParams};
use crate::config::{AppKind, Config};
use crate::model::{credential as c, datetime_from_millis, CoverageRecord};
use crate::roster::{PersonStatus, Roster};

pub const APP_CREDENTIAL: &str = "app-credential";

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
}

/// Merges the snapshot's observations with the config's `credential` blocks; the config wins
/// where it states a fact, the API fills the rest.
pub fn credential_views(credentials: &DataFrame, coverage: &[CoverageRecord], config: &Config) -> PolarsResult<Vec<CredentialView>> {
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
        let implicit = app.kind != AppKind::Csv;
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
            v.max_lifetime_days = app.kind.max_credential_lifetime_days();
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
}

/// The verdict on one credential: the most severe reason wins the severity; every reason is in
/// the detail.
pub fn assess(v: &CredentialView, roster: &Roster, p: &RuleParams) -> Option<Verdict> {
    let mut reasons: Vec<(&'static str, String)> = Vec::new();
    let days_left = v.expires.map(|e| (e.date_naive() - p.as_of).num_days());
    match (v.expires, days_left) {
        (Some(e), Some(d)) if d < 0 => {
            reasons.push(("critical", format!("expired on {} ({} days before as_of)", e.format("%Y-%m-%d"), -d)))
        }
        (Some(e), Some(d)) if d <= p.token_warn_days => reasons
            .push(("high", format!("expires on {} (in {d} days, within the {}-day window)", e.format("%Y-%m-%d"), p.token_warn_days))),
        (None, _) => reasons.push(("low", "no known expiry (state it as credential.expires in the config)".into())),
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
    if let (Some(created), Some(expires), Some(max)) = (v.created, v.expires, v.max_lifetime_days) {
        let lifetime = (expires.date_naive() - created).num_days();
        if lifetime > max {
            reasons.push(("medium", format!("lifetime of {lifetime} days exceeds the app's maximum of {max} days")));
        }
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
    })
}

pub fn token_expiry(
    credentials: &DataFrame,
    coverage: &[CoverageRecord],
    config: &Config,
    roster: &Roster,
    p: &RuleParams,
) -> PolarsResult<DataFrame> {
    let views = credential_views(credentials, coverage, config)?;
    let mut rows = Vec::new();
    for v in &views {
        if let Some(verdict) = assess(v, roster, p) {
            rows.push((v, verdict));
        }
    }
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
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
        Column::new("expires".into(), rows.iter().map(|(v, _)| date(v.expires.map(|e| e.date_naive()))).collect::<Vec<_>>()),
        Column::new("days_left".into(), rows.iter().map(|(_, r)| r.days_left).collect::<Vec<_>>()),
        Column::new("max_lifetime_days".into(), rows.iter().map(|(v, _)| v.max_lifetime_days).collect::<Vec<_>>()),
        Column::new("sources".into(), rows.iter().map(|(v, _)| v.sources.join(", ")).collect::<Vec<_>>()),
        Column::new("observation".into(), rows.iter().map(|(v, _)| v.observation.clone()).collect::<Vec<_>>()),
    ])
}
