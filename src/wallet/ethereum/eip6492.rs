//! EIP-6492: signatures of smart-contract wallets that are not deployed
//! yet ("counterfactual" accounts).
//!
//! The wallet sends `abi.encode(address factory, bytes factoryCalldata,
//! bytes signature) ‖ 0x6492…6492` (32 magic bytes). A verifier deploys the
//! account by calling `factory` with `factoryCalldata` (in a simulation)
//! and then asks it EIP-1271 `isValidSignature(hash, signature)`. keytree
//! does no RPC: it recognises the suffix, parses the ABI tuple strictly and
//! hands the parts to the server's [`Eip1271Resolver`](super::Eip1271Resolver).
//!
//! Parsing accepts only the canonical ABI encoding that `abi.encode`,
//! viem and ethers produce: head offsets `0x60` and the next word after the
//! calldata, lengths that fit, zero padding to 32 bytes, the address's
//! upper 12 bytes zero, and nothing after the second `bytes` but the magic.
//! So one wrapped signature has one byte form.

use crate::error::{DecodeReason, Error, Result};

const WHAT: &str = "eip-6492 signature";

/// The 32-byte suffix that marks an EIP-6492 signature.
pub const EIP6492_MAGIC: [u8; 32] = [
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
];

/// An EIP-6492 wrapped signature of an undeployed smart-contract wallet:
/// the factory that deploys it, the factory calldata, and the signature
/// the deployed wallet checks (EIP-1271).
///
/// # Example
/// ```
/// use keytree::Eip6492Signature;
/// let wrapped = Eip6492Signature::new([0xca; 20], vec![0xde, 0xad], vec![7; 65]);
/// let bytes = wrapped.to_bytes();
/// assert!(Eip6492Signature::is_wrapped(&bytes));
/// assert_eq!(Eip6492Signature::from_bytes(&bytes)?, wrapped);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Eip6492Signature {
    factory: [u8; 20],
    factory_calldata: Vec<u8>,
    signature: Vec<u8>,
}

fn word_to_len(word: &[u8]) -> Result<usize> {
    // A length or offset word: big-endian, and small (the upper 24 bytes
    // zero), so no value wraps on any platform.
    let (high, low) = word.split_at(word.len().saturating_sub(8));
    if word.len() != 32 || high.iter().any(|&b| b != 0) {
        return Err(Error::malformed(WHAT, "abi length or offset out of range"));
    }
    let low: [u8; 8] = low
        .try_into()
        .map_err(|_| Error::malformed(WHAT, "abi word"))?;
    usize::try_from(u64::from_be_bytes(low))
        .map_err(|_| Error::malformed(WHAT, "abi length or offset out of range"))
}

fn padded(len: usize) -> usize {
    len.div_ceil(32) * 32
}

/// Reads the `bytes` at `offset` of `body`: length word, data, zero padding.
/// Returns the data and the offset just past the padding.
fn read_bytes(body: &[u8], offset: usize) -> Result<(&[u8], usize)> {
    let word = body
        .get(offset..offset.saturating_add(32))
        .ok_or_else(|| truncated(body.len()))?;
    let len = word_to_len(word)?;
    let start = offset + 32;
    let end = start
        .checked_add(len)
        .ok_or_else(|| truncated(body.len()))?;
    let next = start
        .checked_add(padded(len))
        .ok_or_else(|| truncated(body.len()))?;
    let data = body.get(start..end).ok_or_else(|| truncated(body.len()))?;
    let padding = body.get(end..next).ok_or_else(|| truncated(body.len()))?;
    if padding.iter().any(|&b| b != 0) {
        return Err(Error::decode(
            WHAT,
            DecodeReason::NonCanonical("non-zero abi padding"),
        ));
    }
    Ok((data, next))
}

fn truncated(got: usize) -> Error {
    Error::malformed(WHAT, format!("abi data truncated ({got} bytes)"))
}

impl Eip6492Signature {
    /// The 32-byte magic suffix, `0x6492` repeated.
    pub const MAGIC: [u8; 32] = EIP6492_MAGIC;

    /// A wrapped signature from its parts.
    pub fn new(factory: [u8; 20], factory_calldata: Vec<u8>, signature: Vec<u8>) -> Self {
        Self {
            factory,
            factory_calldata,
            signature,
        }
    }

    /// Whether `signature` ends with the EIP-6492 magic suffix (and so must
    /// be parsed as one, never as a plain signature).
    pub fn is_wrapped(signature: &[u8]) -> bool {
        signature.len() >= 32 && signature.ends_with(&EIP6492_MAGIC)
    }

    /// Parses a wrapped signature strictly (see the module rules: the
    /// canonical ABI encoding only, then the magic suffix).
    ///
    /// # Errors
    /// [`Error::Decode`] when the suffix is missing, or the ABI tuple is
    /// truncated, non-canonical or followed by extra bytes.
    pub fn from_bytes(signature: &[u8]) -> Result<Self> {
        let Some(body) = signature.strip_suffix(&EIP6492_MAGIC) else {
            return Err(Error::malformed(WHAT, "missing the 0x6492… magic suffix"));
        };
        let head = body.get(..96).ok_or_else(|| truncated(body.len()))?;
        let (address, offsets) = head.split_at(32);
        let (zeros, factory) = address.split_at(12);
        if zeros.iter().any(|&b| b != 0) {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("address word with non-zero upper bytes"),
            ));
        }
        let (first, second) = offsets.split_at(32);
        if word_to_len(first)? != 96 {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("factory calldata offset is not 0x60"),
            ));
        }
        let (factory_calldata, next) = read_bytes(body, 96)?;
        if word_to_len(second)? != next {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("signature offset does not follow the calldata"),
            ));
        }
        let (inner, end) = read_bytes(body, next)?;
        if end != body.len() {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("bytes after the abi tuple"),
            ));
        }
        let mut f = [0u8; 20];
        f.copy_from_slice(factory);
        Ok(Self::new(f, factory_calldata.to_vec(), inner.to_vec()))
    }

    /// The canonical bytes: `abi.encode(factory, calldata, signature) ‖ magic`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let calldata_words = padded(self.factory_calldata.len());
        let mut out =
            Vec::with_capacity(96 + 32 + calldata_words + 32 + padded(self.signature.len()) + 32);
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&self.factory);
        out.extend_from_slice(&word(96));
        out.extend_from_slice(&word(96 + 32 + calldata_words));
        for data in [&self.factory_calldata, &self.signature] {
            out.extend_from_slice(&word(data.len()));
            out.extend_from_slice(data);
            out.resize(out.len() + padded(data.len()) - data.len(), 0);
        }
        out.extend_from_slice(&EIP6492_MAGIC);
        out
    }

    /// The factory that deploys the wallet.
    pub fn factory(&self) -> &[u8; 20] {
        &self.factory
    }

    /// The calldata for the factory.
    pub fn factory_calldata(&self) -> &[u8] {
        &self.factory_calldata
    }

    /// The signature the deployed wallet checks (EIP-1271).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

fn word(n: usize) -> [u8; 32] {
    let mut w = [0u8; 32];
    if let Some(tail) = w.get_mut(24..) {
        tail.copy_from_slice(&(n as u64).to_be_bytes());
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        for (calldata, sig) in [
            (vec![], vec![]),
            (vec![1; 31], vec![2; 65]),
            (vec![3; 32], vec![4; 64]),
            (vec![5; 33], vec![6; 700]),
        ] {
            let w = Eip6492Signature::new([9; 20], calldata, sig);
            let bytes = w.to_bytes();
            assert_eq!(bytes.len() % 32, 0);
            assert_eq!(Eip6492Signature::from_bytes(&bytes).unwrap(), w);
            // Every truncation and every one-byte extension is refused.
            for n in 0..bytes.len() {
                let mut cut = bytes[..n].to_vec();
                cut.extend_from_slice(&EIP6492_MAGIC);
                if n + 32 != bytes.len() {
                    assert!(Eip6492Signature::from_bytes(&cut).is_err(), "{n}");
                }
            }
            let body = &bytes[..bytes.len() - 32];
            let extra = [body, &[0], &EIP6492_MAGIC].concat();
            assert!(Eip6492Signature::from_bytes(&extra).is_err());
            let mut dirty = bytes.clone();
            dirty[0] = 1;
            assert!(Eip6492Signature::from_bytes(&dirty).is_err());
        }
        assert!(!Eip6492Signature::is_wrapped(&[0x64; 31]));
        assert!(Eip6492Signature::from_bytes(&[7; 65]).is_err());
    }
}
