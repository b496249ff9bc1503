//! The macro's `adapter:` form, on the gallery's toy pool without flaws (an
//! `Executor` written apart from the core, which the kit checks including
//! its failing initializer).

use concurrent_futures_conformance::gallery::{Flaws, ToyPool};
use concurrent_futures_conformance::{Config, ExecutorAdapter};

concurrent_futures_conformance::conformance_suite!(
    adapter: |cfg: Config| {
        ExecutorAdapter::new(ToyPool::new(cfg.workers, cfg.failing_initializer, Flaws::default()))
            .with_unsupported(Vec::new())
    },
    cases = 128
);
