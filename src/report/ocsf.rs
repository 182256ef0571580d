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
//! written and dropped at a time. Keys are sorted.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use serde::Serialize;

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

// The event's objects as borrowed structs (serialised without building a value tree: 336k
// events at 1M accounts). Fields are declared in byte order of their names, so the keys come out
// sorted, as they were from serde_json's map.

#[derive(Serialize)]
struct Event<'a> {
    activity_id: u32,
    activity_name: &'static str,
    category_name: &'static str,
    category_uid: u32,
    class_name: &'static str,
    class_uid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    compliance: Compliance<'a>,
    finding_info: FindingInfo<'a>,
    message: String,
    metadata: Metadata<'a>,
    remediation: Desc<'a>,
    resources: Vec<Resource<'a>>,
    severity: &'static str,
    severity_id: u32,
    status: &'static str,
    status_id: u32,
    time: i64,
    type_name: &'static str,
    type_uid: u32,
    unmapped: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct Compliance<'a> {
    control: &'a str,
    desc: &'a str,
    requirements: Vec<String>,
    standards: Vec<String>,
    status_id: u32,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    desc: &'a str,
    title: &'a str,
    types: [&'a str; 1],
    uid: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    log_name: &'static str,
    product: &'a Product<'a>,
    uid: &'a str,
    version: &'static str,
}

#[derive(Serialize)]
struct Product<'a> {
    feature: Name<'a>,
    name: &'static str,
    vendor_name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Name<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Desc<'a> {
    desc: &'a str,
}

/// An account or credential (with `labels` and perhaps an `owner`) or an application.
#[derive(Serialize)]
struct Resource<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<[&'a str; 1]>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<User<'a>>,
    #[serde(rename = "type")]
    kind: &'static str,
    uid: String,
}

/// The person who holds an account, as OCSF's user (the account named by its id).
#[derive(Serialize)]
struct User<'a> {
    account: UserAccount<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_addr: Option<&'a str>,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    type_id: u32,
    uid: &'a str,
}

#[derive(Serialize)]
struct UserAccount<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    type_id: u32,
    uid: &'a str,
}

/// One finding (the cells of a row of the findings frame, by column name) as an event;
/// `unverifiable`: a separation-of-duties result that could not be verified.
fn event<'a>(cell: &dyn Fn(&str) -> Option<&'a str>, unverifiable: bool, time_ms: i64, product: &'a Product<'a>) -> Event<'a> {
    let text = |name: &str| cell(name).filter(|v| !v.is_empty());
    let category_name = text(f::CATEGORY).unwrap_or_default();
    let info = category(category_name);
    let (severity_id, severity_caption) = severity(text(f::SEVERITY).unwrap_or_default());
    let excepted = text(f::EXCEPTED) == Some("true");
    let controls = text(f::CONTROLS).or_else(|| info.map(|c| c.controls)).unwrap_or_default();
    let (standards, requirements) = standards(controls);
    let detail = text(f::DETAIL).unwrap_or_default();
    let finding_id = text(f::FINDING_ID).unwrap_or_default();
    // An unverifiable separation-of-duties result is a warning, not a failed control.
    let compliance_status = if unverifiable { 2 } else { 3 };

    let app = text(f::APP).unwrap_or_default();
    let account = text(f::ACCOUNT_ID);
    let owner = |id: &'a str| {
        let person = text(f::PERSON_ID)?;
        let email = text(f::EMAIL);
        Some(User {
            account: UserAccount { name: email.unwrap_or(person), kind: "Other", type_id: 99, uid: id },
            email_addr: email,
            name: text(f::DISPLAY_NAME).or(email).unwrap_or(person),
            kind: "User",
            type_id: 1,
            uid: person,
        })
    };
    // A separation-of-duties finding names several accounts in several apps.
    let accounts: Vec<(&str, &str)> = match (account, category_name) {
        (Some(list), "sod_conflict") => crate::findings::sod::accounts_of(list).collect(),
        (Some(id), _) => vec![(app, id)],
        (None, _) => Vec::new(),
    };
    let resource_type = if category_name == "token_expiry" { "credential" } else { "account" };
    let mut resources: Vec<Resource> = accounts
        .iter()
        .map(|(app, id)| Resource { labels: Some([app]), name: id, owner: owner(id), kind: resource_type, uid: format!("{app}:{id}") })
        .collect();
    let apps: BTreeSet<&str> = if accounts.is_empty() {
        std::iter::once(app).filter(|a| !a.is_empty()).collect()
    } else {
        accounts.iter().map(|(app, _)| *app).collect()
    };
    resources.extend(apps.into_iter().map(|app| Resource {
        labels: None,
        name: app,
        owner: None,
        kind: "application",
        uid: app.to_string(),
    }));

    let mut unmapped = BTreeMap::new();
    for name in [f::APP, f::ACCOUNT_ID, f::EMAIL, f::PERSON_ID, f::PERSON_STATUS, f::CONTROLS, f::EXCEPTION, f::EXCEPTION_EXPIRES] {
        if let Some(v) = text(name) {
            unmapped.insert(name, v);
        }
    }
    unmapped.insert(f::CATEGORY, category_name);

    let title = info.map(|c| c.title).unwrap_or("Finding");
    Event {
        activity_id: ACTIVITY_ID,
        activity_name: "Create",
        category_name: "Findings",
        category_uid: CATEGORY_UID,
        class_name: "Compliance Finding",
        class_uid: CLASS_UID,
        comment: text(f::EXCEPTION).filter(|_| excepted).map(|exception| format!("Excepted: {exception}")),
        compliance: Compliance {
            control: category_name,
            desc: info.map(|c| c.rule).unwrap_or_default(),
            requirements,
            standards,
            status_id: compliance_status,
        },
        finding_info: FindingInfo { desc: detail, title, types: [category_name], uid: finding_id },
        message: format!("{title}: {detail}"),
        metadata: Metadata { log_name: "findings.ocsf.json", product, uid: finding_id, version: OCSF_VERSION },
        remediation: Desc { desc: info.map(|c| c.action).unwrap_or_default() },
        resources,
        severity: severity_caption,
        severity_id,
        status: if excepted { "Suppressed" } else { "New" },
        status_id: if excepted { 3 } else { 1 },
        time: time_ms,
        type_name: "Compliance Finding: Create",
        type_uid: CLASS_UID * 100 + ACTIVITY_ID,
        unmapped,
    }
}

/// Writes `findings.ocsf.json`: a JSON array, one event per line, in the findings' order.
pub fn write(path: &Path, input: &ReportInput) -> std::io::Result<files::FileDigest> {
    let all = &input.findings.all;
    let names: Vec<String> = all.get_column_names().iter().map(|s| s.to_string()).collect();
    let time_ms = input.as_of.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis();
    let product = Product {
        feature: Name { name: &input.config.review.name },
        name: "access-audit",
        vendor_name: "access-audit",
        version: env!("CARGO_PKG_VERSION"),
    };
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let unverifiable = unverifiable_ids(input).map_err(std::io::Error::other)?;
    // One block of findings serialised per thread, the blocks written in order: the file is the
    // largest output (about 1.7 kB per finding) and its events are independent.
    let events = |part: &polars::prelude::DataFrame| -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(part.height() * 2048);
        super::csv::for_each_text_row(part, |cells| {
            let cell = |name: &str| index.get(name).and_then(|i| cells[*i]);
            if !out.is_empty() {
                out.extend_from_slice(b",\n");
            }
            let unverifiable = cell(f::FINDING_ID).is_some_and(|id| unverifiable.contains(id));
            serde_json::to_writer(&mut out, &event(&cell, unverifiable, time_ms, &product)).map_err(std::io::Error::other)
        })?;
        Ok(out)
    };
    let threads = files::writers(4);
    files::write_atomic_with(path, |w| {
        w.write_all(b"[")?;
        let mut first = true;
        let mut offset = 0;
        while offset < all.height() {
            let parts: Vec<_> = (0..threads)
                .map(|k| (k, all.slice((offset + k * OCSF_BLOCK) as i64, OCSF_BLOCK)))
                .filter(|(_, p)| p.height() > 0)
                .collect();
            offset += threads * OCSF_BLOCK;
            let mut blocks = files::in_parallel(parts, threads, |(k, part)| (k, events(&part)));
            blocks.sort_by_key(|(k, _)| *k);
            for (_, block) in blocks {
                w.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                w.write_all(&block?)?;
            }
        }
        w.write_all(b"\n]\n")
    })
}

/// Findings serialised per thread at a time (about 14 MB of JSON each).
const OCSF_BLOCK: usize = 8192;

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
