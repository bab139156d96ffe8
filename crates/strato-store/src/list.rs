//! The generic list engine: a kind's whitelist of fields + a `ListQuery` + a visibility
//! restriction become one parameterised SELECT for the page and one COUNT for the total.
//! Values are always bound, never spliced into SQL; only whitelisted column names are.

use strato_types::{DomainId, FilterOp, ListQuery, Order, ProjectId};

use crate::db::{Backend, SqlValue};
use crate::error::{StoreError, StoreResult};

/// What part of a kind the caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Everything (system admin).
    All,
    /// Objects of one domain (domain admin). For the `domain` kind: that domain itself.
    Domain(DomainId),
    /// Objects of these projects (project members). Kinds without a project column
    /// (domains, users, tokens) show nothing under this restriction.
    Projects(Vec<ProjectId>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// A UUID text column; filter values must be ids.
    Id,
    Bool,
    /// Microseconds column; filter values are RFC 3339 times.
    Timestamp,
    /// Text limited to the values listed (space separated, as `EXPECTED` of a text enum).
    Enum(&'static str),
    /// A whole-number column; filter values are integers.
    Int,
    /// A JSON object of tags (`tags_json`); see `tags_condition` for the operators.
    Tags,
}

/// One filterable and orderable field of a kind.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    /// SQL expression over the kind's table aliased `t` (a column or a name sub-select).
    pub expr: &'static str,
    pub ty: FieldType,
    pub orderable: bool,
}

pub(crate) const fn field(name: &'static str, expr: &'static str, ty: FieldType) -> Field {
    Field { name, expr, ty, orderable: true }
}

/// A sub-select field (e.g. a referenced object's name): filterable, not orderable.
pub(crate) const fn lookup(name: &'static str, expr: &'static str) -> Field {
    Field { name, expr, ty: FieldType::Text, orderable: false }
}

/// The tags of a synced kind: filterable (see `tags_condition`), not orderable.
pub(crate) const fn tags_field(expr: &'static str) -> Field {
    Field { name: "tags", expr, ty: FieldType::Tags, orderable: false }
}

/// How to list one kind.
pub(crate) struct KindSpec {
    pub kind: &'static str,
    pub table: &'static str,
    pub fields: &'static [Field],
    /// SQL expressions (over `t`) of the owning domain and project, for visibility.
    pub domain_column: Option<&'static str>,
    pub project_column: Option<&'static str>,
    /// Columns of the row, prefixed `t.`.
    pub select: &'static str,
    /// Extra columns and joins for `details` (referenced names).
    pub details_select: &'static str,
    pub details_joins: &'static str,
}

/// A built statement and its parameters.
pub(crate) struct Built {
    pub page_sql: String,
    pub page_values: Vec<SqlValue>,
    pub count_sql: String,
    pub count_values: Vec<SqlValue>,
}

struct Where {
    parts: Vec<String>,
    values: Vec<SqlValue>,
}

impl Where {
    fn bind(&mut self, value: SqlValue) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn convert(field: &Field, value: &str) -> StoreResult<SqlValue> {
    let bad = |why: String| StoreError::invalid(field.name, why);
    Ok(match field.ty {
        FieldType::Text => SqlValue::Text(value.to_string()),
        FieldType::Id => {
            if !strato_types::ids::looks_like_id(value) {
                return Err(bad(format!("{value:?} is not an id")));
            }
            SqlValue::Text(value.to_ascii_lowercase())
        }
        FieldType::Bool => match value {
            "true" | "1" => SqlValue::Bool(true),
            "false" | "0" => SqlValue::Bool(false),
            _ => return Err(bad(format!("{value:?} is not true or false"))),
        },
        FieldType::Timestamp => {
            let t = chrono::DateTime::parse_from_rfc3339(value)
                .map_err(|_| bad(format!("{value:?} is not an RFC 3339 time")))?;
            SqlValue::Int(t.timestamp_micros())
        }
        FieldType::Enum(expected) => {
            if !expected.split_whitespace().any(|v| v == value) {
                return Err(bad(format!("{value:?} is not one of: {}", expected.trim())));
            }
            SqlValue::Text(value.to_string())
        }
        FieldType::Int => {
            SqlValue::Int(value.trim().parse().map_err(|_| bad(format!("{value:?} is not a whole number")))?)
        }
        FieldType::Tags => return Err(bad("tags take key=value pairs".into())),
    })
}

/// A tag filter. Tags are stored as compact JSON of a sorted map (`{"k":"v",...}`, serde_json),
/// so with the leading `{` read as `,` every pair appears as `,"k":"v"` (and every key as
/// `,"k":`). JSON escapes the quotes inside keys and values, so such a text can only match a
/// whole key and a whole value. Matched with `instr`/`strpos`: exact, case-sensitive, and
/// without wildcards to escape. Semantics:
/// - `equals`/`in(k=v, ...)`: has any of these pairs; `notequals`/`notin`: has none of them;
/// - `contains(k, ...)`: has any of these keys;
/// - `isnull`: no tags at all; `isnotnull`: at least one tag.
fn tags_condition(w: &mut Where, backend: Backend, field: &Field, filter: &strato_types::Filter) -> StoreResult<String> {
    let find = match backend {
        Backend::Sqlite => "instr",
        Backend::Postgres => "strpos",
    };
    let expr = field.expr;
    let json = |s: &str| serde_json::to_string(s).map_err(|e| StoreError::invalid(field.name, e.to_string()));
    let mut any = |needles: Vec<String>| {
        let ors: Vec<String> = needles
            .into_iter()
            .map(|n| {
                let p = w.bind(SqlValue::Text(n));
                format!("{find}(',' || substr({expr}, 2), {p}) > 0")
            })
            .collect();
        format!("({})", ors.join(" OR "))
    };
    Ok(match filter.op {
        FilterOp::Equals | FilterOp::In | FilterOp::NotEquals | FilterOp::NotIn => {
            let mut needles = Vec::with_capacity(filter.values.len());
            for v in &filter.values {
                let (key, value) = v
                    .split_once('=')
                    .ok_or_else(|| StoreError::invalid(field.name, format!("{v:?} is not key=value")))?;
                needles.push(format!(",{}:{}", json(key)?, json(value)?));
            }
            let matched = any(needles);
            match filter.op {
                FilterOp::Equals | FilterOp::In => matched,
                _ => format!("NOT {matched}"),
            }
        }
        FilterOp::Contains => {
            let needles = filter.values.iter().map(|k| Ok(format!(",{}:", json(k)?))).collect::<StoreResult<Vec<_>>>()?;
            any(needles)
        }
        FilterOp::IsNull => format!("{expr} = '{{}}'"),
        FilterOp::IsNotNull => format!("{expr} <> '{{}}'"),
        _ => {
            return Err(StoreError::invalid(
                filter.field.clone(),
                format!("operator {} does not apply to field {} (use equals, notequals, in, notin, contains, isnull, isnotnull)", filter.op, field.name),
            ))
        }
    })
}

impl KindSpec {
    fn field(&self, name: &str) -> StoreResult<&Field> {
        self.fields.iter().find(|f| f.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.fields.iter().map(|f| f.name).collect();
            StoreError::invalid(
                name.chars().take(64).collect::<String>(),
                format!("{} has no field {name:?}; known fields: {}", self.kind, known.join(", ")),
            )
        })
    }

    /// What `search` looks in: the kind's `name`; a kind without one (role assignments) in the
    /// names it references (its lookup fields).
    fn search_exprs(&self) -> Vec<&'static str> {
        match self.fields.iter().find(|f| f.name == "name") {
            Some(name) => vec![name.expr],
            None => self.fields.iter().filter(|f| f.ty == FieldType::Text && !f.orderable).map(|f| f.expr).collect(),
        }
    }

    pub(crate) fn build(&self, backend: Backend, query: &ListQuery, visibility: &Visibility) -> StoreResult<Built> {
        self.build_with(backend, query, visibility, &[])
    }

    /// `extra`: additional `expr = value` conditions fixed by the caller (e.g. a token owner).
    pub(crate) fn build_with(
        &self,
        backend: Backend,
        query: &ListQuery,
        visibility: &Visibility,
        extra: &[(&'static str, SqlValue)],
    ) -> StoreResult<Built> {
        query.validate()?;
        let like = match backend {
            Backend::Sqlite => "LIKE",
            Backend::Postgres => "ILIKE",
        };
        let mut w = Where { parts: Vec::new(), values: Vec::new() };

        match visibility {
            Visibility::All => {}
            Visibility::Domain(domain) => match self.domain_column {
                Some(col) => {
                    let p = w.bind(SqlValue::Text(domain.to_string()));
                    w.parts.push(format!("{col} = {p}"));
                }
                None => w.parts.push("1 = 0".into()),
            },
            Visibility::Projects(projects) => match self.project_column {
                Some(col) if !projects.is_empty() => {
                    let ps: Vec<String> = projects.iter().map(|p| w.bind(SqlValue::Text(p.to_string()))).collect();
                    w.parts.push(format!("{col} IN ({})", ps.join(", ")));
                }
                _ => w.parts.push("1 = 0".into()),
            },
        }

        for (expr, value) in extra {
            let p = w.bind(value.clone());
            w.parts.push(format!("{expr} = {p}"));
        }

        for filter in &query.filters {
            let field = self.field(&filter.field)?;
            if field.ty == FieldType::Tags {
                let part = tags_condition(&mut w, backend, field, filter)?;
                w.parts.push(part);
                continue;
            }
            let expr = field.expr;
            let textual = matches!(field.ty, FieldType::Text | FieldType::Id | FieldType::Enum(_));
            let ordered = matches!(field.ty, FieldType::Text | FieldType::Timestamp | FieldType::Id | FieldType::Int);
            let op_unfit = || {
                StoreError::invalid(filter.field.clone(), format!("operator {} does not apply to field {}", filter.op, field.name))
            };
            let part = match filter.op {
                FilterOp::Equals | FilterOp::In | FilterOp::NotEquals | FilterOp::NotIn => {
                    let mut ps = Vec::new();
                    for v in &filter.values {
                        let value = convert(field, v)?;
                        ps.push(w.bind(value));
                    }
                    let list = ps.join(", ");
                    match filter.op {
                        FilterOp::Equals | FilterOp::In => format!("{expr} IN ({list})"),
                        // "not equal to x" includes rows where the field is unset
                        _ => format!("({expr} IS NULL OR {expr} NOT IN ({list}))"),
                    }
                }
                FilterOp::Contains | FilterOp::StartsWith | FilterOp::EndsWith => {
                    if !textual {
                        return Err(op_unfit());
                    }
                    let mut ors = Vec::new();
                    for v in &filter.values {
                        let e = escape_like(v);
                        let pattern = match filter.op {
                            FilterOp::Contains => format!("%{e}%"),
                            FilterOp::StartsWith => format!("{e}%"),
                            _ => format!("%{e}"),
                        };
                        let p = w.bind(SqlValue::Text(pattern));
                        ors.push(format!("{expr} {like} {p} ESCAPE '\\'"));
                    }
                    format!("({})", ors.join(" OR "))
                }
                FilterOp::Lt | FilterOp::Le | FilterOp::Gt | FilterOp::Ge => {
                    if !ordered {
                        return Err(op_unfit());
                    }
                    let sql_op = match filter.op {
                        FilterOp::Lt => "<",
                        FilterOp::Le => "<=",
                        FilterOp::Gt => ">",
                        _ => ">=",
                    };
                    let v = filter.values.first().ok_or_else(op_unfit)?;
                    let value = convert(field, v)?;
                    let p = w.bind(value);
                    format!("{expr} {sql_op} {p}")
                }
                FilterOp::IsNull => format!("{expr} IS NULL"),
                FilterOp::IsNotNull => format!("{expr} IS NOT NULL"),
            };
            w.parts.push(part);
        }

        if let Some(search) = &query.search {
            let p = w.bind(SqlValue::Text(format!("%{}%", escape_like(search))));
            let ors: Vec<String> = self.search_exprs().iter().map(|e| format!("{e} {like} {p} ESCAPE '\\'")).collect();
            if ors.is_empty() {
                return Err(StoreError::invalid("search", format!("{} cannot be searched", self.kind)));
            }
            w.parts.push(format!("({})", ors.join(" OR ")));
        }

        let order_field = match &query.order_by {
            None => self.field("created_at")?,
            Some(name) => {
                let f = self.field(name)?;
                if !f.orderable {
                    return Err(StoreError::invalid("order_by", format!("{} cannot be ordered by {name}", self.kind)));
                }
                f
            }
        };
        let dir = match query.order {
            Order::Asc => "ASC",
            Order::Desc => "DESC",
        };

        let where_sql = if w.parts.is_empty() { String::new() } else { format!(" WHERE {}", w.parts.join(" AND ")) };
        let count_sql = format!("SELECT COUNT(*) FROM {} t{where_sql}", self.table);
        let count_values = w.values.clone();

        let (extra_select, joins) =
            if query.details { (self.details_select, self.details_joins) } else { ("", "") };
        let mut page_values = w.values;
        page_values.push(SqlValue::Int(i64::from(query.limit)));
        let limit_p = page_values.len();
        page_values.push(SqlValue::Int(i64::try_from(query.offset).unwrap_or(i64::MAX)));
        let offset_p = page_values.len();
        let tiebreak = if order_field.name == "id" { String::new() } else { format!(", t.id {dir}") };
        let order_sql = format!("ORDER BY {} {dir}{tiebreak}", order_field.expr);
        let inner = format!(
            "SELECT {} FROM {} t{where_sql} {order_sql} LIMIT ${limit_p} OFFSET ${offset_p}",
            self.select, self.table
        );
        // Joins for names run on the page only, not on every matching row before the sort.
        let page_sql = if extra_select.is_empty() {
            inner
        } else {
            format!("SELECT {}{extra_select} FROM ({inner}) t {joins}{order_sql}", self.select)
        };
        Ok(Built { page_sql, page_values, count_sql, count_values })
    }
}

/// Runs a built list on `$db`, decoding rows as `$row` and converting each with `$convert`.
macro_rules! run_list {
    ($db:expr, $built:expr, $query:expr, $row:ty, $convert:expr) => {{
        let built = $built;
        let (rows, total): (Vec<$row>, i64) = $crate::db::with_db!($db, pool => {
            let rows = $crate::db::bind_all!(sqlx::query_as::<_, $row>(&built.page_sql), &built.page_values)
                .fetch_all(pool)
                .await?;
            // A short page that is not past the end is the last one: its end is the total, with
            // no second query that a concurrent insert could make disagree with the page.
            let short = (rows.len() as u64) < u64::from($query.limit) && (!rows.is_empty() || $query.offset == 0);
            let total: i64 = if short {
                i64::try_from($query.offset + rows.len() as u64).unwrap_or(i64::MAX)
            } else {
                $crate::db::bind_all!(sqlx::query_scalar::<_, i64>(&built.count_sql), &built.count_values)
                    .fetch_one(pool)
                    .await?
            };
            (rows, total)
        });
        let items = rows.into_iter().map($convert).collect::<$crate::error::StoreResult<Vec<_>>>()?;
        Ok(strato_types::Page { items, total: u64::try_from(total).unwrap_or(0), limit: $query.limit, offset: $query.offset })
    }};
}
pub(crate) use run_list;
