//! [`conformance_suite!`](crate::conformance_suite): the suite as ordinary tests.

/// Generates the conformance suite as `#[test]` functions, one per clause
/// group (`futures`, `scheduling`, `callbacks`, `shutdown`, `wait`,
/// `as_completed`, `map`, `threads`, `broken`), in a module named
/// `conformance`. Each test reports the clauses its group owns (a violation
/// of another group's clause is printed and left to that group's test); a
/// failing test names the violated clauses and prints each minimal scenario
/// with the command that replays it.
///
/// * `executor: |cfg| ...` — a closure building any
///   [`concurrent_futures::Executor`] from a [`Config`](crate::Config);
/// * `adapter: |cfg| ...` — a closure building an [`Adapter`](crate::Adapter);
/// * optionally `, cases = N` (else `CF_CONFORMANCE_CASES`, else 256);
/// * optionally `, known = [("CLAUSE-ID", "why"), ...]`: deviations the
///   executor is known to have. They are reported `known` with the reason and
///   do not fail the test; a declared deviation that no scenario shows fails
///   the test as `STALE`, so the list stays true.
///
/// Environment: `CF_CONFORMANCE_CASES`, `CF_CONFORMANCE_SEED`,
/// `CF_CONFORMANCE_PATIENCE_MS`, and `CF_CONFORMANCE_REPLAY` (a replay text
/// printed with a failure: the test runs that one scenario). proptest's own
/// `PROPTEST_*` variables are not read: the kit generates with its own seed
/// and minimises failures itself.
///
/// ```no_run
/// use concurrent_futures::ThreadPoolExecutor;
/// concurrent_futures_conformance::conformance_suite!(
///     executor: |cfg| ThreadPoolExecutor::builder().max_workers(cfg.workers).build().unwrap(),
///     cases = 64,
///     known = [("POOL-NAME-1", "an example: thread names are not checked by the kit")]
/// );
/// ```
#[macro_export]
macro_rules! conformance_suite {
    (executor: $factory:expr $(, cases = $cases:expr)? $(, known = [$(($kc:expr, $kw:expr)),* $(,)?])? $(,)?) => {
        $crate::conformance_suite!(@tests
            ($crate::__private::executor_factory($factory))
            (None $(.or(Some($cases)))?)
            [$($(($kc, $kw)),*)?]);
    };
    (adapter: $factory:expr $(, cases = $cases:expr)? $(, known = [$(($kc:expr, $kw:expr)),* $(,)?])? $(,)?) => {
        $crate::conformance_suite!(@tests ($crate::__private::adapter_factory($factory)) (None $(.or(Some($cases)))?) [$($(($kc, $kw)),*)?]);
    };
    (@tests ($factory:expr) ($cases:expr) $known:tt) => {
        #[cfg(test)]
        mod conformance {
            #[allow(unused_imports)]
            use super::*;
            $crate::conformance_suite!(@one ($factory) ($cases) $known futures
                scheduling callbacks shutdown wait as_completed map threads broken);
        }
    };
    (@one ($factory:expr) ($cases:expr) $known:tt $($group:ident)*) => {
        $(
            #[test]
            fn $group() {
                let cases: Option<u32> = $cases;
                $crate::__private::run_group(
                    module_path!(),
                    stringify!($group),
                    $factory,
                    cases,
                    &$known,
                );
            }
        )*
    };
}
