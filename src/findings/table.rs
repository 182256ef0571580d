//! The category table: every finding category with its severity rule, control references,
//! evidence file and action; the severities; the columns every findings frame has; and the
//! stable id of a finding.

use sha2::{Digest, Sha256};

/// Column names of a findings frame.
pub mod col_name {
    pub const FINDING_ID: &str = "finding_id";
    pub const SEVERITY: &str = "severity";
    pub const CATEGORY: &str = "category";
    pub const APP: &str = "app";
    pub const ACCOUNT_ID: &str = "account_id";
    pub const EMAIL: &str = "email";
    pub const DISPLAY_NAME: &str = "display_name";
    pub const PERSON_ID: &str = "person_id";
    pub const PERSON_STATUS: &str = "person_status";
    pub const DETAIL: &str = "detail";
    pub const CONTROLS: &str = "controls";
    pub const EXCEPTED: &str = "excepted";
    /// Which exception applied: "ticket (approved by, until date): reason".
    pub const EXCEPTION: &str = "exception";
    /// The last day the applied exception is in force (YYYY-MM-DD).
    pub const EXCEPTION_EXPIRES: &str = "exception_expires";
}

/// The columns of `findings.csv`, in order (SPEC §7).
pub const COMMON_COLUMNS: [&str; 12] = [
    col_name::FINDING_ID,
    col_name::SEVERITY,
    col_name::CATEGORY,
    col_name::APP,
    col_name::ACCOUNT_ID,
    col_name::EMAIL,
    col_name::DISPLAY_NAME,
    col_name::PERSON_ID,
    col_name::PERSON_STATUS,
    col_name::DETAIL,
    col_name::CONTROLS,
    col_name::EXCEPTED,
];

/// Severities, most severe first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

pub fn severity_rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(SEVERITIES.len())
}

crate::model::text_enum! {
    /// A finding category (SPEC §6), in the order of [`CATEGORIES`] (the report's order).
    FindingCategory {
        CollectionIncomplete = "collection_incomplete",
        TerminatedWithAccess = "terminated_with_access",
        Orphaned = "orphaned",
        OutsideIdp = "outside_idp",
        Admin = "admin",
        MfaMissing = "mfa_missing",
        LocalLogin = "local_login",
        InvitedInactive = "invited_inactive",
        Dormant = "dormant",
        TokenExpiry = "token_expiry",
        DuplicateAccount = "duplicate_account",
        Unmatchable = "unmatchable",
        SodConflict = "sod_conflict",
    } default CollectionIncomplete
}

impl FindingCategory {
    /// The category's row of [`CATEGORIES`].
    pub fn info(self) -> &'static Category {
        &CATEGORIES[self as usize]
    }
}

/// One row of the category table.
#[derive(Debug, Clone, Copy)]
pub struct Category {
    pub category: FindingCategory,
    pub title: &'static str,
    /// The rule, as SPEC §6 states it (shown in the report's method section).
    pub rule: &'static str,
    pub severity_rule: &'static str,
    pub controls: &'static str,
    /// Output file with the category's evidence columns.
    pub file: &'static str,
    /// What a reviewer should do about it.
    pub action: &'static str,
}

pub const CATEGORIES: [Category; 13] = [
    Category {
        category: FindingCategory::CollectionIncomplete,
        title: "Apps not collected completely",
        rule: "an app that could not be collected completely",
        severity_rule: "critical",
        controls: "SOC 2 CC6.1; ISO/IEC 27001:2022 A.5.15; SOX ITGC completeness of the user population",
        file: "collection_incomplete.csv",
        action: "Fix the collection (see coverage) and re-run: the population of this app is not complete.",
    },
    Category {
        category: FindingCategory::TerminatedWithAccess,
        title: "Leavers who still have access",
        rule: "account not disabled/deactivated, matched to a terminated person",
        severity_rule: "critical if admin, else high",
        controls: "SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.18, A.5.15; SOX ITGC user access removal",
        file: "terminated_with_access.csv",
        action: "Disable the account now and check its activity since the termination date.",
    },
    Category {
        category: FindingCategory::Orphaned,
        title: "Orphaned accounts",
        rule: "account of type human or unknown, not disabled/deactivated, no roster match (and not unmatchable, not a declared service account); or a declared service account whose owner is terminated or not in the roster",
        severity_rule: "high if admin, else medium",
        controls: "SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.16, A.5.18; SOX ITGC user access review",
        file: "orphaned_accounts.csv",
        action: "Find the owner: link the account to a person or declare it a service account in the overrides file, or remove it.",
    },
    Category {
        category: FindingCategory::OutsideIdp,
        title: "Access granted outside the identity provider",
        rule: "an active account in an app linked to its identity provider application (idp), matched to a person whose account in that identity provider is not assigned the application, directly or through a group (not for accounts without a person, declared service accounts, or when the provider's assignments of that application were not read completely)",
        severity_rule: "high if admin, else medium",
        controls: "SOC 2 CC6.2; ISO/IEC 27001:2022 A.5.18",
        file: "outside_idp.csv",
        action: "Assign the person the application in the identity provider (or a group that has it), or remove the account: switching a leaver off in the identity provider will not reach it.",
    },
    Category {
        category: FindingCategory::Admin,
        title: "Admin and privileged accounts",
        rule: "account with admin/privileged access (app flag, admin role, or membership of a configured admin group)",
        severity_rule: "low (high when also orphaned or terminated)",
        controls: "SOC 2 CC6.1, CC6.3; ISO/IEC 27001:2022 A.8.2, A.5.15; SOX ITGC privileged access",
        file: "admin_accounts.csv",
        action: "Confirm each admin still needs the privilege; remove it where not.",
    },
    Category {
        category: FindingCategory::MfaMissing,
        title: "No second factor",
        rule: "an active identity-provider account with no enrolled second factor (Okta factors, Entra isMfaRegistered, Google isEnrolledIn2Sv); declared service accounts are listed, not flagged",
        severity_rule: "high if admin, else medium; info for service accounts",
        controls: "SOC 2 CC6.1; ISO/IEC 27001:2022 A.8.5",
        file: "mfa_missing.csv",
        action: "Have the person enrol a second factor (and require one by policy); for a service account, record how its sign-in is protected.",
    },
    Category {
        category: FindingCategory::LocalLogin,
        title: "Local passwords beside single sign-on",
        rule: "an active account (not a service account) that signs in with a password kept by the app, in an app whose other active accounts sign in through single sign-on or a directory; admins always, other accounts with flag_local_logins (only where the API says how accounts sign in)",
        severity_rule: "high if admin, else medium",
        controls: "SOC 2 CC6.1; ISO/IEC 27001:2022 A.8.5, A.5.17",
        file: "local_login_accounts.csv",
        action: "Move the account to single sign-on, or record it as the app's break-glass account (an exception with its owner and review date).",
    },
    Category {
        category: FindingCategory::InvitedInactive,
        title: "Invited but never active",
        rule: "invited/pending for longer than invite_stale_after_days (from invited_at, else created_at); or, where the app reports last login, an active account that never logged in and was created longer ago than that",
        severity_rule: "medium",
        controls: "SOC 2 CC6.2; ISO/IEC 27001:2022 A.5.16, A.5.18",
        file: "invited_inactive.csv",
        action: "Revoke stale invitations and unused accounts.",
    },
    Category {
        category: FindingCategory::Dormant,
        title: "Dormant accounts",
        rule: "active account whose last login is older than dormant_after_days (only where the app reports last login)",
        severity_rule: "medium",
        controls: "SOC 2 CC6.2, CC6.3; ISO/IEC 27001:2022 A.5.18; SOX ITGC user access review",
        file: "dormant_accounts.csv",
        action: "Disable accounts nobody uses, or record why they are kept.",
    },
    Category {
        category: FindingCategory::TokenExpiry,
        title: "API credentials at risk",
        rule: "a credential that is expired, expires within token_warn_days, has no known expiry, has an owner who is not an active person in the roster, or exceeds the app's maximum lifetime",
        severity_rule: "critical expired; high within the window or owner terminated; medium owner not in the roster or on leave, or over the maximum lifetime; low no known expiry",
        controls: "SOC 2 CC6.1; ISO/IEC 27001:2022 A.5.16, A.5.18",
        file: "token_expiry.csv",
        action: "Rotate expiring credentials and give each one an active, accountable owner.",
    },
    Category {
        category: FindingCategory::DuplicateAccount,
        title: "Several accounts for one person",
        rule: "two or more accounts in one app for the same person (declared service accounts excluded)",
        severity_rule: "low",
        controls: "SOC 2 CC6.2; ISO/IEC 27001:2022 A.5.16",
        file: "duplicate_accounts.csv",
        action: "Keep one account per person, or record why several are needed.",
    },
    Category {
        category: FindingCategory::Unmatchable,
        title: "Accounts without an email",
        rule: "account without an email (cannot be matched to the roster; never reported as orphaned)",
        severity_rule: "info",
        controls: "SOC 2 CC6.2; ISO/IEC 27001:2022 A.5.16",
        file: "unmatchable_accounts.csv",
        action: "Link these accounts with the overrides file, or collect emails (e.g. the app's admin API).",
    },
    Category {
        category: FindingCategory::SodConflict,
        title: "Separation of duties",
        rule: "a person whose live accounts hold both sides of a separation-of-duties rule ([[sod]]), in one app or across apps; unverifiable when an app the rule names was not collected completely and what is missing could complete the conflict",
        severity_rule: "the rule's severity (default high); unverifiable: medium at most",
        controls: "SOX ITGC segregation of duties; ISO/IEC 27001:2022 A.5.3 (or the rule's own controls)",
        file: "sod_conflicts.csv",
        action: "Remove one side of the conflict from the person, or record a compensating control (an exception with its owner, ticket and expiry).",
    },
];

pub fn category(name: &str) -> Option<&'static Category> {
    FindingCategory::parse(name).map(FindingCategory::info)
}

impl Category {
    /// The category's name in the outputs (`terminated_with_access`).
    pub fn name(&self) -> &'static str {
        self.category.as_str()
    }
}

/// The stable id of a finding: same category, app and subject -> same id, across runs.
pub fn finding_id(category: &str, app: &str, subject: &str) -> String {
    let mut h = Sha256::new();
    for part in [category, app, subject] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    let digest = h.finalize();
    format!("AA-{}", hex::encode(&digest[..8]))
}
