//! Separation-of-duties rules: `[[sod]]` tables in the config, or in the file `sod_rules = { path }`
//! names (same syntax). Each rule has two sides; a side is a list of matchers, `match = "any"`
//! (one of them is enough) or `"all"` (every one). A matcher names an app (exact or glob) and
//! either an entitlement (`kind`, `value` exact or glob), the admin flag (`admin = true`), or
//! nothing more (any live account in the app).
//!
//! Parsed here with every problem positioned (unknown key or app, empty side, bad glob); the
//! rules are evaluated in `findings::sod`.

use std::path::Path;

use serde::Serialize;

use super::error::ConfigError;
use super::positions::{line_of, line_of_key, table_region};

/// The controls a rule cites unless it names its own.
pub const DEFAULT_CONTROLS: &str = "SOX ITGC segregation of duties; ISO/IEC 27001:2022 A.5.3";
const RULE_KEYS: [&str; 6] = ["name", "description", "severity", "controls", "left", "right"];
const SIDE_KEYS: [&str; 2] = ["match", "access"];
const MATCHER_KEYS: [&str; 4] = ["app", "kind", "value", "admin"];
const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// One separation-of-duties rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SodRule {
    pub name: String,
    pub description: String,
    pub severity: String,
    pub controls: String,
    pub left: SodSide,
    pub right: SodSide,
    /// Where the rule is written (`config.toml:41`), for messages.
    #[serde(skip)]
    pub at: String,
}

/// One side of a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SodSide {
    /// `all`: every matcher must hit; `any`: one is enough.
    #[serde(rename = "match")]
    pub match_all: bool,
    pub access: Vec<SodMatcher>,
}

impl SodSide {
    pub fn mode(&self) -> &'static str {
        if self.match_all {
            "all"
        } else {
            "any"
        }
    }
}

/// What a matcher asks of an account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SodMatcher {
    /// App name, exact or glob.
    pub app: String,
    /// Entitlement kind (`role`, `group`, ...), exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Entitlement value, exact or glob (case-sensitive, as the app writes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `true`: the account is an admin; `false`: it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
}

impl SodMatcher {
    /// The matcher in words: `salesforce group "Finance*"`, `any app admin`.
    pub fn describe(&self) -> String {
        let app = if self.app == "*" { "any app".to_string() } else { self.app.clone() };
        let mut s = app;
        match (&self.kind, &self.value) {
            (Some(k), Some(v)) => s.push_str(&format!(" {k} \"{v}\"")),
            (Some(k), None) => s.push_str(&format!(" any {k}")),
            (None, Some(v)) => s.push_str(&format!(" entitlement \"{v}\"")),
            (None, None) => {}
        }
        match self.admin {
            Some(true) => s.push_str(" admin"),
            Some(false) => s.push_str(" non-admin"),
            None if self.kind.is_none() && self.value.is_none() => s.push_str(" account"),
            None => {}
        }
        s
    }

    /// Whether `app` is one this matcher names.
    pub fn names_app(&self, app: &str) -> bool {
        glob_matches(&self.app, app)
    }

    /// Whether an entitlement `(kind, value)` is one this matcher names (its app aside).
    pub fn names_entitlement(&self, kind: &str, value: &str) -> bool {
        self.kind.as_deref().is_none_or(|k| k == kind) && self.value.as_deref().is_none_or(|v| glob_matches(v, value))
    }

    /// A matcher on entitlements (else on the account: admin flag or mere presence).
    pub fn on_entitlements(&self) -> bool {
        self.kind.is_some() || self.value.is_some()
    }
}

/// Whether `pattern` (a glob: `*`, `?`, `[...]`) matches `text` whole; a pattern without glob
/// characters must equal it.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    glob::Pattern::new(pattern).map(|p| p.matches(text)).unwrap_or(pattern == text)
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Where rules are read from: the text of one file, for positions.
pub(super) struct RulesAt<'a> {
    pub text: &'a str,
    pub file: &'a str,
    pub apps: &'a [String],
    pub kinds: &'a [&'static str],
}

impl RulesAt<'_> {
    /// Every `[[sod]]` table of the file, in order; `rules` already read (names must be unique).
    pub fn parse(&self, tables: Vec<toml::Spanned<toml::Table>>, rules: &mut Vec<SodRule>) -> Result<(), ConfigError> {
        for (index, spanned) in tables.into_iter().enumerate() {
            let span = table_region(self.text, spanned.span().start, "sod");
            let rule = self.rule(index, span.clone(), spanned.into_inner())?;
            if let Some(prev) = rules.iter().find(|r| r.name == rule.name) {
                return Err(ConfigError {
                    file: self.file.into(),
                    line: line_of_key(self.text, span, "name"),
                    key: format!("sod[{index}].name"),
                    message: format!("found \"{}\" again (first at {}); rule names must be unique", rule.name, prev.at),
                });
            }
            rules.push(rule);
        }
        Ok(())
    }

    fn rule(&self, index: usize, span: std::ops::Range<usize>, table: toml::Table) -> Result<SodRule, ConfigError> {
        let rule_line = line_of(self.text, span.start);
        let err = |key: &str, line_key: &str, message: String| ConfigError {
            file: self.file.into(),
            line: if line_key.is_empty() { rule_line } else { line_of_key(self.text, span.clone(), line_key) },
            key: if key.is_empty() { format!("sod[{index}]") } else { format!("sod[{index}].{key}") },
            message,
        };
        for key in table.keys() {
            if !RULE_KEYS.contains(&key.as_str()) {
                return Err(err(key, key, format!("unknown key `{key}`, expected one of {}", RULE_KEYS.join(", "))));
            }
        }
        let text = |key: &str, required: bool| -> Result<Option<String>, ConfigError> {
            match table.get(key) {
                Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
                Some(toml::Value::String(_)) => Err(err(key, key, "found an empty string, expected text".into())),
                Some(other) => Err(err(key, key, format!("found {}, expected a string", other.type_str()))),
                None if required => Err(err(key, "", format!("missing key `{key}`"))),
                None => Ok(None),
            }
        };
        let name = text("name", true)?.unwrap_or_default();
        let description = text("description", false)?.unwrap_or_default();
        let severity = text("severity", false)?.unwrap_or_else(|| "high".into());
        if !SEVERITIES.contains(&severity.as_str()) {
            return Err(err("severity", "severity", format!("found \"{severity}\", expected one of {}", SEVERITIES.join(", "))));
        }
        let controls = text("controls", false)?.unwrap_or_else(|| DEFAULT_CONTROLS.into());
        let mut sides = Vec::new();
        for side in ["left", "right"] {
            let parsed = match table.get(side) {
                None => return Err(err(side, "", format!("missing key `{side}`: each rule has two sides, left and right"))),
                Some(value) => {
                    // The side's own text: its `[sod.<side>]` table, else from its `<side> =` line.
                    let region = match self.text[span.clone()].find(&format!("[sod.{side}]")) {
                        Some(at) => table_region(self.text, span.start + at, &format!("sod.{side}")),
                        None => {
                            let line = line_of_key(self.text, span.clone(), side);
                            let start = self.text.split_inclusive('\n').take(line - 1).map(str::len).sum::<usize>();
                            start.max(span.start)..span.end
                        }
                    };
                    self.side(value, &|key: &str, message: String| {
                        let full = if key.is_empty() { side.to_string() } else { format!("{side}.{key}") };
                        // A matcher's problem is at the side's `access` (or `<side> =`) line.
                        let leaf = if key == "match" { "match" } else { "access" };
                        let line = line_of_key(self.text, region.clone(), leaf);
                        ConfigError { file: self.file.into(), line, key: format!("sod[{index}].{full}"), message }
                    })?
                }
            };
            sides.push(parsed);
        }
        let right = sides.pop().expect("two sides");
        let left = sides.pop().expect("two sides");
        Ok(SodRule { name, description, severity, controls, left, right, at: format!("{}:{rule_line}", self.file) })
    }

    /// A side: a list of matchers (match any), or a table `{ match, access }`.
    fn side(&self, value: &toml::Value, err: &dyn Fn(&str, String) -> ConfigError) -> Result<SodSide, ConfigError> {
        let (match_all, list) = match value {
            toml::Value::Array(list) => (false, list),
            toml::Value::Table(t) => {
                if let Some(key) = t.keys().find(|k| !SIDE_KEYS.contains(&k.as_str())) {
                    return Err(err(key, format!("unknown key `{key}`, expected one of {}", SIDE_KEYS.join(", "))));
                }
                let match_all = match t.get("match") {
                    None => false,
                    Some(toml::Value::String(s)) if s == "any" => false,
                    Some(toml::Value::String(s)) if s == "all" => true,
                    Some(other) => return Err(err("match", format!("found {other}, expected \"any\" or \"all\""))),
                };
                match t.get("access") {
                    Some(toml::Value::Array(list)) => (match_all, list),
                    Some(other) => return Err(err("access", format!("found {}, expected a list of matchers", other.type_str()))),
                    None => return Err(err("access", "missing key `access`: the side's list of matchers".into())),
                }
            }
            other => {
                return Err(err("", format!("found {}, expected a list of matchers or a table {{ match, access }}", other.type_str())))
            }
        };
        if list.is_empty() {
            return Err(err(
                "access",
                "found an empty side, expected at least one matcher ({ app = \"...\", kind = \"...\", value = \"...\" })".into(),
            ));
        }
        let mut access = Vec::new();
        for (i, m) in list.iter().enumerate() {
            access.push(self.matcher(m, &|key: &str, message: String| err(&format!("access[{i}].{key}"), message))?);
        }
        Ok(SodSide { match_all, access })
    }

    fn matcher(&self, value: &toml::Value, err: &dyn Fn(&str, String) -> ConfigError) -> Result<SodMatcher, ConfigError> {
        let toml::Value::Table(t) = value else {
            return Err(err(
                "",
                format!("found {}, expected a matcher {{ app = \"...\", kind = \"...\", value = \"...\" }}", value.type_str()),
            ));
        };
        if let Some(key) = t.keys().find(|k| !MATCHER_KEYS.contains(&k.as_str())) {
            return Err(err(key, format!("unknown key `{key}`, expected one of {}", MATCHER_KEYS.join(", "))));
        }
        let string = |key: &str| -> Result<Option<String>, ConfigError> {
            match t.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Some(other) => Err(err(key, format!("found {other}, expected a non-empty string"))),
            }
        };
        let Some(app) = string("app")? else {
            return Err(err("app", "missing key `app`: the app's name as in [[apps]], or a glob (\"*\" for every app)".into()));
        };
        let check_glob = |key: &str, pattern: &str| -> Result<(), ConfigError> {
            glob::Pattern::new(pattern)
                .map(|_| ())
                .map_err(|e| err(key, format!("found \"{pattern}\", which is not a valid glob: {}", e.msg)))
        };
        check_glob("app", &app)?;
        let named: Vec<&String> = self.apps.iter().filter(|a| glob_matches(&app, a)).collect();
        if named.is_empty() {
            let what = if is_glob(&app) { "a pattern that matches no app of this config" } else { "not an app of this config" };
            return Err(err("app", format!("found \"{app}\", {what}; the apps are {}", self.apps.join(", "))));
        }
        let kind = string("kind")?;
        if let Some(k) = &kind {
            if !self.kinds.contains(&k.as_str()) {
                return Err(err("kind", format!("found \"{k}\", expected an entitlement kind: {}", self.kinds.join(", "))));
            }
        }
        let value = string("value")?;
        if let Some(v) = &value {
            check_glob("value", v)?;
        }
        let admin = match t.get("admin") {
            None => None,
            Some(toml::Value::Boolean(b)) => Some(*b),
            Some(other) => return Err(err("admin", format!("found {other}, expected true or false"))),
        };
        Ok(SodMatcher { app, kind, value, admin })
    }
}

/// The `[[sod]]` tables of a rules file (`sod_rules = { path }`).
pub(super) fn read_rules_file(path: &Path) -> Result<(String, Vec<toml::Spanned<toml::Table>>), ConfigError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RulesFile {
        #[serde(default)]
        sod: Vec<toml::Spanned<toml::Table>>,
    }
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: 0,
        key: "(file)".into(),
        message: format!("cannot read the separation-of-duties rules file: {e}"),
    })?;
    let parsed: RulesFile = toml::from_str(&text).map_err(|e| ConfigError {
        file: file.clone(),
        line: line_of(&text, e.span().unwrap_or(0..0).start),
        key: "sod".into(),
        message: format!("{} (a rules file holds [[sod]] tables only)", e.message().trim()),
    })?;
    Ok((text, parsed.sod))
}
