//! The driver contract (see ../../shared/DESIGN.md, "Drivers"): provider registry,
//! capabilities, errors, plain-data snapshots, the `CloudDriver` trait and the shared request
//! layer. No provider-specific code lives here.

pub mod capability;
pub mod credentials;
pub mod driver;
pub mod endpoint;
pub mod error;
pub mod kinds;
pub mod registry;
pub mod request;
pub mod signing;
pub mod snapshot;
pub mod status;

pub use capability::{Capability, CapabilitySet};
pub use credentials::{CredentialField, Credentials};
pub use driver::{CloudDriver, DiskCreate, Preflight, ServerCreate};
pub use endpoint::{AllowedEndpoint, EndpointAllowList, EndpointError, EndpointPolicy, ENDPOINT_UNREACHABLE};
pub use error::{CloudError, CloudErrorKind, CloudResult};
pub use registry::{DriverConfig, Provider, ProviderRegistry};
pub use request::{ApiClass, CallObserver, CallRecord, ProviderLimits, RateLimit, RequestCounters, RequestKey, RequestLayer, Requests, RetryPolicy};
pub use kinds::cloudregion::{CloudRegion, ExtCloudRegion};
pub use kinds::disk::{Disk, DiskStatus, ExtDisk};
pub use kinds::elasticsearch::{Elasticsearch, ElasticsearchStatus, ExtElasticsearch};
pub use kinds::network::{ExtNetwork, Network};
pub use kinds::secgroup::{ExtSecgroup, RuleDirection, Secgroup, SecgroupRule};
pub use kinds::server::{AttachedDisk, ExtServer, PowerState, Server, ServerStatus};
pub use kinds::sku::{ExtSku, Sku};
pub use kinds::vpc::{ExtVpc, Vpc};
pub use kinds::zone::{ExtZone, Zone};
pub use kinds::{facet, ErasedFacet, Facet, Kind, ResourceKind};
pub use snapshot::*;
pub use status::*;
