//! Deadlines and timed waits: the one abstraction every timeout goes through.
//!
//! `Future::result(timeout)`, `Future::exception(timeout)`, `wait`,
//! `as_completed` and `map` all turn their `Option<Duration>` into a
//! [`Deadline`] once, then ask it two questions: "has it passed?" and "block on
//! this condition variable until notified or until I pass". Nothing else in
//! the crate reads the clock.
//!
//! Neither loom nor shuttle models time (`wait_timeout` never times out under
//! them), so under the model checkers a finite deadline is not a point in
//! real time but a decision the model makes, and once a deadline has been
//! seen to pass it stays passed (time is monotonic):
//!
//! * loom: [`set_model_timeouts`] picks the policy for the next executions
//!   (never pass, pass at the first check, pass at the n-th check); a model
//!   runs once per policy to cover "the deadline passes here" at each point.
//! * shuttle: each check of a deadline that has not passed yet flips a coin
//!   with `shuttle::rand`, so the choice is part of the replayable schedule.
//!
//! In every build, `None` means "never" and `Some(Duration::ZERO)` means
//! "already passed": a non-blocking check, deterministic everywhere.

use crate::sync::{Condvar, MutexGuard};
use std::time::Duration;

#[cfg(not(any(loom, shuttle)))]
use std::time::Instant;

/// When a timed operation gives up. Created once per call from the caller's
/// `Option<Duration>`; never re-armed.
#[derive(Debug)]
pub(crate) struct Deadline {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// `timeout = None`: wait as long as it takes.
    Never,
    /// `timeout = Some(ZERO)`, or a modelled deadline seen to have passed.
    Passed,
    /// A real deadline (normal builds).
    #[cfg(not(any(loom, shuttle)))]
    At(Instant),
    /// A modelled deadline: how many times it has been checked so far.
    #[cfg(any(loom, shuttle))]
    Modelled { checks: usize },
}

impl Deadline {
    /// The deadline `timeout` from now (`None` = never).
    pub(crate) fn after(timeout: Option<Duration>) -> Deadline {
        let kind = match timeout {
            None => Kind::Never,
            Some(d) if d.is_zero() => Kind::Passed,
            #[cfg(not(any(loom, shuttle)))]
            Some(d) => match Instant::now().checked_add(d) {
                Some(at) => Kind::At(at),
                // Further away than the clock can count: indistinguishable from never.
                None => Kind::Never,
            },
            #[cfg(any(loom, shuttle))]
            Some(_) => Kind::Modelled { checks: 0 },
        };
        Deadline { kind }
    }

    /// A deadline that never passes.
    pub(crate) fn never() -> Deadline {
        Deadline { kind: Kind::Never }
    }

    /// Whether the deadline has passed. Once true, always true.
    pub(crate) fn has_passed(&mut self) -> bool {
        match &mut self.kind {
            Kind::Never => false,
            Kind::Passed => true,
            #[cfg(not(any(loom, shuttle)))]
            Kind::At(at) => {
                if Instant::now() >= *at {
                    self.kind = Kind::Passed;
                    true
                } else {
                    false
                }
            }
            #[cfg(any(loom, shuttle))]
            Kind::Modelled { checks } => {
                let check = *checks;
                *checks += 1;
                if model::passes_at(check) {
                    self.kind = Kind::Passed;
                    true
                } else {
                    false
                }
            }
        }
    }

    /// Releases `guard`, blocks on `cv` until notified or until the deadline
    /// passes, and re-acquires the lock. Returns the guard and whether the
    /// deadline has passed. A passed deadline returns at once without
    /// blocking. Spurious wake-ups are possible: callers re-check their
    /// condition in a loop.
    pub(crate) fn wait<'a, T>(
        &mut self,
        cv: &Condvar,
        guard: MutexGuard<'a, T>,
    ) -> (MutexGuard<'a, T>, bool) {
        if self.has_passed() {
            return (guard, true);
        }
        match &self.kind {
            #[cfg(not(any(loom, shuttle)))]
            Kind::At(at) => {
                let remaining = at.saturating_duration_since(Instant::now());
                let guard = cv.wait_timeout(guard, remaining);
                let passed = self.has_passed();
                (guard, passed)
            }
            // Never, or a modelled deadline that the model decided has not
            // passed at this check: an untimed wait.
            _ => (cv.wait(guard), false),
        }
    }
}

#[cfg(any(loom, shuttle))]
pub use model::ModelTimeouts;
#[cfg(any(loom, shuttle))]
pub use model::set_model_timeouts;

#[cfg(any(loom, shuttle))]
mod model {
    //! How modelled deadlines decide to pass.
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// How finite deadlines behave in the model checkers.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ModelTimeouts {
        /// Finite deadlines never pass: every timed wait behaves as untimed.
        Never,
        /// A finite deadline passes at its `n`-th check (0 = the first one)
        /// and stays passed.
        AtCheck(usize),
        /// Under shuttle: every check of a deadline that has not passed yet
        /// lets the scheduler's replayable randomness decide. Under loom
        /// this behaves as `AtCheck(0)`.
        Random,
    }

    const NEVER: usize = usize::MAX;
    const RANDOM: usize = usize::MAX - 1;

    // A process-wide setting (deliberately a plain std atomic: it is
    // configuration of the model, not state the model explores).
    static POLICY: AtomicUsize = AtomicUsize::new(NEVER);

    /// Sets how finite deadlines behave in models run after this call.
    pub fn set_model_timeouts(policy: ModelTimeouts) {
        let raw = match policy {
            ModelTimeouts::Never => NEVER,
            ModelTimeouts::Random => RANDOM,
            ModelTimeouts::AtCheck(n) => n.min(RANDOM - 1),
        };
        POLICY.store(raw, Ordering::SeqCst);
    }

    pub(super) fn passes_at(check: usize) -> bool {
        match POLICY.load(Ordering::SeqCst) {
            NEVER => false,
            RANDOM => coin(check),
            n => check >= n,
        }
    }

    #[cfg(all(shuttle, not(loom)))]
    fn coin(_check: usize) -> bool {
        use shuttle::rand::Rng;
        shuttle::rand::thread_rng().gen_bool(0.5)
    }

    #[cfg(loom)]
    fn coin(_check: usize) -> bool {
        true
    }
}
