//! Re-exports the macro, as serde re-exports serde_derive.
pub use bsbox_test_evil_pm::evil;
