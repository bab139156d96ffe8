//! The paging loop of QingCloud's listings (`offset`/`limit`, with `total_count` in each
//! answer), apart from HTTP so it can be tested without a cloud. It follows every page until the
//! cloud says there is no more, or fails: a listing is complete or an error, never partial (sync
//! deletes what a listing misses).

use std::future::Future;

use strato_cloud::{CloudError, CloudResult};

/// A listing longer than this many pages is taken for a cloud that never says "no more".
const MAX_PAGES: u32 = 100_000;

/// Offset/limit paging. `fetch(offset)` answers the page starting at `offset` (from 0, `limit`
/// items asked for) with its items and the cloud's `total_count`, when it gives one. Ends when
/// the total is reached, or, without a total, at the first page shorter than `limit` (so
/// `limit` must not exceed the API's own maximum, or a capped page would look like the last). A page
/// that comes back empty short of the total is an error: the set changed under the listing, or
/// the cloud miscounts, and either way the items seen are not the whole set. Returns the items
/// and the number of pages.
pub(crate) async fn offsets<T, Fetch, Fetched>(api: &str, limit: u32, mut fetch: Fetch) -> CloudResult<(Vec<T>, u32)>
where
    Fetch: FnMut(usize) -> Fetched,
    Fetched: Future<Output = CloudResult<(Vec<T>, Option<usize>)>>,
{
    let mut all = Vec::new();
    let mut pages = 0u32;
    loop {
        let (items, total) = fetch(all.len()).await?;
        pages += 1;
        let got = items.len();
        all.extend(items);
        match total {
            Some(total) if all.len() >= total => break,
            Some(total) if got == 0 => {
                return Err(CloudError::other(format!("{api}: the cloud counts {total} items but page {pages} was empty after {}", all.len())));
            }
            None if got < limit as usize => break,
            _ => {}
        }
        if pages >= MAX_PAGES {
            return Err(CloudError::other(format!("{api}: more than {MAX_PAGES} pages; listing stopped")));
        }
    }
    Ok((all, pages))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use strato_cloud::CloudErrorKind;

    /// Scripted pages: (items, total_count); records the offsets asked for. Asking past the
    /// script is a transient error, so a loop that asks once too often fails the test.
    async fn script(limit: u32, pages: Vec<(Vec<u32>, Option<usize>)>) -> (CloudResult<(Vec<u32>, u32)>, Vec<usize>) {
        let asked = RefCell::new(Vec::new());
        let result = offsets("DescribeThings", limit, |offset| {
            let mut asked = asked.borrow_mut();
            asked.push(offset);
            let page = pages.get(asked.len() - 1).cloned();
            async move { page.ok_or_else(|| CloudError::transient("asked past the last page")) }
        })
        .await;
        (result, asked.into_inner())
    }

    #[tokio::test]
    async fn pages_follow_the_total_count() {
        let (result, asked) = script(2, vec![(vec![1, 2], Some(5)), (vec![3, 4], Some(5)), (vec![5], Some(5))]).await;
        assert_eq!(result.expect("listed"), (vec![1, 2, 3, 4, 5], 3));
        assert_eq!(asked, vec![0, 2, 4]);
        // A total reached on a full page ends the listing without asking for an empty page.
        let (result, asked) = script(2, vec![(vec![1, 2], Some(2))]).await;
        assert_eq!((result.expect("listed"), asked), ((vec![1, 2], 1), vec![0]));
        // An empty set is one page.
        let (result, asked) = script(2, vec![(vec![], Some(0))]).await;
        assert_eq!((result.expect("listed"), asked), ((vec![], 1), vec![0]));
    }

    #[tokio::test]
    async fn pages_without_a_total_end_at_a_short_page() {
        let (result, asked) = script(2, vec![(vec![1, 2], None), (vec![3, 4], None), (vec![], None)]).await;
        assert_eq!((result.expect("listed"), asked), ((vec![1, 2, 3, 4], 3), vec![0, 2, 4]));
    }

    #[tokio::test]
    async fn an_empty_page_short_of_the_total_is_an_error_not_a_partial_list() {
        let (result, _) = script(2, vec![(vec![1, 2], Some(5)), (vec![], Some(5))]).await;
        let err = result.expect_err("short of the total");
        assert_eq!(err.kind, CloudErrorKind::Other);
        assert!(err.to_string().contains("DescribeThings"), "{err}");
    }

    #[tokio::test]
    async fn a_failed_page_fails_the_listing() {
        // The second page's error (the script ends) is the listing's: no partial list.
        let (result, asked) = script(2, vec![(vec![1, 2], Some(5))]).await;
        assert_eq!(result.expect_err("second page failed").kind, CloudErrorKind::Transient);
        assert_eq!(asked, vec![0, 2]);
    }

    #[tokio::test]
    async fn the_next_offset_counts_the_items_received() {
        // A cloud answering more than asked is followed from where its answer ended.
        let (result, asked) = script(2, vec![(vec![1, 2, 3], Some(4)), (vec![4], Some(4))]).await;
        assert_eq!((result.expect("listed"), asked), ((vec![1, 2, 3, 4], 2), vec![0, 3]));
    }
}
