//! REST API views (what the server answers) and request inputs (what it accepts).
//! Inputs reject unknown fields so typos are a 400, not silently ignored. Secrets in inputs
//! (passwords, credentials) have Debug impls that print nothing.

mod actionlog;
mod cloud;
mod error;
mod identity;
mod lists;
mod operation;
mod resource;
mod task;

pub use cloud::{
    ChangeList, ChangeView, CloudAccountCreate, CloudAccountSync, CloudAccountUpdate, CloudAccountView, CloudRegionView,
    Credentials, ProjectRule, ProjectRuleView, SyncHistoryList, SyncHistoryView, ZoneView,
};
pub use operation::{DiskAttach, DiskCreate, DiskResize, ResourceUpdate, ServerChangeConfig, ServerCreate};
pub use resource::ResourceView;
pub use task::{TaskStepView, TaskView};
pub use actionlog::ActionLogView;
pub use lists::{ActionLogList, TaskList};
pub use error::{ErrorBody, ErrorDetail};
pub use identity::{
    DomainCreate, DomainUpdate, DomainView, LoginRequest, LoginResponse, Password, ProjectCreate, ProjectUpdate,
    ProjectView, RoleAssignmentCreate, RoleAssignmentView, TokenCreate, TokenCreated, TokenView, UserCreate,
    UserUpdate, UserView, WhoAmI,
};
pub use lists::{
    CloudAccountList, CloudRegionList, DomainList, ProjectList, ResourceList, RoleAssignmentList, TokenList, UserList, ZoneList,
};
