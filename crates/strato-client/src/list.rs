//! List parameters and list responses (`GET /<plural>`).

use serde_json::{Map, Value};

/// Every query parameter of `GET /<plural>`; unset ones are not sent (the server's defaults apply).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub limit: Option<u32>,
    pub offset: Option<u64>,
    pub order_by: Option<String>,
    /// `asc` or `desc`.
    pub order: Option<String>,
    /// `field.op(values)` expressions; each is sent as its own `filter=` parameter.
    pub filters: Vec<String>,
    pub search: Option<String>,
    /// `system`, `domain` or `project`.
    pub scope: Option<String>,
    pub details: bool,
}

impl ListQuery {
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut params = Vec::new();
        let mut push = |k: &str, v: String| params.push((k.to_string(), v));
        if let Some(limit) = self.limit {
            push("limit", limit.to_string());
        }
        if let Some(offset) = self.offset {
            push("offset", offset.to_string());
        }
        if let Some(order_by) = &self.order_by {
            push("order_by", order_by.clone());
        }
        if let Some(order) = &self.order {
            push("order", order.clone());
        }
        for filter in &self.filters {
            push("filter", filter.clone());
        }
        if let Some(search) = &self.search {
            push("search", search.clone());
        }
        if let Some(scope) = &self.scope {
            push("scope", scope.clone());
        }
        if self.details {
            push("details", "true".to_string());
        }
        params
    }
}

/// One page of a list: `{"<plural>": [...], "total": N, "limit": L, "offset": O}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    pub plural: String,
    pub items: Vec<Value>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

impl ListPage {
    pub(crate) fn from_response(plural: &str, value: Value) -> Result<Self, String> {
        let Value::Object(mut body) = value else {
            return Err("list response is not an object".to_string());
        };
        let items = match body.remove(plural) {
            Some(Value::Array(items)) => items,
            _ => return Err(format!("list response has no \"{plural}\" array")),
        };
        let number = |key: &str| -> Result<u64, String> {
            body.get(key)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("list response has no numeric \"{key}\""))
        };
        Ok(ListPage {
            plural: plural.to_string(),
            items,
            total: number("total")?,
            limit: number("limit")?,
            offset: number("offset")?,
        })
    }

    /// The page as the API sent it, for JSON/YAML output.
    pub fn to_value(&self) -> Value {
        let mut body = Map::new();
        body.insert(self.plural.clone(), Value::Array(self.items.clone()));
        body.insert("total".into(), self.total.into());
        body.insert("limit".into(), self.limit.into());
        body.insert("offset".into(), self.offset.into());
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_response_round_trips() {
        let raw = json!({"projects": [{"id": "1", "name": "p1"}], "total": 7, "limit": 1, "offset": 3});
        let page = ListPage::from_response("projects", raw.clone()).unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!((page.total, page.limit, page.offset), (7, 1, 3));
        assert_eq!(page.to_value(), raw);
    }

    #[test]
    fn malformed_list_response_is_an_error() {
        assert!(ListPage::from_response("projects", json!({"total": 1})).is_err());
        assert!(ListPage::from_response("projects", json!({"projects": [], "total": "x"})).is_err());
    }

    #[test]
    fn unset_parameters_are_not_sent() {
        assert!(ListQuery::default().to_params().is_empty());
    }
}
