//! Strato's shared vocabulary: typed ids, status enums, list parameters and the filter
//! grammar, and (in `api`) the REST views and inputs. Pure data; no I/O. (The resource kinds are
//! declared in `strato-cloud`'s `kinds`.)

// Lets the exported macros name this crate the same way inside and outside it.
extern crate self as strato_types;

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use utoipa;
    pub use uuid;
}

#[macro_use]
pub mod enums;
pub mod filter;
pub mod ids;
pub mod list;

pub mod api;

pub use enums::*;
pub use filter::{Filter, FilterError, FilterOp};
pub use ids::*;
pub use list::{ListQuery, ListQueryError, ListRequest, Order, Page, Scope};
