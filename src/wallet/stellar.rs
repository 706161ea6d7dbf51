//! Stellar: the strkey codec (SEP-23, every kind) and SEP-53 signed
//! messages.
//!
//! A strkey is RFC 4648 base32 (uppercase, unpadded) of
//! `version byte ‖ payload ‖ CRC16-XModem(version ‖ payload)` (checksum
//! little-endian). Base32 and the CRC come from the `data-encoding` and
//! `crc` crates; `data-encoding`'s `BASE32_NOPAD` is as strict as SEP-23
//! asks (one case, no padding, no impossible lengths, zero trailing bits),
//! so nothing of the codec is written here but the strkey framing.
//!
//! SEP-53: the wallet signs SHA-256(`"Stellar Signed Message:\n"` ‖ message)
//! with Ed25519; the signature travels as standard base64.

use sha2::{Digest as _, Sha256};

use super::account::AccountId;
use super::chain::Chain;
use super::check::{Expectations, SignerKey, StatementProof, VerifiedAccount};
use super::proof::WalletProof;
use super::text::parse_base64_signature;
use super::verifier::WalletVerifier;
use crate::error::{Error, Result};
use crate::public_key::{PublicKey, Signature};

pub(crate) mod strkey;

pub(crate) use strkey::decode_account;
pub use strkey::{StellarSignedPayload, Strkey};

/// The SEP-53 hash: SHA-256(`"Stellar Signed Message:\n"` ‖ message).
pub fn sep53_hash(message: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"Stellar Signed Message:\n");
    h.update(message);
    h.finalize().into()
}

/// A SEP-53 signed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StellarProof {
    account: AccountId,
    key: PublicKey,
    message: Vec<u8>,
    signature: Signature,
}

impl StellarProof {
    /// A proof: the `stellar:…:G…` account, the message and the base64 signature.
    ///
    /// # Errors
    /// [`Error::Decode`] for a bad signature; [`WalletError::WrongChain`](crate::WalletError::WrongChain).
    pub fn new(
        account: AccountId,
        message: impl AsRef<[u8]>,
        signature_base64: &str,
    ) -> Result<Self> {
        if account.chain() != &Chain::Stellar {
            return Err(super::check::wrong_chain(&Chain::Stellar, account.chain()));
        }
        Ok(Self {
            key: PublicKey::from_bytes(&decode_account(account.address())?)?,
            account,
            message: message.as_ref().to_vec(),
            signature: parse_base64_signature(signature_base64, "stellar signature")?,
        })
    }

    /// The claimed account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The exact message bytes that were signed (before the SEP-53 prefix).
    pub(crate) fn signed_bytes(&self) -> &[u8] {
        &self.message
    }
}

impl From<StellarProof> for WalletProof {
    fn from(p: StellarProof) -> Self {
        Self::Stellar(p)
    }
}

/// Verifies SEP-53 proofs.
#[derive(Clone, Copy, Debug, Default)]
pub struct StellarVerifier;

impl StellarVerifier {
    /// The verifier.
    pub fn new() -> Self {
        Self
    }

    fn check(
        account: &AccountId,
        key: &PublicKey,
        message: &[u8],
        signature: &Signature,
    ) -> Result<VerifiedAccount> {
        key.verify(&sep53_hash(message), signature)?;
        Ok(VerifiedAccount::new(
            account.clone(),
            SignerKey::Ed25519(*key),
        ))
    }
}

impl WalletVerifier for StellarVerifier {
    fn chain(&self) -> Chain {
        Chain::Stellar
    }

    /// Requires [`Expectations::message`].
    fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        let WalletProof::Stellar(p) = proof else {
            return Err(super::check::wrong_chain(&self.chain(), &proof.chain()));
        };
        expect.require_exact_message(&p.message)?;
        Self::check(&p.account, &p.key, &p.message, &p.signature)
    }

    /// Delegation statements: SEP-53 of the statement; 64-byte signature.
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let sig = Signature::from_slice(proof.signature).map_err(|_| Error::InvalidSignature)?;
        let key = PublicKey::from_bytes(&decode_account(proof.account.address())?)?;
        Self::check(proof.account, &key, proof.statement.as_bytes(), &sig)
    }
}

#[cfg(test)]
mod tests {
    use super::strkey::{CRC16, WHAT, base32_decode};
    use super::*;
    use crate::error::DecodeReason;

    /// The CRC the crate computes is the one SEP-23 names: the CRC-16/XMODEM
    /// check value, and the bit-by-bit definition (poly 0x1021, init 0, no
    /// reflection, no final xor) over every length up to a `P` strkey's.
    #[test]
    fn crc_is_xmodem() {
        assert_eq!(CRC16.checksum(b"123456789"), 0x31c3);
        let bitwise = |data: &[u8]| {
            let mut crc: u16 = 0;
            for &b in data {
                crc ^= u16::from(b) << 8;
                for _ in 0..8 {
                    crc = if crc & 0x8000 != 0 {
                        (crc << 1) ^ 0x1021
                    } else {
                        crc << 1
                    };
                }
            }
            crc
        };
        let data: Vec<u8> = (0..101u8).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..data.len() {
            assert_eq!(CRC16.checksum(&data[..n]), bitwise(&data[..n]));
        }
    }

    /// `BASE32_NOPAD` is as strict as SEP-23: no lowercase, no padding, no
    /// impossible lengths, no non-zero trailing bits.
    #[test]
    fn base32_is_strict() {
        let text = data_encoding::BASE32_NOPAD.encode(&[0x5a; 35]);
        assert_eq!(base32_decode(&text).unwrap().as_slice(), &[0x5a; 35]);
        assert!(base32_decode(&text.to_lowercase()).is_err());
        assert!(base32_decode(&format!("{text}=")).is_err());
        assert!(base32_decode(&format!("{text}A")).is_err());
        // 35 bytes = 280 bits in 56 symbols: no spare bits; 34 bytes leave 3.
        let short = data_encoding::BASE32_NOPAD.encode(&[0xff; 34]);
        let mut bad = short.clone();
        bad.pop();
        bad.push('7');
        assert!(base32_decode(&short).is_ok());
        assert!(base32_decode(&bad).is_err());
    }

    #[test]
    fn round_trips() {
        for k in [
            Strkey::Account([7; 32]),
            Strkey::Muxed {
                key: [9; 32],
                id: 42,
            },
            Strkey::PreAuthTx([1; 32]),
            Strkey::Sha256Hash([2; 32]),
            Strkey::Contract([3; 32]),
            Strkey::LiquidityPool([4; 32]),
            Strkey::ClaimableBalance([5; 32]),
            Strkey::SignedPayload(StellarSignedPayload::new([6; 32], [1, 2, 3]).unwrap()),
            Strkey::SignedPayload(StellarSignedPayload::new([6; 32], [9; 64]).unwrap()),
        ] {
            let text = k.encode();
            assert_eq!(Strkey::decode(&text).unwrap(), k);
            assert!(Strkey::decode(&text.to_lowercase()).is_err());
            assert!(Strkey::decode(&format!("{}=", text.as_str())).is_err());
            assert_eq!(text.chars().next(), Some(k.prefix()));
            assert_eq!(
                Strkey::from_payload(k.version_byte(), &k.to_payload()).unwrap(),
                k
            );
        }
    }

    #[test]
    fn signed_payload_bounds() {
        assert!(StellarSignedPayload::new([0; 32], []).is_err());
        assert!(StellarSignedPayload::new([0; 32], [0; 65]).is_err());
        let p = StellarSignedPayload::new([0; 32], [7; 5]).unwrap();
        let mut xdr = Vec::new();
        p.write_xdr(&mut xdr);
        assert_eq!(xdr.len(), 32 + 4 + 8);
        assert_eq!(StellarSignedPayload::from_xdr(&xdr).unwrap(), p);
        let mut bad = xdr.clone();
        *bad.last_mut().unwrap() = 1;
        assert!(StellarSignedPayload::from_xdr(&bad).is_err());
        bad = xdr.clone();
        bad.truncate(40);
        assert!(StellarSignedPayload::from_xdr(&bad).is_err());
    }

    #[test]
    fn checksum_is_a_decode_error() {
        let mut text = Strkey::Account([7; 32]).encode().to_string();
        let last = text.pop().unwrap();
        text.push(if last == 'A' { 'Q' } else { 'A' });
        let err = Strkey::decode(&text).unwrap_err();
        assert_eq!(
            err,
            Error::Decode {
                what: WHAT,
                reason: DecodeReason::Checksum("crc16-xmodem")
            }
        );
        assert!(err.to_string().contains("checksum"), "{err}");
    }
}
