//! The client config written by `strato login` and its overrides: STRATO_URL, STRATO_TOKEN.

mod common;

use common::{serve, Backend, Cli, ADMIN_PASSWORD};

#[test]
fn login_config_and_environment_overrides() {
    let server = serve(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();

    // `login --url` alone: later commands find server and token in the config file.
    let cli = Cli { url: server.url.clone(), config: dir.path().join("sub/dir/config.json"), url_in_env: false };
    cli.run_with_stdin(&["login", "--url", &server.url, "--user", "admin", "--password-stdin"], &format!("{ADMIN_PASSWORD}\n"))
        .success();
    assert_eq!(common::file_mode(&cli.config), 0o600);
    let text = std::fs::read_to_string(&cli.config).unwrap();
    let config: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(config["url"].as_str(), Some(server.url.as_str()));
    assert!(!text.contains(ADMIN_PASSWORD), "the password must not be saved");
    assert_eq!(cli.json(&["whoami"])["user"]["name"], "admin");

    // STRATO_URL overrides the config's server; the saved token is not sent to another server.
    let elsewhere = cli.run_env(&["project-list"], &[("STRATO_URL", "http://127.0.0.1:9")]);
    elsewhere.failure("UnauthorizedError");
    // With a token given explicitly it goes there (and finds nobody).
    cli.run_env(&["project-list"], &[("STRATO_URL", "http://127.0.0.1:9"), ("STRATO_TOKEN", "x")])
        .failure("ConnectionError");

    // STRATO_TOKEN overrides the config's token.
    cli.run_env(&["whoami"], &[("STRATO_TOKEN", "not-a-valid-token")]).failure("UnauthorizedError");
    let api_token = cli.json(&["token-create", "--name", "env"])["token"].as_str().unwrap().to_string();
    let fresh = Cli { url: server.url.clone(), config: dir.path().join("none.json"), url_in_env: true };
    let me = fresh.run_env(&["whoami", "--output", "json"], &[("STRATO_TOKEN", &api_token)]).json();
    assert_eq!(me["user"]["name"], "admin");

    // A failed login leaves the saved session alone.
    cli.run_with_stdin(&["login", "--user", "admin", "--password-stdin"], "wrong\n").failure("UnauthorizedError");
    cli.run(&["whoami"]).success();

    // A broken config file is one clear error line.
    std::fs::write(&cli.config, "{ not json").unwrap();
    let line = cli.run(&["whoami"]).failure("ConfigError");
    assert!(line.contains("config"), "{line}");
}

/// `strato logout` revokes the saved token on the server and removes it from the config;
/// `strato password-change --stdin` needs the current password and ends the other sessions.
#[test]
fn logout_and_password_change() {
    let server = serve(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let admin = Cli { url: server.url.clone(), config: dir.path().join("admin.json"), url_in_env: true };
    admin.login("admin", ADMIN_PASSWORD).success();
    admin.run_with_stdin(&["user-create", "--name", "lou", "--password-stdin"], "first-Zq7xK2mN9\n").success();

    let lou = Cli { url: server.url.clone(), config: dir.path().join("lou.json"), url_in_env: true };
    lou.login("lou", "first-Zq7xK2mN9").success();
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&lou.config).unwrap()).unwrap();
    let token = saved["token"].as_str().expect("saved token").to_string();
    let other = Cli { url: server.url.clone(), config: dir.path().join("lou-2.json"), url_in_env: true };
    other.login("lou", "first-Zq7xK2mN9").success();

    // A wrong current password changes nothing; the right one ends the other session only.
    lou.run_with_stdin(&["password-change", "--stdin"], "wrong-current\nsecond-Zq7xK2mN9\n").failure("ForbiddenError");
    lou.run_with_stdin(&["password-change", "--stdin"], "only-one-line\n").failure("InvalidInputError");
    lou.run_with_stdin(&["password-change", "--stdin"], "first-Zq7xK2mN9\nsecond-Zq7xK2mN9\n").success();
    lou.run(&["whoami"]).success();
    other.run(&["whoami"]).failure("UnauthorizedError");

    lou.run(&["logout"]).success();
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&lou.config).unwrap()).unwrap();
    assert!(saved.get("token").is_none(), "the token stayed in the config: {saved}");
    assert_eq!(saved["url"].as_str(), Some(server.url.as_str()), "the server stays saved");
    // The revoked token no longer works, even when given explicitly.
    let fresh = Cli { url: server.url.clone(), config: dir.path().join("none.json"), url_in_env: true };
    fresh.run_env(&["whoami"], &[("STRATO_TOKEN", &token)]).failure("UnauthorizedError");
    lou.login("lou", "second-Zq7xK2mN9").success();
}
