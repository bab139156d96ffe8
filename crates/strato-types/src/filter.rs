//! The list filter grammar: `field.op(v1,v2,...)`.
//!
//! - `field`: `[A-Za-z_][A-Za-z0-9_]*`
//! - `op`: equals notequals in notin contains startswith endswith lt le gt ge isnull isnotnull
//! - values: separated by commas; unquoted values are trimmed and may not contain `,` `(` `)`
//!   or quotes; quoted values use `"..."` or `'...'` with `\` escaping the next character.
//! - `isnull`/`isnotnull` take no values (`f.isnull()` or `f.isnull`); lt/le/gt/ge take exactly
//!   one; the others take one or more (several values mean "any of them").
//!
//! Parsing never panics; every failure is a [`FilterError`] saying what is wrong and where.

use std::fmt;
use std::str::FromStr;

text_enum!(
    /// A filter operator.
    FilterOp, "filter operator", {
        Equals = "equals",
        NotEquals = "notequals",
        In = "in",
        NotIn = "notin",
        Contains = "contains",
        StartsWith = "startswith",
        EndsWith = "endswith",
        Lt = "lt",
        Le = "le",
        Gt = "gt",
        Ge = "ge",
        IsNull = "isnull",
        IsNotNull = "isnotnull",
    }
);

impl FilterOp {
    /// How many values the operator takes: (min, max).
    pub const fn arity(&self) -> (usize, Option<usize>) {
        match self {
            FilterOp::IsNull | FilterOp::IsNotNull => (0, Some(0)),
            FilterOp::Lt | FilterOp::Le | FilterOp::Gt | FilterOp::Ge => (1, Some(1)),
            _ => (1, None),
        }
    }
}

/// One parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub field: String,
    pub op: FilterOp,
    pub values: Vec<String>,
}

/// Why a filter expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter {expression:?}: {reason}")]
pub struct FilterError {
    /// The expression (cut to 200 characters).
    pub expression: String,
    pub reason: String,
}

const MAX_EXPRESSION_LEN: usize = 8192;

impl Filter {
    pub fn parse(expression: &str) -> Result<Filter, FilterError> {
        Parser { text: expression, pos: 0 }.parse()
    }
}

impl FromStr for Filter {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Filter::parse(s)
    }
}

impl fmt::Display for Filter {
    /// The canonical text form; it parses back to the same filter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}(", self.field, self.op)?;
        for (i, value) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str("\"")?;
            for c in value.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\"")?;
        }
        f.write_str(")")
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn fail(&self, reason: impl Into<String>) -> FilterError {
        FilterError { expression: self.text.chars().take(200).collect(), reason: reason.into() }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn identifier(&mut self, what: &str) -> Result<&str, FilterError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            let ok = c == '_' || c.is_ascii_alphabetic() || (self.pos > start && c.is_ascii_digit());
            if !ok {
                break;
            }
            self.bump();
        }
        if self.pos == start {
            return Err(match self.peek() {
                Some(c) => self.fail(format!("expected a {what} at position {start}, found {c:?}")),
                None => self.fail(format!("expected a {what} at position {start}, found the end")),
            });
        }
        Ok(&self.text[start..self.pos])
    }

    fn parse(mut self) -> Result<Filter, FilterError> {
        if self.text.len() > MAX_EXPRESSION_LEN {
            return Err(self.fail(format!("longer than {MAX_EXPRESSION_LEN} bytes")));
        }
        self.skip_spaces();
        let field = self.identifier("field name")?.to_string();
        if self.bump() != Some('.') {
            return Err(self.fail("expected `.` after the field name (form: field.op(values))"));
        }
        let op_text = self.identifier("operator")?.to_string();
        let op: FilterOp = op_text
            .parse()
            .map_err(|_| self.fail(format!("unknown operator {op_text:?}; expected one of {}", FilterOp::EXPECTED.trim_end())))?;
        self.skip_spaces();
        let values = match self.peek() {
            None => Vec::new(),
            Some('(') => {
                self.bump();
                self.values()?
            }
            Some(c) => return Err(self.fail(format!("expected `(` after the operator, found {c:?}"))),
        };
        self.skip_spaces();
        if let Some(c) = self.peek() {
            return Err(self.fail(format!("unexpected {c:?} after the closing `)` at position {}", self.pos)));
        }
        let (min, max) = op.arity();
        if values.len() < min {
            return Err(self.fail(format!("operator {op} needs at least {min} value(s)")));
        }
        if let Some(max) = max {
            if values.len() > max {
                return Err(self.fail(format!("operator {op} takes {max} value(s), got {}", values.len())));
            }
        }
        Ok(Filter { field, op, values })
    }

    /// Values up to and including the closing `)`.
    fn values(&mut self) -> Result<Vec<String>, FilterError> {
        let mut values = Vec::new();
        self.skip_spaces();
        if self.peek() == Some(')') {
            self.bump();
            return Ok(values);
        }
        loop {
            self.skip_spaces();
            let value = match self.peek() {
                Some(q @ ('"' | '\'')) => {
                    self.bump();
                    self.quoted(q)?
                }
                _ => self.unquoted()?,
            };
            values.push(value);
            self.skip_spaces();
            match self.bump() {
                Some(',') => continue,
                Some(')') => return Ok(values),
                Some(c) => return Err(self.fail(format!("expected `,` or `)` after a value, found {c:?}"))),
                None => return Err(self.fail("missing closing `)`")),
            }
        }
    }

    fn quoted(&mut self, quote: char) -> Result<String, FilterError> {
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err(self.fail(format!("unterminated quoted value (missing {quote})"))),
                Some('\\') => match self.bump() {
                    Some(c) => value.push(c),
                    None => return Err(self.fail("`\\` at the end of the expression")),
                },
                Some(c) if c == quote => return Ok(value),
                Some(c) => value.push(c),
            }
        }
    }

    fn unquoted(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                ',' | ')' => break,
                '(' | '"' | '\'' => {
                    return Err(self.fail(format!(
                        "{c:?} inside an unquoted value at position {}; quote the value",
                        self.pos
                    )))
                }
                _ => {
                    self.bump();
                }
            }
        }
        Ok(self.text[start..self.pos].trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn f(field: &str, op: FilterOp, values: &[&str]) -> Filter {
        Filter { field: field.into(), op, values: values.iter().map(|v| v.to_string()).collect() }
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(Filter::parse("name.equals(a1)").unwrap(), f("name", FilterOp::Equals, &["a1"]));
        assert_eq!(Filter::parse("provider.in(aws, kvm)").unwrap(), f("provider", FilterOp::In, &["aws", "kvm"]));
        assert_eq!(
            Filter::parse(r#"name.contains("a,b", 'x\'y')"#).unwrap(),
            f("name", FilterOp::Contains, &["a,b", "x'y"])
        );
        assert_eq!(Filter::parse("endpoint.isnull()").unwrap(), f("endpoint", FilterOp::IsNull, &[]));
        assert_eq!(Filter::parse("endpoint.isnotnull").unwrap(), f("endpoint", FilterOp::IsNotNull, &[]));
        assert_eq!(Filter::parse("name.equals(\"\")").unwrap(), f("name", FilterOp::Equals, &[""]));
        assert_eq!(
            Filter::parse("created_at.ge(2024-01-01T00:00:00Z)").unwrap(),
            f("created_at", FilterOp::Ge, &["2024-01-01T00:00:00Z"])
        );
    }

    #[test]
    fn rejects_bad_expressions_with_reasons() {
        for (text, needle) in [
            ("", "expected a field name"),
            ("name", "expected `.`"),
            ("name.like(a)", "unknown operator \"like\""),
            ("name.equals(a", "missing closing"),
            ("name.equals()", "at least 1"),
            ("name.equals(a))", "unexpected ')'"),
            ("name.lt(a,b)", "takes 1"),
            ("name.isnull(a)", "takes 0"),
            ("name.equals(\"a)", "unterminated"),
            ("name.equals(a(b)", "quote the value"),
            ("1name.equals(a)", "expected a field name"),
            ("name.equals x", "expected `(`"),
        ] {
            let err = Filter::parse(text).unwrap_err();
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,80}") {
            let _ = Filter::parse(&text);
        }

        #[test]
        fn grammar_like_text_never_panics(text in "[a-z_]{0,5}[.]?(equals|in|isnull|lt|x)?[(]?([a-z ,'\"\\\\()]{0,12})[)]?.{0,3}") {
            let _ = Filter::parse(&text);
        }

        #[test]
        fn display_round_trips(field in "[a-z_][a-z0-9_]{0,10}", values in proptest::collection::vec(".{0,10}", 1..4)) {
            let filter = Filter { field, op: FilterOp::In, values };
            prop_assert_eq!(Filter::parse(&filter.to_string()).unwrap(), filter);
        }
    }
}
