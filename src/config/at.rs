//! Where one app's options are written in the config: positioned errors about its keys, and
//! its relative paths resolved against the config file's directory.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::error::ConfigError;
use super::positions::{explain, field_in_message, line_of_key};
use super::secret::SecretRef;

/// Where one app's options are written: turns a problem with one of its keys into a positioned
/// [`ConfigError`], and relative paths into paths from the config file's directory.
pub struct OptionsAt<'a> {
    pub(super) text: &'a str,
    pub(super) file: &'a str,
    pub(super) span: std::ops::Range<usize>,
    /// `apps[2]`
    pub(super) prefix: String,
    pub(super) app_line: usize,
    pub(super) base: &'a Path,
    /// Keys every kind takes, named when a key is unknown.
    pub(super) shared_keys: String,
}

impl OptionsAt<'_> {
    /// An error about `key` of this app (`""`: the app itself), at the key's line.
    pub fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.into(),
            line: if key.is_empty() { self.app_line } else { line_of_key(self.text, self.span.clone(), key) },
            key: if key.is_empty() { self.prefix.clone() } else { format!("{}.{key}", self.prefix) },
            message: message.into(),
        }
    }

    /// A path as written, resolved against the config file's directory.
    pub fn rebase(&self, p: &Path) -> PathBuf {
        rebase(self.base, p)
    }

    /// A secret reference's file, resolved against the config file's directory.
    pub fn rebase_secret(&self, secret: Option<&mut SecretRef>) {
        if let Some(s) = secret {
            s.rebase(self.base);
        }
    }

    /// Deserializes keys into `T`, a serde error positioned at the key it is about: the key it
    /// names (an unknown or missing key), else the key without which that error goes away (a
    /// value of the wrong type or an unknown choice: serde stops at the first bad value).
    pub fn deserialize<T: DeserializeOwned>(&self, keys: toml::Table) -> Result<T, ConfigError> {
        let e = match toml::Value::Table(keys.clone()).try_into::<T>() {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let message = e.message().trim().to_string();
        let culprit = match field_in_message(&message) {
            Some(_) => None,
            None => keys.keys().find(|k| {
                let mut without = keys.clone();
                without.remove(*k);
                toml::Value::Table(without).try_into::<T>().err().map(|e| e.message().trim().to_string()) != Some(message.clone())
            }),
        };
        Err(self.serde_error(&e, culprit.map(String::as_str)))
    }

    fn serde_error(&self, e: &toml::de::Error, culprit: Option<&str>) -> ConfigError {
        let message = e.message().trim().to_string();
        let field = field_in_message(&message).or(culprit).unwrap_or("").to_string();
        let mut m = explain(&message);
        if message.starts_with("unknown field") {
            m.push_str(&format!("; every kind also takes {}", self.shared_keys));
        }
        self.error(&field, m)
    }
}

/// A path as written in the config, resolved against the config file's directory.
pub fn rebase(base: &Path, p: &Path) -> PathBuf {
    if p.is_relative() {
        base.join(p)
    } else {
        p.to_path_buf()
    }
}
