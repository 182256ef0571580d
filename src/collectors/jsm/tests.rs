use super::mapping::{desk_label, host_of, org_account_id};
use super::*;
use serde_json::json;

#[test]
fn account_types_statuses_and_hidden_emails() {
    let a = user_account(&json!({"accountId": "5b10", "accountType": "atlassian", "displayName": "Mia Krystof", "active": false})).unwrap();
    assert_eq!((a.account_type.as_str(), a.status.as_str(), a.email), ("human", "deactivated", None));
    let bot = user_account(&json!({"accountId": "b1", "accountType": "app", "active": true, "emailAddress": null})).unwrap();
    assert_eq!((bot.account_type.as_str(), bot.email), ("service", None), "a null email is no email");
    let c = user_account(&json!({"accountId": "qm:a713:5ad6", "emailAddress": "fred@example.com", "active": true})).unwrap();
    assert_eq!(c.account_type, "customer", "qm: ids are customers even without accountType");
    assert_eq!(user_account(&json!({"accountId": "x", "accountType": "unknown"})).unwrap().account_type, "unknown");
    assert_eq!(user_account(&json!({"accountId": "x", "emailAddress": "  "})).unwrap().email, None);
    assert!(user_account(&json!({"displayName": "no id"})).is_none());
}

#[test]
fn admin_groups_configured_or_atlassian_defaults() {
    assert!(is_admin_group("site-admins", &[]));
    assert!(is_admin_group("jira-admins-acme", &[]));
    assert!(!is_admin_group("jira-software-users", &[]));
    let configured = vec!["Platform-Admins".to_string()];
    assert!(is_admin_group("platform-admins", &configured));
    assert!(!is_admin_group("site-admins", &configured), "a configured list replaces the defaults");
}

#[test]
fn org_activity_counts_jira_on_this_site_only() {
    let v = json!({"account_id": "a1", "email": "ann@acme.com", "last_active": "2026-12-20", "product_access": [
        {"key": "jira-servicedesk", "url": "https://acme.atlassian.net", "last_active": "2026-05-01"},
        {"key": "jira-software", "url": "other.atlassian.net", "last_active": "2026-12-01"},
        {"key": "confluence", "url": "acme.atlassian.net", "last_active": "2026-12-20"}]});
    let o = org_account(&v, SiteKey::Host("acme.atlassian.net"));
    assert_eq!(o.email.as_deref(), Some("ann@acme.com"));
    assert_eq!(o.last_active.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-05-01"), "not Confluence, not the other site");
    assert_eq!(o.products, vec!["jira-servicedesk"]);
    assert!(!o.other_site);
    let elsewhere = org_account(&v, SiteKey::Host("127.0.0.1:9"));
    assert!(elsewhere.other_site, "no entry names this site: any Jira entry, flagged");
    assert_eq!(elsewhere.last_active.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-12-01"));
    let never = org_account(&json!({"account_id": "a2", "product_access": []}), SiteKey::Host("acme.atlassian.net"));
    assert_eq!((never.last_active, never.other_site, never.added_to_org), (None, false, None));
}

#[test]
fn org_v2_names_sites_by_ari() {
    let v = json!({"accountId": "a1", "email": "ann@acme.com", "addedToOrg": "2025-02-03T10:00:00.000Z", "productAccess": [
        {"key": "jira-servicedesk", "id": "ari:cloud:jira-servicedesk::site/c0ffee", "lastActiveTimestamp": "2026-05-01T08:00:00.000Z"},
        {"key": "jira-software", "id": "ari:cloud:jira-software::site/other", "lastActiveTimestamp": "2026-12-01T08:00:00.000Z"},
        {"key": "confluence", "id": "ari:cloud:confluence::site/c0ffee", "lastActiveTimestamp": "2026-12-20T08:00:00.000Z"}]});
    assert_eq!(org_account_id(&v).as_deref(), Some("a1"));
    let o = org_account(&v, SiteKey::CloudId(Some("c0ffee")));
    assert_eq!(o.last_active.map(|d| d.to_rfc3339()).as_deref(), Some("2026-05-01T08:00:00+00:00"));
    assert_eq!(o.added_to_org.map(|d| d.date_naive().to_string()).as_deref(), Some("2025-02-03"));
    assert!(!o.other_site);
    let any = org_account(&v, SiteKey::CloudId(None));
    assert_eq!(any.last_active.map(|d| d.date_naive().to_string()).as_deref(), Some("2026-12-01"), "every Jira site counts");
    assert_eq!(any.products, vec!["jira-servicedesk", "jira-software"]);
    let elsewhere = org_account(&v, SiteKey::CloudId(Some("nope")));
    assert!(elsewhere.other_site);
}

#[test]
fn hosts_and_desk_labels() {
    assert_eq!(host_of("https://Acme.atlassian.net/rest"), "acme.atlassian.net");
    assert_eq!(host_of("acme.atlassian.net"), "acme.atlassian.net");
    assert_eq!(desk_label(&json!({"id": "1", "projectKey": "IT", "projectName": "IT Help"})), "IT (IT Help)");
    assert_eq!(desk_label(&json!({"id": 7})), "7");
}

/// Issue 20 item 2: v2's `managementSource = synced` (from the identity provider) is single
/// sign-on; anything else claims nothing.
#[test]
fn an_account_synced_from_the_identity_provider_signs_in_through_it() {
    let synced = org_account(&json!({"accountId": "a1", "managementSource": "synced"}), SiteKey::CloudId(None));
    let invited = org_account(&json!({"accountId": "a2", "managementSource": "invited"}), SiteKey::CloudId(None));
    let v1 = org_account(&json!({"account_id": "a3"}), SiteKey::Host("acme.atlassian.net"));
    assert_eq!(
        (synced.auth_source, invited.auth_source, v1.auth_source),
        (crate::model::AuthSource::Sso, crate::model::AuthSource::Unknown, crate::model::AuthSource::Unknown)
    );
}
