//! Putting the site's accounts together from every source, in order: the user list, group
//! members, desk customers, the guide flavour's cross-check, the organization API.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::mapping::{account_id, account_type, is_admin_group, org_account_id, user_account};
use super::options::{org_v2, JsmOptions};
use super::org::{org_account, SiteKey};
use super::specs::cross_check;
use crate::collectors::http_common::text;
use crate::http::{AppClient, Listing};
use crate::model::{AccountRecord, AccountType, EntitlementKind, EntitlementRecord};

/// Accounts by id, in the order first seen.
#[derive(Default)]
pub(super) struct Accounts {
    pub(super) list: Vec<AccountRecord>,
    pub(super) index: HashMap<String, usize>,
}

impl Accounts {
    pub(super) fn get_or_add(&mut self, item: &Value) -> Option<(&mut AccountRecord, bool)> {
        let id = account_id(item)?;
        let added = match self.index.get(&id) {
            Some(_) => false,
            None => {
                let a = user_account(item)?;
                self.index.insert(id.clone(), self.list.len());
                self.list.push(a);
                true
            }
        };
        let i = self.index[&id];
        Some((&mut self.list[i], added))
    }

    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut AccountRecord> {
        self.index.get(id).map(|i| &mut self.list[*i])
    }
}

/// The site's accounts and entitlements as they are put together, with the listings, errors and
/// notes coverage will carry.
pub(super) struct Merge {
    pub(super) accounts: Accounts,
    pub(super) entitlements: Vec<EntitlementRecord>,
    pub(super) listings: Vec<Listing>,
    pub(super) errors: Vec<String>,
    pub(super) notes: Vec<String>,
    /// Accounts other sources name that the user list did not (the guide flavour cross-checks them).
    elsewhere: BTreeSet<String>,
}

impl Merge {
    /// Starts with the errors of reading the users (the guide's sweep).
    pub(super) fn new(errors: Vec<String>) -> Merge {
        Merge {
            accounts: Accounts::default(),
            entitlements: Vec::new(),
            listings: Vec::new(),
            errors,
            notes: Vec::new(),
            elsewhere: BTreeSet::new(),
        }
    }

    /// 1. The accounts of the user list (or of the guide's sweep). Returns whether it was read
    ///    completely.
    pub(super) fn users(&mut self, items: &[Value], listings: Vec<Listing>, refused_prefixes: &[String], guide: bool) -> bool {
        for item in items {
            self.accounts.get_or_add(item);
        }
        let complete = listings.iter().all(|l| l.complete) && self.errors.is_empty();
        if guide {
            self.notes.push(format!(
                "flavor guide: accounts were found by {} user/search queries (every printable first character of a name or an email, and every other first character found, refined where a prefix reached the 1000-match cap), and cross-checked by id against group members, desk customers and the organization API; a search is not a list: an account that no prefix and no other source finds cannot be seen this way (flavor = \"cloud\" lists every account)",
                listings.len()
            ));
            if !refused_prefixes.is_empty() {
                self.notes.push(format!(
                    "user/search refused {} prefix(es) as queries (HTTP 400: {}); accounts only they would find are left to the cross-check",
                    refused_prefixes.len(),
                    refused_prefixes.join(" ")
                ));
            }
        }
        self.listings.extend(listings);
        complete
    }

    /// 2. Group memberships: `group` entitlements, and admins by admin group.
    pub(super) fn members(&mut self, groups: Listing, members: Vec<(String, Listing)>, admin_groups: &[String]) {
        self.listings.push(groups);
        let mut only_in_groups = 0usize;
        let mut admin_reasons: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (name, mut listing) in members {
            let privileged = is_admin_group(&name, admin_groups);
            for m in &listing.items {
                let Some((account, added)) = self.accounts.get_or_add(m) else { continue };
                only_in_groups += added as usize;
                if added {
                    self.elsewhere.insert(account.account_id.clone());
                }
                if account.account_type == AccountType::Unknown {
                    // The guide's search results carry no accountType; member objects do.
                    account.account_type = account_type(m);
                }
                if !account.groups.contains(&name) {
                    account.groups.push(name.clone());
                }
                if privileged {
                    admin_reasons.entry(account.account_id.clone()).or_default().insert(format!("group {name}"));
                }
                self.entitlements.push(EntitlementRecord {
                    account_id: account.account_id.clone(),
                    kind: EntitlementKind::Group,
                    value: name.clone(),
                    privileged,
                });
            }
            listing.items = Vec::new();
            self.listings.push(listing);
        }
        for (id, reasons) in admin_reasons {
            if let Some(a) = self.accounts.get_mut(&id) {
                a.is_admin = true;
                a.admin_reason = Some(reasons.into_iter().collect::<Vec<_>>().join("; "));
            }
        }
        if only_in_groups > 0 {
            self.notes
                .push(format!("{only_in_groups} account(s) were found only as group members (not in the user list) and are included"));
        }
    }

    /// 3. Service desk customers: `service_desk` entitlements; a customer not otherwise listed
    ///    becomes a `customer` account. `desks` is `None` when customers are not read.
    pub(super) fn customers(&mut self, desks: Option<Listing>, customers: Vec<(String, Listing)>) {
        let mut customer_accounts = 0usize;
        let mut deactivated_customers: BTreeSet<String> = BTreeSet::new();
        match desks {
            Some(desks) => self.listings.push(desks),
            None => self.notes.push("customers = false: JSM service desk customers were not read".into()),
        }
        for (label, mut listing) in customers {
            for c in &listing.items {
                let Some((account, added)) = self.accounts.get_or_add(c) else { continue };
                if added {
                    account.account_type = AccountType::Customer;
                    customer_accounts += 1;
                    self.elsewhere.insert(account.account_id.clone());
                } else if account.account_type == AccountType::Unknown {
                    account.account_type = AccountType::Customer;
                }
                if account.email.is_none() {
                    account.email = text(c, "emailAddress").map(str::to_string);
                }
                if account.status == "deactivated" {
                    deactivated_customers.insert(account.account_id.clone());
                }
                self.entitlements.push(EntitlementRecord {
                    account_id: account.account_id.clone(),
                    kind: EntitlementKind::ServiceDesk,
                    value: label.clone(),
                    privileged: false,
                });
            }
            listing.items = Vec::new();
            self.listings.push(listing);
        }
        if customer_accounts > 0 {
            self.notes
                .push(format!("{customer_accounts} customer account(s) were found only in service desk customer lists and are included"));
        }
        if !deactivated_customers.is_empty() {
            let ids: Vec<&String> = deactivated_customers.iter().collect();
            self.notes.push(format!(
                "{} account(s) deactivated in Jira are still customers of a service desk (remove them from the desk): {}",
                ids.len(),
                crate::text::first_of(&ids, 10)
            ));
        }
    }

    /// The guide flavour's sweep is a search, not a list: every account another source names
    /// (and the organization API's Jira users) that it did not return is looked up by id.
    pub(super) async fn cross_check(&mut self, client: &AppClient, org: Option<&Listing>, site: SiteKey<'_>) {
        let mut candidates = std::mem::take(&mut self.elsewhere);
        for item in org.iter().flat_map(|l| l.items.iter()) {
            if let Some(id) = org_account_id(item) {
                if self.accounts.get_mut(&id).is_none() && !org_account(item, site).products.is_empty() {
                    candidates.insert(id);
                }
            }
        }
        let (found, hidden, lookup_errors) = cross_check(client, candidates.into_iter().collect()).await;
        if !found.is_empty() {
            let ids: Vec<String> = found.iter().filter_map(account_id).collect();
            for v in &found {
                self.accounts.get_or_add(v);
            }
            self.errors.push(format!(
                "app {}: flavor guide: the user/search sweep missed {} account(s) that user/search returns when asked by id ({}); they were found through group members, desk customers or the organization API and are included, but a sweep shown to miss accounts is not a complete list: accounts no other source names may be missing too (use flavor = \"cloud\")",
                client.app,
                ids.len(),
                crate::text::first_of(&ids, 10)
            ));
        }
        if hidden > 0 {
            self.notes.push(format!(
                "{hidden} account(s) that group members, desk customers or the organization API name are not returned by user/search even by id (hidden from search, as from every user list): included from the list that names them"
            ));
        }
        self.errors.extend(lookup_errors);
    }

    /// Accounts with no email, app accounts aside (they have none by nature; the others have
    /// theirs hidden by privacy controls).
    pub(super) fn without_email(&self) -> usize {
        self.accounts.list.iter().filter(|a| a.email.is_none() && a.account_type != "service").count()
    }

    /// The accounts (groups sorted) and the entitlements (sorted, without repeats).
    /// 3b. Product licences: an account in a group an application role grants holds that role's
    /// licence (`product_licence`: `jira-servicedesk` is an agent seat). A customer never holds
    /// one, nor does a deactivated account (it takes no seat). Roles that could not be read leave licences unknown, said in a note.
    pub(super) fn licences(&mut self, roles: Result<Vec<Value>, String>) {
        let roles = match roles {
            Ok(r) => r,
            Err(why) => {
                self.notes.push(format!("product licences are unknown: the application roles could not be read ({why})"));
                return;
            }
        };
        // group name -> role keys
        let mut by_group: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for role in &roles {
            let Some(key) = text(role, "key") else { continue };
            let names = role.get("groups").and_then(|g| g.as_array()).into_iter().flatten().filter_map(|g| g.as_str().map(str::to_string));
            let details = role
                .get("groupDetails")
                .and_then(|g| g.as_array())
                .into_iter()
                .flatten()
                .filter_map(|g| text(g, "name").map(str::to_string));
            for name in names.chain(details) {
                by_group.entry(name).or_default().insert(key.to_string());
            }
        }
        for a in &self.accounts.list {
            // A customer never holds a seat; nor does a deactivated account.
            if a.account_type == AccountType::Customer || !a.status.holds_access() {
                continue;
            }
            let keys: BTreeSet<&String> = a.groups.iter().filter_map(|g| by_group.get(g)).flatten().collect();
            for key in keys {
                self.entitlements.push(EntitlementRecord {
                    account_id: a.account_id.clone(),
                    kind: EntitlementKind::ProductLicence,
                    value: key.clone(),
                    privileged: false,
                });
            }
        }
    }

    pub(super) fn finish(mut self) -> (Vec<AccountRecord>, Vec<EntitlementRecord>) {
        for a in &mut self.accounts.list {
            a.groups.sort();
        }
        self.entitlements.sort();
        self.entitlements.dedup();
        (self.accounts.list, self.entitlements)
    }

    /// 4. What the organization API says of the site's accounts: hidden emails, last activity in
    ///    Jira, and (v2) the date each joined the organization. Returns whether last login is known
    ///    (the list was read completely).
    pub(super) fn organization(&mut self, mut listing: Listing, site: SiteKey, opts: &JsmOptions) -> bool {
        let m = self;
        let mut filled = 0usize;
        let mut with_activity = 0usize;
        let mut other_site = 0usize;
        let mut joined = 0usize;
        for item in &listing.items {
            let Some(id) = org_account_id(item) else { continue };
            let Some(account) = m.accounts.get_mut(&id) else { continue };
            let o = org_account(item, site);
            if account.created_at.is_none() && o.added_to_org.is_some() {
                account.created_at = o.added_to_org;
                joined += 1;
            }
            if account.email.is_none() && o.email.is_some() {
                account.email = o.email.clone();
                filled += 1;
            }
            if o.auth_source != crate::model::AuthSource::Unknown {
                account.auth_source = o.auth_source;
            }
            if o.last_active.is_some() {
                with_activity += 1;
                other_site += o.other_site as usize;
            }
            account.last_login_at = o.last_active;
            for p in o.products {
                m.entitlements.push(EntitlementRecord {
                    account_id: id.clone(),
                    kind: EntitlementKind::Product,
                    value: p,
                    privileged: false,
                });
            }
        }
        let complete = listing.complete;
        let v2 = org_v2(opts);
        m.notes.push(format!(
            "organization admin API: {} managed account(s) read; {filled} hidden email(s) filled; last activity in Jira known for {with_activity} account(s) (the API's dates lag by up to a day; accounts not managed by the organization have none and get no dormant findings)",
            listing.items.len()
        ));
        if other_site > 0 {
            m.notes.push(format!(
                "{other_site} account(s) have Jira activity only under another site {} than {}; that activity was used",
                if v2 { "id" } else { "URL" },
                if v2 { "site_id" } else { "base_url" }
            ));
        }
        if v2 {
            m.notes
                .push(format!("organization admin API v2: {joined} account(s) have the date they joined the organization as created_at"));
            if opts.site_id.is_none() {
                m.notes.push("site_id is not set: Jira activity on every site of the organization counts as activity on this one (set site_id, the site's cloud id, to count only this site)".into());
            }
        }
        if !complete {
            m.notes.push("the organization admin API could not be read completely: last login is unknown for this app and no dormant findings are made for it".into());
        }
        listing.items = Vec::new();
        m.listings.push(listing);
        complete
    }
}
