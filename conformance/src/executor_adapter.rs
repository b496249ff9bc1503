//! Any [`Executor`] as an [`Adapter`]: the handle is the core's [`Future`],
//! `wait`, `as_completed` and `map` are the core's.

use crate::adapter::{
    Adapter, Callback, Feature, MapRun, MapSpec, Mode, Outcome, Raised, Rejected, Task,
};
use concurrent_futures::{
    Error, ExceptionKind, Executor, Future, MapOptions, ReturnWhen, as_completed, wait,
};
use std::time::Duration;

/// Plugs any [`Executor`] into the kit with no code of its own.
///
/// ```
/// use concurrent_futures::ThreadPoolExecutor;
/// use concurrent_futures_conformance::{Adapter, ExecutorAdapter, Outcome, Task};
///
/// let pool = ThreadPoolExecutor::builder().max_workers(2).build().unwrap();
/// let adapter = ExecutorAdapter::new(pool);
/// let h = adapter.submit(Task::new(|| Ok(42))).unwrap();
/// assert_eq!(adapter.result(&h, None), Outcome::Value(42));
/// ```
#[derive(Debug)]
pub struct ExecutorAdapter<E> {
    executor: E,
    unsupported: Vec<Feature>,
}

impl<E: Executor> ExecutorAdapter<E> {
    /// Wraps `executor`; every feature is supported except an initializer
    /// (see [`with_unsupported`](ExecutorAdapter::with_unsupported)).
    pub fn new(executor: E) -> ExecutorAdapter<E> {
        ExecutorAdapter {
            executor,
            unsupported: vec![Feature::Initializer],
        }
    }

    /// Declares the features the executor lacks (replacing the default,
    /// which lacks only [`Feature::Initializer`]).
    pub fn with_unsupported(mut self, unsupported: Vec<Feature>) -> ExecutorAdapter<E> {
        self.unsupported = unsupported;
        self
    }

    /// The wrapped executor.
    pub fn executor(&self) -> &E {
        &self.executor
    }

    /// Unwraps the executor.
    pub fn into_executor(self) -> E {
        self.executor
    }
}

/// Translates the core's error into what the kit compares.
pub fn outcome_of_error(error: &Error) -> Outcome {
    match error {
        Error::Cancelled => Outcome::Cancelled,
        Error::Timeout(_) => Outcome::Timeout,
        Error::BrokenExecutor(_) => Outcome::Broken,
        Error::Shutdown => Outcome::Rejected(Rejected::Shutdown),
        Error::Exception(e) => match e.kind() {
            ExceptionKind::Panic => Outcome::Raised(Raised::Panic, e.message()),
            ExceptionKind::Error => Outcome::Raised(Raised::Error, e.message()),
            ExceptionKind::BrokenExecutor => Outcome::Broken,
        },
        other => Outcome::Other(other.to_string()),
    }
}

/// Translates the core's submit error.
pub fn rejected_of_error(error: &Error) -> Rejected {
    match error {
        Error::Shutdown => Rejected::Shutdown,
        Error::BrokenExecutor(_) => Rejected::Broken,
        other => Rejected::Other(other.to_string()),
    }
}

fn return_when(mode: Mode) -> ReturnWhen {
    match mode {
        Mode::FirstCompleted => ReturnWhen::FirstCompleted,
        Mode::FirstException => ReturnWhen::FirstException,
        Mode::AllCompleted => ReturnWhen::AllCompleted,
    }
}

/// The core's `result` as an [`Outcome`].
pub fn future_result(f: &Future<u64>, timeout: Option<Duration>) -> Outcome {
    match f.result(timeout) {
        Ok(v) => Outcome::Value(v),
        Err(e) => outcome_of_error(&e),
    }
}

/// The core's `exception` as an [`Outcome`].
pub fn future_exception(f: &Future<u64>, timeout: Option<Duration>) -> Outcome {
    match f.exception(timeout) {
        Ok(None) => Outcome::NoException,
        Ok(Some(e)) => outcome_of_error(&Error::Exception(e)),
        Err(e) => outcome_of_error(&e),
    }
}

/// The core's `wait` over handles, as indices.
pub fn future_wait(fs: &[Future<u64>], timeout: Option<Duration>, mode: Mode) -> Vec<usize> {
    let r = wait(fs, timeout, return_when(mode));
    // Report every input position whose future is in `done`, duplicates included.
    (0..fs.len()).filter(|&i| r.done.contains(&fs[i])).collect()
}

/// The core's `as_completed` over handles, as first-occurrence indices.
pub fn future_as_completed<'a>(
    fs: &'a [Future<u64>],
    timeout: Option<Duration>,
) -> Box<dyn Iterator<Item = Result<usize, ()>> + 'a> {
    Box::new(as_completed(fs, timeout).map(move |r| {
        match r {
            Ok(f) => Ok(fs
                .iter()
                .position(|g| g == &f)
                .expect("yielded an input future")),
            Err(_) => Err(()),
        }
    }))
}

/// Runs a kit task inside `map`: a failure becomes a panic, which `map`
/// reports as the item's exception.
pub fn run_map_item(task: Task) -> u64 {
    match task.call() {
        Ok(v) => v,
        Err(m) => panic!("{m}"),
    }
}

/// The core's `map_with` over kit tasks.
pub fn executor_map<E: Executor>(
    executor: &E,
    tasks: Vec<Task>,
    spec: MapSpec,
) -> Result<MapRun<'_>, Rejected> {
    let mut options = MapOptions::new().chunksize(spec.chunksize);
    if let Some(b) = spec.buffersize {
        options = options.buffersize(b);
    }
    if let Some(t) = spec.timeout {
        options = options.timeout(t);
    }
    let it = executor
        .map_with(run_map_item, tasks, options)
        .map_err(|e| rejected_of_error(&e))?;
    Ok(Box::new(it.map(|r| match r {
        Ok(v) => Outcome::Value(v),
        Err(e) => outcome_of_error(&e),
    })))
}

impl<E: Executor> Adapter for ExecutorAdapter<E> {
    type Handle = Future<u64>;

    fn unsupported(&self) -> Vec<Feature> {
        self.unsupported.clone()
    }

    fn submit(&self, task: Task) -> Result<Future<u64>, Rejected> {
        self.executor
            .submit_fallible(move || task.call())
            .map_err(|e| rejected_of_error(&e))
    }

    fn result(&self, handle: &Future<u64>, timeout: Option<Duration>) -> Outcome {
        future_result(handle, timeout)
    }

    fn exception(&self, handle: &Future<u64>, timeout: Option<Duration>) -> Outcome {
        future_exception(handle, timeout)
    }

    fn done(&self, handle: &Future<u64>) -> bool {
        handle.done()
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let _ = self.executor.shutdown(wait, cancel_futures);
    }

    fn cancel(&self, handle: &Future<u64>) -> bool {
        handle.cancel()
    }

    fn cancelled(&self, handle: &Future<u64>) -> bool {
        handle.cancelled()
    }

    fn running(&self, handle: &Future<u64>) -> bool {
        handle.running()
    }

    fn add_done_callback(&self, handle: &Future<u64>, callback: Callback) {
        handle.add_done_callback(move |_| callback());
    }

    fn wait(&self, handles: &[Future<u64>], timeout: Option<Duration>, mode: Mode) -> Vec<usize> {
        future_wait(handles, timeout, mode)
    }

    fn as_completed<'a>(
        &'a self,
        handles: &'a [Future<u64>],
        timeout: Option<Duration>,
    ) -> Box<dyn Iterator<Item = Result<usize, ()>> + 'a> {
        future_as_completed(handles, timeout)
    }

    fn map(&self, tasks: Vec<Task>, spec: MapSpec) -> Result<MapRun<'_>, Rejected> {
        executor_map(&self.executor, tasks, spec)
    }
}
