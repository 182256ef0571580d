//! What the rules are told, all explicit (no clock, no config lookups of their own).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::config::Config;

/// Parameters of the rules, all explicit (no clock).
#[derive(Debug, Clone)]
pub struct RuleParams {
    pub as_of: NaiveDate,
    pub dormant_after_days: i64,
    pub invite_stale_after_days: i64,
    pub token_warn_days: i64,
    /// Apps whose collector reports last login.
    pub last_login_apps: Vec<String>,
    /// Apps whose `customer` accounts can be orphaned (JSM `customers_in_orphans`).
    pub customer_orphan_apps: Vec<String>,
    /// `[review] flag_local_logins`: a local password beside single sign-on is a finding for
    /// every account, not only admins.
    pub flag_local_logins: bool,
    /// Per app, the longest lifetime its kind allows for the collecting credential (the app's
    /// rules in the snapshot; the kind's for snapshots that predate them).
    pub max_credential_lifetime_days: BTreeMap<String, i64>,
    /// Apps linked to an identity provider's application (`idp`), each with whether the
    /// provider's record of that application's assignments can be relied on.
    pub idp_links: Vec<IdpRule>,
    /// `[campaign.recommend]`: when a fact makes an account's recommendation revoke.
    pub recommend: crate::config::Recommend,
}

/// One app linked to its application in an identity provider.
#[derive(Debug, Clone, PartialEq)]
pub struct IdpRule {
    pub app: String,
    /// The identity provider's app in the config.
    pub idp_app: String,
    /// What the link names: `id:<id>` or `label:<label in lower case>`.
    pub key: String,
    /// The link in words (`id 0oa1`, `label "Jira"`).
    pub describe: String,
    /// Why no `outside_idp` finding is claimed for the app (`None`: they are).
    pub not_claimed: Option<String>,
}

impl IdpRule {
    /// The key of a link as the assignments frame writes it.
    pub fn key_of(link: &crate::config::IdpLink) -> String {
        match (&link.id, &link.label) {
            (Some(id), _) => format!("id:{id}"),
            (None, Some(label)) => format!("label:{}", label.to_lowercase()),
            (None, None) => String::new(),
        }
    }
}

impl RuleParams {
    /// The apps of a config whose customers count in the orphan rule.
    /// The apps whose customers count as orphans, from the config: for snapshots that do not
    /// record it (format 1).
    pub fn customer_orphan_apps(config: &Config) -> Vec<String> {
        config.apps.iter().filter(|a| a.options.rules().customers_in_orphans).map(|a| a.name.clone()).collect()
    }
}
