//! A member's standing over the log, shared by key members and wallet
//! members: its permissions history, its window and its revocation.

use crate::permission::Permissions;

/// What key members and wallet members have in common; the provided
/// methods answer from the three accessors.
pub(super) trait Standing {
    /// `(seq, permissions)` from that seq on; the first entry is the add.
    fn history(&self) -> &[(u64, Permissions)];
    /// The window `[not_before, expires_at)`.
    fn window(&self) -> (u64, u64);
    /// The sequence number of the op that revoked it, if any.
    fn revoked_seq(&self) -> Option<u64>;

    /// The sequence number of the op that added it.
    fn added_seq(&self) -> u64 {
        self.history().first().map_or(u64::MAX, |(s, _)| *s)
    }

    /// The permissions it was added with.
    fn first(&self) -> Option<&Permissions> {
        self.history().first().map(|(_, p)| p)
    }

    /// Its permissions now (whatever the time).
    fn current(&self) -> Option<&Permissions> {
        self.history().last().map(|(_, p)| p)
    }

    /// Its permissions in the state after op `seq`.
    fn permissions_at(&self, seq: u64) -> Option<&Permissions> {
        self.history()
            .iter()
            .rev()
            .find(|(s, _)| *s <= seq)
            .map(|(_, p)| p)
    }

    /// Not revoked.
    fn is_live(&self) -> bool {
        self.revoked_seq().is_none()
    }

    /// Its window covers `at`.
    fn covers(&self, at: u64) -> bool {
        let (not_before, expires_at) = self.window();
        not_before <= at && at < expires_at
    }

    /// Unrevoked and inside its window at `now`.
    fn is_live_at(&self, now: u64) -> bool {
        self.is_live() && self.covers(now)
    }
}
