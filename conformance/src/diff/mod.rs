//! Differential testing against CPython and other Python executors.
//!
//! The kit's generated scenarios are serialised ([`mod@format`]), run on the
//! reference ([`mod@reference`]) and on a Python executor through
//! `conformance/python/cf_driver.py` ([`python`]), and the two traces are
//! compared ([`compare`]), step by step, with the spec clause behind each
//! difference. Intended differences are listed in the spec and expected
//! ([`expected`]); every installed interpreter is found at run time.

pub mod compare;
pub mod expected;
pub mod format;
pub mod generate;
pub mod harness;
pub mod mutants;
pub mod probes;
pub mod python;
pub mod reference;
pub mod report;
pub mod versions;
