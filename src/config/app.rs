//! One `[[apps]]` entry: the keys every app takes, its connection settings when its kind reads
//! an API, and the options its kind parses.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::at::OptionsAt;
use super::error::ConfigError;
use super::http::{HttpConfig, HTTP_KEYS};
use super::kind::{AppKind, AppOptions, KindSet};
use super::positions::{app_region, line_of};
use super::schema::{CredentialConfig, IdpLink};
use super::secret::{self, SecretRef};

const COMMON_KEYS: [&str; 6] = ["name", "kind", "admin_groups", "credential", "owner", "idp"];

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
    /// Its application in an identity provider of this config, whose assignments its accounts
    /// are held against (`outside_idp`).
    pub idp: Option<IdpLink>,
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
        if let Some(idp) = &self.idp {
            st.serialize_field("idp", idp)?;
        }
        st.serialize_field("source", &source)?;
        st.end()
    }
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
    idp: Option<IdpLink>,
}

/// One `[[apps]]` table: the keys every app takes, the connection settings of an API kind, and
/// the rest handed to the kind's own parser.
pub fn parse_app(
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
    let secret_keys = ["password", "token", "key", "client_secret", "value", "private_key"];
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
    let idp = match common.idp {
        Some(link) => {
            let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            let link = IdpLink { app: link.app.trim().to_string(), id: clean(link.id), label: clean(link.label) };
            if link.id.is_some() == link.label.is_some() {
                return Err(at.error("idp", "expected exactly one of id (the application's id in the identity provider) or label"));
            }
            if link.app == name {
                return Err(at.error("idp", "an app cannot be its own identity provider's application"));
            }
            Some(link)
        }
        None => None,
    };
    Ok(AppConfig {
        name,
        kind: kind.kind(),
        admin_groups: common.admin_groups,
        credential: common.credential,
        owner,
        idp,
        http,
        options,
        line: app_line,
    })
}
