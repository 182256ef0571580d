//! The roster of SPEC §3: an HR or IdP export turned into the people frame, or the users of an
//! identity provider the run collected (`idp`).
//!
//! Owns: reading the file (UTF-8 with or without BOM, CRLF, quoted fields, comma / semicolon / tab,
//! title lines above the header, repeated header rows), the `generic` column mapping and the presets
//! `okta`, `entra`, `google`, `bamboohr`, `workday` (their own headers, status values, dates and
//! quirks: `#EXT#` guests, `Never logged in`, `0000-00-00`), Workday RaaS / BambooHR JSON bodies,
//! and the rules "bad rows are warnings with a line number and take no part in matching" and
//! "duplicate emails are an error naming both lines". Must not: look at accounts, but for those of
//! the identity provider that is the roster.

mod idp;
mod presets;
mod read;
mod record;

pub use crate::dates::parse_date;
pub use read::Roster;
pub use record::{decode_ext_upn, header_key, is_valid_email, normalize_email, person, Person, PersonStatus, RosterError, RosterIssue};

#[cfg(test)]
mod tests;
