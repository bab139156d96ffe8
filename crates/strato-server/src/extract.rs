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

/// The peer's IP address when the request came over TCP (`run` records it); `None` otherwise
/// (e.g. requests handed to the router in-process). Forwarded headers are not trusted.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(peer.map(|info| info.0.ip())))
    }
}
