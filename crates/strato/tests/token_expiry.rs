//! Login tokens expire after `--token-ttl` seconds.

mod common;

use common::{backend, serve_with};
use std::time::Duration;

#[test]
fn login_tokens_expire_on_sqlite() {
    login_tokens_expire(false);
}

#[test]
fn login_tokens_expire_on_postgres() {
    login_tokens_expire(true);
}

fn login_tokens_expire(postgres: bool) {
    let server = serve_with(backend(postgres, "ttl"), |o| o.token_ttl = Some(2));
    let cli = server.cli("admin");
    cli.login("admin", common::ADMIN_PASSWORD).success();
    let token = cli.saved_token();
    let http = server.http();
    assert_eq!(http.get("/auth/whoami", &token).status, 200);
    std::thread::sleep(Duration::from_millis(3100));
    cli.run(&["whoami"]).failure("UnauthorizedError");
    assert_eq!(http.get("/auth/whoami", &token).error_class(401), "UnauthorizedError");
    // Logging in again gives a fresh token.
    cli.login("admin", common::ADMIN_PASSWORD).success();
    cli.run(&["whoami"]).success();
}
