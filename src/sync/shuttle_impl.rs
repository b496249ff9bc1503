//! Primitives for builds with the `shuttle` feature: shuttle's scheduler
//! controls every lock, condition variable, atomic, thread and thread-local.

pub(crate) use shuttle::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize};
pub(crate) use shuttle::sync::{Arc, Condvar, Mutex, MutexGuard};
pub(crate) use shuttle::thread;
pub(crate) use shuttle::thread::JoinHandle;
pub(crate) use shuttle::thread_local;
