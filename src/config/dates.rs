//! Dates written in the config.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A calendar date in the config: `"2026-12-31"` or a bare TOML date `2026-12-31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigDate(pub NaiveDate);

impl Serialize for ConfigDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%Y-%m-%d").to_string())
    }
}

impl<'de> Deserialize<'de> for ConfigDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ConfigDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ConfigDate, E> {
                NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                    .map(ConfigDate)
                    .map_err(|_| E::custom(format!("found \"{v}\", expected a date written YYYY-MM-DD")))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ConfigDate, A::Error> {
                let dt = toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (dt.date, dt.time) {
                    (Some(d), None) => NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
                        .map(ConfigDate)
                        .ok_or_else(|| de::Error::custom(format!("found {dt}, which is not a calendar date"))),
                    _ => Err(de::Error::custom(format!("found {dt}, expected a date without a time (YYYY-MM-DD)"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}
