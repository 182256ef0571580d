//! What the config knows of an app kind, without naming one.
//!
//! Each kind's options type and its checks belong to its collector (`crate::collectors`, whose
//! registry implements [`KindSet`]); the config parser asks the set for the kind an app names,
//! hands it the app's own keys with an [`OptionsAt`] that positions errors, and keeps what comes
//! back as [`AppOptions`]. So adding a kind touches no file here.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::at::OptionsAt;
use super::error::ConfigError;
use super::http::HttpConfig;
use super::secret::SecretRef;
use crate::model::AppRules;

/// An app's kind, as the config names it (`"scim"`, `"jira_service_management"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct AppKind(&'static str);

impl AppKind {
    pub const fn new(name: &'static str) -> AppKind {
        AppKind(name)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl PartialEq<&str> for AppKind {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The kinds a config may name (the collectors' registry).
pub trait KindSet: Sync {
    /// Every kind, in the order the book lists them.
    fn schemas(&self) -> Vec<&'static dyn KindSchema>;

    fn schema(&self, name: &str) -> Option<&'static dyn KindSchema> {
        self.schemas().into_iter().find(|k| k.kind().as_str() == name)
    }
}

/// One kind, as the config parser needs it.
pub trait KindSchema: Sync {
    fn kind(&self) -> AppKind;
    /// Whether the kind reads an API (and so takes the shared HTTP keys).
    fn uses_http(&self) -> bool;
    /// Option keys that hold secrets: written inline, they are refused at their own line.
    fn secret_keys(&self) -> &'static [&'static str];
    /// Longest lifetime the app allows for the credential the collector uses (SPEC §6).
    fn max_credential_lifetime_days(&self) -> Option<i64>;
    /// Whether the kind is an identity provider: its users are people (`[identity] source` may
    /// name an app of it).
    fn identity_provider(&self) -> bool {
        false
    }
    /// Whether the kind records which of its applications each user is assigned (another app's
    /// `idp` may link to one of them).
    fn records_assignments(&self) -> bool {
        false
    }
    /// The kind's options out of the app's own keys (the shared ones taken out), checked.
    fn parse_options(&self, keys: toml::Table, http: Option<&HttpConfig>, at: &OptionsAt) -> Result<AppOptions, ConfigError>;
}

/// One kind's options: a plain serde struct that can say what the rest of the run needs of it.
pub trait KindOptions: fmt::Debug + Send + Sync + 'static {
    /// Secrets among the options (the Atlassian organization API key...), besides the auth's.
    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
    /// Settings the finding rules need; they travel in the snapshot.
    fn rules(&self) -> AppRules {
        AppRules::default()
    }
    /// Local files the collection reads (recorded as inputs in the manifest), with what they are.
    fn input_files(&self) -> Vec<(PathBuf, &'static str)> {
        Vec::new()
    }
}

/// The object plumbing of [`KindOptions`] (clone, JSON, downcast), given to every options type.
pub trait ErasedOptions: KindOptions {
    fn clone_box(&self) -> Box<dyn ErasedOptions>;
    fn to_json(&self) -> serde_json::Value;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: KindOptions + Clone + Serialize> ErasedOptions for T {
    fn clone_box(&self) -> Box<dyn ErasedOptions> {
        Box::new(self.clone())
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// One app's kind options, whatever the kind.
pub struct AppOptions(Box<dyn ErasedOptions>);

impl AppOptions {
    pub fn new<T: KindOptions + Clone + Serialize>(options: T) -> AppOptions {
        AppOptions(Box::new(options))
    }

    /// The options as their kind's type (`None` for another kind's).
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.0.as_any_mut().downcast_mut()
    }

    pub fn secrets(&self) -> Vec<&SecretRef> {
        self.0.secrets()
    }

    pub fn rules(&self) -> AppRules {
        self.0.rules()
    }

    pub fn input_files(&self) -> Vec<(PathBuf, &'static str)> {
        self.0.input_files()
    }

    pub fn to_json(&self) -> serde_json::Value {
        self.0.to_json()
    }
}

impl Clone for AppOptions {
    fn clone(&self) -> Self {
        AppOptions(self.0.clone_box())
    }
}

impl fmt::Debug for AppOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for AppOptions {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_any().type_id() == other.0.as_any().type_id() && self.to_json() == other.to_json()
    }
}

/// A word the config chooses among (a kind's flavour, a mode): an enum that reads and writes as
/// its word; an unknown word is refused naming every choice, with a hint where one helps:
/// `found "x", expected "cloud" (/rest/api/3/users/search) or "guide" (/rest/api/3/user/search)`.
#[macro_export]
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal $(($hint:literal))?),+ $(,)? } default $default:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* #[allow(dead_code)] $variant,)+
        }

        #[allow(dead_code)]
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::$default
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                match s.as_str() {
                    $($text => Ok($name::$variant),)+
                    other => {
                        let words: Vec<String> = vec![$(format!("\"{}\"{}", $text, { let hints: &[&str] = &[$($hint)?]; hints.iter().map(|h| format!(" ({h})")).collect::<String>() })),+];
                        let expected = match words.split_last() {
                            Some((last, [])) => last.clone(),
                            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                            None => String::new(),
                        };
                        Err(serde::de::Error::custom(format!("found \"{other}\", expected {expected}")))
                    }
                }
            }
        }
    };
}
