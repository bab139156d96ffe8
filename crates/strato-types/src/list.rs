//! List parameters shared by every `GET /<plural>`, and the page a list answers.

use crate::filter::{Filter, FilterError};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 2000;
/// Largest accepted offset; deeper paging should narrow with filters instead.
pub const MAX_OFFSET: u64 = 10_000_000;
const MAX_FILTERS: usize = 32;
const MAX_SEARCH_LEN: usize = 256;

text_enum!(
    /// Sort direction.
    Order, "order", { Asc = "asc", Desc = "desc" }
);

text_enum!(
    /// How wide a list looks: the caller's projects, a whole domain (domain admin) or
    /// everything (system admin).
    Scope, "scope", { Project = "project", Domain = "domain", System = "system" }
);

/// A validated list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub limit: u32,
    pub offset: u64,
    /// A field of the kind's whitelist; `None` means `created_at`.
    pub order_by: Option<String>,
    pub order: Order,
    pub filters: Vec<Filter>,
    /// Matches names containing this text (case-insensitive).
    pub search: Option<String>,
    pub scope: Scope,
    /// Also fetch the names of referenced objects.
    pub details: bool,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            limit: DEFAULT_LIMIT,
            offset: 0,
            order_by: None,
            order: Order::Asc,
            filters: Vec::new(),
            search: None,
            scope: Scope::Project,
            details: false,
        }
    }
}

/// Why list parameters were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListQueryError {
    #[error("invalid {param}: {reason}")]
    InvalidParam { param: &'static str, reason: String },
    #[error("unknown list parameter {0:?}; expected limit, offset, order_by, order, filter, search, scope, details")]
    UnknownParam(String),
    #[error(transparent)]
    Filter(#[from] FilterError),
}

impl ListQueryError {
    /// The parameter at fault (for error details).
    pub fn param(&self) -> &str {
        match self {
            ListQueryError::InvalidParam { param, .. } => param,
            ListQueryError::UnknownParam(name) => name,
            ListQueryError::Filter(_) => "filter",
        }
    }
}

fn invalid(param: &'static str, reason: impl Into<String>) -> ListQueryError {
    ListQueryError::InvalidParam { param, reason: reason.into() }
}

impl ListQuery {
    /// The query of `ListRequest::from_pairs`, for callers that do not care whether the scope
    /// was given.
    pub fn from_pairs<K, V, I>(pairs: I) -> Result<ListQuery, ListQueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
        I: IntoIterator<Item = (K, V)>,
    {
        ListRequest::from_pairs(pairs).map(|request| request.query)
    }

    /// Checks the bounds; `from_pairs` calls it, callers building a query by hand should too.
    pub fn validate(&self) -> Result<(), ListQueryError> {
        if self.limit == 0 || self.limit > MAX_LIMIT {
            return Err(invalid("limit", format!("{} is out of range 1..={MAX_LIMIT}", self.limit)));
        }
        if self.offset > MAX_OFFSET {
            return Err(invalid("offset", format!("{} is larger than {MAX_OFFSET}", self.offset)));
        }
        if self.filters.len() > MAX_FILTERS {
            return Err(invalid("filter", format!("at most {MAX_FILTERS} filters are allowed")));
        }
        if let Some(search) = &self.search {
            if search.len() > MAX_SEARCH_LEN {
                return Err(invalid("search", format!("longer than {MAX_SEARCH_LEN} bytes")));
            }
        }
        if let Some(order_by) = &self.order_by {
            let ok = !order_by.is_empty()
                && order_by.len() <= 64
                && order_by.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
            if !ok {
                return Err(invalid("order_by", format!("{:?} is not a field name", order_by.chars().take(64).collect::<String>())));
            }
        }
        Ok(())
    }
}

/// A list request as the API received it: the validated query, and whether `scope` was given
/// (the default scope is the widest the caller may use, which only the server's app layer knows).
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest {
    pub query: ListQuery,
    pub scope_given: bool,
}

impl ListRequest {
    /// Parses the decoded `key=value` pairs of a query string (`filter` may repeat); any other
    /// key is rejected, so a typo is a 400 rather than a silently ignored parameter.
    pub fn from_pairs<K, V, I>(pairs: I) -> Result<ListRequest, ListQueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
        I: IntoIterator<Item = (K, V)>,
    {
        let mut scope_given = false;
        let mut query = ListQuery::default();
        for (key, value) in pairs {
            let value = value.as_ref();
            match key.as_ref() {
                "limit" => {
                    query.limit = value
                        .trim()
                        .parse()
                        .map_err(|_| invalid("limit", format!("{value:?} is not a whole number")))?;
                }
                "offset" => {
                    query.offset = value
                        .trim()
                        .parse()
                        .map_err(|_| invalid("offset", format!("{value:?} is not a whole number")))?;
                }
                "order_by" => query.order_by = Some(value.to_string()).filter(|v| !v.is_empty()),
                "order" => {
                    query.order = value.parse().map_err(|e: crate::enums::EnumParseError| invalid("order", e.to_string()))?;
                }
                "filter" => query.filters.push(Filter::parse(value)?),
                "search" => query.search = Some(value.to_string()).filter(|v| !v.is_empty()),
                "scope" => {
                    scope_given = true;
                    query.scope = value.parse().map_err(|e: crate::enums::EnumParseError| invalid("scope", e.to_string()))?;
                }
                "details" => {
                    query.details = match value {
                        "true" => true,
                        "false" => false,
                        other => return Err(invalid("details", format!("{other:?} is not true or false"))),
                    }
                }
                other => return Err(ListQueryError::UnknownParam(other.chars().take(64).collect())),
            }
        }
        // A user's search or filter text: NUL cut SQLite's pattern short so that it matched
        // every row, and PostgreSQL text cannot hold it. (Lookups by a key the store builds
        // itself may carry any text a cloud gave a name.)
        if query.search.as_deref().is_some_and(|s| s.chars().any(char::is_control)) {
            return Err(invalid("search", "control characters are not allowed"));
        }
        if query.filters.iter().flat_map(|f| &f.values).any(|v| v.chars().any(char::is_control)) {
            return Err(invalid("filter", "control characters are not allowed in filter values"));
        }
        query.validate()?;
        Ok(ListRequest { query, scope_given })
    }
}

/// One page of a list, with the total number of matching rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, limit: self.limit, offset: self.offset }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::FilterOp;

    #[test]
    fn defaults_and_parsing() {
        let q = ListQuery::from_pairs(Vec::<(&str, &str)>::new()).unwrap();
        assert_eq!(q, ListQuery::default());
        assert_eq!(q.limit, 20);
        let q = ListQuery::from_pairs([
            ("limit", "5"),
            ("offset", "10"),
            ("order_by", "name"),
            ("order", "desc"),
            ("filter", "provider.in(aws,kvm)"),
            ("filter", "name.startswith(a)"),
            ("search", "x"),
            ("scope", "system"),
            ("details", "true"),
        ])
        .unwrap();
        assert_eq!((q.limit, q.offset, q.order), (5, 10, Order::Desc));
        assert_eq!(q.filters.len(), 2);
        assert_eq!(q.filters[0].op, FilterOp::In);
        assert_eq!(q.scope, Scope::System);
        assert!(q.details);
    }

    #[test]
    fn a_request_knows_whether_its_scope_was_given() {
        let given = ListRequest::from_pairs([("scope", "project"), ("limit", "5")]).unwrap();
        assert!(given.scope_given);
        assert_eq!((given.query.scope, given.query.limit), (Scope::Project, 5));
        assert!(!ListRequest::from_pairs([("limit", "5")]).unwrap().scope_given);
        assert!(ListRequest::from_pairs([("scope", "")]).is_err(), "an empty scope names none");
    }

    #[test]
    fn rejects_bad_parameters() {
        for (key, value, needle) in [
            ("limit", "0", "limit"),
            ("limit", "2001", "limit"),
            ("limit", "-1", "limit"),
            ("offset", "x", "offset"),
            ("order", "up", "order"),
            ("scope", "world", "scope"),
            ("order_by", "name;drop", "order_by"),
            ("filter", "name.like(x)", "filter"),
            ("colour", "red", "colour"),
            ("details", "maybe", "details"),
            ("search", "\u{0}", "search"),
            ("search", "a\u{1b}[2J", "search"),
            ("filter", "name.equals(a\u{7}b)", "filter"),
        ] {
            let err = ListQuery::from_pairs([(key, value)]).unwrap_err();
            assert!(err.to_string().contains(needle), "{key}={value}: {err}");
        }
        assert_eq!(ListQuery::from_pairs([("limit", "2000")]).unwrap().limit, 2000);
    }
}
