//! Extractors that turn axum's rejections into our `ApiError` body, so malformed JSON, unknown
//! fields or a bad path never answer with axum's plain-text errors.

use axum::extract::{FromRequest, FromRequestParts};

use crate::error::ApiError;

/// JSON request body; rejections (syntax, unknown fields, wrong types, too large) become 400/413.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Path parameters; rejections become 400.
#[derive(Debug, Clone, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);
