//! `strato login`, `strato logout`, `strato password-change` and `strato whoami`.

use crate::config::{self, ClientConfig};
use crate::output::{self, Format};
use crate::resource::read_secret_from_stdin;
use crate::{usage_error, Session};
use anyhow::Result;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::Value;
use strato_client::{Client, DEFAULT_URL};

pub fn login_command() -> Command {
    Command::new("login")
        .about("Log in and save the server URL and token in the client config")
        .arg(Arg::new("url").long("url").value_name("URL").help(format!(
            "Server URL (default: $STRATO_URL, the saved one, or {DEFAULT_URL})"
        )))
        .arg(Arg::new("user").long("user").required(true).value_name("NAME").help("User name"))
        .arg(
            Arg::new("password-stdin")
                .long("password-stdin")
                .action(ArgAction::SetTrue)
                .help("Read the password from standard input (required)"),
        )
        .arg(Arg::new("domain").long("domain").default_value("default").value_name("DOMAIN").help("The user's domain"))
}

pub fn logout_command() -> Command {
    Command::new("logout").about("Revoke the saved login token on the server and remove it from the client config")
}

pub fn password_change_command() -> Command {
    Command::new("password-change")
        .about("Change your own password; the server ends your other sessions and API tokens")
        .arg(
            Arg::new("stdin")
                .long("stdin")
                .action(ArgAction::SetTrue)
                .help("Read the current password, then the new one, one per line from standard input (required)"),
        )
}

pub fn whoami_command() -> Command {
    Command::new("whoami").about("Show the logged-in user, their domain and roles")
}

pub async fn login(matches: &ArgMatches, format: Format) -> Result<()> {
    if !matches.get_flag("password-stdin") {
        return Err(usage_error(
            "give --password-stdin and the password on standard input (passwords are never taken as arguments)",
        ));
    }
    let path = config::config_path()?;
    let mut saved = config::load(&path)?;
    let url = matches
        .get_one::<String>("url")
        .cloned()
        .or_else(|| std::env::var("STRATO_URL").ok().filter(|u| !u.trim().is_empty()))
        .or_else(|| saved.url.clone())
        .unwrap_or_else(|| DEFAULT_URL.to_string());
    let user = matches.get_one::<String>("user").map(String::as_str).unwrap_or_default();
    let domain = matches.get_one::<String>("domain").map(String::as_str).unwrap_or("default");
    let password = read_secret_from_stdin("password")?;
    let client = Client::new(&url, None)?;
    let answer = client.login(user, &password, domain).await?;
    saved = ClientConfig {
        url: Some(client.base_url().trim_end_matches('/').to_string()),
        token: Some(answer.token.expose().to_string()),
        user: Some(user.to_string()),
        domain: Some(domain.to_string()),
        expires_at: answer.expires_at.clone(),
    };
    config::save(&path, &saved)?;
    let expiry = answer.expires_at.as_deref().map(|t| format!(" (token expires {t})")).unwrap_or_default();
    match format {
        Format::Table => output::emit(&format!(
            "Logged in to {url} as {domain}/{user}{expiry}; saved to {}\n",
            path.display()
        ))?,
        _ => {
            let shown = serde_json::json!({"url": url, "user": user, "domain": domain,
                                           "expires_at": answer.expires_at, "config": path.display().to_string()});
            output::emit(&output::serialise(&shown, format)?)?;
        }
    }
    Ok(())
}

/// Revokes the token in use, then forgets the saved one. A token the server no longer accepts
/// (expired, revoked) is forgotten all the same.
pub async fn logout(session: &Session) -> Result<()> {
    let revoked = match session.client.logout().await {
        Ok(_) => true,
        Err(strato_client::ClientError::Api(e)) if e.class == "UnauthorizedError" => false,
        Err(e) => return Err(e.into()),
    };
    let path = config::config_path()?;
    let mut saved = config::load(&path)?;
    let had_saved = saved.token.is_some();
    if had_saved {
        saved.token = None;
        saved.expires_at = None;
        config::save(&path, &saved)?;
    }
    let shown = serde_json::json!({"revoked": revoked, "removed_from_config": had_saved, "config": path.display().to_string()});
    match session.format {
        Format::Table => {
            let what = if revoked { "Logged out" } else { "The token was no longer valid" };
            let saved_note = if had_saved { format!("; removed it from {}", path.display()) } else { String::new() };
            output::emit(&format!("{what}{saved_note}\n"))?
        }
        format => output::emit(&output::serialise(&shown, format)?)?,
    }
    Ok(())
}

/// `PUT /users/<own id>` with `current_password` and `password`, both read from stdin.
pub async fn password_change(session: &Session, matches: &ArgMatches) -> Result<()> {
    if !matches.get_flag("stdin") {
        return Err(usage_error(
            "give --stdin with the current and the new password on two lines of standard input \
             (passwords are never taken as arguments)",
        ));
    }
    let text = read_secret_from_stdin("passwords")?;
    let mut lines = text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l));
    let (Some(current), Some(new), None) = (lines.next(), lines.next(), lines.next()) else {
        return Err(usage_error("standard input must hold two lines: the current password, then the new one"));
    };
    if current.is_empty() || new.is_empty() {
        return Err(usage_error("neither password may be empty"));
    }
    let me = session.client.whoami().await?;
    let id = me.pointer("/user/id").and_then(Value::as_str).unwrap_or_default().to_string();
    let body = serde_json::json!({"current_password": current, "password": new});
    session.client.update("users", &id, &body).await?;
    output::emit("Password changed; your other sessions and API tokens were revoked\n")?;
    Ok(())
}

pub async fn whoami(session: &Session) -> Result<()> {
    let me = session.client.whoami().await?;
    match session.format {
        Format::Table => {
            let get = |path: &[&str]| -> Option<&Value> {
                path.iter().try_fold(&me, |v, key| v.get(*key))
            };
            let roles = match get(&["roles"]) {
                Some(Value::Array(roles)) => roles.iter().map(describe_role).collect::<Vec<_>>().join(", "),
                other => output::cell_text(other),
            };
            let summary = serde_json::json!({
                "user": get(&["user", "name"]),
                "user_id": get(&["user", "id"]),
                "domain": get(&["domain", "name"]),
                "system_admin": get(&["system_admin"]),
                "roles": roles,
                "server": session.client.base_url().trim_end_matches('/'),
            });
            output::emit(&output::object_table(&[], &summary))?;
        }
        format => output::emit(&output::serialise(&me, format)?)?,
    }
    Ok(())
}

/// `member@p1`, `admin@domain:default`, or the role as the server sent it.
fn describe_role(role: &Value) -> String {
    let Value::Object(map) = role else { return output::cell_text(Some(role)) };
    let name = map.get("role").and_then(Value::as_str).unwrap_or("?");
    let text = |k: &str| map.get(k).and_then(Value::as_str);
    match (text("project"), text("project_id"), text("domain"), text("domain_id")) {
        (Some(p), _, _, _) | (None, Some(p), _, _) => format!("{name}@{p}"),
        (None, None, Some(d), _) | (None, None, None, Some(d)) => format!("{name}@domain:{d}"),
        _ => name.to_string(),
    }
}
