//! `Executor::map`: [`MapOptions`] and the ordered, cancellable [`MapIter`].
//!
//! # How the iterator works
//!
//! `map` turns the input into *slots*: with `chunksize == 1` one future per
//! item, otherwise one future per chunk of up to `chunksize` items whose call
//! runs the items in order and stops at the first that fails. Slots are
//! submitted in input order:
//!
//! * without `buffersize`, all of them during the call (MAP-EAGER-1);
//! * with `buffersize = n`, `n` during the call, then one more at the start
//!   of every `next()`, before it waits (MAP-BUFFER-*).
//!
//! `next()` waits for the oldest slot until the deadline fixed at the call,
//! yields its value(s), and on the first error (the item's failure, the
//! timeout, cancellation, or a refused refill) cancels the awaited slot and
//! every later one, yields the error and ends (MAP-ERROR-*). Dropping an
//! iterator that has been advanced cancels every slot not yet yielded; one
//! never advanced cancels nothing, as a Python generator that never started
//! runs no cleanup (MAP-DROP-*).

use crate::error::Error;
use crate::exception::Exception;
use crate::executor::Executor;
use crate::future::Future;
use crate::sync::Arc;
use crate::time::Deadline;
use crate::work_item::WorkItem;
use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// The optional arguments of [`Executor::map_with`]: Python's `timeout`,
/// `chunksize` and `buffersize`.
///
/// ```
/// use concurrent_futures::MapOptions;
/// use std::time::Duration;
///
/// let o = MapOptions::new().timeout(Duration::from_secs(5)).chunksize(64).buffersize(8);
/// assert_eq!(o.chunksize, 64);
/// assert_eq!(MapOptions::default().chunksize, 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapOptions {
    /// The limit for the whole map, counted from the call: `next()` gives up
    /// with [`Error::Timeout`] once it has passed. `None`: no limit.
    pub timeout: Option<Duration>,
    /// Items per submitted task (at least 1). Larger chunks cut per-item
    /// overhead; timeouts, cancellation and `buffersize` then count chunks.
    pub chunksize: usize,
    /// At most this many tasks are submitted ahead of the consumer (at least
    /// 1); the input is read lazily. `None`: the whole input is read and
    /// submitted during the call.
    pub buffersize: Option<usize>,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            timeout: None,
            chunksize: 1,
            buffersize: None,
        }
    }
}

impl MapOptions {
    /// The defaults: no timeout, `chunksize` 1, no `buffersize`.
    pub fn new() -> MapOptions {
        MapOptions::default()
    }

    /// Sets the timeout for the whole map.
    pub fn timeout(mut self, timeout: Duration) -> MapOptions {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the chunk size.
    pub fn chunksize(mut self, chunksize: usize) -> MapOptions {
        self.chunksize = chunksize;
        self
    }

    /// Sets the buffer size.
    pub fn buffersize(mut self, buffersize: usize) -> MapOptions {
        self.buffersize = Some(buffersize);
        self
    }

    fn validate(&self) -> Result<(), Error> {
        if self.chunksize < 1 {
            return Err(Error::InvalidArgument(
                "chunksize must be >= 1.".to_string(),
            ));
        }
        if self.buffersize == Some(0) {
            return Err(Error::InvalidArgument(
                "buffersize must be None or > 0".to_string(),
            ));
        }
        Ok(())
    }
}

/// The values of one chunk, and the failure that stopped it, if any.
type ChunkOutcome<T> = (Vec<T>, Option<Exception>);

/// One submitted task of a map.
enum Slot<T> {
    One(Future<T>),
    Chunk(Future<ChunkOutcome<T>>),
}

impl<T> Slot<T> {
    fn cancel(&self) {
        match self {
            Slot::One(f) => f.cancel(),
            Slot::Chunk(f) => f.cancel(),
        };
    }
}

/// Reads the next slot's items from the input and submits them.
type Refill<'a, T> = Box<dyn FnMut() -> Option<Result<Slot<T>, Error>> + Send + 'a>;

/// The iterator returned by [`Executor::map`] and [`Executor::map_with`].
///
/// Yields `Ok(value)` for each input item in input order. The first failure
/// — the call panicked, the deadline passed, the task was cancelled, or (with
/// `buffersize`) the executor refused more work — is yielded as `Err` after
/// the awaited task and every later one have been cancelled; the iterator
/// then ends.
///
/// Dropping the iterator after the first `next()` cancels every task not yet
/// yielded (running ones finish); dropping it before cancels nothing.
///
/// ```
/// use concurrent_futures::{Error, Executor, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::builder().max_workers(1).build().unwrap();
/// let mut it = pool
///     .map(|x: i32| if x == 2 { panic!("two") } else { x }, [1, 2, 3])
///     .unwrap();
/// assert_eq!(it.next().unwrap().unwrap(), 1);
/// assert!(matches!(it.next(), Some(Err(Error::Exception(_)))));
/// assert!(it.next().is_none()); // the iteration ends at the first error
/// ```
pub struct MapIter<'a, T> {
    pending: VecDeque<Slot<T>>,
    /// Values of the chunk being yielded.
    ready: std::vec::IntoIter<T>,
    /// The failure that stopped that chunk, raised once `ready` is empty.
    chunk_error: Option<Exception>,
    /// `Some` while input remains in buffersize mode.
    refill: Option<Refill<'a, T>>,
    deadline: Deadline,
    started: bool,
    finished: bool,
}

impl<T> fmt::Debug for MapIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapIter")
            .field("in_flight", &self.pending.len())
            .field("started", &self.started)
            .field("finished", &self.finished)
            .finish()
    }
}

pub(crate) fn map<'a, E, I, T, F>(
    executor: &'a E,
    call: F,
    mut items: I,
    options: MapOptions,
) -> Result<MapIter<'a, T>, Error>
where
    E: Executor,
    I: Iterator + Send + 'a,
    I::Item: Send + 'static,
    T: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
{
    options.validate()?;
    // The deadline counts from the call, not from each next() (MAP-DEADLINE-1).
    let deadline = Deadline::after(options.timeout);
    let call = Arc::new(call);
    let chunksize = options.chunksize;
    let mut refill: Refill<'a, T> =
        Box::new(move || submit_next(executor, &call, &mut items, chunksize));

    let mut pending = VecDeque::new();
    let limit = options.buffersize.unwrap_or(usize::MAX);
    while pending.len() < limit {
        match refill() {
            Some(slot) => pending.push_back(slot?),
            None => break,
        }
    }
    let refill = options.buffersize.map(|_| refill);
    Ok(MapIter {
        pending,
        ready: Vec::new().into_iter(),
        chunk_error: None,
        refill,
        deadline,
        started: false,
        finished: false,
    })
}

/// Takes the next `chunksize` items and submits them as one slot; `None`
/// when the input is exhausted.
fn submit_next<E, I, T, F>(
    executor: &E,
    call: &Arc<F>,
    items: &mut I,
    chunksize: usize,
) -> Option<Result<Slot<T>, Error>>
where
    E: Executor,
    I: Iterator,
    I::Item: Send + 'static,
    T: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
{
    let call = call.clone();
    if chunksize == 1 {
        let item = items.next()?;
        let (work, future) = WorkItem::from_outcome(move || {
            catch_unwind(AssertUnwindSafe(|| call(item))).map_err(Exception::from_panic)
        });
        return Some(executor.submit_work(work).map(|()| Slot::One(future)));
    }
    let chunk: Vec<I::Item> = items.by_ref().take(chunksize).collect();
    if chunk.is_empty() {
        return None;
    }
    let (work, future) = WorkItem::from_outcome(move || {
        let mut values = Vec::with_capacity(chunk.len());
        // One unwind guard for the whole chunk, and `extend`, which writes
        // in place without a capacity check per item and keeps the values
        // written before a panicking call: the failing item ends its chunk
        // with the earlier values kept (MAP-CHUNK-1; its test
        // `map_chunk_groups_items_and_a_failure_stops_its_chunk` fails if
        // they are lost).
        let run = catch_unwind(AssertUnwindSafe(|| {
            values.extend(chunk.into_iter().map(&*call));
        }));
        Ok((values, run.err().map(Exception::from_panic)))
    });
    Some(executor.submit_work(work).map(|()| Slot::Chunk(future)))
}

impl<T> MapIter<'_, T> {
    /// Ends the iteration: cancels every slot not yet yielded.
    fn finish(&mut self) {
        self.finished = true;
        self.refill = None;
        for slot in self.pending.drain(..) {
            slot.cancel();
        }
    }

    fn fail(&mut self, error: Error) -> Option<Result<T, Error>> {
        self.finish();
        Some(Err(error))
    }

    /// Everything but the fast path of `next()`: the chunk's error, the
    /// buffersize refill, waiting for the oldest slot (MAP-ERROR-*,
    /// MAP-BUFFER-2). Out of line so that the per-item path stays small.
    #[inline(never)]
    fn advance(&mut self) -> Option<Result<T, Error>> {
        if self.finished {
            return None;
        }
        self.started = true;
        loop {
            if let Some(v) = self.ready.next() {
                return Some(Ok(v));
            }
            if let Some(e) = self.chunk_error.take() {
                return self.fail(Error::Exception(e));
            }
            // buffersize: top up by one before waiting (MAP-BUFFER-2).
            if let Some(refill) = &mut self.refill {
                match refill() {
                    Some(Ok(slot)) => self.pending.push_back(slot),
                    Some(Err(e)) => return self.fail(e),
                    None => self.refill = None,
                }
            }
            let Some(slot) = self.pending.pop_front() else {
                self.finished = true;
                return None;
            };
            match slot {
                Slot::One(f) => {
                    return match f.take_result(&mut self.deadline) {
                        Ok(v) => Some(Ok(v)),
                        Err(e) => {
                            f.cancel();
                            self.fail(e)
                        }
                    };
                }
                Slot::Chunk(f) => match f.take_result(&mut self.deadline) {
                    Ok((values, error)) => {
                        self.ready = values.into_iter();
                        self.chunk_error = error;
                    }
                    Err(e) => {
                        f.cancel();
                        return self.fail(e);
                    }
                },
            }
        }
    }
}

impl<T> Iterator for MapIter<'_, T> {
    type Item = Result<T, Error>;

    /// The per-item fast path, small enough to inline into the caller's
    /// loop: a value of the current chunk. Everything else is `advance`,
    /// kept out of line.
    #[inline]
    fn next(&mut self) -> Option<Result<T, Error>> {
        // `ready` is only filled by an `advance` that did not finish, and
        // `finish` runs only once it is empty, so this is what the full
        // path would return.
        match self.ready.next() {
            Some(v) => Some(Ok(v)),
            None => self.advance(),
        }
    }

    /// The lower bound counts only what is certain: the values of the
    /// current chunk, plus one item (a value or the error that ends the
    /// iteration) if anything else may follow. Any later item may be an
    /// error that ends the iteration, so nothing more is guaranteed. No
    /// upper bound is given unless the iteration is over.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let ready = self.ready.len();
        if self.finished {
            return (ready, Some(ready));
        }
        // A submitted slot always yields something (values or an error); a
        // refill may find the input exhausted, so it promises nothing.
        let more = self.chunk_error.is_some() || !self.pending.is_empty();
        (ready + usize::from(more), None)
    }

    /// Drains each chunk's values in one inner loop instead of one `next()`
    /// per item; the same items in the same order as repeated `next()`.
    fn fold<B, F>(mut self, init: B, mut f: F) -> B
    where
        F: FnMut(B, Self::Item) -> B,
    {
        let mut acc = init;
        loop {
            acc = (&mut self.ready).fold(acc, |acc, v| f(acc, Ok(v)));
            match self.next() {
                Some(item) => acc = f(acc, item),
                None => return acc,
            }
        }
    }
}

impl<T> std::iter::FusedIterator for MapIter<'_, T> {}

impl<T> Drop for MapIter<'_, T> {
    fn drop(&mut self) {
        // A Python generator that never started runs no cleanup (MAP-DROP-2).
        // MUTANT: dropping the iterator cancels nothing.
        if cfg!(cf_mutant = "map_drop_cancels_nothing") {
            return;
        }
        if self.started && !self.finished {
            self.finish();
        }
    }
}
