//! The synced resource kinds the API serves, declared once. An entry in `SYNCED_KINDS` gives
//! the REST routes (`GET /<plural>`, `GET|PUT /<plural>/{id}`, `GET /<plural>/{id}/changes`,
//! with their OpenAPI entries and list answer schema) and the CLI commands
//! (`<keyword>-list`, `-show`, `-changes`, and `-update --disable-delete` when delete
//! protection applies). Its plain actions (those taking only the resource's id) give their
//! routes (`DELETE /<plural>/{id}`, `POST /<plural>/{id}/<verb>`, answering 202 with the task)
//! and their commands (`<keyword>-<verb> ID [--wait]`). The store keeps each kind's columns
//! (its `KindDef`) under the same plural, the driver contract its `ResourceKind` under the
//! same keyword, and the server each action's state machine (an `Action`) under its verb.
//!
//! Cloud regions and zones are synced too but are not here: their views and commands are
//! their own (`CloudRegionView`, `ZoneView`).

/// A column of a client's table of the kind: the field, and the field `details=true` adds with
/// the referenced object's name (shown instead of the id when present).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub field: &'static str,
    pub named: Option<&'static str>,
}

/// A column showing the field as is.
pub const fn col(field: &'static str) -> Column {
    Column { field, named: None }
}

/// A column holding the id of another object, shown by the object's name with `details`.
pub const fn reference(field: &'static str, named: &'static str) -> Column {
    Column { field, named: Some(named) }
}

/// An action on one resource that takes nothing but its id: `delete`, `start`, `stop`, ...
/// Actions with a body (`attach`, `resize`, `change_config`) and creates are written out.
#[derive(Debug, PartialEq, Eq)]
pub struct PlainAction {
    /// As in the API path and the action log; `delete` is `DELETE /<plural>/{id}`, any other
    /// verb `POST /<plural>/{id}/<verb>`. The CLI command is `<keyword>-<verb>`, dashed.
    pub verb: &'static str,
    /// The summary of the route in the OpenAPI document.
    pub doc: &'static str,
    /// The help line of the CLI command.
    pub help: &'static str,
}

impl PlainAction {
    pub fn is_delete(&self) -> bool {
        self.verb == "delete"
    }

    /// The CLI command without its keyword: `change_config` -> `change-config`.
    pub fn command_suffix(&self) -> String {
        self.verb.replace('_', "-")
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct SyncedKind {
    /// Singular, lower case: the CLI command prefix (`elasticsearch-list`) and the kind's name
    /// in the driver contract, sync and the action log.
    pub keyword: &'static str,
    /// The API path (`/elasticsearches`), the list answer's array key and the store's table.
    pub plural: &'static str,
    /// The columns of the CLI's list table, in order (`<keyword>-show` puts them first).
    pub columns: &'static [Column],
    /// Whether users may turn delete protection on and off (`<keyword>-update
    /// --disable-delete`): the kinds Strato can delete.
    pub delete_protection: bool,
    /// The kind's plain actions, in the order the CLI lists them.
    pub actions: &'static [PlainAction],
}

impl SyncedKind {
    /// The OpenAPI schema name of the list answer: `elasticsearch` -> `ElasticsearchList`.
    pub fn list_schema_name(&self) -> String {
        self.schema_name("List")
    }

    /// The OpenAPI schema name of one object of the kind: `server` -> `ServerView`.
    pub fn view_schema_name(&self) -> String {
        self.schema_name("View")
    }

    fn schema_name(&self, suffix: &str) -> String {
        let mut name: String = self.keyword.split('-').map(capitalised).collect();
        name.push_str(suffix);
        name
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Every synced kind the API lists, in sync dependency order.
pub static SYNCED_KINDS: &[SyncedKind] = &[
    SyncedKind {
        keyword: "vpc",
        plural: "vpcs",
        columns: &[col("id"), col("name"), col("status"), col("cidr_block"), reference("cloudregion_id", "cloudregion"), reference("cloudaccount_id", "cloudaccount"), col("external_id")],
        delete_protection: false,
        actions: &[],
    },
    SyncedKind {
        keyword: "network",
        plural: "networks",
        columns: &[col("id"), col("name"), col("status"), col("cidr_block"), reference("vpc_id", "vpc"), reference("zone_id", "zone"), col("external_id")],
        delete_protection: false,
        actions: &[],
    },
    SyncedKind {
        keyword: "secgroup",
        plural: "secgroups",
        columns: &[col("id"), col("name"), col("status"), reference("vpc_id", "vpc"), reference("cloudregion_id", "cloudregion"), col("external_id")],
        delete_protection: false,
        actions: &[],
    },
    SyncedKind {
        keyword: "sku",
        plural: "skus",
        columns: &[col("id"), col("name"), col("cpu"), col("memory_mb"), col("arch"), reference("cloudregion_id", "cloudregion")],
        delete_protection: false,
        actions: &[],
    },
    SyncedKind {
        keyword: "disk",
        plural: "disks",
        columns: &[col("id"), col("name"), col("status"), col("size_gb"), col("disk_type"), reference("zone_id", "zone"), reference("cloudaccount_id", "cloudaccount"), col("external_id")],
        delete_protection: true,
        actions: &[PlainAction {
            verb: "delete",
            doc: "Delete a disk (it must be detached; refused while delete protection is on).",
            help: "Delete a detached disk (refused while delete protection is on)",
        }],
    },
    SyncedKind {
        keyword: "server",
        plural: "servers",
        columns: &[col("id"), col("name"), col("status"), col("instance_type"), col("cpu"), col("memory_mb"), col("private_ips"), reference("zone_id", "zone"), reference("cloudaccount_id", "cloudaccount")],
        delete_protection: true,
        actions: &[
            PlainAction { verb: "start", doc: "Start a stopped server.", help: "Start a stopped server" },
            PlainAction { verb: "stop", doc: "Stop a running server.", help: "Stop a running server" },
            PlainAction { verb: "restart", doc: "Restart a running server.", help: "Restart a running server" },
            PlainAction {
                verb: "delete",
                doc: "Delete a server (refused while delete protection is on).",
                help: "Delete a server (refused while delete protection is on)",
            },
        ],
    },
    SyncedKind {
        keyword: "elasticsearch",
        plural: "elasticsearches",
        columns: &[col("id"), col("name"), col("status"), col("engine_version"), col("instance_type"), col("node_count"), reference("cloudregion_id", "cloudregion"), col("external_id")],
        delete_protection: true,
        actions: &[PlainAction {
            verb: "delete",
            doc: "Delete an Elasticsearch domain (refused while delete protection is on).",
            help: "Delete an Elasticsearch domain (refused while delete protection is on)",
        }],
    },
];

/// The synced kind served at `/<plural>`.
pub fn synced_kind_by_plural(plural: &str) -> Option<&'static SyncedKind> {
    SYNCED_KINDS.iter().find(|kind| kind.plural == plural)
}

/// The synced kind whose commands start with `<keyword>-`.
pub fn synced_kind_by_keyword(keyword: &str) -> Option<&'static SyncedKind> {
    SYNCED_KINDS.iter().find(|kind| kind.keyword == keyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_schema_names_keep_their_published_form() {
        let names: Vec<String> = SYNCED_KINDS.iter().map(SyncedKind::list_schema_name).collect();
        assert_eq!(names, ["VpcList", "NetworkList", "SecgroupList", "SkuList", "DiskList", "ServerList", "ElasticsearchList"]);
        let dashed = SyncedKind { keyword: "load-balancer", plural: "load_balancers", columns: &[], delete_protection: false, actions: &[] };
        assert_eq!(dashed.list_schema_name(), "LoadBalancerList");
        assert_eq!(dashed.view_schema_name(), "LoadBalancerView");
    }

    #[test]
    fn keywords_and_plurals_are_unique_and_tables_start_with_the_id() {
        for (i, kind) in SYNCED_KINDS.iter().enumerate() {
            for other in &SYNCED_KINDS[i + 1..] {
                assert_ne!(kind.keyword, other.keyword);
                assert_ne!(kind.plural, other.plural);
            }
            assert_eq!(kind.columns.first(), Some(&col("id")), "{}", kind.keyword);
            assert_eq!(synced_kind_by_plural(kind.plural), Some(kind));
            assert_eq!(synced_kind_by_keyword(kind.keyword), Some(kind));
            for (j, action) in kind.actions.iter().enumerate() {
                assert!(kind.actions[j + 1..].iter().all(|other| other.verb != action.verb), "{} {}", kind.keyword, action.verb);
                // the deletes are the actions delete protection refuses
                assert!(!action.is_delete() || kind.delete_protection, "{} deletes without delete protection", kind.keyword);
            }
        }
    }
}
