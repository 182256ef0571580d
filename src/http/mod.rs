//! The collection engine: everything about talking to an app's API that is not specific to the
//! app. Collectors describe endpoints, pagers and item mappings; this module executes them.
//!
//! - `client`: one app's HTTP client (TLS, auth, retries, rate limit, counters);
//! - `auth`: Basic, Bearer, AccessKey, header and OAuth2 client-credentials providers;
//! - `retry`: the retry policy and `Retry-After` parsing;
//! - `ratelimit`: requests per second and in flight, slowing down after 429s;
//! - `pager` + `list`: pagination strategies and the shared page loop;
//! - `each`: a request or a sub-list per item of a list, and what a 404 among them means.

pub mod auth;
mod body;
pub mod client;
pub mod each;
pub mod grant;
pub mod list;
pub mod pager;
pub mod progress;
pub mod ratelimit;
pub mod retry;
pub mod stats;

pub use auth::TokenStyle;
pub use client::{origin_of, AppClient, ClientError, ClientFailure, Failure, FetchError, KindDefaults};
pub use each::{EachRead, Recheck};
pub use list::{ListSpec, Listing};
pub use pager::Pager;
