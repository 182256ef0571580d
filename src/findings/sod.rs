//! Separation of duties across apps (`sod_conflict`): one finding per person and rule when the
//! person's live accounts hold both sides of the rule, in whichever apps.
//!
//! SPEC (issue 29): "one finding per person and rule, naming the accounts and entitlements on both
//! sides; only live accounts count; an app not collected completely makes the rule's result
//! `unverifiable` for people with access there, never silently clean."
//!
//! The heavy part is columnar: the entitlement matchers are tried on the distinct `(app, kind,
//! value)` triples only (globs in Rust, a few thousand at most), and those triples are joined back
//! to the entitlements; the account matchers (`admin`, or any account in an app) are frame filters.
//! What is left per person (the hits) is small and read row by row.
//!
//! Unverifiable, precisely: a matcher not hit is *unknown* for a person when it names an app not
//! collected completely in which the person has a live account, or, when the person's other side
//! is held, an app not collected completely at all (the missing accounts may be theirs). A side is
//! held when its matchers hit (any: one, all: every one) and *possible* when they hit or are
//! unknown; a person whose sides are both possible but not both held is `unverifiable`.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::rules::INACTIVE;
use super::table::{col_name as f, severity_rank, FindingCategory};
use crate::config::{SodMatcher, SodRule, SodSide};
use crate::model::account as a;
use crate::model::entitlement as e;

const RULE: &str = "__sod_rule";
const SIDE: &str = "__sod_side";
const MATCHER: &str = "__sod_matcher";
const WHAT: &str = "__sod_what";

/// The evidence columns of `sod_conflict.csv`.
pub const RULE_NAME: &str = "rule";
pub const RULE_DESCRIPTION: &str = "rule_description";
pub const RESULT: &str = "result";
pub const LEFT_ACCESS: &str = "left_access";
pub const RIGHT_ACCESS: &str = "right_access";
pub const UNVERIFIED_APPS: &str = "unverified_apps";

/// How a `sod_conflict` finding's `account_id` lists its accounts: `app:id; app:id`.
const ACCOUNTS_SEPARATOR: &str = "; ";
const APP_ACCOUNT: char = ':';

/// The `(app, account_id)` pairs of a `sod_conflict` finding's `account_id` (app names hold no
/// `:`; an account id may).
pub fn accounts_of(account_id: &str) -> impl Iterator<Item = (&str, &str)> {
    account_id.split(ACCOUNTS_SEPARATOR).filter_map(|a| a.split_once(APP_ACCOUNT))
}

/// The two sides, as `SIDE` writes them.
const SIDES: [&str; 2] = ["left", "right"];

fn side_of(rule: &SodRule, side: usize) -> &SodSide {
    if side == 0 {
        &rule.left
    } else {
        &rule.right
    }
}

/// Every matcher of every rule: `(rule, side, matcher index, matcher)`.
fn matchers(rules: &[SodRule]) -> impl Iterator<Item = (u32, usize, u32, &SodMatcher)> {
    rules.iter().enumerate().flat_map(|(r, rule)| {
        (0..2).flat_map(move |s| side_of(rule, s).access.iter().enumerate().map(move |(m, matcher)| (r as u32, s, m as u32, matcher)))
    })
}

/// The entitlements the rules' entitlement matchers hit: `(rule, side, matcher, app,
/// account_id, what)`; computed while the entitlements are at hand (the analysis lets them go).
pub fn entitlement_hits(entitlements: &DataFrame, rules: &[SodRule]) -> PolarsResult<DataFrame> {
    let wanted: Vec<(u32, usize, u32, &SodMatcher)> = matchers(rules).filter(|(_, _, _, m)| m.on_entitlements()).collect();
    if wanted.is_empty() || entitlements.height() == 0 {
        return empty_hits();
    }
    let distinct = entitlements.select([e::APP, e::KIND, e::VALUE])?.unique_stable(None, UniqueKeepStrategy::First, None)?;
    let (apps, kinds, values) = (distinct.column(e::APP)?.str()?, distinct.column(e::KIND)?.str()?, distinct.column(e::VALUE)?.str()?);
    // Which matcher hits which distinct (app, kind, value).
    let mut tags: Vec<(u32, &str, u32, &str, &str, &str)> = Vec::new();
    for ((app, kind), value) in apps.iter().zip(kinds.iter()).zip(values.iter()) {
        let (Some(app), Some(kind), Some(value)) = (app, kind, value) else { continue };
        for (r, s, m, matcher) in &wanted {
            if matcher.names_app(app) && matcher.names_entitlement(kind, value) {
                tags.push((*r, SIDES[*s], *m, app, kind, value));
            }
        }
    }
    let tagged = DataFrame::new_infer_height(vec![
        Column::new(RULE.into(), tags.iter().map(|t| t.0).collect::<Vec<_>>()),
        Column::new(SIDE.into(), tags.iter().map(|t| t.1).collect::<Vec<_>>()),
        Column::new(MATCHER.into(), tags.iter().map(|t| t.2).collect::<Vec<_>>()),
        Column::new(e::APP.into(), tags.iter().map(|t| t.3).collect::<Vec<_>>()),
        Column::new(e::KIND.into(), tags.iter().map(|t| t.4).collect::<Vec<_>>()),
        Column::new(e::VALUE.into(), tags.iter().map(|t| t.5).collect::<Vec<_>>()),
    ])?;
    let keys = [col(e::APP), col(e::KIND), col(e::VALUE)];
    tagged
        .lazy()
        .join(
            entitlements.clone().lazy().select([col(e::APP), col(e::ACCOUNT_ID), col(e::KIND), col(e::VALUE)]),
            keys.clone(),
            keys,
            JoinArgs::new(JoinType::Inner),
        )
        .select([
            col(RULE),
            col(SIDE),
            col(MATCHER),
            col(e::APP),
            col(e::ACCOUNT_ID),
            concat_str([col(e::KIND), lit(" \""), col(e::VALUE), lit("\"")], "", true).alias(WHAT),
        ])
        .unique(None, UniqueKeepStrategy::First)
        .collect()
}

fn empty_hits() -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new(RULE.into(), Vec::<u32>::new()),
        Column::new(SIDE.into(), Vec::<&str>::new()),
        Column::new(MATCHER.into(), Vec::<u32>::new()),
        Column::new(e::APP.into(), Vec::<&str>::new()),
        Column::new(e::ACCOUNT_ID.into(), Vec::<&str>::new()),
        Column::new(WHAT.into(), Vec::<&str>::new()),
    ])
}

/// An account's access a matcher hit: `(app, account_id, what)`.
type Grant = (String, String, String);

/// One person's live access the rule's matchers hit: per side, per matcher, the accounts.
#[derive(Default)]
struct Held {
    /// `(side, matcher)` -> what it hit
    hits: BTreeMap<(usize, u32), BTreeSet<Grant>>,
    /// Apps not collected completely in which the person has a live account.
    incomplete_access: BTreeSet<String>,
}

/// The people of the live matched accounts: `person_id` -> (email, name, status).
type People = BTreeMap<String, (Option<String>, Option<String>, Option<String>)>;

/// The `sod_conflict` findings (common columns, without ids) and their evidence columns.
/// `acc`: the correlated accounts with the shared flags; `hits`: [`entitlement_hits`];
/// `incomplete`: the apps not collected completely (or not at all).
pub fn sod_conflicts(acc: LazyFrame, hits: &DataFrame, rules: &[SodRule], incomplete: &BTreeSet<String>) -> PolarsResult<DataFrame> {
    if rules.is_empty() {
        return frame(Vec::new(), &People::new());
    }
    // The live accounts of people, with what the account matchers need.
    let live = acc
        .filter(col(INACTIVE).not().and(col(a::PERSON_ID).is_not_null()))
        .select([
            col(a::APP),
            col(a::ACCOUNT_ID),
            col(a::IS_ADMIN).fill_null(lit(false)),
            col(a::PERSON_ID),
            col(a::PERSON_EMAIL),
            col(a::PERSON_NAME),
            col(a::PERSON_STATUS),
        ])
        .collect()?;
    let live_apps: BTreeSet<String> = live.column(a::APP)?.str()?.iter().flatten().map(str::to_string).collect();

    // The account matchers' hits: admin flag, or any live account of the app.
    let mut parts = vec![hits.clone().lazy()];
    for (r, s, m, matcher) in matchers(rules).filter(|(_, _, _, m)| !m.on_entitlements()) {
        let apps: Vec<&str> = live_apps.iter().map(String::as_str).filter(|app| matcher.names_app(app)).collect();
        let mut cond = apps.iter().fold(lit(false), |acc, app| acc.or(col(a::APP).eq(lit(*app))));
        let what = match matcher.admin {
            Some(true) => {
                cond = cond.and(col(a::IS_ADMIN));
                "admin"
            }
            Some(false) => {
                cond = cond.and(col(a::IS_ADMIN).not());
                "non-admin account"
            }
            None => "account",
        };
        parts.push(live.clone().lazy().filter(cond).select([
            lit(r).cast(DataType::UInt32).alias(RULE),
            lit(SIDES[s]).alias(SIDE),
            lit(m).cast(DataType::UInt32).alias(MATCHER),
            col(a::APP),
            col(a::ACCOUNT_ID),
            lit(what).alias(WHAT),
        ]));
    }
    let all_hits = concat(parts, UnionArgs::default())?;
    // Only live accounts of people count; an entitlement matcher's admin condition here.
    let joined = all_hits
        .join(
            live.clone().lazy().select([col(a::APP), col(a::ACCOUNT_ID), col(a::IS_ADMIN), col(a::PERSON_ID)]),
            [col(a::APP), col(a::ACCOUNT_ID)],
            [col(a::APP), col(a::ACCOUNT_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()?;
    let admin_wanted: BTreeMap<(u32, usize, u32), bool> =
        matchers(rules).filter_map(|(r, s, m, matcher)| Some(((r, s, m), matcher.admin?))).collect();

    let mut held: BTreeMap<(u32, String), Held> = BTreeMap::new();
    {
        let cols = (
            joined.column(RULE)?.u32()?,
            joined.column(SIDE)?.str()?,
            joined.column(MATCHER)?.u32()?,
            joined.column(a::APP)?.str()?,
            joined.column(a::ACCOUNT_ID)?.str()?,
            joined.column(WHAT)?.str()?,
            joined.column(a::IS_ADMIN)?.bool()?,
            joined.column(a::PERSON_ID)?.str()?,
        );
        for i in 0..joined.height() {
            let (Some(r), Some(side), Some(m), Some(app), Some(id), Some(what), Some(person)) =
                (cols.0.get(i), cols.1.get(i), cols.2.get(i), cols.3.get(i), cols.4.get(i), cols.5.get(i), cols.7.get(i))
            else {
                continue;
            };
            let s = usize::from(side == SIDES[1]);
            if admin_wanted.get(&(r, s, m)).is_some_and(|want| *want != cols.6.get(i).unwrap_or(false)) {
                continue;
            }
            held.entry((r, person.to_string())).or_default().hits.entry((s, m)).or_default().insert((
                app.to_string(),
                id.to_string(),
                what.to_string(),
            ));
        }
    }
    // People with live access in the apps not collected completely that a rule names.
    if !incomplete.is_empty() {
        let apps = live.column(a::APP)?.str()?;
        let persons = live.column(a::PERSON_ID)?.str()?;
        let mut access: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (app, person) in apps.iter().zip(persons.iter()) {
            if let (Some(app), Some(person)) = (app, person) {
                if incomplete.contains(app) {
                    access.entry(person).or_default().insert(app);
                }
            }
        }
        for (r, rule) in rules.iter().enumerate() {
            let named: BTreeSet<&str> = incomplete
                .iter()
                .map(String::as_str)
                .filter(|app| rule.left.access.iter().chain(&rule.right.access).any(|m| m.names_app(app)))
                .collect();
            if named.is_empty() {
                continue;
            }
            for (person, apps) in &access {
                let there: BTreeSet<String> = apps.intersection(&named).map(|s| s.to_string()).collect();
                if !there.is_empty() {
                    held.entry((r as u32, person.to_string())).or_default().incomplete_access = there;
                }
            }
        }
    }

    let mut rows = Vec::new();
    for ((r, person), h) in &held {
        let rule = &rules[*r as usize];
        let sides: Vec<(bool, bool, BTreeSet<String>)> = (0..2)
            .map(|s| {
                let other_held = held_side(rule, h, 1 - s);
                side_state(side_of(rule, s), s, h, incomplete, other_held)
            })
            .collect();
        let conflict = sides[0].0 && sides[1].0;
        let possible = sides[0].1 && sides[1].1;
        if !conflict && !possible {
            continue;
        }
        let unverified: BTreeSet<String> =
            if conflict { BTreeSet::new() } else { sides.iter().flat_map(|s| s.2.iter().cloned()).collect() };
        rows.push(Row { rule, person, held: h, conflict, unverified });
    }
    let wanted: BTreeSet<&str> = rows.iter().map(|r| r.person).collect();
    frame(rows, &people_of(&live, &wanted)?)
}

/// Whether side `s` is held: its matchers hit (any: one; all: every one).
fn held_side(rule: &SodRule, h: &Held, s: usize) -> bool {
    let side = side_of(rule, s);
    let hit = |m: usize| h.hits.contains_key(&(s, m as u32));
    if side.match_all {
        (0..side.access.len()).all(hit)
    } else {
        (0..side.access.len()).any(hit)
    }
}

/// `(held, possible, the incomplete apps that make it possible)` of side `s`.
fn side_state(side: &SodSide, s: usize, h: &Held, incomplete: &BTreeSet<String>, other_held: bool) -> (bool, bool, BTreeSet<String>) {
    let mut unknown_apps = BTreeSet::new();
    let mut states = Vec::new();
    for (m, matcher) in side.access.iter().enumerate() {
        let hit = h.hits.contains_key(&(s, m as u32));
        // Unknown: an app not collected completely where the person has access (or, with the
        // other side held, any such app: the missing accounts may be theirs).
        let apps: Vec<&String> =
            incomplete.iter().filter(|app| matcher.names_app(app) && (other_held || h.incomplete_access.contains(*app))).collect();
        let unknown = !hit && !apps.is_empty();
        if unknown {
            unknown_apps.extend(apps.into_iter().cloned());
        }
        states.push((hit, unknown));
    }
    let (held, possible) = if side.match_all {
        (states.iter().all(|s| s.0), states.iter().all(|s| s.0 || s.1))
    } else {
        (states.iter().any(|s| s.0), states.iter().any(|s| s.0 || s.1))
    };
    (held, possible, unknown_apps)
}

/// The name, email and status of the `wanted` people, from their live accounts.
fn people_of(live: &DataFrame, wanted: &BTreeSet<&str>) -> PolarsResult<People> {
    let ids = live.column(a::PERSON_ID)?.str()?;
    let emails = live.column(a::PERSON_EMAIL)?.str()?;
    let names = live.column(a::PERSON_NAME)?.str()?;
    let statuses = live.column(a::PERSON_STATUS)?.str()?;
    let mut people = People::new();
    for i in 0..live.height() {
        if let Some(id) = ids.get(i).filter(|id| wanted.contains(id) && !people.contains_key(*id)) {
            let person = (emails.get(i).map(str::to_string), names.get(i).map(str::to_string), statuses.get(i).map(str::to_string));
            people.insert(id.to_string(), person);
        }
    }
    Ok(people)
}

struct Row<'a> {
    rule: &'a SodRule,
    person: &'a str,
    held: &'a Held,
    conflict: bool,
    unverified: BTreeSet<String>,
}

impl Row<'_> {
    /// One side's access in words: `netsuite 77: role "AP Approver"; ...`, in order.
    fn access(&self, s: usize) -> String {
        let items: BTreeSet<String> = self
            .held
            .hits
            .iter()
            .filter(|((side, _), _)| *side == s)
            .flat_map(|(_, accounts)| accounts.iter().map(|(app, id, what)| format!("{app} {id}: {what}")))
            .collect();
        items.into_iter().collect::<Vec<_>>().join("; ")
    }

    fn accounts(&self) -> BTreeSet<(String, String)> {
        self.held.hits.values().flat_map(|accounts| accounts.iter().map(|(app, id, _)| (app.clone(), id.clone()))).collect()
    }

    fn severity(&self) -> &str {
        if self.conflict || severity_rank(&self.rule.severity) > severity_rank("medium") {
            &self.rule.severity
        } else {
            "medium"
        }
    }

    fn detail(&self, left: &str, right: &str) -> String {
        let rule = match self.rule.description.as_str() {
            "" => format!("Rule \"{}\"", self.rule.name),
            d => format!("Rule \"{}\" ({d})", self.rule.name),
        };
        let none = "nothing collected";
        if self.conflict {
            format!("{rule}: holds both sides. Left ({}): {left}. Right ({}): {right}", self.rule.left.mode(), self.rule.right.mode())
        } else {
            let apps = self.unverified.iter().cloned().collect::<Vec<_>>().join(", ");
            format!(
                "{rule} could not be verified: {apps} not collected completely, and what is missing could complete a conflict. Left: {}. Right: {}",
                if left.is_empty() { none } else { left },
                if right.is_empty() { none } else { right }
            )
        }
    }
}

/// The findings frame of the rows, in the columns every rule frame has.
fn frame(rows: Vec<Row>, people: &People) -> PolarsResult<DataFrame> {
    let n = rows.len();
    let mut c: Vec<Vec<Option<String>>> = (0..16).map(|_| Vec::with_capacity(n)).collect();
    for row in &rows {
        let (left, right) = (row.access(0), row.access(1));
        let accounts = row.accounts();
        let mut apps: BTreeSet<String> = accounts.iter().map(|(app, _)| app.clone()).collect();
        apps.extend(row.unverified.iter().cloned());
        let person = people.get(row.person).cloned().unwrap_or_default();
        let values = [
            Some(row.severity().to_string()),
            Some(FindingCategory::SodConflict.as_str().to_string()),
            Some(apps.into_iter().collect::<Vec<_>>().join(" + ")),
            Some(accounts.iter().map(|(app, id)| format!("{app}{APP_ACCOUNT}{id}")).collect::<Vec<_>>().join(ACCOUNTS_SEPARATOR)),
            person.0.clone(),
            person.1.clone(),
            Some(row.person.to_string()),
            person.2.clone(),
            Some(row.detail(&left, &right)),
            Some(row.rule.controls.clone()),
            Some(row.rule.name.clone()),
            Some(row.rule.description.clone()),
            Some(if row.conflict { "conflict" } else { "unverifiable" }.to_string()),
            Some(left),
            Some(right),
            Some(row.unverified.iter().cloned().collect::<Vec<_>>().join(", ")),
        ];
        for (column, value) in c.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let names = [
        f::SEVERITY,
        f::CATEGORY,
        f::APP,
        f::ACCOUNT_ID,
        f::EMAIL,
        f::DISPLAY_NAME,
        f::PERSON_ID,
        f::PERSON_STATUS,
        f::DETAIL,
        f::CONTROLS,
        RULE_NAME,
        RULE_DESCRIPTION,
        RESULT,
        LEFT_ACCESS,
        RIGHT_ACCESS,
        UNVERIFIED_APPS,
    ];
    DataFrame::new_infer_height(names.iter().zip(c).map(|(name, values)| Column::new((*name).into(), values)).collect())
}

/// The apps not collected completely: a coverage status other than complete, or in the config
/// but not in the snapshot.
pub fn incomplete_apps(coverage: &[crate::model::CoverageRecord], config: &crate::config::Config) -> BTreeSet<String> {
    let mut apps: BTreeSet<String> =
        coverage.iter().filter(|c| c.status != crate::model::COVERAGE_COMPLETE).map(|c| c.app.clone()).collect();
    apps.extend(config.apps.iter().filter(|app| !coverage.iter().any(|c| c.app == app.name)).map(|app| app.name.clone()));
    apps
}
