//! The JSON forms a server sends: the token pair (RFC 6749 §5.1) and the
//! JWK Set (RFC 7517), as `serde::Serialize`.

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::issuer::TokenPair;
use super::jwks::{Jwk, Jwks};
use crate::encoding::base64url_encode;

/// The OAuth 2.0 token response (RFC 6749 §5.1):
/// `{"access_token", "token_type": "Bearer", "expires_in", "refresh_token",
/// "refresh_expires_in"}`, lifetimes in seconds from
/// [`issued_at`](TokenPair::issued_at).
///
/// This writes the refresh token in clear, as the reply to the client must;
/// [`Debug`](core::fmt::Debug) still redacts both tokens.
impl Serialize for TokenPair {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("TokenPair", 5)?;
        st.serialize_field("access_token", self.access_token())?;
        st.serialize_field("token_type", "Bearer")?;
        st.serialize_field("expires_in", &self.expires_in())?;
        st.serialize_field("refresh_token", self.refresh_token().as_str())?;
        st.serialize_field("refresh_expires_in", &self.refresh_expires_in())?;
        st.end()
    }
}

impl TokenPair {
    /// Seconds from issue to the access token's expiry (`expires_in`).
    pub fn expires_in(&self) -> u64 {
        self.access_expires_at().saturating_sub(self.issued_at())
    }

    /// Seconds from issue to the refresh token's expiry (`refresh_expires_in`).
    pub fn refresh_expires_in(&self) -> u64 {
        self.refresh_expires_at().saturating_sub(self.issued_at())
    }
}

/// The same object as [`Jwk::to_json`]:
/// `{"kty":"OKP","crv":"Ed25519","x":…,"kid":…,"alg":"EdDSA","use":"sig"}`.
impl Serialize for Jwk {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("kty", "OKP")?;
        m.serialize_entry("crv", "Ed25519")?;
        m.serialize_entry("x", &base64url_encode(self.public_key().as_bytes()))?;
        m.serialize_entry("kid", self.kid())?;
        m.serialize_entry("alg", "EdDSA")?;
        m.serialize_entry("use", "sig")?;
        m.end()
    }
}

/// The same object as [`Jwks::to_json`]: `{"keys":[…]}`.
impl Serialize for Jwks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Keys<'a>(&'a [Jwk]);
        impl Serialize for Keys<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for k in self.0 {
                    seq.serialize_element(k)?;
                }
                seq.end()
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("keys", &Keys(self.keys()))?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Jwks, TokenIssuer, TokenSigningKey};

    #[test]
    fn jwks_serializes_as_to_json() {
        let mut issuer = TokenIssuer::new("https://a", TokenSigningKey::from_bytes(&[1; 32]));
        issuer.rotate(TokenSigningKey::from_bytes(&[2; 32]), 100);
        let jwks = issuer.jwks(0);
        assert_eq!(jwks.keys().len(), 2);
        assert_eq!(serde_json::to_string(&jwks).unwrap(), jwks.to_json());
        assert_eq!(
            Jwks::from_json(&serde_json::to_string(&jwks).unwrap()).unwrap(),
            jwks
        );
        assert_eq!(
            serde_json::to_string(&Jwks::default()).unwrap(),
            r#"{"keys":[]}"#
        );
    }
}
