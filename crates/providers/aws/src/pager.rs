//! The one pager for EC2 listings: follows NextToken until the cloud says there is no more, so a
//! listing is complete or an error (sync deletes what a listing misses).

use std::collections::HashSet;
use std::future::Future;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use strato_cloud::{ApiClass, CloudError, CloudResult};

use crate::client::AwsClient;
use crate::PROVIDER;

impl AwsClient {
    /// Every item of a paged operation. `send` sends one page given its token, each page going
    /// through the request layer (rate limit, retries, metrics); `split` takes a page's items and
    /// its next token.
    pub async fn list_pages<Page, Item, E, SendPage, Sending, Split>(
        &self,
        region: &str,
        class: ApiClass,
        api: &str,
        send: SendPage,
        split: Split,
    ) -> CloudResult<Vec<Item>>
    where
        SendPage: Fn(Option<String>) -> Sending,
        Sending: Future<Output = Result<Page, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        Split: for<'p> FnMut(&'p Page) -> (Vec<Item>, Option<&'p str>),
    {
        let send = &send;
        follow_pages(region, api, |token| self.call(region, class, api, move || send(token.clone())), split).await
    }
}

/// The paging loop, apart from the SDK so it can be tested without a cloud.
async fn follow_pages<Page, Item, Fetch, Fetched, Split>(region: &str, api: &str, mut fetch: Fetch, mut split: Split) -> CloudResult<Vec<Item>>
where
    Fetch: FnMut(Option<String>) -> Fetched,
    Fetched: Future<Output = CloudResult<Page>>,
    Split: for<'p> FnMut(&'p Page) -> (Vec<Item>, Option<&'p str>),
{
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    // Every token seen, so a cloud that hands back an earlier token (a cycle of any length)
    // ends the listing with an error instead of looping forever.
    let mut seen_tokens = HashSet::new();
    let mut pages = 0u32;
    loop {
        let page = fetch(token.clone()).await?;
        pages += 1;
        let (items, next) = split(&page);
        all.extend(items);
        // AWS marks the last page with no token; some emulators send an empty one.
        let Some(next) = next.filter(|t| !t.is_empty()) else { break };
        if !seen_tokens.insert(next.to_string()) {
            return Err(CloudError::other(format!("{api}: the cloud repeated a page token after {pages} pages; listing stopped")));
        }
        token = Some(next.to_string());
    }
    tracing::debug!(provider = PROVIDER, region, api, pages, items = all.len(), "listed");
    Ok(all)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use strato_cloud::CloudErrorKind;

    /// A scripted cloud: page `i` holds items and the next token; records the tokens asked for.
    struct Script {
        pages: Vec<(Vec<u32>, Option<&'static str>)>,
        asked: RefCell<Vec<Option<String>>>,
    }

    impl Script {
        fn new(pages: Vec<(Vec<u32>, Option<&'static str>)>) -> Self {
            Self { pages, asked: RefCell::new(Vec::new()) }
        }

        async fn list(&self) -> CloudResult<Vec<u32>> {
            follow_pages(
                "r",
                "DescribeThings",
                |token| {
                    let mut asked = self.asked.borrow_mut();
                    asked.push(token);
                    let page = self.pages.get(asked.len() - 1).cloned();
                    async move { page.ok_or_else(|| CloudError::transient("asked past the last page")) }
                },
                |(items, next): &(Vec<u32>, Option<&'static str>)| (items.clone(), *next),
            )
            .await
        }
    }

    #[tokio::test]
    async fn follows_every_page_with_the_token_given() {
        let script = Script::new(vec![(vec![1, 2], Some("a")), (vec![3], Some("b")), (vec![], Some("c")), (vec![4], None)]);
        assert_eq!(script.list().await.unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(*script.asked.borrow(), vec![None, Some("a".into()), Some("b".into()), Some("c".into())]);
    }

    #[tokio::test]
    async fn empty_token_ends_the_listing() {
        let script = Script::new(vec![(vec![1], Some("a")), (vec![2], Some(""))]);
        assert_eq!(script.list().await.unwrap(), vec![1, 2]);
        assert_eq!(script.asked.borrow().len(), 2);
    }

    #[tokio::test]
    async fn repeated_token_is_an_error_not_a_loop() {
        for pages in [vec![(vec![1], Some("a")), (vec![2], Some("a"))], vec![(vec![1], Some("a")), (vec![2], Some("b")), (vec![3], Some("a"))]] {
            let script = Script::new(pages.clone());
            let err = script.list().await.unwrap_err();
            assert_eq!(err.kind, CloudErrorKind::Other);
            assert!(err.to_string().contains("DescribeThings"), "{err}");
            assert_eq!(script.asked.borrow().len(), pages.len());
        }
    }

    #[tokio::test]
    async fn a_failed_page_fails_the_listing() {
        // The second page asks past the script's end: the items of the first must not come back alone.
        let script = Script::new(vec![(vec![1], Some("a"))]);
        assert_eq!(script.list().await.unwrap_err().kind, CloudErrorKind::Transient);
    }
}
