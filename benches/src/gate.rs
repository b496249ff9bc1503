//! [`Gate`]: blocks a pool's workers so that submitted work stays queued
//! (the shutdown and memory workloads need pending, not running, tasks).

use std::sync::{Arc, Condvar, Mutex};

/// A latch: [`pass`](Gate::pass) blocks until [`open`](Gate::open) is
/// called. Cheap to clone; clones share the latch.
#[derive(Clone, Default)]
pub struct Gate {
    shared: Arc<(Mutex<GateState>, Condvar)>,
}

#[derive(Default)]
struct GateState {
    open: bool,
    /// Threads currently blocked in `pass`.
    arrived: usize,
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Blocks until the gate is opened.
    pub fn pass(&self) {
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap();
        st.arrived += 1;
        cv.notify_all();
        while !st.open {
            st = cv.wait(st).unwrap();
        }
        st.arrived -= 1;
    }

    /// Blocks until `n` threads are waiting in [`pass`](Gate::pass): the
    /// workers are then certainly held, and later work stays queued.
    pub fn wait_arrived(&self, n: usize) {
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap();
        while st.arrived < n && !st.open {
            st = cv.wait(st).unwrap();
        }
    }

    /// Opens the gate for good, releasing everyone.
    pub fn open(&self) {
        let (lock, cv) = &*self.shared;
        lock.lock().unwrap().open = true;
        cv.notify_all();
    }
}

/// Submits to `peer` a task that blocks at a new gate and returns once it
/// does, with the gate and the blocked task's handle: with one worker,
/// everything submitted next stays queued until the gate opens.
pub fn hold<P: crate::peers::Peer>(peer: &P) -> (Gate, P::Handle<()>) {
    let gate = Gate::new();
    let g = gate.clone();
    let held = peer.submit(move || g.pass());
    gate.wait_arrived(1);
    (gate, held)
}
