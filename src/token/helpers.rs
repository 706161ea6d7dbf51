//! Small helpers the token files share: the clock and clipping of untrusted text.

/// Reads the system clock as unix seconds (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    crate::encoding::unix_now()
}

/// At most `max` characters of untrusted text, for error messages.
pub(crate) fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
