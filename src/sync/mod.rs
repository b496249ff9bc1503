//! The one place that decides where synchronisation primitives come from.
//!
//! Every other module imports `Mutex`, `Condvar`, `Arc`, atomics, threads and
//! `thread_local!` from here and never names `std::sync`, loom or shuttle
//! directly (the same shape as tokio's `src/loom/`). Three back-ends exist:
//!
//! | build                         | primitives from          |
//! |-------------------------------|--------------------------|
//! | normal                        | `std` ([`std_impl`])     |
//! | `RUSTFLAGS="--cfg loom"`      | `loom` ([`loom_impl`])   |
//! | `RUSTFLAGS="--cfg shuttle"`   | `shuttle` ([`shuttle_impl`]) |
//!
//! The wrappers hide lock poisoning: the core never panics while holding a
//! lock (user code always runs outside locks, under `catch_unwind`), so a
//! poisoned lock can only mean a bug in the core; the data is still used
//! rather than turning one bug into a cascade of panics.
//!
//! Timed waits do not live here but in [`crate::time`], because neither
//! model checker models time.

#[cfg(all(not(loom), not(shuttle)))]
mod std_impl;
#[cfg(all(not(loom), not(shuttle)))]
use std_impl as imp;

#[cfg(loom)]
mod loom_impl;
#[cfg(loom)]
use loom_impl as imp;

#[cfg(all(shuttle, not(loom)))]
mod shuttle_impl;
#[cfg(all(shuttle, not(loom)))]
use shuttle_impl as imp;

pub(crate) use imp::{Arc, AtomicBool, AtomicU8, AtomicUsize, JoinHandle, thread, thread_local};

/// The reference count of a future's one allocation (closure, state and
/// outcome together, see `crate::future`). It is `std`'s `Arc` in every
/// build: that allocation is reached through two unsized handles of
/// different types (`Future<T>` and `WorkItem`), which needs the unsizing
/// coercion only `std`'s `Arc` has (loom's `Arc` is two allocations and can
/// only be made unsized from a unique `std` one). The locks, condition
/// variable and atomics inside the allocation are still the checker's, so
/// the models explore every interleaving of the future's state machine; only
/// the reference count itself is not modelled, which is `std`'s to get right.
pub(crate) type CellArc<T> = std::sync::Arc<T>;

/// A cell whose content the caller guards itself (the call slot of a work
/// item, see `crate::work_item`). Under loom it is loom's `UnsafeCell`,
/// which reports any two accesses not ordered by happens-before as a
/// causality violation, so the models check the ownership rule that makes
/// the `unsafe` blocks sound; otherwise `std`'s, with the same `with_mut`.
#[cfg(loom)]
pub(crate) type UnsafeCell<T> = loom::cell::UnsafeCell<T>;

/// See the loom build's definition.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer to the content (loom's signature).
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

use std::sync::PoisonError;
use std::time::Duration;

/// One step of a busy-wait: a CPU spin-loop hint in normal builds. Under the
/// model checkers it yields to the scheduler instead, because neither loom
/// nor shuttle can model a thread that makes progress only by spinning.
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(all(not(loom), not(shuttle)))]
    std::hint::spin_loop();
    #[cfg(any(loom, shuttle))]
    thread::yield_now();
}

/// A mutual-exclusion lock whose `lock` never reports poisoning.
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(imp::Mutex<T>);

/// The guard returned by [`Mutex::lock`].
pub(crate) type MutexGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex(imp::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A condition variable paired with [`Mutex`].
#[derive(Debug, Default)]
pub(crate) struct Condvar(imp::Condvar);

impl Condvar {
    pub(crate) fn new() -> Self {
        Condvar(imp::Condvar::new())
    }

    /// Blocks until notified (spurious wake-ups are possible; callers loop).
    pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until notified or until `timeout` has elapsed. Only
    /// [`crate::time`] calls this: under the model checkers it never times
    /// out, so the time module decides timeouts there itself.
    #[cfg_attr(any(loom, shuttle), allow(dead_code))]
    pub(crate) fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> MutexGuard<'a, T> {
        match self.0.wait_timeout(guard, timeout) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        }
    }

    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }

    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}
