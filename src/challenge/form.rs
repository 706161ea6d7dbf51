//! The JSON form of a [`Challenge`] a server sends to its client.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::issuer::Challenge;
use super::render::ChallengeMessage;

impl ChallengeMessage {
    /// The form's name, for clients choosing how to sign: `siwe`, `siws`,
    /// `nep413`, `sep53` or `text`.
    pub fn format(&self) -> &'static str {
        match self {
            Self::Siwe(_) => "siwe",
            Self::Siws(_) => "siws",
            #[cfg(feature = "near")]
            Self::Nep413(_) => "nep413",
            Self::Sep53(_) => "sep53",
            Self::Text(_) => "text",
        }
    }
}

/// The challenge as a client needs it:
///
/// ```json
/// {"nonce": "<64 hex>", "wallet": "<CAIP-10>", "domain": "example.com",
///  "issued_at": 1700000000, "expires_at": 1700000300,
///  "format": "siwe", "message": "<the text to sign>"}
/// ```
///
/// `format` names the form ([`ChallengeMessage::format`]); `message` is the
/// exact text the wallet signs (for NEAR, the NEP-413 `message`). For NEAR
/// a `nep413` object follows with the `signMessage` arguments:
/// `{"message", "recipient", "nonce": "<64 hex of the 32 bytes>"}`, plus
/// `"callbackUrl"` when one is set (keytree's challenges set none, so it is
/// absent and the wallet must not add one). Times are unix seconds.
impl Serialize for Challenge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[cfg(feature = "near")]
        let nep413 = match self.message() {
            ChallengeMessage::Nep413(p) => Some(Nep413Form(p)),
            _ => None,
        };
        #[cfg(not(feature = "near"))]
        let nep413: Option<()> = None;
        let mut st = s.serialize_struct("Challenge", 7 + usize::from(nep413.is_some()))?;
        st.serialize_field("nonce", &self.nonce().to_string())?;
        st.serialize_field("wallet", self.account())?;
        st.serialize_field("domain", self.domain())?;
        st.serialize_field("issued_at", &self.issued_at())?;
        st.serialize_field("expires_at", &self.expires_at())?;
        st.serialize_field("format", self.message().format())?;
        st.serialize_field("message", self.message().text())?;
        if let Some(n) = nep413 {
            st.serialize_field("nep413", &n)?;
        }
        st.end()
    }
}

#[cfg(feature = "near")]
struct Nep413Form<'a>(&'a crate::wallet::near::Nep413Payload);

#[cfg(feature = "near")]
impl Serialize for Nep413Form<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let p = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("message", &p.message)?;
        m.serialize_entry("recipient", &p.recipient)?;
        m.serialize_entry("nonce", &crate::encoding::hex_encode(&p.nonce))?;
        if let Some(url) = &p.callback_url {
            m.serialize_entry("callbackUrl", url)?;
        }
        m.end()
    }
}
