//! The macro's `executor:` form: any `Executor` plugs in with no adapter.
//! Generates `conformance::futures`, `conformance::callbacks`, … (one test
//! per clause group); the `broken` group is n/a (no failing initializer).
//! The closure's argument needs no type annotation, as the README shows.

use concurrent_futures::ThreadPoolExecutor;

concurrent_futures_conformance::conformance_suite!(
    executor: |cfg| ThreadPoolExecutor::builder().max_workers(cfg.workers).build().unwrap(),
    cases = 128
);
