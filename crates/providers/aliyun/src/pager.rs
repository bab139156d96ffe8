//! The two paging loops of Aliyun's listings, apart from HTTP so they can be tested without a
//! cloud. Each follows every page until the cloud says there is no more, or fails: a listing
//! is complete or an error, never partial (sync deletes what a listing misses).

use std::collections::HashSet;
use std::future::Future;

use strato_cloud::{CloudError, CloudResult};

/// A listing longer than this many pages is taken for a cloud that never says "no more".
const MAX_PAGES: u32 = 100_000;

/// PageNumber/PageSize paging. `fetch(n)` answers page `n` (from 1) with its items and the
/// cloud's total count, when it gives one. Ends when the total is reached, or, without a total,
/// at the first page shorter than `size`. Returns the items and the number of pages.
pub(crate) async fn numbered<T, Fetch, Fetched>(api: &str, size: u32, mut fetch: Fetch) -> CloudResult<(Vec<T>, u32)>
where
    Fetch: FnMut(u32) -> Fetched,
    Fetched: Future<Output = CloudResult<(Vec<T>, Option<usize>)>>,
{
    let mut all = Vec::new();
    let mut pages = 0u32;
    loop {
        let (items, total) = fetch(pages + 1).await?;
        pages += 1;
        let got = items.len();
        all.extend(items);
        match total {
            Some(total) if all.len() >= total => break,
            Some(total) if got == 0 => {
                return Err(CloudError::other(format!("{api}: the cloud counts {total} items but page {pages} was empty after {}", all.len())));
            }
            None if got < size as usize => break,
            _ => {}
        }
        if pages >= MAX_PAGES {
            return Err(CloudError::other(format!("{api}: more than {MAX_PAGES} pages; listing stopped")));
        }
    }
    Ok((all, pages))
}

/// NextToken paging. `fetch(token)` answers the page after `token` (none for the first) with
/// its items and the next token; an empty or absent token ends the listing, a token seen
/// before is an error (a cycle of any length would never end).
pub(crate) async fn tokens<T, Fetch, Fetched>(api: &str, mut fetch: Fetch) -> CloudResult<(Vec<T>, u32)>
where
    Fetch: FnMut(Option<String>) -> Fetched,
    Fetched: Future<Output = CloudResult<(Vec<T>, String)>>,
{
    let mut all = Vec::new();
    let mut pages = 0u32;
    let mut token: Option<String> = None;
    let mut seen = HashSet::new();
    loop {
        let (items, next) = fetch(token.take()).await?;
        pages += 1;
        all.extend(items);
        if next.is_empty() {
            break;
        }
        if !seen.insert(next.clone()) {
            return Err(CloudError::other(format!("{api}: the cloud repeated a page token after {pages} pages; listing stopped")));
        }
        token = Some(next);
    }
    Ok((all, pages))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use strato_cloud::CloudErrorKind;

    /// Scripted numbered pages: (items, total); records the page numbers asked for.
    async fn numbered_script(size: u32, pages: Vec<(Vec<u32>, Option<usize>)>) -> (CloudResult<Vec<u32>>, Vec<u32>) {
        let asked = RefCell::new(Vec::new());
        let result = numbered("DescribeThings", size, |n| {
            asked.borrow_mut().push(n);
            let page = pages.get(n as usize - 1).cloned();
            async move { page.ok_or_else(|| CloudError::transient("asked past the last page")) }
        })
        .await
        .map(|(items, _)| items);
        (result, asked.into_inner())
    }

    #[tokio::test]
    async fn numbered_pages_follow_the_total() {
        let (items, asked) = numbered_script(2, vec![(vec![1, 2], Some(5)), (vec![3, 4], Some(5)), (vec![5], Some(5))]).await;
        assert_eq!(items.expect("listed"), vec![1, 2, 3, 4, 5]);
        assert_eq!(asked, vec![1, 2, 3]);
        // A total reached on a full page ends the listing without asking for an empty page.
        let (items, asked) = numbered_script(2, vec![(vec![1, 2], Some(2))]).await;
        assert_eq!((items.expect("listed"), asked), (vec![1, 2], vec![1]));
    }

    #[tokio::test]
    async fn numbered_pages_without_a_total_end_at_a_short_page() {
        let (items, asked) = numbered_script(2, vec![(vec![1, 2], None), (vec![3, 4], None), (vec![], None)]).await;
        assert_eq!((items.expect("listed"), asked), (vec![1, 2, 3, 4], vec![1, 2, 3]));
    }

    #[tokio::test]
    async fn an_empty_page_short_of_the_total_is_an_error_not_a_partial_list() {
        let (items, _) = numbered_script(2, vec![(vec![1, 2], Some(5)), (vec![], Some(5))]).await;
        let err = items.expect_err("short of the total");
        assert_eq!(err.kind, CloudErrorKind::Other);
        assert!(err.to_string().contains("DescribeThings"), "{err}");
        // A failed page fails the listing.
        let (items, _) = numbered_script(2, vec![(vec![1, 2], Some(5))]).await;
        assert_eq!(items.expect_err("second page failed").kind, CloudErrorKind::Transient);
    }

    async fn token_script(pages: Vec<(Vec<u32>, &'static str)>) -> (CloudResult<Vec<u32>>, Vec<Option<String>>) {
        let asked = RefCell::new(Vec::new());
        let result = tokens("DescribeThings", |token| {
            let mut asked = asked.borrow_mut();
            asked.push(token);
            let page = pages.get(asked.len() - 1).map(|(items, next)| (items.clone(), next.to_string()));
            async move { page.ok_or_else(|| CloudError::transient("asked past the last page")) }
        })
        .await
        .map(|(items, _)| items);
        (result, asked.into_inner())
    }

    #[tokio::test]
    async fn token_pages_follow_every_token_given() {
        let (items, asked) = token_script(vec![(vec![1, 2], "a"), (vec![], "b"), (vec![3], "")]).await;
        assert_eq!(items.expect("listed"), vec![1, 2, 3]);
        assert_eq!(asked, vec![None, Some("a".into()), Some("b".into())]);
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_loop() {
        for pages in [vec![(vec![1], "a"), (vec![2], "a")], vec![(vec![1], "a"), (vec![2], "b"), (vec![3], "a")]] {
            let count = pages.len();
            let (items, asked) = token_script(pages).await;
            assert_eq!(items.expect_err("cycle").kind, CloudErrorKind::Other);
            assert_eq!(asked.len(), count);
        }
    }
}
