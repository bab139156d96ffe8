//! Input checks shared by every kind (names, descriptions, ...). A failure is a 400 naming the
//! field.

use crate::error::{ApiError, ApiResult};

pub const NAME_MAX: usize = 128;
pub const DESCRIPTION_MAX: usize = 4096;

/// Names: 1-128 characters, starting with a letter, then letters, digits, `-`, `_`, `.`.
/// (So a name is never a UUID, which keeps "id or name" references unambiguous.)
pub fn name(field: &str, value: &str) -> ApiResult<()> {
    let mut chars = value.chars();
    let valid = match chars.next() {
        Some(first) => {
            first.is_ascii_alphabetic()
                && value.len() <= NAME_MAX
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        let shown: String = value.chars().take(NAME_MAX + 1).collect();
        Err(ApiError::invalid_field(
            field,
            format!(
                "invalid {field} {shown:?}: use 1-{NAME_MAX} characters, starting with a letter, \
                 then letters, digits, '-', '_' or '.'"
            ),
        ))
    }
}

pub fn description(value: &str) -> ApiResult<()> {
    if value.len() > DESCRIPTION_MAX {
        return Err(ApiError::invalid_field("description", format!("description is longer than {DESCRIPTION_MAX} bytes")));
    }
    // Line breaks and tabs are text; ESC, BEL, NUL and the like would reach other people's
    // terminals.
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::invalid_field("description", "description must not contain control characters"));
    }
    Ok(())
}

/// Free text such as display names and e-mail addresses: bounded, no control characters.
pub fn text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.len() > max || value.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(field, format!("{field} must be at most {max} bytes without control characters")));
    }
    Ok(())
}

/// A disk's device name on a server: `/dev/sdf`, `xvdh`, `vdb`: an optional `/dev/`, then a
/// lower-case letter and 1-15 lower-case letters or digits. The cloud or the hypervisor gets
/// it as is, so nothing else passes.
pub fn device_name(value: &str) -> ApiResult<()> {
    let bare = value.strip_prefix("/dev/").unwrap_or(value);
    let valid = (2..=16).contains(&bare.len())
        && bare.starts_with(|c: char| c.is_ascii_lowercase())
        && bare.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "device",
            "device must be a device name like /dev/sdf or xvdh: an optional /dev/, then 2-16 lower-case letters \
             or digits starting with a letter",
        ))
    }
}

/// Tags a user asks Strato to put on a cloud resource: at most 50, keys 1-128 and values up to
/// 256 bytes, without control characters (AWS's limits; others are wider).
pub fn tags(tags: &std::collections::BTreeMap<String, String>) -> ApiResult<()> {
    if tags.len() > 50 {
        return Err(ApiError::invalid_field("tags", "at most 50 tags"));
    }
    for (key, value) in tags {
        if key.is_empty() {
            return Err(ApiError::invalid_field("tags", "tag keys must not be empty"));
        }
        text("tags", key, 128)?;
        text("tags", value, 256)?;
    }
    Ok(())
}

/// Default of `--password-min-length`.
pub const PASSWORD_MIN_LENGTH: usize = 12;
pub const PASSWORD_MAX_BYTES: usize = 1024;
/// User names shorter than this are only refused as the whole password, not as a part of it.
const NAME_IN_PASSWORD_MIN: usize = 3;

/// What is wrong with a new password for `user_name`, if anything: fewer than `min_length`
/// characters, more than 1024 bytes, only whitespace, or the user's name (or containing it),
/// compared case-insensitively. The message never quotes the password.
pub fn password_problem(value: &str, user_name: &str, min_length: usize) -> Option<String> {
    if value.chars().count() < min_length || value.len() > PASSWORD_MAX_BYTES {
        return Some(format!("password must have at least {min_length} characters and at most {PASSWORD_MAX_BYTES} bytes"));
    }
    if value.trim().is_empty() {
        return Some("password must not be only whitespace".into());
    }
    let password = value.to_lowercase();
    let name = user_name.to_lowercase();
    if password == name || (name.chars().count() >= NAME_IN_PASSWORD_MIN && password.contains(&name)) {
        return Some("password must not contain the user name".into());
    }
    None
}

/// `password_problem` as a 400 on `field`.
pub fn password(field: &str, value: &str, user_name: &str, min_length: usize) -> ApiResult<()> {
    match password_problem(value, user_name, min_length) {
        Some(problem) => Err(ApiError::invalid_field(field, problem)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        assert!(password_problem("correct horse battery", "alice", 12).is_none());
        assert!(password_problem("abcdefghijkl", "bo", 12).is_none());
        for bad in ["a", " ", &" ".repeat(20), "short-pw", "alice", "my-ALICE-password", &"x".repeat(1025)] {
            assert!(password_problem(bad, "alice", 12).is_some(), "{bad:?}");
        }
        assert!(password_problem("bo", "bo", 1).is_some(), "the name itself");
        assert!(password_problem("four", "alice", 4).is_none(), "the minimum is configurable");
    }

    #[test]
    fn names() {
        for ok in ["a", "p1", "my-project_2.x", &"a".repeat(128)] {
            assert!(name("name", ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "-a", "a b", "a/b", "ü", &"a".repeat(129), "0190a5d0-0000-7000-8000-000000000000"] {
            assert!(name("name", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn device_names() {
        for ok in ["/dev/sdf", "xvdh", "vdb", "/dev/nvme1n1"] {
            assert!(device_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/dev/", "/dev/../etc/passwd", "sd f", "/dev/sdf\u{1b}[2J", "SDF", "1sd", "x", &"a".repeat(17), "/dev/sdf;rm"] {
            assert!(device_name(bad).is_err(), "{bad:?}");
        }
    }
}
