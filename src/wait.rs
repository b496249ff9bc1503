//! [`wait`]: Python's `concurrent.futures.wait`.

use crate::future::Future;
use crate::sync::Arc;
use crate::time::Deadline;
use crate::waiter::{Completion, WaitMode, Waiter};
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
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
    // Sized up front: no rehashing while the sets fill.
    let done_count = done.iter().filter(|&&d| d).count();
    let mut result = DoneAndNotDone {
        done: HashSet::with_capacity(done_count),
        not_done: HashSet::with_capacity(fs.len() - done_count),
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
    let futures = futures.into_iter();
    let (lower, _) = futures.size_hint();
    // Keyed by reference: a future hashes and compares by its address, so no
    // clone (and no reference count traffic) is needed for the check.
    let mut seen: HashSet<&Future<T>, BuildHasherDefault<AddressHasher>> =
        HashSet::with_capacity_and_hasher(lower, Default::default());
    let mut fs = Vec::with_capacity(lower);
    for f in futures {
        if seen.insert(f) {
            fs.push(f.clone());
        }
    }
    fs
}

/// A hasher for keys that hash as one address (a [`Future`] hashes its
/// shared state's address). Addresses are already unique; the multiply
/// spreads them over the high bits and the fold brings those down to the low
/// bits, which the table indexes by (the low bits of an address are zero by
/// alignment). Not for untrusted keys: it is not randomised, but addresses
/// are not chosen by an adversary.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for addresses; a plain fold keeps it correct for any key.
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
