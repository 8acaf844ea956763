//! Unit tests that reach inside the crate: each fast path against its scalar
//! reference, with fixed seeds and stated tolerances (see each file's doc).
mod activations;
mod common;
mod epilogue;
mod experiment;
mod gemm;
mod init;
mod orthogonal;
mod results;
mod rng;
mod samplers;
mod stats;
mod train;
