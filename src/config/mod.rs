//! The TOML configuration of SPEC §2: schema, validation and error positions.
//!
//! Owns: parsing `config.toml` into typed settings, refusing unknown keys and inline secrets, and
//! turning every problem into a [`ConfigError`] that names the file, the line, the key, what was
//! found and what was expected. Relative paths are resolved against the config file's directory.
//! Must not: read rosters or exports, resolve secrets (that happens only where they are used), or
//! print anything. toml's own error rendering quotes the offending line, which could hold a secret,
//! so errors are rebuilt here from the message and the position only.
//!
//! Files: `schema` (the sections that are not apps), `http` (the keys every API kind shares),
//! `kind` (what the parser asks of a kind: [`KindSet`], [`KindSchema`], [`OptionsAt`]; the kinds
//! themselves, with their options types, are the collectors' registry), `dates`, `secret`,
//! `positions` (lines and keys for errors). This module parses the app-independent parts and each
//! `[[apps]]` table's shared keys, then hands the rest to the app's kind.

mod dates;
mod http;
mod kind;
mod positions;
mod schema;
pub mod secret;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use dates::ConfigDate;
use http::HTTP_KEYS;
pub use http::{AuthConfig, HttpConfig};
pub use kind::{AppKind, AppOptions, KindOptions, KindSchema, KindSet, OptionsAt};
use positions::{app_region, explain, field_in_message, join_key, line_of, line_of_key, section_at};
pub use schema::{
    check_delimiter, Campaign, CampaignBy, CredentialConfig, Evidence, Identity, IdentityColumns, PathSection, Review, RosterFormat,
};
pub use secret::{Secret, SecretRef};

/// A config problem, positioned.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    /// The key path, e.g. `apps[2].columns.email` or `review.as_of`.
    pub key: String,
    pub message: String,
}

const COMMON_KEYS: [&str; 5] = ["name", "kind", "admin_groups", "credential", "owner"];

/// One `[[apps]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    pub name: String,
    pub kind: AppKind,
    pub admin_groups: Vec<String>,
    pub credential: Option<CredentialConfig>,
    /// Who is accountable for the app (an email, lower case): certifies the accounts that have no
    /// person, or all of them with `[campaign] by = "app_owner"`.
    pub owner: Option<String>,
    /// The connection settings of an API app (`None` for a kind that reads a file).
    pub http: Option<HttpConfig>,
    /// The kind's own options (its collector's options type).
    pub options: AppOptions,
    /// Line of the `[[apps]]` header, for messages about this app.
    pub line: usize,
}

impl AppConfig {
    /// The connection settings of an API app.
    pub fn http(&self) -> Option<&HttpConfig> {
        self.http.as_ref()
    }

    /// Every secret this app needs: its auth, and kind options such as the Atlassian org API key.
    pub fn secrets(&self) -> Vec<&SecretRef> {
        let mut out = self.http().map(|h| h.auth.secrets()).unwrap_or_default();
        out.extend(self.options.secrets());
        out
    }
}

/// As the manifest records it: `source` holds the kind's options (an API app's as `{ http, options }`).
impl Serialize for AppConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let source = match &self.http {
            Some(http) => serde_json::json!({ "http": http, "options": self.options.to_json() }),
            None => self.options.to_json(),
        };
        let mut st = s.serialize_struct("AppConfig", 5)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("admin_groups", &self.admin_groups)?;
        st.serialize_field("credential", &self.credential)?;
        if let Some(owner) = &self.owner {
            st.serialize_field("owner", owner)?;
        }
        st.serialize_field("source", &source)?;
        st.end()
    }
}

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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonApp {
    name: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    admin_groups: Vec<String>,
    credential: Option<CredentialConfig>,
    owner: Option<String>,
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
        identity.path = rebase(&base, &identity.path);

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
        }
        Ok(Config { file: path.to_path_buf(), sha256, review, identity, apps, exceptions, overrides, evidence, campaign })
    }

    /// The config as JSON for the manifest: secret references are described, never resolved.
    pub fn redacted_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn app(&self, name: &str) -> Option<&AppConfig> {
        self.apps.iter().find(|a| a.name == name)
    }
}

fn rebase(base: &Path, p: &Path) -> PathBuf {
    if p.is_relative() {
        base.join(p)
    } else {
        p.to_path_buf()
    }
}

/// One `[[apps]]` table: the keys every app takes, the connection settings of an API kind, and
/// the rest handed to the kind's own parser.
fn parse_app(
    text: &str,
    file: &str,
    index: usize,
    span: std::ops::Range<usize>,
    table: toml::Table,
    base: &Path,
    kinds: &dyn KindSet,
) -> Result<AppConfig, ConfigError> {
    let app_line = line_of(text, span.start);
    let mut at = OptionsAt {
        text,
        file,
        span: app_region(text, span.start),
        prefix: format!("apps[{index}]"),
        app_line,
        base,
        shared_keys: COMMON_KEYS.join(", "),
    };
    let names = kinds.schemas().iter().map(|k| k.kind().as_str()).collect::<Vec<_>>().join(", ");
    let kind = match table.get("kind") {
        Some(toml::Value::String(s)) => {
            kinds.schema(s).ok_or_else(|| at.error("kind", format!("found \"{s}\", expected one of {names}")))?
        }
        Some(other) => return Err(at.error("kind", format!("found {}, expected a string, one of {names}", other.type_str()))),
        None => return Err(at.error("", format!("missing key `kind`, expected one of {names}"))),
    };
    // Secrets written inline: refused here, where the key and its line are still known.
    let secret_keys = ["password", "token", "key", "client_secret", "value"];
    let mut inline: Vec<String> = Vec::new();
    if let Some(toml::Value::Table(auth)) = table.get("auth") {
        inline.extend(secret_keys.iter().filter(|k| matches!(auth.get(**k), Some(toml::Value::String(_)))).map(|k| format!("auth.{k}")));
    }
    inline.extend(kind.secret_keys().iter().filter(|k| matches!(table.get(**k), Some(toml::Value::String(_)))).map(|k| k.to_string()));
    if let Some(key) = inline.first() {
        let mut e = at.error(if key.starts_with("auth.") { "auth" } else { key }, secret::INLINE_SECRET_HELP);
        e.key = format!("{}.{key}", at.prefix);
        return Err(e);
    }
    if kind.uses_http() {
        at.shared_keys = format!("{}, {}", COMMON_KEYS.join(", "), HTTP_KEYS.join(", "));
    }
    let mut common = toml::Table::new();
    let mut http = toml::Table::new();
    let mut rest = toml::Table::new();
    for (k, v) in table {
        if COMMON_KEYS.contains(&k.as_str()) {
            common.insert(k, v);
        } else if kind.uses_http() && HTTP_KEYS.contains(&k.as_str()) {
            http.insert(k, v);
        } else {
            rest.insert(k, v);
        }
    }
    let common: CommonApp = at.deserialize(common)?;
    let name = common.name.trim().to_string();
    if name.is_empty() || name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return Err(at.error("name", format!("found \"{}\", expected a non-empty name without slashes or control characters", common.name)));
    }
    let http = if kind.uses_http() { Some(HttpConfig::parse(http, &at)?) } else { None };
    let options = kind.parse_options(rest, http.as_ref(), &at)?;
    let owner = match common.owner.as_deref().map(|o| o.trim().to_lowercase()) {
        Some(o) if !o.contains('@') => return Err(at.error("owner", format!("found \"{o}\", expected an email address"))),
        owner => owner,
    };
    Ok(AppConfig {
        name,
        kind: kind.kind(),
        admin_groups: common.admin_groups,
        credential: common.credential,
        owner,
        http,
        options,
        line: app_line,
    })
}

#[cfg(test)]
mod tests;
