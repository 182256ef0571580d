//! Collecting kind `beyondtrust`: the flavour's read, then the app's credential (what its token
//! endpoint said and, for `config_api`, what the API account may do).

use super::config_api::{api_permissions, config_api, ApiPermissions, API_INFO, CONFIGURATION_WRITES};
use super::options::{flavor, BeyondtrustFlavor, BeyondtrustOptions};
use super::password_safe::password_safe;
use super::public_v3::public_v3;
use crate::collectors::CollectError;
use crate::config::{AppConfig, HttpConfig};
use crate::model::{Collection, CredentialRecord};

pub async fn collect(app: &AppConfig, http: &HttpConfig, opts: &BeyondtrustOptions) -> Result<Collection, CollectError> {
    let (mut collection, client) = match flavor(opts) {
        BeyondtrustFlavor::ConfigApi => config_api(app, http, opts).await?,
        BeyondtrustFlavor::PasswordSafe => password_safe(app, http).await?,
        BeyondtrustFlavor::PublicV3 => public_v3(app, http).await?,
    };
    if !collection.coverage.last_login_known {
        collection.coverage.notes.push("last login is unknown for this app: no dormant or never-logged-in findings for it".into());
    }
    // What the API account may do (`config_api`: the command API's info).
    let permissions = if flavor(opts) == BeyondtrustFlavor::ConfigApi {
        match client.get_json(API_INFO, &[]).await {
            Ok(f) => api_permissions(&f.body),
            Err(e) => {
                collection.coverage.notes.push(format!("the API account's permissions could not be read ({})", e.failure));
                ApiPermissions::default()
            }
        }
    } else {
        ApiPermissions::default()
    };
    if permissions.scope.as_deref().is_some_and(|s| s.contains("perm_configuration=1")) {
        collection.coverage.notes.push(CONFIGURATION_WRITES.into());
    }
    let info = client.auth.token_info().await;
    let oauth = matches!(http.auth, crate::config::AuthConfig::Oauth2ClientCredentials { .. });
    collection.credentials.push(CredentialRecord {
        credential_id: crate::model::APP_CREDENTIAL.into(),
        label: match (flavor(opts), oauth) {
            (BeyondtrustFlavor::PasswordSafe, false) => "BeyondTrust Password Safe API key".into(),
            (BeyondtrustFlavor::PasswordSafe, true) => "BeyondTrust Password Safe API registration (OAuth client)".into(),
            _ => "BeyondTrust API account (OAuth client)".into(),
        },
        source: "api".into(),
        observation: Some(match info.as_ref().and_then(|i| i.expires_in_secs) {
            Some(secs) => format!("client credentials grant; access tokens live {secs} s (the client secret's own expiry is not reported)"),
            None => "the API does not report when this credential expires".into(),
        }),
        token_lifetime_seconds: info.and_then(|i| i.expires_in_secs).and_then(|s| i64::try_from(s).ok()),
        scope: permissions.scope,
        write_access: permissions.write,
        write_unavoidable: permissions.write.map(|_| permissions.unavoidable),
        ..Default::default()
    });
    Ok(collection)
}
