//! The human-readable statement a wallet signs to issue a delegation.
