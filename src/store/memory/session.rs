//! [`SessionStore`] for the in-memory refresh store: a session is a family.

use std::future::{Future, ready};

use super::refresh::MemoryRefreshStore;
use crate::error::Result;
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::token::{RefreshHash, SessionId, SessionStore};

impl MemoryRefreshStore {
    fn revoke_session_of_sync(&self, refresh: &RefreshHash) -> Result<Option<SessionId>> {
        let mut g = self.lock()?;
        let inner = &mut *g;
        let Some(family) = inner.tokens.get(refresh).map(|e| *e.record.family()) else {
            return Ok(None);
        };
        inner.families.entry(family).or_default().revoked = true;
        Ok(Some(family))
    }

    fn session_revoked_sync(&self, session: &SessionId) -> Result<bool> {
        let g = self.lock()?;
        // Unknown counts as revoked (fail closed).
        Ok(g.families.get(session).is_none_or(|f| f.revoked))
    }
}

impl SessionStore for MemoryRefreshStore {
    fn revoke_session(&self, session: &SessionId) -> impl Future<Output = Result<()>> + Send {
        ready(self.revoke_family_sync(session))
    }

    fn revoke_session_of(
        &self,
        refresh: &RefreshHash,
    ) -> impl Future<Output = Result<Option<SessionId>>> + Send {
        ready(self.revoke_session_of_sync(refresh))
    }

    fn revoke_member_sessions(
        &self,
        context: &ContextId,
        member: &MemberId,
    ) -> impl Future<Output = Result<usize>> + Send {
        ready(self.revoke_member_sync(context, member))
    }

    fn session_revoked(&self, session: &SessionId) -> impl Future<Output = Result<bool>> + Send {
        ready(self.session_revoked_sync(session))
    }
}
