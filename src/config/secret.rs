//! Secret references and the `Secret` value they resolve to.
//!
//! A secret field in the config is `{ env = "NAME" }` or `{ file = "PATH" }`; an inline string is
//! refused at parse time with a message saying how to fix it. The resolved value lives only in a
//! [`Secret`], whose `Debug` and `Display` print `***`, and is exposed only where a request is signed.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a secret comes from. Serialises (for the manifest) as a description, never a value.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretRef {
    Env(String),
    File(PathBuf),
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SecretRef {
    /// "environment variable JSM_API_TOKEN" / "file /etc/x": what a user needs to find it.
    pub fn describe(&self) -> String {
        match self {
            SecretRef::Env(name) => format!("environment variable {name}"),
            SecretRef::File(path) => format!("file {}", path.display()),
        }
    }

    /// Resolves a relative `file` against the config's directory.
    pub fn rebase(&mut self, base: &Path) {
        if let SecretRef::File(path) = self {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }

    /// Reads the secret. The error names where it was looked for, never a value.
    pub fn resolve(&self) -> Result<Secret, String> {
        let value = match self {
            SecretRef::Env(name) => std::env::var(name)
                .map_err(|_| format!("the environment variable {name} is not set (or not valid UTF-8); export it before running"))?,
            SecretRef::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        };
        if value.trim().is_empty() {
            return Err(format!("the {} is empty", self.describe()));
        }
        Ok(Secret(value))
    }
}

impl Serialize for SecretRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("<secret from {}>", self.describe()))
    }
}

pub const INLINE_SECRET_HELP: &str = "a secret cannot be written inline in the config: write { env = \"NAME\" } to read it from an environment variable, or { file = \"PATH\" } to read it from a file that holds only the secret";

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SecretRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("{ env = \"NAME\" } or { file = \"PATH\" }")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<SecretRef, E> {
                Err(E::custom(INLINE_SECRET_HELP))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
                let mut found: Option<SecretRef> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: String = map.next_value()?;
                    if found.is_some() {
                        return Err(de::Error::custom("a secret takes exactly one of `env` or `file`, not both"));
                    }
                    found = Some(match key.as_str() {
                        "env" => SecretRef::Env(value),
                        "file" => SecretRef::File(PathBuf::from(value)),
                        other => return Err(de::Error::unknown_field(other, &["env", "file"])),
                    });
                }
                found.ok_or_else(|| de::Error::custom("a secret needs `env` or `file`"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A resolved secret value. Never printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value, for signing a request. Keep the result out of anything that is logged.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("canary-5ecret");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
    }

    #[test]
    fn inline_string_is_refused_with_the_fix() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            password: SecretRef,
        }
        let err = toml::from_str::<T>("password = \"hunter2\"").unwrap_err().message().to_string();
        assert!(err.contains("{ env = \"NAME\" }"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let ok: T = toml::from_str("password = { env = \"X\" }").unwrap();
        assert_eq!(ok.password, SecretRef::Env("X".into()));
    }

    #[test]
    fn file_secret_is_trimmed_and_empty_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "tok\n").unwrap();
        assert_eq!(SecretRef::File(p.clone()).resolve().unwrap().expose(), "tok");
        std::fs::write(&p, "\n").unwrap();
        assert!(SecretRef::File(p).resolve().unwrap_err().contains("empty"));
    }
}
