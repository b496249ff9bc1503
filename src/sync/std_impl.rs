//! Primitives for normal builds: plain `std`.

pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize};
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
pub(crate) use std::thread;
pub(crate) use std::thread::JoinHandle;
pub(crate) use std::thread_local;
