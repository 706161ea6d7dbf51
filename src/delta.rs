//! Deltas: a member's signed change to a context's application state,
//! signed against a membership sequence number (FORMATS.md §11). Verified
//! by [`crate::Context::verify_delta`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::encoding::{CanonicalWriter, base64url_decode, base64url_encode, check_timestamp};
use crate::error::{DecodeReason, Error, Result};
use crate::id::ContextId;
use crate::public_key::{PublicKey, Signature};

const DELTA_DOMAIN: &str = "keytree/v1/delta";
/// The largest delta payload accepted, in bytes.
pub const MAX_DELTA_PAYLOAD: usize = 1 << 20;

/// A signed change to a context's application state, made by a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta {
    pub(crate) context: ContextId,
    pub(crate) signer: PublicKey,
    pub(crate) seq: u64,
    pub(crate) timestamp: u64,
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Signature,
}

impl Delta {
    pub(crate) fn sign(
        signing: &ed25519_dalek::SigningKey,
        signer: PublicKey,
        context: ContextId,
        seq: u64,
        timestamp: u64,
        payload: Vec<u8>,
    ) -> Result<Self> {
        use ed25519_dalek::Signer as _;
        check_timestamp("delta", timestamp)?;
        if payload.len() > MAX_DELTA_PAYLOAD {
            return Err(Error::decode(
                "delta",
                DecodeReason::TooLong {
                    max: MAX_DELTA_PAYLOAD,
                },
            ));
        }
        let bytes = Self::canonical(&context, &signer, seq, timestamp, &payload);
        let signature = Signature::from_dalek(&signing.sign(&bytes));
        Ok(Self {
            context,
            signer,
            seq,
            timestamp,
            payload,
            signature,
        })
    }

    /// Domain tag, context id, signer key, `seq` (u64 BE), `timestamp`
    /// (u64 BE, unix seconds), payload (length-prefixed).
    fn canonical(
        context: &ContextId,
        signer: &PublicKey,
        seq: u64,
        timestamp: u64,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut w = CanonicalWriter::new(DELTA_DOMAIN);
        w.bytes(context.as_bytes())
            .bytes(signer.as_bytes())
            .u64(seq)
            .u64(timestamp)
            .bytes(payload);
        w.finish()
    }

    /// The canonical bytes the signer signed.
    pub fn signing_bytes(&self) -> Vec<u8> {
        Self::canonical(
            &self.context,
            &self.signer,
            self.seq,
            self.timestamp,
            &self.payload,
        )
    }

    /// BLAKE3 of the signing bytes: an id that does not depend on the signature.
    pub fn id(&self) -> [u8; 32] {
        *blake3::hash(&self.signing_bytes()).as_bytes()
    }

    /// The context.
    pub fn context_id(&self) -> &ContextId {
        &self.context
    }
    /// Who signed.
    pub fn signer(&self) -> &PublicKey {
        &self.signer
    }
    /// The membership sequence number it was signed against.
    pub fn seq(&self) -> u64 {
        self.seq
    }
    /// When the signer says it signed (unix seconds, signed): the time at
    /// which [`Context::verify_delta`](crate::Context::verify_delta) checks the signer's window.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }
    /// The application payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeltaJson {
    context_id: ContextId,
    signer: PublicKey,
    seq: u64,
    timestamp: u64,
    payload: String,
    signature: Signature,
}

impl Serialize for Delta {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DeltaJson {
            context_id: self.context,
            signer: self.signer,
            seq: self.seq,
            timestamp: self.timestamp,
            payload: base64url_encode(&self.payload),
            signature: self.signature,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Delta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = DeltaJson::deserialize(d)?;
        if j.payload.len() > MAX_DELTA_PAYLOAD / 3 * 4 + 4 {
            return Err(serde::de::Error::custom("delta payload too long"));
        }
        let payload =
            base64url_decode(&j.payload, "delta payload").map_err(serde::de::Error::custom)?;
        Ok(Self {
            context: j.context_id,
            signer: j.signer,
            seq: j.seq,
            timestamp: j.timestamp,
            payload,
            signature: j.signature,
        })
    }
}
