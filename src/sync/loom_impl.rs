//! Primitives for `--cfg loom` builds: every lock, condition variable,
//! atomic, thread and thread-local is loom's, so loom explores the
//! interleavings of the real core code.

pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize};
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
pub(crate) use loom::thread;
pub(crate) use loom::thread::JoinHandle;
pub(crate) use loom::thread_local;
