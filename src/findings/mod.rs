//! Findings (SPEC §6): every rule as a small function from the correlated accounts to a frame of
//! findings, the category table (severity rule, control references, evidence columns, output
//! file), stable finding ids, and the exceptions file.
//!
//! Every rule frame has the common columns of `findings.csv` plus its own evidence columns; the
//! report writes the common part to `findings.csv` and the whole frame to the category's file.
//! Must not: read the clock (`as_of` is a parameter), touch files other than the exceptions file,
//! or depend on row order of its inputs (everything is sorted on the way out).

pub mod credentials;
mod evaluate;
pub mod exceptions;
mod idp;
mod params;
mod recommend;
mod rules;
pub mod sod;
mod table;

pub use evaluate::{evaluate, licences, Findings};
pub use exceptions::{Exception, Exceptions};
pub use idp::{idp_assignments, IDP_KEY};
pub use params::{IdpRule, RuleParams};
pub use recommend::{recommendation_rank, REASON, RECOMMENDATION, RECOMMENDATIONS};
pub use table::{category, col_name, finding_id, severity_rank, Category, FindingCategory, CATEGORIES, COMMON_COLUMNS, SEVERITIES};

#[cfg(test)]
mod tests;
