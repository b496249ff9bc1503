//! [`as_completed`]: Python's `concurrent.futures.as_completed`.

use crate::error::{Error, Unfinished};
use crate::future::Future;
use crate::sync::Arc;
use crate::time::Deadline;
use crate::wait::dedup;
use crate::waiter::{WaitMode, Waiter};
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

/// Yields futures as they complete (ASC-*). Returned by [`as_completed`].
///
/// Like Python's generator, nothing happens until the first `next()`: that
/// call de-duplicates the futures, fixes the deadline and installs a waiter.
/// Futures already done then come first (in input order), the others in the
/// order they complete; each future is yielded once. A cancelled future is
/// yielded once its executor has acknowledged the cancellation
/// (CANCELLED_AND_NOTIFIED). When the deadline passes, `next()` returns
/// `Err(Error::Timeout(Some(Unfinished { .. })))` ("N (of M) futures
/// unfinished") and the iteration ends; the futures themselves are not
/// touched. Dropping the iterator removes its waiter.
pub struct AsCompleted<T> {
    /// The distinct input futures; `Some` until the first `next()`.
    input: Option<Vec<Future<T>>>,
    timeout: Option<Duration>,
    deadline: Deadline,
    total: usize,
    /// Futures known to be done and not yet yielded.
    ready: VecDeque<Future<T>>,
    /// Index-addressed futures the waiter is installed on; `None` once yielded.
    pending: Vec<Option<Future<T>>>,
    unfinished: usize,
    waiter: Option<Arc<Waiter>>,
    finished: bool,
}

/// Returns an iterator over `futures` that yields each one as it completes.
///
/// ```
/// use concurrent_futures::{as_completed, Executor, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new().unwrap();
/// let fs: Vec<_> = (1..=3).map(|i| pool.submit(move || i * 10).unwrap()).collect();
/// let mut total = 0;
/// for f in as_completed(&fs, None) {
///     total += f.unwrap().result(None).unwrap();
/// }
/// assert_eq!(total, 60);
/// ```
pub fn as_completed<'a, T, I>(futures: I, timeout: Option<Duration>) -> AsCompleted<T>
where
    T: 'a,
    I: IntoIterator<Item = &'a Future<T>>,
{
    AsCompleted {
        input: Some(futures.into_iter().cloned().collect()),
        timeout,
        deadline: Deadline::never(),
        total: 0,
        ready: VecDeque::new(),
        pending: Vec::new(),
        unfinished: 0,
        waiter: None,
        finished: false,
    }
}

impl<T> AsCompleted<T> {
    /// The first `next()`: snapshot, deadline and waiter (ASC-LAZY-1).
    fn start(&mut self, input: Vec<Future<T>>) {
        self.deadline = Deadline::after(self.timeout);
        let fs = dedup(&input);
        self.total = fs.len();
        let waiter = Arc::new(Waiter::new(WaitMode::AsCompleted, 0));
        for (i, f) in fs.into_iter().enumerate() {
            if f.install_waiter(&waiter, i).is_some() {
                self.ready.push_back(f);
                self.pending.push(None);
            } else {
                self.pending.push(Some(f));
                self.unfinished += 1;
            }
        }
        // `unfinished` counts the futures not yet yielded.
        self.unfinished += self.ready.len();
        self.waiter = Some(waiter);
    }

    /// Moves what the waiter recorded into `ready`.
    fn collect(&mut self, indices: Vec<usize>) {
        for i in indices {
            if let Some(f) = self.pending.get_mut(i).and_then(Option::take) {
                self.ready.push_back(f);
            }
        }
    }

    fn end(&mut self) {
        self.finished = true;
        if let Some(waiter) = self.waiter.take() {
            for f in self.pending.iter().flatten() {
                f.remove_waiter(&waiter);
            }
        }
        self.pending.clear();
        self.ready.clear();
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Result<Future<T>, Error>;

    fn next(&mut self) -> Option<Result<Future<T>, Error>> {
        if self.finished {
            return None;
        }
        if let Some(input) = self.input.take() {
            self.start(input);
        }
        loop {
            if let Some(f) = self.ready.pop_front() {
                self.unfinished -= 1;
                return Some(Ok(f));
            }
            if self.unfinished == 0 {
                self.end();
                return None;
            }
            // CPython checks the deadline before every wait (ASC-TIMEOUT-1):
            // once it has passed, futures done since the last wait are not
            // yielded. A wait that returns nothing has seen the deadline
            // pass, so the next turn of the loop ends here.
            if self.deadline.has_passed() {
                let unfinished = Unfinished {
                    unfinished: self.unfinished,
                    total: self.total,
                };
                self.end();
                return Some(Err(Error::Timeout(Some(unfinished))));
            }
            let waiter = self.waiter.clone().expect("started");
            let indices = {
                let mut st = waiter.wait(&mut self.deadline);
                std::mem::take(&mut st.completed)
            };
            self.collect(indices);
        }
    }
}

impl<T> std::iter::FusedIterator for AsCompleted<T> {}

impl<T> Drop for AsCompleted<T> {
    fn drop(&mut self) {
        self.end();
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("total", &self.total)
            .field("unfinished", &self.unfinished)
            .field("finished", &self.finished)
            .finish()
    }
}
