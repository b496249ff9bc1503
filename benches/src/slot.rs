//! [`slot`]: the one-shot result slot that the peers without a future of
//! their own (threadpool, rayon, the crossbeam-channel pool) hand back.
//!
//! A `Mutex<Option<T>>` and a `Condvar`, signalled only when a reader is
//! actually blocked, so the uncontended path makes no system call — the
//! same economy `concurrent_futures::Future` has, so that the comparison
//! measures the pools and not a deliberately slow slot.

use std::sync::{Arc, Condvar, Mutex};

struct State<T> {
    value: Option<T>,
    /// The writer is gone: either it wrote `value` or it was dropped unused
    /// (its task was cancelled).
    closed: bool,
    /// A reader is blocked on `ready`.
    waiting: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

/// The task's end of a slot: [`set`](SlotWriter::set) it once, or drop it
/// to close the slot empty.
pub struct SlotWriter<T> {
    shared: Arc<Shared<T>>,
}

/// The submitter's end of a slot: [`wait`](SlotReader::wait) for the value.
pub struct SlotReader<T> {
    shared: Arc<Shared<T>>,
}

/// A new empty slot.
pub fn slot<T>() -> (SlotWriter<T>, SlotReader<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            value: None,
            closed: false,
            waiting: false,
        }),
        ready: Condvar::new(),
    });
    (
        SlotWriter {
            shared: shared.clone(),
        },
        SlotReader { shared },
    )
}

impl<T> SlotWriter<T> {
    /// Stores `value` and wakes the reader if it is blocked.
    pub fn set(self, value: T) {
        self.shared.state.lock().unwrap().value = Some(value);
        // `Drop` marks the slot closed and wakes the reader.
    }
}

impl<T> Drop for SlotWriter<T> {
    fn drop(&mut self) {
        let mut st = self.shared.state.lock().unwrap();
        st.closed = true;
        if st.waiting {
            self.shared.ready.notify_one();
        }
    }
}

impl<T> SlotReader<T> {
    /// Blocks until the writer is done; `None` if it was dropped without a
    /// value (the task never ran).
    pub fn wait(self) -> Option<T> {
        let mut st = self.shared.state.lock().unwrap();
        while !st.closed {
            st.waiting = true;
            st = self.shared.ready.wait(st).unwrap();
        }
        st.value.take()
    }
}
