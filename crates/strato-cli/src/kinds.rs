//! The resource kinds the CLI knows, as data: the kinds with their own API shapes are
//! entries here, the synced kinds (vpcs, servers, ...) come from their one declaration in
//! `strato_cloud::kinds`. Everything else (commands, flags, request bodies, tables) is
//! generic (see resource.rs).

use std::sync::LazyLock;

pub(crate) use strato_cloud::kinds::{col, TableColumn as Column};
use strato_cloud::kinds::{self, reference, KindMeta};

/// The commands a kind offers; each becomes `strato <keyword>-<verb>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    List,
    Show,
    Create,
    Update,
    Delete,
}

impl Verb {
    pub fn name(self) -> &'static str {
        match self {
            Verb::List => "list",
            Verb::Show => "show",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Delete => "delete",
        }
    }
}

/// How a flag's text becomes a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Text,
    Bool,
    /// A non-negative integer.
    Count,
    /// Comma-separated list -> JSON array of strings (`""` is the empty array).
    List,
    /// Comma-separated `KEY[=VALUE]:PROJECT` -> JSON array of project rules (`""` clears them).
    ProjectRules,
    /// A secret: `--<flag>-stdin` reads it from standard input; `--<flag>` on the command line
    /// is offered only when `on_command_line` (it ends up in shell history and `ps`).
    Secret { on_command_line: bool },
}

/// One flag of a create or update command and where its value goes in the request body.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub flag: &'static str,
    /// Dotted path in the JSON body, e.g. `credentials.access_key_id`.
    pub path: &'static str,
    pub value: Value,
    pub required: bool,
    pub help: &'static str,
}

const fn field(flag: &'static str, path: &'static str, value: Value, help: &'static str) -> Field {
    Field { flag, path, value, required: false, help }
}

const fn required(flag: &'static str, path: &'static str, value: Value, help: &'static str) -> Field {
    Field { flag, path, value, required: true, help }
}

#[derive(Debug, Clone)]
pub struct Kind {
    /// Singular, with dashes: the command prefix (`role-assignment-list`).
    pub keyword: &'static str,
    /// The API path (`/role_assignments`) and the list response's array key.
    pub plural: &'static str,
    pub verbs: &'static [Verb],
    /// A command name replacing `<keyword>-create` (climc's `role-assign`).
    pub create_command: Option<&'static str>,
    pub columns: &'static [Column],
    pub create: &'static [Field],
    pub update: &'static [Field],
    /// A field of the create response that holds a secret shown only this once.
    pub secret_shown_once: Option<&'static str>,
}

impl Kind {
    /// A synced kind is read-only here (`-list`, `-show`): its change log and delete
    /// protection have their own commands (actions.rs, operations.rs).
    fn synced(kind: &'static KindMeta) -> Kind {
        Kind {
            keyword: kind.keyword(),
            plural: kind.plural,
            verbs: READ_ONLY,
            create_command: None,
            columns: kind.api.as_ref().map(|api| api.columns).unwrap_or_default(),
            create: &[],
            update: &[],
            secret_shown_once: None,
        }
    }

    pub fn command_name(&self, verb: Verb) -> String {
        match (verb, self.create_command) {
            (Verb::Create, Some(name)) => name.to_string(),
            _ => format!("{}-{}", self.keyword, verb.name()),
        }
    }
}

const ALL: &[Verb] = &[Verb::List, Verb::Show, Verb::Create, Verb::Update, Verb::Delete];
const READ_ONLY: &[Verb] = &[Verb::List, Verb::Show];

const DESCRIPTION: Field = field("description", "description", Value::Text, "Free-text description");
const ENABLED: Field = field("enabled", "enabled", Value::Bool, "Enable (true) or disable (false)");
const NEW_NAME: Field = field("name", "name", Value::Text, "New name");

/// Every kind the CLI has commands for: the ones declared here, then the synced kinds.
pub static KINDS: LazyLock<Vec<Kind>> =
    LazyLock::new(|| BESPOKE_KINDS.iter().cloned().chain(kinds::served().map(Kind::synced)).collect());

/// The kinds whose API has its own shapes: identity, cloud accounts, and the regions and zones
/// synced with an account.
static BESPOKE_KINDS: &[Kind] = &[
    Kind {
        keyword: "domain",
        plural: "domains",
        verbs: ALL,
        create_command: None,
        columns: &[col("id"), col("name"), col("enabled"), col("description"), col("created_at")],
        create: &[required("name", "name", Value::Text, "Domain name"), DESCRIPTION],
        update: &[NEW_NAME, DESCRIPTION, ENABLED],
        secret_shown_once: None,
    },
    Kind {
        keyword: "project",
        plural: "projects",
        verbs: ALL,
        create_command: None,
        columns: &[col("id"), col("name"), reference("domain_id", "domain"), col("description"), col("created_at")],
        create: &[
            required("name", "name", Value::Text, "Project name"),
            field("domain", "domain", Value::Text, "Domain id or name (default: your own)"),
            DESCRIPTION,
        ],
        update: &[NEW_NAME, DESCRIPTION],
        secret_shown_once: None,
    },
    Kind {
        keyword: "user",
        plural: "users",
        verbs: ALL,
        create_command: None,
        columns: &[
            col("id"),
            col("name"),
            reference("domain_id", "domain"),
            col("display_name"),
            col("email"),
            col("enabled"),
            col("created_at"),
        ],
        create: &[
            required("name", "name", Value::Text, "Login name"),
            required("password", "password", Value::Secret { on_command_line: false }, "Password"),
            field("display-name", "display_name", Value::Text, "Display name"),
            field("email", "email", Value::Text, "E-mail address"),
            field("domain", "domain", Value::Text, "Domain id or name (default: your own)"),
        ],
        update: &[
            NEW_NAME,
            field("display-name", "display_name", Value::Text, "Display name"),
            field("email", "email", Value::Text, "E-mail address"),
            ENABLED,
            field("password", "password", Value::Secret { on_command_line: false }, "New password"),
        ],
        secret_shown_once: None,
    },
    Kind {
        keyword: "role-assignment",
        plural: "role_assignments",
        verbs: &[Verb::List, Verb::Show, Verb::Create, Verb::Delete],
        create_command: Some("role-assign"),
        columns: &[
            col("id"),
            reference("user_id", "user"),
            col("role"),
            reference("project_id", "project"),
            reference("domain_id", "domain"),
            col("created_at"),
        ],
        create: &[
            required("user", "user", Value::Text, "User id or name"),
            required("role", "role", Value::Text, "Role: admin, member or viewer"),
            field("project", "project", Value::Text, "Project id or name (a project role)"),
            field("domain", "domain", Value::Text, "Domain id or name (a domain-wide role)"),
        ],
        update: &[],
        secret_shown_once: None,
    },
    Kind {
        keyword: "token",
        plural: "tokens",
        verbs: &[Verb::List, Verb::Show, Verb::Create, Verb::Delete],
        create_command: None,
        columns: &[
            col("id"),
            col("name"),
            col("kind"),
            reference("user_id", "user"),
            col("expires_at"),
            col("last_used_at"),
            col("created_at"),
        ],
        create: &[
            required("name", "name", Value::Text, "Token name"),
            field("expires-in", "expires_in_secs", Value::Count, "Lifetime in seconds (default: 90 days)"),
        ],
        update: &[],
        secret_shown_once: Some("token"),
    },
    Kind {
        keyword: "cloudaccount",
        plural: "cloudaccounts",
        verbs: ALL,
        create_command: None,
        columns: &[
            col("id"),
            col("name"),
            col("provider"),
            reference("project_id", "project"),
            col("status"),
            col("enabled"),
            col("regions"),
            col("endpoint"),
            col("last_sync_at"),
            col("last_sync_status"),
            col("created_at"),
        ],
        create: &[
            required("name", "name", Value::Text, "Account name"),
            required("provider", "provider", Value::Text, "Provider: aws, aliyun, qingcloud, kvm or fake"),
            field("project", "project", Value::Text, "Owning project id or name"),
            field("access-key", "credentials.access_key_id", Value::Text, "Access key id"),
            field("secret", "credentials.secret_access_key", Value::Secret { on_command_line: true }, "Secret key"),
            field("endpoint", "endpoint", Value::Text, "API endpoint URL (default: the provider's)"),
            field("regions", "regions", Value::List, "Regions to manage, comma-separated (default: all)"),
            field("sync-interval", "sync_interval_secs", Value::Count, "Seconds between periodic syncs (default 300)"),
            field("project-rules", "project_rules", Value::ProjectRules, "Tag-to-project rules, comma-separated KEY[=VALUE]:PROJECT (first match wins; applied to resources sync finds from now on)"),
            DESCRIPTION,
        ],
        update: &[
            NEW_NAME,
            DESCRIPTION,
            field("endpoint", "endpoint", Value::Text, "API endpoint URL"),
            ENABLED,
            field("regions", "regions", Value::List, "Regions to manage, comma-separated"),
            field("sync-interval", "sync_interval_secs", Value::Count, "Seconds between periodic syncs"),
            field("project-rules", "project_rules", Value::ProjectRules, "Tag-to-project rules, comma-separated KEY[=VALUE]:PROJECT (first match wins; applied to resources sync finds from now on)"),
            field("access-key", "credentials.access_key_id", Value::Text, "New access key id"),
            field("secret", "credentials.secret_access_key", Value::Secret { on_command_line: true }, "New secret key"),
        ],
        secret_shown_once: None,
    },
    Kind {
        keyword: "cloudregion",
        plural: "cloudregions",
        verbs: READ_ONLY,
        create_command: None,
        columns: &[
            col("id"),
            col("name"),
            col("provider"),
            col("external_id"),
            col("status"),
            reference("cloudaccount_id", "cloudaccount"),
            col("created_at"),
        ],
        create: &[],
        update: &[],
        secret_shown_once: None,
    },
    Kind {
        keyword: "zone",
        plural: "zones",
        verbs: READ_ONLY,
        create_command: None,
        columns: &[
            col("id"),
            col("name"),
            col("external_id"),
            col("status"),
            reference("cloudregion_id", "cloudregion"),
            reference("cloudaccount_id", "cloudaccount"),
            col("created_at"),
        ],
        create: &[],
        update: &[],
        secret_shown_once: None,
    },
];

/// The kind and verb a command name stands for.
pub fn find_command(name: &str) -> Option<(&'static Kind, Verb)> {
    KINDS.iter().find_map(|kind| {
        kind.verbs.iter().copied().find(|verb| kind.command_name(*verb) == name).map(|verb| (kind, verb))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_and_found_again() {
        let mut seen = std::collections::HashSet::new();
        for kind in KINDS.iter() {
            for verb in kind.verbs {
                let name = kind.command_name(*verb);
                assert!(seen.insert(name.clone()), "duplicate command {name}");
                let (found, found_verb) = find_command(&name).expect("command resolves");
                assert_eq!((found.keyword, found_verb), (kind.keyword, *verb));
            }
        }
        assert!(seen.contains("role-assign"));
        assert!(!seen.contains("role-assignment-create"));
    }

    #[test]
    fn at_most_one_secret_per_command() {
        // A secret is read from stdin; two in one command could not both be.
        for kind in KINDS.iter() {
            for fields in [kind.create, kind.update] {
                let secrets = fields.iter().filter(|f| matches!(f.value, Value::Secret { .. })).count();
                assert!(secrets <= 1, "{} has {secrets} secrets", kind.keyword);
            }
        }
    }
}
