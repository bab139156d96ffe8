//! A driver's part for one kind. A driver implements [`Facet<K>`] for each kind it serves, in
//! the kind's own file, and names the kinds in `CloudDriver::facet` with
//! [`facets!`](crate::facets). Callers reach it typed with [`facet::<K>`](facet()); the erased
//! form in between keeps `CloudDriver` object-safe.

use std::any::Any;
use std::marker::PhantomData;

use async_trait::async_trait;

use crate::driver::CloudDriver;
use crate::error::{CloudError, CloudResult};
use crate::kinds::Kind;

fn unsupported<T>(kind: &str, what: &str) -> CloudResult<T> {
    Err(CloudError::not_implemented(format!("{kind} {what} is not supported by this provider")))
}

/// What a driver does with kind `K`. Rules (DESIGN.md "Drivers"): `list` is complete for the
/// region, every page followed, or an error; `get` of an id the cloud does not know (or has
/// deleted) is `not_found`; an action on an id the cloud does not know is `not_found`.
#[async_trait]
pub trait Facet<K: Kind>: Send + Sync {
    /// Every resource of the kind in `region` (ignored for account-wide kinds).
    async fn list(&self, region: &str) -> CloudResult<Vec<K::Ext>>;
    /// One resource by external id (the targeted re-read after an operation).
    async fn get(&self, _region: &str, _id: &str) -> CloudResult<K::Ext> {
        unsupported(K::KIND.as_str(), "get")
    }
    /// The plain actions of `K` (verbs of its declared transitions) this driver performs.
    fn verbs(&self) -> &'static [&'static str] {
        &[]
    }
    /// Performs one of `verbs()`.
    async fn act(&self, _region: &str, _id: &str, verb: &str) -> CloudResult<()> {
        unsupported(K::KIND.as_str(), verb)
    }
}

/// A facet with its kind's types erased: what `CloudDriver::facet` answers. Lists hold a
/// `Vec<K::Ext>`, gets a `K::Ext`; [`FacetOf`] puts the types back.
#[async_trait]
pub trait ErasedFacet: Send + Sync {
    async fn list(&self, region: &str) -> CloudResult<Box<dyn Any + Send>>;
    async fn get(&self, region: &str, id: &str) -> CloudResult<Box<dyn Any + Send>>;
    fn verbs(&self) -> &'static [&'static str];
    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()>;
}

/// Driver `D`'s facet of kind `K`, erased.
pub struct Typed<'a, K, D: ?Sized>(&'a D, PhantomData<fn() -> K>);

impl<'a, K, D: ?Sized> Typed<'a, K, D> {
    pub fn new(driver: &'a D) -> Self {
        Self(driver, PhantomData)
    }
}

#[async_trait]
impl<K: Kind, D: Facet<K> + ?Sized> ErasedFacet for Typed<'_, K, D> {
    async fn list(&self, region: &str) -> CloudResult<Box<dyn Any + Send>> {
        Ok(Box::new(Facet::<K>::list(self.0, region).await?))
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<Box<dyn Any + Send>> {
        Ok(Box::new(Facet::<K>::get(self.0, region, id).await?))
    }
    fn verbs(&self) -> &'static [&'static str] {
        Facet::<K>::verbs(self.0)
    }
    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        if !Facet::<K>::verbs(self.0).contains(&verb) {
            return unsupported(K::KIND.as_str(), verb);
        }
        Facet::<K>::act(self.0, region, id, verb).await
    }
}

/// A driver's facet of kind `K`, typed.
pub struct FacetOf<'a, K> {
    inner: Box<dyn ErasedFacet + 'a>,
    kind: PhantomData<fn() -> K>,
}

fn mismatch(kind: &str) -> CloudError {
    CloudError::other(format!("the driver's {kind} facet answered another kind's snapshot"))
}

impl<K: Kind> FacetOf<'_, K> {
    pub async fn list(&self, region: &str) -> CloudResult<Vec<K::Ext>> {
        self.inner.list(region).await?.downcast::<Vec<K::Ext>>().map(|b| *b).map_err(|_| mismatch(K::KIND.as_str()))
    }
    pub async fn get(&self, region: &str, id: &str) -> CloudResult<K::Ext> {
        self.inner.get(region, id).await?.downcast::<K::Ext>().map(|b| *b).map_err(|_| mismatch(K::KIND.as_str()))
    }
    pub fn verbs(&self) -> &'static [&'static str] {
        self.inner.verbs()
    }
    pub async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        self.inner.act(region, id, verb).await
    }
}

/// `driver`'s facet of kind `K`; `not_implemented` when the driver does not serve the kind.
pub fn facet<K: Kind>(driver: &dyn CloudDriver) -> CloudResult<FacetOf<'_, K>> {
    match driver.facet(K::KIND) {
        Some(inner) => Ok(FacetOf { inner, kind: PhantomData }),
        None => unsupported(K::KIND.as_str(), "listing"),
    }
}

/// The body of `CloudDriver::facet`: the kinds the driver serves, each a `Facet<K>` of it.
/// ```ignore
/// fn facet(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
///     facets!(self, kind, [Vpc, Network, Elasticsearch])
/// }
/// ```
#[macro_export]
macro_rules! facets {
    ($driver:expr, $kind:expr, [$($k:ty),* $(,)?]) => {{
        let kind: $crate::kinds::ResourceKind = $kind;
        $(
            if kind == <$k as $crate::kinds::Kind>::KIND {
                return Some(Box::new($crate::kinds::Typed::<$k, _>::new($driver)));
            }
        )*
        None
    }};
}
