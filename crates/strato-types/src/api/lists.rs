//! List answers: `{"<plural>": [...], "total": N, "limit": L, "offset": O}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cloud::{CloudAccountView, CloudRegionView, ZoneView};
use super::resource::ResourceView;
use super::identity::{DomainView, ProjectView, RoleAssignmentView, TokenView, UserView};
use super::actionlog::ActionLogView;
use super::task::TaskView;

macro_rules! list_answer {
    ($name:ident, $field:ident, $view:ty) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        pub struct $name {
            pub $field: Vec<$view>,
            /// Number of objects matching the filters, ignoring limit and offset.
            pub total: u64,
            pub limit: u64,
            pub offset: u64,
        }
    };
}

list_answer!(DomainList, domains, DomainView);
list_answer!(ProjectList, projects, ProjectView);
list_answer!(UserList, users, UserView);
list_answer!(RoleAssignmentList, role_assignments, RoleAssignmentView);
list_answer!(TokenList, tokens, TokenView);
list_answer!(CloudAccountList, cloudaccounts, CloudAccountView);
list_answer!(CloudRegionList, cloudregions, CloudRegionView);
list_answer!(ZoneList, zones, ZoneView);
list_answer!(VpcList, vpcs, ResourceView);
list_answer!(NetworkList, networks, ResourceView);
list_answer!(SecgroupList, secgroups, ResourceView);
list_answer!(SkuList, skus, ResourceView);
list_answer!(DiskList, disks, ResourceView);
list_answer!(ServerList, servers, ResourceView);
list_answer!(ElasticsearchList, elasticsearches, ResourceView);
list_answer!(TaskList, tasks, TaskView);
list_answer!(ActionLogList, actionlogs, ActionLogView);
