//! `findings.ocsf.json`: every open and excepted finding as an OCSF 1.5 Compliance Finding event
//! (class 2003), for the SIEM and GRC tools that speak OCSF.
//!
//! Why Compliance Finding: a finding here is the result of checking accounts against a control
//! (SOC 2 CC6.x, ISO/IEC 27001 A.5.x, SOX ITGC), not a detected attack (Detection Finding 2004)
//! nor a change to an account (Account Change 3001); 2003 carries exactly that: `compliance`
//! (control, standards, requirements, pass/fail) and the resources checked.
//!
//! The mapping (README, "OCSF"): `finding_info.uid` = the finding id (stable across runs),
//! `time` = midnight UTC of the as-of date (no clock: the same inputs give the same bytes),
//! severity critical/high/medium/low/info -> 5/4/3/2/1, open -> status New (1), excepted ->
//! Suppressed (3) with the exception as `comment`; the account as a resource (`type` "account",
//! uid `app:account_id`) owned by its person (`owner`: a user), the app as a resource (`type`
//! "application"); everything else of `findings.csv` under `unmapped`. Streamed: one event built,
//! written and dropped at a time. Keys are sorted (serde_json's map).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use serde_json::{json, Map, Value};

use super::input::ReportInput;
use crate::files;
use crate::findings::col_name as f;
use crate::findings::{category, sod, FindingCategory};

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";
const CLASS_UID: u32 = 2003;
const CATEGORY_UID: u32 = 2;
/// Activity Create (1): `type_uid` = class_uid * 100 + activity_id.
const ACTIVITY_ID: u32 = 1;

/// OCSF `severity_id` and caption of a severity of ours.
pub fn severity(ours: &str) -> (u32, &'static str) {
    match ours {
        "critical" => (5, "Critical"),
        "high" => (4, "High"),
        "medium" => (3, "Medium"),
        "low" => (2, "Low"),
        "info" => (1, "Informational"),
        _ => (0, "Unknown"),
    }
}

/// The standards a controls text cites and its requirements, one per reference:
/// "SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.18" -> (["ISO/IEC 27001:2022", "SOC 2"],
/// ["SOC 2 CC6.2", "SOC 2 CC6.3", "ISO/IEC 27001:2022 A.5.18"]).
pub fn standards(controls: &str) -> (Vec<String>, Vec<String>) {
    const KNOWN: [&str; 5] = ["ISO/IEC 27001:2022", "SOC 2", "SOX ITGC", "NIST SP 800-53", "PCI DSS"];
    let mut standards = std::collections::BTreeSet::new();
    let mut requirements = Vec::new();
    for part in controls.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match KNOWN.iter().find(|k| part.starts_with(**k)) {
            Some(standard) => {
                standards.insert(standard.to_string());
                let rest = part[standard.len()..].trim();
                for item in rest.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    requirements.push(format!("{standard} {item}"));
                }
                if rest.is_empty() {
                    requirements.push(standard.to_string());
                }
            }
            None => requirements.push(part.to_string()),
        }
    }
    (standards.into_iter().collect(), requirements)
}

/// One finding (the cells of a row of the findings frame, by column name) as an event;
/// `unverifiable`: a separation-of-duties result that could not be verified.
fn event<'a>(cell: &dyn Fn(&str) -> Option<&'a str>, unverifiable: bool, time_ms: i64, product: &Value) -> Value {
    let text = |name: &str| cell(name).filter(|v| !v.is_empty()).map(str::to_string);
    let category_name = text(f::CATEGORY).unwrap_or_default();
    let info = category(&category_name);
    let (severity_id, severity_caption) = severity(&text(f::SEVERITY).unwrap_or_default());
    let excepted = text(f::EXCEPTED).as_deref() == Some("true");
    let controls = text(f::CONTROLS).or_else(|| info.map(|c| c.controls.to_string())).unwrap_or_default();
    let (standards, requirements) = standards(&controls);
    let detail = text(f::DETAIL).unwrap_or_default();
    // An unverifiable separation-of-duties result is a warning, not a failed control.
    let compliance_status = if unverifiable { 2 } else { 3 };

    let mut resources = Vec::new();
    let app = text(f::APP).unwrap_or_default();
    let account = text(f::ACCOUNT_ID);
    // The person who holds an account, as OCSF's user (the account named by its id).
    let owner = |id: &str| {
        let person = text(f::PERSON_ID)?;
        let name = text(f::DISPLAY_NAME).or_else(|| text(f::EMAIL)).unwrap_or_else(|| person.clone());
        let mut user = json!({
            "uid": person,
            "name": name,
            "type": "User",
            "type_id": 1,
            "account": { "uid": id, "name": text(f::EMAIL).unwrap_or_else(|| person.clone()), "type": "Other", "type_id": 99 },
        });
        if let Some(email) = text(f::EMAIL) {
            user["email_addr"] = Value::String(email);
        }
        Some(user)
    };
    // A separation-of-duties finding names several accounts in several apps.
    let accounts: Vec<(&str, &str)> = match (&account, category_name.as_str()) {
        (Some(list), "sod_conflict") => crate::findings::sod::accounts_of(list).collect(),
        (Some(id), _) => vec![(app.as_str(), id.as_str())],
        (None, _) => Vec::new(),
    };
    let resource_type = if category_name == "token_expiry" { "credential" } else { "account" };
    for (app, id) in &accounts {
        let mut resource = json!({ "uid": format!("{app}:{id}"), "name": id, "type": resource_type, "labels": [app] });
        if let Some(owner) = owner(id) {
            resource["owner"] = owner;
        }
        resources.push(resource);
    }
    let apps: std::collections::BTreeSet<&str> = if accounts.is_empty() {
        std::iter::once(app.as_str()).filter(|a| !a.is_empty()).collect()
    } else {
        accounts.iter().map(|(app, _)| *app).collect()
    };
    for app in apps {
        resources.push(json!({ "uid": app, "name": app, "type": "application" }));
    }

    let mut unmapped = Map::new();
    for name in [f::APP, f::ACCOUNT_ID, f::EMAIL, f::PERSON_ID, f::PERSON_STATUS, f::CONTROLS, f::EXCEPTION, f::EXCEPTION_EXPIRES] {
        if let Some(v) = text(name) {
            unmapped.insert(name.to_string(), Value::String(v));
        }
    }
    unmapped.insert(f::CATEGORY.into(), Value::String(category_name.clone()));

    let title = info.map(|c| c.title).unwrap_or("Finding");
    let mut event = json!({
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Compliance Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": severity_caption,
        "status_id": if excepted { 3 } else { 1 },
        "status": if excepted { "Suppressed" } else { "New" },
        "message": format!("{title}: {detail}"),
        "metadata": {
            "version": OCSF_VERSION,
            "product": product,
            "uid": text(f::FINDING_ID).unwrap_or_default(),
            "log_name": "findings.ocsf.json",
        },
        "finding_info": {
            "uid": text(f::FINDING_ID).unwrap_or_default(),
            "title": title,
            "desc": detail,
            "types": [category_name],
        },
        "compliance": {
            "control": category_name,
            "desc": info.map(|c| c.rule).unwrap_or_default(),
            "standards": standards,
            "requirements": requirements,
            "status_id": compliance_status,
        },
        "remediation": { "desc": info.map(|c| c.action).unwrap_or_default() },
        "resources": resources,
        "unmapped": unmapped,
    });
    if excepted {
        if let Some(exception) = text(f::EXCEPTION) {
            event["comment"] = Value::String(format!("Excepted: {exception}"));
        }
    }
    event
}

/// Writes `findings.ocsf.json`: a JSON array, one event per line, in the findings' order.
pub fn write(path: &Path, input: &ReportInput) -> std::io::Result<files::FileDigest> {
    let all = &input.findings.all;
    let names: Vec<String> = all.get_column_names().iter().map(|s| s.to_string()).collect();
    let time_ms = input.as_of.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis();
    let product = json!({
        "name": "access-audit",
        "vendor_name": "access-audit",
        "version": env!("CARGO_PKG_VERSION"),
        "feature": { "name": input.config.review.name },
    });
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let unverifiable = unverifiable_ids(input).map_err(std::io::Error::other)?;
    files::write_atomic_with(path, |w| {
        w.write_all(b"[")?;
        let mut first = true;
        super::csv::for_each_text_row(all, |cells| {
            let cell = |name: &str| index.get(name).and_then(|i| cells[*i]);
            w.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            let unverifiable = cell(f::FINDING_ID).is_some_and(|id| unverifiable.contains(id));
            serde_json::to_writer(&mut *w, &event(&cell, unverifiable, time_ms, &product)).map_err(std::io::Error::other)
        })?;
        w.write_all(b"\n]\n")
    })
}

/// The ids of the separation-of-duties findings whose result is `unverifiable`.
fn unverifiable_ids(input: &ReportInput) -> polars::prelude::PolarsResult<HashSet<String>> {
    let Some(df) = input.findings.by_category.get(FindingCategory::SodConflict.as_str()) else { return Ok(HashSet::new()) };
    let ids = df.column(f::FINDING_ID)?.str()?;
    let results = df.column(sod::RESULT)?.str()?;
    Ok(ids.iter().zip(results.iter()).filter(|(_, r)| *r == Some("unverifiable")).filter_map(|(id, _)| id.map(str::to_string)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_split_into_standards_and_requirements() {
        let (s, r) = standards("SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.18, A.5.15; SOX ITGC user access removal");
        assert_eq!(s, ["ISO/IEC 27001:2022", "SOC 2", "SOX ITGC"]);
        assert_eq!(
            r,
            ["SOC 2 CC6.2", "SOC 2 CC6.3", "ISO/IEC 27001:2022 A.5.18", "ISO/IEC 27001:2022 A.5.15", "SOX ITGC user access removal"]
        );
        let (s, r) = standards("Internal policy AC-7");
        assert!(s.is_empty());
        assert_eq!(r, ["Internal policy AC-7"]);
    }

    #[test]
    fn severities_map_to_ocsf_ids() {
        let ids: Vec<u32> = crate::findings::SEVERITIES.iter().map(|s| severity(s).0).collect();
        assert_eq!(ids, [5, 4, 3, 2, 1]);
    }
}
