//! The in-memory refresh store: one process, one mutex.

mod refresh;
mod session;

pub use refresh::MemoryRefreshStore;
