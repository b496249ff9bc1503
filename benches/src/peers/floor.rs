//! The floor: the least a pool can do and still hand back a value — worker
//! threads looping on a `crossbeam_channel`, and per task **one
//! allocation** holding the closure, the state and the output (one `Arc`
//! that is both the queued job and the handle). No future semantics: no
//! cancel, no callbacks, no timeout.
//!
//! The allocation holds two `Mutex`es and a `Condvar` (none allocates):
//! the closure's, locked once by the worker that runs it and by no one
//! else, and the output's, whose condvar is signalled only when the reader
//! is blocked, so the uncontended path makes no system call.

use super::Peer;
use super::workers::ChannelWorkers;
use std::sync::{Arc, Condvar, Mutex};

struct Output<T> {
    value: Option<T>,
    /// The reader is blocked on `ready`.
    waiting: bool,
}

/// The one allocation per task. `C` is the closure, unsized (`dyn`) in the
/// handle so that the handle's type names only `T`.
struct Task<T, C: ?Sized> {
    output: Mutex<Output<T>>,
    ready: Condvar,
    call: Mutex<C>,
}

/// What the channel carries: a task's allocation, type-erased.
trait Run: Send + Sync {
    fn run(&self);
}

impl<T: Send, C: FnMut() -> T + Send + ?Sized> Run for Task<T, C> {
    fn run(&self) {
        // Nobody else ever locks `call`: this lock only makes the closure
        // `Sync`, and is released when the call returns.
        let value = (self.call.lock().unwrap())();
        let mut out = self.output.lock().unwrap();
        out.value = Some(value);
        let waiting = out.waiting;
        drop(out);
        if waiting {
            self.ready.notify_one();
        }
    }
}

/// The floor pool's handle to a task's value.
pub struct FloorHandle<T> {
    task: Arc<Task<T, dyn FnMut() -> T + Send>>,
}

impl<T> FloorHandle<T> {
    /// Blocks until the task has run and returns its value.
    pub fn wait(self) -> T {
        let mut out = self.task.output.lock().unwrap();
        loop {
            if let Some(value) = out.value.take() {
                return value;
            }
            out.waiting = true;
            out = self.task.ready.wait(out).unwrap();
        }
    }
}

/// The floor pool: an unbounded MPMC channel and `workers` threads.
pub struct FloorPool {
    workers: ChannelWorkers<Arc<dyn Run>>,
}

impl Peer for FloorPool {
    type Handle<T: Clone + Send + 'static> = FloorHandle<T>;
    const NAME: &'static str = "floor";

    fn with_workers(workers: usize) -> Self {
        FloorPool {
            workers: ChannelWorkers::new(workers, |task: Arc<dyn Run>| task.run()),
        }
    }

    fn submit<T, F>(&self, call: F) -> FloorHandle<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let mut call = Some(call);
        let task = Arc::new(Task {
            output: Mutex::new(Output {
                value: None,
                waiting: false,
            }),
            ready: Condvar::new(),
            call: Mutex::new(move || call.take().expect("a floor task runs once")()),
        });
        self.workers.send(task.clone());
        FloorHandle { task }
    }

    fn join<T: Clone + Send + 'static>(&self, handle: FloorHandle<T>) -> T {
        handle.wait()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::hold;

    #[test]
    fn a_reader_waiting_on_a_queued_task_gets_its_value() {
        let pool = FloorPool::with_workers(1);
        let (gate, held) = hold(&pool);
        let queued = pool.submit(|| 42u32);
        std::thread::scope(|s| {
            let reader = s.spawn(|| queued.wait());
            gate.open();
            assert_eq!(reader.join().unwrap(), 42);
        });
        pool.join(held);
    }
}
