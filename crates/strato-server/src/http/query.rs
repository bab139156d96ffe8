//! Query strings of list and show calls. Parsed by hand from the raw query because `filter`
//! repeats; unknown parameters are a 400 like unknown body fields.

use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};

pub use strato_types::list::ListRequest;

/// Parses a list call's raw query string.
pub fn parse_list(raw: Option<&str>) -> ApiResult<ListRequest> {
    let pairs = form_urlencoded::parse(raw.unwrap_or("").as_bytes());
    Ok(ListRequest::from_pairs(pairs)?)
}

/// Documentation of the list parameters (the parsing is `ListQuery::parse`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Page size, default 20.
    #[param(minimum = 1, maximum = 2000)]
    limit: Option<u32>,
    /// Objects to skip.
    #[param(maximum = 10_000_000)]
    offset: Option<u64>,
    /// Field to order by (default `created_at`, then `id`); one of the kind's fields.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9_]*$")]
    order_by: Option<String>,
    /// `asc` (default) or `desc`.
    order: Option<strato_types::Order>,
    /// `field.op(values)`, repeatable (at most 32); ops: equals, notequals, in, notin,
    /// contains, startswith, endswith, lt, le, gt, ge, isnull, isnotnull.
    #[param(max_items = 32)]
    filter: Option<Vec<String>>,
    /// Substring of the name.
    #[param(max_length = 256)]
    search: Option<String>,
    /// `system`, `domain` or `project`; default: the widest the caller may use.
    scope: Option<strato_types::Scope>,
    /// Add the names of referenced objects.
    details: Option<bool>,
}

/// Documentation of the show parameters.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ShowParams {
    /// Add the names of referenced objects.
    details: Option<bool>,
}

fn parse_bool(name: &str, value: &str) -> ApiResult<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(ApiError::invalid_field(name, format!("invalid {name} {other:?}: expected true or false"))),
    }
}

/// `?details=` of a show call.
pub fn parse_details(raw: Option<&str>) -> ApiResult<bool> {
    let mut details = false;
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "details" => details = parse_bool("details", &value)?,
            other => return Err(ApiError::invalid_field(other, format!("unknown query parameter {other:?}"))),
        }
    }
    Ok(details)
}
