//! The [`Executor`] trait: Python's `concurrent.futures.Executor`.

use crate::error::Error;
use crate::exception::BoxError;
use crate::future::Future;
use crate::map::{MapIter, MapOptions};
use crate::work_item::WorkItem;

/// Something that runs calls asynchronously and hands back [`Future`]s
/// (Python's `Executor`).
///
/// An implementation provides two methods: [`submit_work`](Executor::submit_work)
/// (queue one [`WorkItem`]) and [`shutdown`](Executor::shutdown). Everything
/// else — [`submit`](Executor::submit), [`submit_fallible`](Executor::submit_fallible),
/// [`map`](Executor::map), [`map_with`](Executor::map_with) — is provided on
/// top of them with Python's semantics, so every executor built on this
/// crate's [`Future`] behaves alike. The required part is object safe:
/// `Box<dyn Executor>`, `&dyn Executor` and `Arc<dyn Executor>` are executors
/// too.
///
/// ```
/// use concurrent_futures::{Executor, ThreadPoolExecutor};
///
/// // The seed example: `executor.submit(pow, 323, 1235)`.
/// let executor = ThreadPoolExecutor::builder().max_workers(1).build().unwrap();
/// let future = executor.submit(|| 323u64.pow(2)).unwrap();
/// assert_eq!(future.result(None).unwrap(), 104_329);
/// ```
pub trait Executor: Send + Sync {
    /// Queues `work` to be run (EXE-SUBMIT-*). An executor that accepts no
    /// more work returns the reason ([`Error::Shutdown`],
    /// [`Error::BrokenExecutor`]) and drops `work`, which cancels its future.
    fn submit_work(&self, work: WorkItem) -> Result<(), Error>;

    /// Stops accepting work (SHUT-*). With `cancel_futures`, work not yet
    /// started is cancelled (its futures end CANCELLED_AND_NOTIFIED); other
    /// accepted work still runs. With `wait`, returns only once all accepted
    /// work is done and the executor's resources are released. Calling it
    /// again is harmless.
    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error>;

    /// Schedules `call` and returns its future (Python's `submit(fn, *args,
    /// **kwargs)`: arguments are captured by the closure). A panic in `call`
    /// becomes the future's exception.
    ///
    /// ```
    /// use concurrent_futures::{Error, Executor, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new().unwrap();
    /// let ok = pool.submit(|| "fine").unwrap();
    /// let bad = pool.submit(|| -> u8 { panic!("no luck") }).unwrap();
    /// assert_eq!(ok.result(None).unwrap(), "fine");
    /// let Err(Error::Exception(e)) = bad.result(None) else { unreachable!() };
    /// assert_eq!(e.to_string(), "no luck");
    /// ```
    fn submit<T, F>(&self, call: F) -> Result<Future<T>, Error>
    where
        Self: Sized,
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (work, future) = WorkItem::new(call);
        self.submit_work(work)?;
        Ok(future)
    }

    /// Like [`submit`](Executor::submit) for a call that returns a `Result`:
    /// `Ok(v)` is the future's value, `Err(e)` its exception.
    ///
    /// ```
    /// use concurrent_futures::{Executor, ExceptionKind, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new().unwrap();
    /// let f = pool.submit_fallible(|| "12x".parse::<i32>()).unwrap();
    /// let e = f.exception(None).unwrap().unwrap();
    /// assert_eq!(e.kind(), ExceptionKind::Error);
    /// ```
    fn submit_fallible<T, E, F>(&self, call: F) -> Result<Future<T>, Error>
    where
        Self: Sized,
        T: Send + 'static,
        E: Into<BoxError>,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        let (work, future) = WorkItem::new_fallible(call);
        self.submit_work(work)?;
        Ok(future)
    }

    /// `map_with(call, items, MapOptions::default())`: every item is submitted
    /// now; results come back in input order.
    ///
    /// ```
    /// use concurrent_futures::{Executor, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new().unwrap();
    /// let squares: Vec<u32> = pool
    ///     .map(|x: u32| x * x, 1..=4)
    ///     .unwrap()
    ///     .collect::<Result<_, _>>()
    ///     .unwrap();
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// ```
    fn map<'a, I, T, F>(&'a self, call: F, items: I) -> Result<MapIter<'a, T>, Error>
    where
        Self: Sized,
        I: IntoIterator,
        I::IntoIter: Send + 'a,
        I::Item: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        self.map_with(call, items, MapOptions::default())
    }

    /// Python's `map(fn, *iterables, timeout, chunksize, buffersize)` (MAP-*).
    /// For several inputs, zip them (`a.into_iter().zip(b)`): the shortest
    /// ends the map, as in Python. See [`MapIter`] for what iterating does.
    ///
    /// ```
    /// use concurrent_futures::{Executor, MapOptions, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new().unwrap();
    /// let sums: Vec<i32> = pool
    ///     .map_with(|(a, b)| a + b, vec![1, 2, 3].into_iter().zip([10, 20]),
    ///               MapOptions::new().chunksize(2).buffersize(4))
    ///     .unwrap()
    ///     .map(Result::unwrap)
    ///     .collect();
    /// assert_eq!(sums, [11, 22]);
    /// ```
    fn map_with<'a, I, T, F>(
        &'a self,
        call: F,
        items: I,
        options: MapOptions,
    ) -> Result<MapIter<'a, T>, Error>
    where
        Self: Sized,
        I: IntoIterator,
        I::IntoIter: Send + 'a,
        I::Item: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        crate::map::map(self, call, items.into_iter(), options)
    }
}

impl<E: Executor + ?Sized> Executor for &E {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        (**self).submit_work(work)
    }
    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        (**self).shutdown(wait, cancel_futures)
    }
}

impl<E: Executor + ?Sized> Executor for Box<E> {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        (**self).submit_work(work)
    }
    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        (**self).shutdown(wait, cancel_futures)
    }
}

impl<E: Executor + ?Sized> Executor for std::sync::Arc<E> {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        (**self).submit_work(work)
    }
    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        (**self).shutdown(wait, cancel_futures)
    }
}
