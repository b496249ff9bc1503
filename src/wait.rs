//! [`wait`]: Python's `concurrent.futures.wait`.

use crate::future::Future;
use crate::sync::Arc;
use crate::time::Deadline;
use crate::waiter::{Completion, WaitMode, Waiter};
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

/// When [`wait`] returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// As soon as any future is done.
    FirstCompleted,
    /// As soon as any future finishes with an exception; if none does, when
    /// all are done.
    FirstException,
    /// When every future is done.
    AllCompleted,
}

/// The two sets [`wait`] returns (Python's `DoneAndNotDone`).
///
/// A [`Future`]'s `Hash` and `Eq` are by identity, which its interior
/// mutability never changes, so futures are sound set members (clippy's
/// `mutable_key_type` lint cannot know this; see the repository's
/// `clippy.toml`).
pub struct DoneAndNotDone<T> {
    /// Futures that are FINISHED or CANCELLED_AND_NOTIFIED.
    pub done: HashSet<Future<T>>,
    /// The others.
    pub not_done: HashSet<Future<T>>,
}

impl<T> fmt::Debug for DoneAndNotDone<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoneAndNotDone")
            .field("done", &self.done.len())
            .field("not_done", &self.not_done.len())
            .finish()
    }
}

/// Waits until `return_when` holds for `futures` or `timeout` elapses, and
/// returns which futures are done (WAIT-*).
///
/// Duplicates count once. "Done" means FINISHED or CANCELLED_AND_NOTIFIED: a
/// future that is cancelled but whose executor has not yet acknowledged it
/// (CANCELLED) is not done yet. A timeout is not an error: the sets are
/// returned as they stand. `None` waits as long as it takes.
///
/// ```
/// use concurrent_futures::{wait, Executor, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new().unwrap();
/// let fs: Vec<_> = (0..4).map(|i| pool.submit(move || i * 2).unwrap()).collect();
/// let r = wait(&fs, None, ReturnWhen::AllCompleted);
/// assert_eq!(r.done.len(), 4);
/// assert!(r.not_done.is_empty());
/// ```
pub fn wait<'a, T, I>(
    futures: I,
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> DoneAndNotDone<T>
where
    T: 'a,
    I: IntoIterator<Item = &'a Future<T>>,
{
    let mut deadline = Deadline::after(timeout);
    let fs = dedup(futures);
    let mode = match return_when {
        ReturnWhen::FirstCompleted => WaitMode::FirstCompleted,
        ReturnWhen::FirstException => WaitMode::FirstException,
        ReturnWhen::AllCompleted => WaitMode::AllCompleted,
    };
    let waiter = Arc::new(Waiter::new(mode, 0));

    // Install the waiter on every future not yet done; note those that are.
    let mut done = vec![false; fs.len()];
    let mut installed = Vec::new();
    let mut exception_seen = false;
    for (i, f) in fs.iter().enumerate() {
        match f.install_waiter(&waiter, i) {
            Some(how) => {
                done[i] = true;
                exception_seen |= how == Completion::Exception;
            }
            None => installed.push(i),
        }
    }
    let any_done = installed.len() < fs.len();
    // Early returns, in CPython's order (WAIT-FIRSTCOMPLETED-1, WAIT-FIRSTEXCEPTION-1, WAIT-EMPTY-1).
    let early = match return_when {
        ReturnWhen::FirstCompleted => any_done,
        ReturnWhen::FirstException => exception_seen,
        ReturnWhen::AllCompleted => false,
    } || installed.is_empty();

    if !early {
        // Count only the installed futures down (completions that raced the
        // installation above are already recorded in the waiter).
        waiter.set_remaining(installed.len());
        let st = waiter.wait(&mut deadline);
        drop(st);
    }
    for &i in &installed {
        // MUTANT: a waiter that timed out stays registered.
        if cfg!(cf_mutant = "wait_keeps_waiter") {
            break;
        }
        fs[i].remove_waiter(&waiter);
    }
    // Everything the waiter recorded up to its removal counts as done.
    for i in waiter.take_completed() {
        done[i] = true;
    }
    let mut result = DoneAndNotDone {
        done: HashSet::new(),
        not_done: HashSet::new(),
    };
    for (f, is_done) in fs.into_iter().zip(done) {
        if is_done {
            result.done.insert(f);
        } else {
            result.not_done.insert(f);
        }
    }
    result
}

/// Clones the distinct futures of `futures`, in first-seen order.
pub(crate) fn dedup<'a, T: 'a>(futures: impl IntoIterator<Item = &'a Future<T>>) -> Vec<Future<T>> {
    let mut seen = HashSet::new();
    let mut fs = Vec::new();
    for f in futures {
        if seen.insert(f.clone()) {
            fs.push(f.clone());
        }
    }
    fs
}
