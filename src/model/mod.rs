//! The normalized model of SPEC §4: the one definition of every column name, its type and its
//! allowed values, the builders that turn collected rows into polars frames, and the snapshot on
//! disk.
//!
//! Everything downstream (correlation, findings, reports) refers to columns through the constants
//! here; a column name as a string literal elsewhere is a smell. This module must not know about
//! any particular app, the network or the report layout.

pub mod snapshot;

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::*;

/// Column names of the accounts frame (SPEC §4) and of the correlation columns added to it.
pub mod account {
    pub const APP: &str = "app";
    pub const APP_KIND: &str = "app_kind";
    pub const ACCOUNT_ID: &str = "account_id";
    pub const USERNAME: &str = "username";
    pub const EMAIL: &str = "email";
    /// Further addresses on the same account (`;`-separated); matched like `email`, never displayed
    /// as the account's address.
    pub const OTHER_EMAILS: &str = "other_emails";
    pub const DISPLAY_NAME: &str = "display_name";
    pub const STATUS: &str = "status";
    pub const ACCOUNT_TYPE: &str = "account_type";
    pub const IS_ADMIN: &str = "is_admin";
    pub const ADMIN_REASON: &str = "admin_reason";
    pub const CREATED_AT: &str = "created_at";
    pub const LAST_LOGIN_AT: &str = "last_login_at";
    pub const INVITED_AT: &str = "invited_at";
    /// Group names, sorted, `;`-separated (the entitlements frame has one row per membership).
    pub const GROUPS: &str = "groups";
    /// How the account signs in, where the API says: `sso`, `ldap`, `local` or `unknown`.
    pub const AUTH_SOURCE: &str = "auth_source";
    /// Whether a second factor is enrolled, where the app says (an identity provider); null:
    /// not known.
    pub const MFA: &str = "mfa";
    /// What an identity provider knows of the person behind the account (its profile's employee
    /// number, manager and department): what makes it a roster when it is the source of truth.
    pub const EMPLOYEE_ID: &str = "employee_id";
    pub const MANAGER_EMAIL: &str = "manager_email";
    pub const DEPARTMENT: &str = "department";

    // Added by correlation (SPEC §5).
    pub const MATCH_METHOD: &str = "match_method";
    pub const PERSON_ID: &str = "person_id";
    pub const PERSON_EMAIL: &str = "person_email";
    pub const PERSON_NAME: &str = "person_name";
    pub const PERSON_STATUS: &str = "person_status";
    pub const PERSON_TERMINATION_DATE: &str = "person_termination_date";
    /// True when an overrides row declared this account a service account.
    pub const DECLARED_SERVICE: &str = "declared_service";
    pub const OVERRIDE_REASON: &str = "override_reason";
    /// Index of the matched person in the roster (internal; never written to an output).
    pub const PERSON_ROW: &str = "person_row";

    /// In the outputs: whether the account's app was collected completely (SPEC §1: what comes
    /// from an incomplete collection is marked so, row by row).
    pub const APP_COMPLETE: &str = "app_complete";
}

/// Column names of the entitlements frame.
pub mod entitlement {
    pub const APP: &str = "app";
    pub const ACCOUNT_ID: &str = "account_id";
    pub const KIND: &str = "kind";
    pub const VALUE: &str = "value";
    pub const PRIVILEGED: &str = "privileged";
}

/// Column names of the credential-observations frame.
pub mod credential {
    pub const APP: &str = "app";
    pub const CREDENTIAL_ID: &str = "credential_id";
    /// What the credential is, for a reader: "API token of audit-bot", "event 42 registration key".
    pub const LABEL: &str = "label";
    pub const OWNER: &str = "owner";
    pub const CREATED_AT: &str = "created_at";
    pub const EXPIRES_AT: &str = "expires_at";
    /// Longest lifetime the app allows for this kind of credential, in days (Atlassian: 365).
    pub const MAX_LIFETIME_DAYS: &str = "max_lifetime_days";
    /// Where the facts come from: `config` (the `credential` block) or `api` (what the app said).
    pub const SOURCE: &str = "source";
    pub const OBSERVATION: &str = "observation";
    /// When the credential's issuer refused it (expired or revoked), as observed by the collector.
    pub const REFUSED_AT: &str = "refused_at";
    /// The lifetime of the access tokens issued with it (OAuth `expires_in`), in seconds.
    pub const TOKEN_LIFETIME_SECONDS: &str = "token_lifetime_seconds";
    /// What the credential may do, as its app's API says ("perm_configuration=full_access").
    pub const SCOPE: &str = "scope";
    /// Whether that is more than reading (write or full access); null when the API does not say.
    pub const WRITE_ACCESS: &str = "write_access";
    /// Whether that write access is the least the vendor offers for what the collector reads
    /// (no read-only permission exists for it); null when not known.
    pub const WRITE_UNAVOIDABLE: &str = "write_unavoidable";
    /// The `exp` of the (JWT) token issued with it.
    pub const TOKEN_EXPIRES_AT: &str = "token_expires_at";
}

/// Column names of the coverage frame.
pub mod coverage {
    pub const APP: &str = "app";
    pub const APP_KIND: &str = "app_kind";
    pub const STATUS: &str = "status";
    pub const ACCOUNTS_COLLECTED: &str = "accounts_collected";
    pub const TOTAL_REPORTED: &str = "total_reported";
    pub const PAGES: &str = "pages";
    pub const REQUESTS: &str = "requests";
    pub const RETRIES: &str = "retries";
    pub const THROTTLED: &str = "throttled_429";
    pub const DUPLICATES_DROPPED: &str = "duplicates_dropped";
    pub const ERRORS: &str = "errors";
    pub const LAST_LOGIN_KNOWN: &str = "last_login_known";
    pub const SOURCE: &str = "source";
    pub const NOTES: &str = "notes";
}

/// The credential an app is collected with (SPEC §6: `token_expiry` names it by this id).
pub const APP_CREDENTIAL: &str = "app-credential";

/// One of a closed set of values that the frames and outputs keep as text: parsed once at the edge,
/// compared as a type everywhere else.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? } default $default:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value written as `s` (exactly, as the outputs write it).
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// Every value, as text, for messages.
            pub fn names() -> Vec<&'static str> {
                $name::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::$default
            }
        }
    };
}

pub(crate) use text_enum;

text_enum! {
    /// Account status (SPEC §4).
    AccountStatus {
        Active = "active",
        Invited = "invited",
        Suspended = "suspended",
        Disabled = "disabled",
        Deactivated = "deactivated",
        Unknown = "unknown",
    } default Unknown
}

impl AccountStatus {
    /// SPEC §6: a disabled or deactivated account holds no access.
    pub fn holds_access(self) -> bool {
        !matches!(self, AccountStatus::Disabled | AccountStatus::Deactivated)
    }

    /// The statuses that hold no access, as text (for frame filters).
    pub fn without_access() -> Vec<&'static str> {
        AccountStatus::ALL.iter().filter(|s| !s.holds_access()).map(|s| s.as_str()).collect()
    }
}

text_enum! {
    /// How an account signs in, where the app's API says so (`unknown` claims nothing).
    AuthSource {
        /// A directory: LDAP, Active Directory, RADIUS, Kerberos.
        Ldap = "ldap",
        /// A password (or key) kept by the app itself.
        Local = "local",
        /// Single sign-on: SAML / OIDC, or provisioned by the identity provider (SCIM).
        Sso = "sso",
        Unknown = "unknown",
    } default Unknown
}

text_enum! {
    /// Account type (SPEC §4).
    AccountType {
        Human = "human",
        Service = "service",
        Customer = "customer",
        Unknown = "unknown",
    } default Unknown
}
text_enum! {
    /// What an entitlement is (SPEC §4). The variants are in the order of their text, so that
    /// sorting by kind sorts as the text does.
    EntitlementKind {
        /// An identity provider's application assigned to the account, directly or through a
        /// group: `<app id> · <label> · direct` or `· via group <name>`.
        AppAssignment = "app_assignment",
        /// SCIM `User.entitlements`.
        Entitlement = "entitlement",
        /// A registration for a BlueJeans event.
        EventRegistration = "event_registration",
        /// Organizer, moderator or panelist of a BlueJeans event.
        EventRole = "event_role",
        Group = "group",
        /// A BeyondTrust Remote Support / PRA group policy.
        GroupPolicy = "group_policy",
        /// A third-party app the account granted OAuth access to its data (Google: `<app name> ·
        /// <client id> · <scopes>`).
        OauthGrant = "oauth_grant",
        /// A BeyondTrust permission flag.
        Permission = "permission",
        /// An Atlassian product the account can use.
        Product = "product",
        /// A product licence (seat) the account holds: Jira application roles
        /// (`jira-servicedesk` = agent, `jira-software`, ...).
        ProductLicence = "product_licence",
        Role = "role",
        /// A Jira Service Management desk the account is a customer of.
        ServiceDesk = "service_desk",
    } default Group
}
text_enum! {
    /// How completely an app was collected (SPEC §4).
    CoverageStatus {
        Complete = "complete",
        Partial = "partial",
        Failed = "failed",
    } default Failed
}

pub const COVERAGE_COMPLETE: CoverageStatus = CoverageStatus::Complete;
pub const COVERAGE_PARTIAL: CoverageStatus = CoverageStatus::Partial;
pub const COVERAGE_FAILED: CoverageStatus = CoverageStatus::Failed;

/// The polars type of every timestamp column: milliseconds, UTC (no zone attached, always UTC).
pub fn timestamp_dtype() -> DataType {
    DataType::Datetime(TimeUnit::Milliseconds, None)
}

/// One collected account, before it becomes a frame row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountRecord {
    pub account_id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub other_emails: Vec<String>,
    pub display_name: Option<String>,
    pub status: AccountStatus,
    pub account_type: AccountType,
    pub is_admin: bool,
    pub admin_reason: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub invited_at: Option<DateTime<Utc>>,
    pub groups: Vec<String>,
    pub auth_source: AuthSource,
    /// A second factor enrolled (an identity provider's account); `None`: not known.
    pub mfa: Option<bool>,
    /// An identity provider's profile of the person: employee number, manager's address,
    /// department.
    pub employee_id: Option<String>,
    pub manager_email: Option<String>,
    pub department: Option<String>,
}

/// One entitlement (group membership, role, service desk, event role...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntitlementRecord {
    pub account_id: String,
    pub kind: EntitlementKind,
    pub value: String,
    pub privileged: bool,
}

/// What is known about one credential.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialRecord {
    pub credential_id: String,
    pub label: String,
    pub owner: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_lifetime_days: Option<i64>,
    pub source: String,
    pub observation: Option<String>,
    /// The issuer refused the credential when the collector checked it: expired (or revoked) as of
    /// then, whatever the review date.
    pub refused_at: Option<DateTime<Utc>>,
    /// OAuth `expires_in` of the tokens it obtained.
    pub token_lifetime_seconds: Option<i64>,
    /// `exp` of the JWT it obtained.
    pub token_expires_at: Option<DateTime<Utc>>,
    /// What it may do, as the API says; and whether that is more than reading.
    pub scope: Option<String>,
    pub write_access: Option<bool>,
    /// That write access is the least the vendor offers for reading (no read-only level).
    pub write_unavoidable: Option<bool>,
}

/// How completely one app was collected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoverageRecord {
    pub app: String,
    pub app_kind: String,
    pub status: CoverageStatus,
    pub accounts_collected: i64,
    pub total_reported: Option<i64>,
    pub pages: i64,
    pub requests: i64,
    pub retries: i64,
    pub throttled: i64,
    pub duplicates_dropped: i64,
    pub errors: Vec<String>,
    pub last_login_known: bool,
    pub source: String,
    pub notes: Vec<String>,
}

/// What the finding rules must know of how an app was configured when it was collected: kept in
/// the snapshot, so a report from it follows the collection's settings, not a later config's.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppRules {
    /// Jira Service Management `customers_in_orphans`: an unmatched customer is an orphan.
    #[serde(default)]
    pub customers_in_orphans: bool,
    /// The longest lifetime the app allows for the credential its collector uses (Atlassian API
    /// tokens: 365 days), from the kind; the `token_expiry` rule holds the credential against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_credential_lifetime_days: Option<i64>,
    /// An identity provider whose application assignments were read: its `app_assignment`
    /// entitlements are the record the apps linked to it are held against (`outside_idp`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assignments_read: bool,
    /// An identity provider's applications whose assignments were not read completely: no
    /// `outside_idp` finding is claimed for the apps linked to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete_assignments: Vec<String>,
    /// An identity provider whose users were all read, of every status (it can be the roster).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub people_complete: bool,
}

/// Everything one collector hands over for one app.
#[derive(Debug, Clone, Default)]
pub struct Collection {
    pub accounts: Vec<AccountRecord>,
    pub entitlements: Vec<EntitlementRecord>,
    pub credentials: Vec<CredentialRecord>,
    pub coverage: CoverageRecord,
    pub rules: AppRules,
    /// Accounts and entitlements already turned into columns (in the order they were read), by
    /// [`Collection::compact`]; `accounts` and `entitlements` hold the records read since.
    pub compacted: Vec<CompactedRecords>,
}

/// A run of records as (unsorted) frames: an account in columns takes a fifth of its record.
#[derive(Debug, Clone)]
pub struct CompactedRecords {
    accounts: DataFrame,
    entitlements: DataFrame,
}

impl Collection {
    /// How many records a collector of a large source holds before it calls [`Collection::compact`].
    pub const COMPACT_EVERY: usize = 65_536;

    /// Moves the account and entitlement records read so far into columns, keeping their order:
    /// a collector reading hundreds of thousands of accounts calls it every
    /// [`Collection::COMPACT_EVERY`] accounts, so that it never holds them all as records.
    pub fn compact(&mut self, app: &str, kind: &str) -> PolarsResult<()> {
        if self.accounts.is_empty() && self.entitlements.is_empty() {
            return Ok(());
        }
        let accounts = accounts_unsorted(&[(app.to_string(), kind.to_string(), self.accounts.as_slice())])?;
        let entitlements = entitlements_unsorted(&[(app.to_string(), self.entitlements.as_slice())])?;
        self.accounts.clear();
        self.entitlements.clear();
        self.compacted.push(CompactedRecords { accounts, entitlements });
        Ok(())
    }

    /// The accounts read, compacted or not.
    pub fn account_count(&self) -> usize {
        self.accounts.len() + self.compacted.iter().map(|c| c.accounts.height()).sum::<usize>()
    }
}

/// One app's snapshot frames (accounts, entitlements, credential observations), each sorted as
/// the snapshot's frames are; the frames of several apps stack in app order.
pub struct AppFrames {
    pub accounts: DataFrame,
    pub entitlements: DataFrame,
    pub credentials: DataFrame,
}

impl AppFrames {
    /// The frames of one app's collection, its records dropped as each frame is made (an
    /// identity provider's millions of assignments are not held twice while they are sorted).
    pub fn of(app: &str, kind: &str, c: &mut Collection) -> PolarsResult<AppFrames> {
        c.compact(app, kind)?;
        c.accounts = Vec::new();
        c.entitlements = Vec::new();
        let mut parts = std::mem::take(&mut c.compacted).into_iter();
        let (mut accounts, mut entitlements) = match parts.next() {
            Some(first) => (first.accounts, first.entitlements),
            None => (accounts_unsorted(&[])?, entitlements_unsorted(&[])?),
        };
        for part in parts {
            accounts.vstack_mut_owned(part.accounts)?;
            entitlements.vstack_mut_owned(part.entitlements)?;
        }
        Ok(AppFrames {
            accounts: sort_accounts(accounts)?,
            entitlements: sort_entitlements(entitlements)?,
            credentials: credentials_frame(&[(app.to_string(), c.credentials.as_slice())])?,
        })
    }

    /// The frames of apps given in app order, one after the other (sorted as one frame would be).
    pub fn stack(apps: impl IntoIterator<Item = AppFrames>) -> PolarsResult<AppFrames> {
        let mut out =
            AppFrames { accounts: accounts_frame(&[])?, entitlements: entitlements_frame(&[])?, credentials: credentials_frame(&[])? };
        for f in apps {
            out.accounts.vstack_mut_owned(f.accounts)?;
            out.entitlements.vstack_mut_owned(f.entitlements)?;
            out.credentials.vstack_mut_owned(f.credentials)?;
        }
        out.accounts.rechunk_mut_par();
        out.entitlements.rechunk_mut_par();
        out.credentials.rechunk_mut_par();
        Ok(out)
    }
}

fn millis(ts: &Option<DateTime<Utc>>) -> Option<i64> {
    ts.map(|t| t.timestamp_millis())
}

fn timestamp_column(name: &str, values: Vec<Option<i64>>) -> PolarsResult<Column> {
    Series::new(name.into(), values).cast(&timestamp_dtype()).map(Column::from)
}

/// Days since 1970-01-01 for a polars `Date` column.
pub fn epoch_days(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

pub fn datetime_from_millis(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms)
}

/// Builds the accounts frame for many apps at once, in a stable order (app, account_id).
pub fn accounts_frame(apps: &[(String, String, &[AccountRecord])]) -> PolarsResult<DataFrame> {
    sort_accounts(accounts_unsorted(apps)?)
}

/// The accounts frame in the snapshot's order (app, account_id; ties as they came).
fn sort_accounts(df: DataFrame) -> PolarsResult<DataFrame> {
    use account::*;
    df.sort([APP, ACCOUNT_ID], SortMultipleOptions::default().with_maintain_order(true))
}

/// The accounts frame in the records' order.
fn accounts_unsorted(apps: &[(String, String, &[AccountRecord])]) -> PolarsResult<DataFrame> {
    let total: usize = apps.iter().map(|(_, _, a)| a.len()).sum();
    let mut app = Vec::with_capacity(total);
    let mut kind = Vec::with_capacity(total);
    let mut id = Vec::with_capacity(total);
    let mut username = Vec::with_capacity(total);
    let mut email = Vec::with_capacity(total);
    let mut other = Vec::with_capacity(total);
    let mut display = Vec::with_capacity(total);
    let mut status = Vec::with_capacity(total);
    let mut atype = Vec::with_capacity(total);
    let mut admin = Vec::with_capacity(total);
    let mut reason = Vec::with_capacity(total);
    let mut created = Vec::with_capacity(total);
    let mut login = Vec::with_capacity(total);
    let mut invited = Vec::with_capacity(total);
    let mut groups = Vec::with_capacity(total);
    let mut auth = Vec::with_capacity(total);
    let mut mfa = Vec::with_capacity(total);
    let mut employee = Vec::with_capacity(total);
    let mut manager = Vec::with_capacity(total);
    let mut department = Vec::with_capacity(total);
    for (app_name, app_kind, accounts) in apps {
        for a in accounts.iter() {
            app.push(app_name.as_str());
            kind.push(app_kind.as_str());
            id.push(a.account_id.as_str());
            username.push(a.username.as_deref());
            email.push(a.email.as_deref());
            other.push(if a.other_emails.is_empty() { None } else { Some(a.other_emails.join(";")) });
            display.push(a.display_name.as_deref());
            status.push(a.status.as_str());
            atype.push(a.account_type.as_str());
            admin.push(a.is_admin);
            reason.push(a.admin_reason.as_deref());
            created.push(millis(&a.created_at));
            login.push(millis(&a.last_login_at));
            invited.push(millis(&a.invited_at));
            auth.push(a.auth_source.as_str());
            mfa.push(a.mfa);
            employee.push(a.employee_id.as_deref());
            manager.push(a.manager_email.as_deref());
            department.push(a.department.as_deref());
            groups.push(match a.groups.as_slice() {
                [] => None,
                // Already sorted and unique (as most collectors leave them): joined as they are.
                g if g.windows(2).all(|w| w[0] < w[1]) => Some(g.join(";")),
                g => {
                    let mut g = g.to_vec();
                    g.sort();
                    g.dedup();
                    Some(g.join(";"))
                }
            });
        }
    }
    use account::*;
    DataFrame::new_infer_height(vec![
        Column::new(APP.into(), app),
        Column::new(APP_KIND.into(), kind),
        Column::new(ACCOUNT_ID.into(), id),
        Column::new(USERNAME.into(), username),
        Column::new(EMAIL.into(), email),
        Column::new(OTHER_EMAILS.into(), other),
        Column::new(DISPLAY_NAME.into(), display),
        Column::new(STATUS.into(), status),
        Column::new(ACCOUNT_TYPE.into(), atype),
        Column::new(IS_ADMIN.into(), admin),
        Column::new(ADMIN_REASON.into(), reason),
        timestamp_column(CREATED_AT, created)?,
        timestamp_column(LAST_LOGIN_AT, login)?,
        timestamp_column(INVITED_AT, invited)?,
        Column::new(GROUPS.into(), groups),
        Column::new(AUTH_SOURCE.into(), auth),
        Column::new(MFA.into(), mfa),
        Column::new(EMPLOYEE_ID.into(), employee),
        Column::new(MANAGER_EMAIL.into(), manager),
        Column::new(DEPARTMENT.into(), department),
    ])
}

/// Builds the entitlements frame, sorted.
pub fn entitlements_frame(apps: &[(String, &[EntitlementRecord])]) -> PolarsResult<DataFrame> {
    sort_entitlements(entitlements_unsorted(apps)?)
}

/// The entitlements frame in the records' order.
fn entitlements_unsorted(apps: &[(String, &[EntitlementRecord])]) -> PolarsResult<DataFrame> {
    let mut app = Vec::new();
    let mut id = Vec::new();
    let mut kind = Vec::new();
    let mut value = Vec::new();
    let mut privileged = Vec::new();
    for (app_name, ents) in apps {
        for e in ents.iter() {
            app.push(app_name.as_str());
            id.push(e.account_id.as_str());
            kind.push(e.kind.as_str());
            value.push(e.value.as_str());
            privileged.push(e.privileged);
        }
    }
    use entitlement::*;
    DataFrame::new_infer_height(vec![
        Column::new(APP.into(), app),
        Column::new(ACCOUNT_ID.into(), id),
        Column::new(KIND.into(), kind),
        Column::new(VALUE.into(), value),
        Column::new(PRIVILEGED.into(), privileged),
    ])
}

/// The entitlements frame in the snapshot's order.
fn sort_entitlements(df: DataFrame) -> PolarsResult<DataFrame> {
    use entitlement::*;
    df.sort([APP, ACCOUNT_ID, KIND, VALUE], SortMultipleOptions::default().with_maintain_order(true))
}

/// Builds the credential-observations frame, sorted by (app, credential_id).
pub fn credentials_frame(apps: &[(String, &[CredentialRecord])]) -> PolarsResult<DataFrame> {
    let mut app = Vec::new();
    let mut id = Vec::new();
    let mut label = Vec::new();
    let mut owner = Vec::new();
    let mut created = Vec::new();
    let mut expires = Vec::new();
    let mut max_life = Vec::new();
    let mut source = Vec::new();
    let mut observation = Vec::new();
    let mut refused = Vec::new();
    let mut lifetime = Vec::new();
    let mut token_exp = Vec::new();
    let mut scope = Vec::new();
    let mut write = Vec::new();
    let mut unavoidable = Vec::new();
    for (app_name, creds) in apps {
        for c in creds.iter() {
            app.push(app_name.as_str());
            id.push(c.credential_id.as_str());
            label.push(c.label.as_str());
            owner.push(c.owner.as_deref());
            created.push(millis(&c.created_at));
            expires.push(millis(&c.expires_at));
            max_life.push(c.max_lifetime_days);
            source.push(c.source.as_str());
            observation.push(c.observation.as_deref());
            refused.push(millis(&c.refused_at));
            lifetime.push(c.token_lifetime_seconds);
            token_exp.push(millis(&c.token_expires_at));
            scope.push(c.scope.as_deref());
            write.push(c.write_access);
            unavoidable.push(c.write_unavoidable);
        }
    }
    use credential::*;
    let df = DataFrame::new_infer_height(vec![
        Column::new(APP.into(), app),
        Column::new(CREDENTIAL_ID.into(), id),
        Column::new(LABEL.into(), label),
        Column::new(OWNER.into(), owner),
        timestamp_column(CREATED_AT, created)?,
        timestamp_column(EXPIRES_AT, expires)?,
        Column::new(MAX_LIFETIME_DAYS.into(), max_life),
        Column::new(SOURCE.into(), source),
        Column::new(OBSERVATION.into(), observation),
        timestamp_column(REFUSED_AT, refused)?,
        Column::new(TOKEN_LIFETIME_SECONDS.into(), lifetime),
        timestamp_column(TOKEN_EXPIRES_AT, token_exp)?,
        Column::new(SCOPE.into(), scope),
        Column::new(WRITE_ACCESS.into(), write),
        Column::new(WRITE_UNAVOIDABLE.into(), unavoidable),
    ])?;
    df.sort([APP, CREDENTIAL_ID, SOURCE], SortMultipleOptions::default().with_maintain_order(true))
}

/// Builds the coverage frame, one row per app, sorted by app.
pub fn coverage_frame(rows: &[CoverageRecord]) -> PolarsResult<DataFrame> {
    let mut sorted: Vec<&CoverageRecord> = rows.iter().collect();
    sorted.sort_by(|a, b| a.app.cmp(&b.app));
    use coverage::*;
    DataFrame::new_infer_height(vec![
        Column::new(APP.into(), sorted.iter().map(|r| r.app.as_str()).collect::<Vec<_>>()),
        Column::new(APP_KIND.into(), sorted.iter().map(|r| r.app_kind.as_str()).collect::<Vec<_>>()),
        Column::new(STATUS.into(), sorted.iter().map(|r| r.status.as_str()).collect::<Vec<_>>()),
        Column::new(ACCOUNTS_COLLECTED.into(), sorted.iter().map(|r| r.accounts_collected).collect::<Vec<_>>()),
        Column::new(TOTAL_REPORTED.into(), sorted.iter().map(|r| r.total_reported).collect::<Vec<_>>()),
        Column::new(PAGES.into(), sorted.iter().map(|r| r.pages).collect::<Vec<_>>()),
        Column::new(REQUESTS.into(), sorted.iter().map(|r| r.requests).collect::<Vec<_>>()),
        Column::new(RETRIES.into(), sorted.iter().map(|r| r.retries).collect::<Vec<_>>()),
        Column::new(THROTTLED.into(), sorted.iter().map(|r| r.throttled).collect::<Vec<_>>()),
        Column::new(DUPLICATES_DROPPED.into(), sorted.iter().map(|r| r.duplicates_dropped).collect::<Vec<_>>()),
        text_list_column(ERRORS, sorted.iter().map(|r| r.errors.as_slice())),
        Column::new(LAST_LOGIN_KNOWN.into(), sorted.iter().map(|r| r.last_login_known).collect::<Vec<_>>()),
        Column::new(SOURCE.into(), sorted.iter().map(|r| r.source.as_str()).collect::<Vec<_>>()),
        text_list_column(NOTES, sorted.iter().map(|r| r.notes.as_slice())),
    ])
}

/// A column of lists of texts (coverage errors and notes: a message may contain any character,
/// so they are never joined into one string inside the snapshot).
fn text_list_column<'a>(name: &str, rows: impl Iterator<Item = &'a [String]>) -> Column {
    let lists: Vec<Series> = rows.map(|r| Series::new(PlSmallStr::EMPTY, r)).collect();
    let mut series = Series::new(name.into(), lists);
    if series.dtype() != &DataType::List(Box::new(DataType::String)) {
        // No rows at all: polars cannot infer the inner type.
        series = Series::new_empty(name.into(), &DataType::List(Box::new(DataType::String)));
    }
    Column::from(series)
}

/// Reads a column of lists of texts; a text column (snapshots of format 1 joined the messages
/// with " | ") is split as it was written.
fn text_lists(df: &DataFrame, name: &str) -> PolarsResult<Vec<Vec<String>>> {
    let column = df.column(name)?;
    if let Ok(lists) = column.list() {
        return lists
            .amortized_iter()
            .map(|row| match row {
                None => Ok(Vec::new()),
                Some(s) => Ok(s.as_ref().str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect()),
            })
            .collect();
    }
    Ok(column
        .str()?
        .iter()
        .map(|v| match v.unwrap_or_default() {
            "" => Vec::new(),
            joined => joined.split(" | ").map(str::to_string).collect(),
        })
        .collect())
}

/// Reads the coverage frame back into records (the report needs them row by row).
pub fn coverage_records(df: &DataFrame) -> PolarsResult<Vec<CoverageRecord>> {
    use coverage::*;
    let s = |c: &str| -> PolarsResult<Vec<String>> { Ok(df.column(c)?.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect()) };
    let i = |c: &str| -> PolarsResult<Vec<Option<i64>>> { Ok(df.column(c)?.i64()?.iter().collect()) };
    let b = |c: &str| -> PolarsResult<Vec<bool>> { Ok(df.column(c)?.bool()?.iter().map(|v| v.unwrap_or(false)).collect()) };
    let (app, kind, status, source) = (s(APP)?, s(APP_KIND)?, s(STATUS)?, s(SOURCE)?);
    let (mut errors, mut notes) = (text_lists(df, ERRORS)?, text_lists(df, NOTES)?);
    let (collected, total, pages, requests, retries, throttled, dups) =
        (i(ACCOUNTS_COLLECTED)?, i(TOTAL_REPORTED)?, i(PAGES)?, i(REQUESTS)?, i(RETRIES)?, i(THROTTLED)?, i(DUPLICATES_DROPPED)?);
    let login = b(LAST_LOGIN_KNOWN)?;
    let mut out = Vec::with_capacity(df.height());
    for idx in 0..df.height() {
        out.push(CoverageRecord {
            app: app[idx].clone(),
            app_kind: kind[idx].clone(),
            // Written from the type; a value of another version reads as not complete.
            status: CoverageStatus::parse(&status[idx]).unwrap_or_default(),
            accounts_collected: collected[idx].unwrap_or(0),
            total_reported: total[idx],
            pages: pages[idx].unwrap_or(0),
            requests: requests[idx].unwrap_or(0),
            retries: retries[idx].unwrap_or(0),
            throttled: throttled[idx].unwrap_or(0),
            duplicates_dropped: dups[idx].unwrap_or(0),
            errors: std::mem::take(&mut errors[idx]),
            last_login_known: login[idx],
            source: source[idx].clone(),
            notes: std::mem::take(&mut notes[idx]),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entitlement_kinds_sort_as_their_text() {
        // Collectors sort entitlement records; the order must be the text's, as in the frames.
        let mut texts = EntitlementKind::names();
        texts.sort();
        assert_eq!(texts, EntitlementKind::names());
        assert_eq!(EntitlementKind::parse("service_desk"), Some(EntitlementKind::ServiceDesk));
    }

    #[test]
    fn accounts_frame_has_the_one_schema_and_sorts() {
        let a = vec![
            AccountRecord {
                account_id: "2".into(),
                status: crate::model::AccountStatus::Active,
                account_type: crate::model::AccountType::Human,
                groups: vec!["b".into(), "a".into(), "a".into()],
                ..Default::default()
            },
            AccountRecord {
                account_id: "1".into(),
                status: crate::model::AccountStatus::Invited,
                account_type: crate::model::AccountType::Human,
                created_at: Some(Utc::now()),
                ..Default::default()
            },
        ];
        let df = accounts_frame(&[("x".into(), "csv".into(), &a)]).unwrap();
        assert_eq!(df.height(), 2);
        assert_eq!(df.column(account::ACCOUNT_ID).unwrap().str().unwrap().get(0), Some("1"));
        assert_eq!(df.column(account::GROUPS).unwrap().str().unwrap().get(1), Some("a;b"));
        assert_eq!(df.column(account::CREATED_AT).unwrap().dtype(), &timestamp_dtype());
    }

    #[test]
    fn compacted_records_make_the_same_frames_as_records() {
        let account = |i: usize| AccountRecord {
            account_id: format!("{:03}", (i * 37) % 100),
            email: (i % 3 != 0).then(|| format!("u{i}@example.com")),
            status: if i % 2 == 0 { AccountStatus::Active } else { AccountStatus::Suspended },
            account_type: AccountType::Human,
            is_admin: i % 5 == 0,
            admin_reason: (i % 5 == 0).then(|| "role Admin".to_string()),
            last_login_at: (i % 4 != 0).then(|| DateTime::<Utc>::from_timestamp(1_700_000_000 + i as i64 * 86_400, 0).unwrap()),
            groups: vec![format!("g{}", i % 7)],
            ..Default::default()
        };
        let entitlement = |i: usize| EntitlementRecord {
            account_id: format!("{:03}", (i * 37) % 100),
            kind: EntitlementKind::Group,
            value: format!("g{}", i % 7),
            privileged: i % 5 == 0,
        };
        let whole = Collection {
            accounts: (0..100).map(account).collect(),
            entitlements: (0..100).map(entitlement).collect(),
            ..Default::default()
        };
        let mut compacted = Collection::default();
        for i in 0..100 {
            compacted.accounts.push(account(i));
            compacted.entitlements.push(entitlement(i));
            if i % 30 == 29 {
                compacted.compact("x", "csv").unwrap();
            }
        }
        assert_eq!((compacted.compacted.len(), compacted.accounts.len(), compacted.account_count()), (3, 10, 100));
        let a = AppFrames::of("x", "csv", &mut whole.clone()).unwrap();
        let b = AppFrames::of("x", "csv", &mut compacted).unwrap();
        assert!(a.accounts.equals_missing(&b.accounts), "{:?}\n{:?}", a.accounts, b.accounts);
        assert!(a.entitlements.equals_missing(&b.entitlements));
        assert_eq!(b.accounts.height(), 100);
        assert!(compacted.compacted.is_empty() && compacted.accounts.is_empty(), "the records and columns are let go");
        let empty = AppFrames::of("x", "csv", &mut Collection::default()).unwrap();
        assert_eq!(empty.accounts.schema(), a.accounts.schema());
        assert_eq!(empty.entitlements.schema(), a.entitlements.schema());
    }

    #[test]
    fn coverage_round_trips_through_the_frame() {
        let rows = vec![CoverageRecord {
            app: "a".into(),
            app_kind: "csv".into(),
            status: COVERAGE_PARTIAL,
            accounts_collected: 3,
            total_reported: Some(4),
            errors: vec!["page 2 failed".into(), "a message | with the separator in it".into()],
            notes: vec!["one note".into()],
            last_login_known: true,
            source: "file".into(),
            ..Default::default()
        }];
        let df = coverage_frame(&rows).unwrap();
        assert_eq!(coverage_records(&df).unwrap(), rows, "an error that contains \" | \" stays one error");
        let mut file = Vec::new();
        ParquetWriter::new(&mut file).finish(&mut df.clone()).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(file)).finish().unwrap();
        assert_eq!(coverage_records(&back).unwrap(), rows, "and through Parquet");
        assert!(coverage_records(&coverage_frame(&[]).unwrap()).unwrap().is_empty());
    }

    #[test]
    fn coverage_of_format_1_snapshots_is_still_read() {
        let mut df = coverage_frame(&[CoverageRecord { app: "a".into(), ..Default::default() }]).unwrap();
        df.with_column(Column::new(coverage::ERRORS.into(), ["e1 | e2"])).unwrap();
        df.with_column(Column::new(coverage::NOTES.into(), [""])).unwrap();
        let r = &coverage_records(&df).unwrap()[0];
        assert_eq!((r.errors.clone(), r.notes.len()), (vec!["e1".to_string(), "e2".to_string()], 0));
    }
}
