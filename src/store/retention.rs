//! How long stores keep expired refresh records.

/// How long a store keeps a refresh record after it expires, by default
/// (seconds), so that late use is told "expired" or "reused", not "unknown".
pub const DEFAULT_RETENTION: u64 = 600;
