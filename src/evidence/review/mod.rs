//! The review: a campaign (who certifies which account, one packet per reviewer), its status,
//! and the reviewers' decisions recorded in the pack. Offline, on the pack alone (and the config
//! and roster for the plan); built on `evidence::pack`.

pub mod campaign;
pub mod close;
pub mod decisions;
pub mod remind;
pub mod status;
