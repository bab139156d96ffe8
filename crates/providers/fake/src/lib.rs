//! See ../../shared/DESIGN.md for what this crate is for.
