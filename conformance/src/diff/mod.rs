//! Differential testing against CPython and other Python executors.
//!
//! The kit's generated scenarios ([`generate`]) run through the kit's one
//! runner on the reference and on a Python executor
//! ([`PythonAdapter`](crate::adapters::PythonAdapter)), and the two runs are
//! compared ([`traces`]). Differences the spec records — a clause that does
//! not hold on that version ([`versions`]), the observation a recorded
//! divergence describes ([`traces::OBSERVATIONS`]) — are expected. Every installed interpreter is found at
//! run time ([`python`]); the version facts scenarios cannot show are
//! probed ([`probes`]).

pub mod generate;
pub mod probes;
pub mod python;
pub mod traces;
pub mod versions;
