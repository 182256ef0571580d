//! The whole configuration: read, parsed section by section, every app handed to its kind.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::app::{parse_app, AppConfig};
use super::at::rebase;
use super::error::ConfigError;
use super::kind::KindSet;
use super::positions::{explain, field_in_message, join_key, line_of, line_of_key, section_at};
use super::schema::{check_delimiter, Campaign, Evidence, Identity, Notify, PathSection, Review, RosterFormat, SmtpTls, Tickets};
use super::sod::{read_rules_file, RulesAt, SodRule};

/// The whole configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// The config file as given on the command line.
    #[serde(skip)]
    pub file: PathBuf,
    /// SHA-256 of the config text as parsed (recorded in the snapshot: which config a collection
    /// ran with; it holds secret references, never secrets).
    #[serde(skip)]
    pub sha256: String,
    pub review: Review,
    pub identity: Identity,
    pub apps: Vec<AppConfig>,
    pub exceptions: Option<PathSection>,
    pub overrides: Option<PathSection>,
    pub evidence: Evidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<Campaign>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<Notify>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tickets: Option<Tickets>,
    /// Separation-of-duties rules: the config's `[[sod]]` tables, then the `sod_rules` file's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sod: Vec<SodRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    review: Review,
    identity: Identity,
    #[serde(default)]
    apps: Vec<toml::Spanned<toml::Table>>,
    exceptions: Option<PathSection>,
    overrides: Option<PathSection>,
    #[serde(default)]
    evidence: Evidence,
    campaign: Option<Campaign>,
    notify: Option<Notify>,
    #[serde(default)]
    sod: Vec<toml::Spanned<toml::Table>>,
    sod_rules: Option<PathSection>,
    tickets: Option<Tickets>,
}

/// Whether `host` is this machine (a relay there may take plain SMTP).
fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Config {
    /// Reads and validates the config file.
    pub fn load(path: &Path, kinds: &dyn KindSet) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            key: "(file)".into(),
            message: format!("cannot read the config file: {e}"),
        })?;
        Config::parse(&text, path, kinds)
    }

    /// Parses config text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path, kinds: &dyn KindSet) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            let span = e.span().unwrap_or(0..0);
            let mut line = line_of(text, span.start);
            let mut key = section_at(text, span.start);
            if let Some(field) = field_in_message(&message) {
                if message.starts_with("unknown field") {
                    line = line_of_key(text, span.clone(), field);
                    key = join_key(&key, field);
                } else if message.starts_with("missing field") {
                    key = join_key(&key, field);
                }
            }
            ConfigError { file: file.clone(), line, key, message: explain(&message) }
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let err = |line: usize, key: String, message: String| ConfigError { file: file.clone(), line, key, message };

        let mut review = raw.review;
        for (key, value) in [
            ("review.dormant_after_days", review.dormant_after_days),
            ("review.invite_stale_after_days", review.invite_stale_after_days),
            ("review.token_warn_days", review.token_warn_days),
        ] {
            if value < 0 {
                let line = line_of_key(text, 0..text.len(), key.rsplit('.').next().unwrap_or(key));
                return Err(err(line, key.into(), format!("found {value}, expected a number of days (0 or more)")));
            }
        }
        review.name = review.name.trim().to_string();

        let mut identity = raw.identity;
        if identity.columns.is_some() && identity.format != RosterFormat::Generic {
            let line = line_of_key(text, 0..text.len(), "columns");
            return Err(err(
                line,
                "identity.columns".into(),
                format!(
                    "found a column mapping with format = \"{}\"; a mapping is only used with format = \"generic\" (presets know their own columns)",
                    identity.format.as_str()
                ),
            ));
        }
        for (value, key) in identity.status_map.values().zip(identity.status_map.keys()) {
            if !["active", "terminated", "leave"].contains(&value.as_str()) {
                let line = line_of_key(text, 0..text.len(), "status_map");
                return Err(err(
                    line,
                    format!("identity.status_map.{key}"),
                    format!("found \"{value}\", expected one of active, terminated, leave"),
                ));
            }
        }
        check_delimiter(&identity.delimiter)
            .map_err(|m| err(line_of_key(text, 0..text.len(), "delimiter"), "identity.delimiter".into(), m))?;
        identity.domain_aliases = identity
            .domain_aliases
            .into_iter()
            .map(|(k, v)| (k.trim().trim_start_matches('@').to_lowercase(), v.trim().trim_start_matches('@').to_lowercase()))
            .collect();
        match (&identity.source, identity.path.as_os_str().is_empty()) {
            (Some(_), false) => {
                let line = line_of_key(text, 0..text.len(), "source");
                return Err(err(
                    line,
                    "identity.source".into(),
                    "found both path and source; the roster is either a file (path) or an identity provider's users (source)".into(),
                ));
            }
            (None, true) => {
                return Err(err(
                    line_of_key(text, 0..text.len(), "identity"),
                    "identity.path".into(),
                    "missing: the roster file (path = \"hr.csv\"), or source = { app = \"<an identity provider app>\" }".into(),
                ));
            }
            (None, false) => identity.path = rebase(&base, &identity.path),
            (Some(_), true) => {}
        }

        let mut apps: Vec<AppConfig> = Vec::new();
        for (index, spanned) in raw.apps.into_iter().enumerate() {
            let span = spanned.span();
            let table = spanned.into_inner();
            let app = parse_app(text, &file, index, span, table, &base, kinds)?;
            if let Some(prev) = apps.iter().find(|a| a.name == app.name) {
                return Err(err(
                    app.line,
                    format!("apps[{index}].name"),
                    format!("found \"{}\" again (first at line {}); app names must be unique", app.name, prev.line),
                ));
            }
            apps.push(app);
        }
        let idp_kinds: Vec<String> =
            kinds.schemas().iter().filter(|k| k.identity_provider()).map(|k| k.kind().as_str().to_string()).collect();
        if let Some(source) = identity.source_app() {
            let target = apps.iter().find(|a| a.name == source);
            if !target.is_some_and(|t| kinds.schema(t.kind.as_str()).is_some_and(|k| k.identity_provider())) {
                let line = line_of_key(text, 0..text.len(), "source");
                return Err(err(
                    line,
                    "identity.source.app".into(),
                    match target {
                        None => format!("found \"{source}\", which is not an app of this config"),
                        Some(t) => {
                            format!("found app \"{source}\" of kind {}, expected an identity provider ({})", t.kind, idp_kinds.join(", "))
                        }
                    },
                ));
            }
        }
        // An app's identity provider is an app of this config whose kind records assignments.
        let assigning: Vec<String> =
            kinds.schemas().iter().filter(|k| k.records_assignments()).map(|k| k.kind().as_str().to_string()).collect();
        for (index, app) in apps.iter().enumerate() {
            let Some(link) = &app.idp else { continue };
            let target = apps.iter().find(|a| a.name == link.app);
            let problem = match target {
                None => Some(format!("found app \"{}\", which is not an app of this config", link.app)),
                Some(t) if !kinds.schema(t.kind.as_str()).is_some_and(|k| k.records_assignments()) => Some(format!(
                    "found app \"{}\" of kind {}, expected an identity provider that records app assignments ({})",
                    link.app,
                    t.kind,
                    assigning.join(", ")
                )),
                Some(_) => None,
            };
            if let Some(message) = problem {
                return Err(err(app.line, format!("apps[{index}].idp.app"), message));
            }
        }

        let exceptions = raw.exceptions.map(|p| PathSection { path: rebase(&base, &p.path) });
        let overrides = raw.overrides.map(|p| PathSection { path: rebase(&base, &p.path) });
        let mut evidence = raw.evidence;
        if let Some(key) = &mut evidence.signing_key {
            key.rebase(&base);
        }
        let sha256 = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(text.as_bytes()))
        };
        let mut campaign = raw.campaign;
        if let Some(c) = &mut campaign {
            c.fallback_reviewer = c.fallback_reviewer.as_deref().map(|f| f.trim().to_lowercase());
            if let Some(f) = c.fallback_reviewer.as_deref().filter(|f| !f.contains('@')) {
                let line = line_of_key(text, 0..text.len(), "fallback_reviewer");
                return Err(err(line, "campaign.fallback_reviewer".into(), format!("found \"{f}\", expected an email address")));
            }
            c.owner = c.owner.as_deref().map(|f| f.trim().to_lowercase());
            if let Some(f) = c.owner.as_deref().filter(|f| !f.contains('@')) {
                // `owner` is an app's key too: look in [campaign] (until the next table).
                let start = text.find("[campaign]").unwrap_or(0);
                let end = text[start + 1..].find("\n[").map(|e| start + 1 + e).unwrap_or(text.len());
                let line = line_of_key(text, start..end, "owner");
                return Err(err(line, "campaign.owner".into(), format!("found \"{f}\", expected an email address")));
            }
        }
        let mut notify = raw.notify;
        if let Some(n) = &mut notify {
            if let Some(p) = &mut n.password {
                p.rebase(&base);
            }
            n.ca_file = n.ca_file.as_deref().map(|p| rebase(&base, p));
            let at = |key: &str| {
                let start = text.find("[notify]").unwrap_or(0);
                line_of_key(text, start..text.len(), key)
            };
            if !n.from.contains('@') {
                return Err(err(at("from"), "notify.from".into(), format!("found \"{}\", expected an email address", n.from)));
            }
            if n.tls == SmtpTls::None && n.password.is_some() && !is_loopback(&n.host) {
                return Err(err(
                    at("tls"),
                    "notify.tls".into(),
                    format!("tls = \"none\" with a password would send it in the clear to {}: use starttls or implicit (plain SMTP only to a relay on this machine)", n.host),
                ));
            }
        }
        let app_names: Vec<String> = apps.iter().map(|a| a.name.clone()).collect();
        let entitlement_kinds: Vec<&'static str> = crate::model::EntitlementKind::ALL.iter().map(|k| k.as_str()).collect();
        let mut sod = Vec::new();
        RulesAt { text, file: &file, apps: &app_names, kinds: &entitlement_kinds }.parse(raw.sod, &mut sod)?;
        if let Some(rules_file) = &raw.sod_rules {
            let rules_path = rebase(&base, &rules_file.path);
            let (rules_text, tables) = read_rules_file(&rules_path)?;
            let rules_name = rules_path.display().to_string();
            RulesAt { text: &rules_text, file: &rules_name, apps: &app_names, kinds: &entitlement_kinds }.parse(tables, &mut sod)?;
        }
        let mut tickets = raw.tickets;
        if let Some(t) = &mut tickets {
            let desks = [
                t.jira.as_mut().map(|j| (&j.base_url, &mut j.auth, &mut j.ca_file, "jira")),
                t.servicenow.as_mut().map(|s| (&s.base_url, &mut s.auth, &mut s.ca_file, "servicenow")),
            ];
            for (base_url, auth, ca_file, name) in desks.into_iter().flatten() {
                let start = text.find(&format!("[tickets.{name}]")).unwrap_or(0);
                if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
                    return Err(err(
                        line_of_key(text, start..text.len(), "base_url"),
                        format!("tickets.{name}.base_url"),
                        format!("found \"{base_url}\", expected an http(s):// URL"),
                    ));
                }
                if !matches!(auth, crate::config::AuthConfig::Basic { .. } | crate::config::AuthConfig::Bearer { .. }) {
                    return Err(err(
                        line_of_key(text, start..text.len(), "auth"),
                        format!("tickets.{name}.auth"),
                        "expected type = \"basic\" (username and an API token or password) or \"bearer\" (a token)".into(),
                    ));
                }
                for secret in auth.secrets_mut() {
                    secret.rebase(&base);
                }
                *ca_file = ca_file.as_deref().map(|p| rebase(&base, p));
            }
        }
        Ok(Config {
            file: path.to_path_buf(),
            sha256,
            review,
            identity,
            apps,
            exceptions,
            overrides,
            evidence,
            campaign,
            notify,
            tickets,
            sod,
        })
    }

    /// The config as JSON for the manifest: secret references are described, never resolved.
    pub fn redacted_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn app(&self, name: &str) -> Option<&AppConfig> {
        self.apps.iter().find(|a| a.name == name)
    }
}
