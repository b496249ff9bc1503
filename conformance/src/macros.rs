//! [`conformance_suite!`](crate::conformance_suite): the suite as ordinary tests.

/// Generates the conformance suite as `#[test]` functions, one per clause
/// group (`futures`, `scheduling`, `callbacks`, `shutdown`, `wait`,
/// `as_completed`, `map`, `threads`, `broken`), in a module named
/// `conformance`. A failing test names the violated clauses and prints each
/// minimal scenario.
///
/// * `executor: |cfg| ...` — a closure building any
///   [`concurrent_futures::Executor`] from a [`Config`](crate::Config);
/// * `adapter: |cfg| ...` — a closure building an [`Adapter`](crate::Adapter);
/// * optionally `, cases = N` (else `CF_CONFORMANCE_CASES`, else 256).
///
/// ```no_run
/// use concurrent_futures::ThreadPoolExecutor;
/// concurrent_futures_conformance::conformance_suite!(
///     executor: |cfg| ThreadPoolExecutor::builder().max_workers(cfg.workers).build().unwrap(),
///     cases = 64
/// );
/// ```
#[macro_export]
macro_rules! conformance_suite {
    (executor: $factory:expr $(, cases = $cases:expr)? $(,)?) => {
        $crate::conformance_suite!(@tests
            (|cfg: $crate::Config| $crate::ExecutorAdapter::new(($factory)(cfg)))
            $(, $cases)?);
    };
    (adapter: $factory:expr $(, cases = $cases:expr)? $(,)?) => {
        $crate::conformance_suite!(@tests ($factory) $(, $cases)?);
    };
    (@tests ($factory:expr) $(, $cases:expr)?) => {
        #[cfg(test)]
        mod conformance {
            #[allow(unused_imports)]
            use super::*;
            $crate::conformance_suite!(@one ($factory) (None $(.or(Some($cases)))?) futures
                scheduling callbacks shutdown wait as_completed map threads broken);
        }
    };
    (@one ($factory:expr) ($cases:expr) $($group:ident)*) => {
        $(
            #[test]
            fn $group() {
                let cases: Option<u32> = $cases;
                $crate::__private::run_group(
                    module_path!(),
                    stringify!($group),
                    $factory,
                    cases,
                );
            }
        )*
    };
}
