//! The claims payload as minting writes it: canonical JSON (claims in a fixed
//! order, no whitespace) written by hand into one buffer.
//!
//! Byte for byte what serde_json makes of the claims (`TokenClaims::to_json`,
//! kept as the reference; the tests below compare the two), without serde's
//! per-field dispatch, its escaping loop over every byte of text that needs
//! none, or the heap strings the base58 fields went through. This is part of
//! keeping [`crate::TokenIssuer::mint`] close to the cost of its Ed25519
//! signature (see the `tokens` bench).

use super::claims::{Base58x32, TokenClaims};

/// Lowercase hex digits (serde_json's `\u00XX` and the `sid` text).
const HEX: &[u8; 16] = b"0123456789abcdef";

impl TokenClaims {
    /// Appends the canonical JSON payload to `out`: the same bytes as the
    /// serde form (`to_json`).
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        out.reserve(
            300 + self.issuer.len()
                + self.subject.len()
                + self.audience.len()
                + self.jti.len()
                + self
                    .permissions
                    .iter()
                    .map(|p| p.as_str().len() + 3)
                    .sum::<usize>(),
        );
        out.extend_from_slice(br#"{"iss":"#);
        push_str(out, &self.issuer);
        out.extend_from_slice(br#","sub":"#);
        push_str(out, &self.subject);
        out.extend_from_slice(br#","aud":"#);
        push_str(out, &self.audience);
        out.extend_from_slice(br#","exp":"#);
        push_u64(out, self.expires_at);
        out.extend_from_slice(br#","nbf":"#);
        push_u64(out, self.not_before);
        out.extend_from_slice(br#","iat":"#);
        push_u64(out, self.issued_at);
        out.extend_from_slice(br#","jti":"#);
        push_str(out, &self.jti);
        out.extend_from_slice(br#","token_type":"#);
        push_str(out, self.token_type.as_str());
        out.extend_from_slice(br#","context_id":""#);
        out.extend_from_slice(Base58x32::new(self.context_id.as_bytes()).as_bytes());
        out.push(b'"');
        // A wallet-account member's token has no executor key (its `sub`
        // is the account).
        if let Some(key) = self.executor_key_bytes() {
            out.extend_from_slice(br#","executor_public_key":"ed25519:"#);
            out.extend_from_slice(Base58x32::new(key).as_bytes());
            out.push(b'"');
        }
        out.extend_from_slice(br#","permissions":["#);
        for (i, permission) in self.permissions.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_str(out, permission.as_str());
        }
        out.push(b']');
        if let Some(sid) = &self.session {
            out.extend_from_slice(br#","sid":""#);
            for &b in sid.as_bytes() {
                out.push(hex_digit(b >> 4));
                out.push(hex_digit(b & 0x0f));
            }
            out.push(b'"');
        }
        out.push(b'}');
    }
}

fn hex_digit(nibble: u8) -> u8 {
    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')
}

/// A JSON string, escaped as serde_json escapes: `"` and `\` and the C0
/// controls (`\b \t \n \f \r` by name, the others as `\u00XX`); everything
/// else, DEL and non-ASCII included, as is. Text without any of those
/// (every claim keytree itself makes) is copied in one go.
fn push_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    if bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(bytes);
    } else {
        for &b in bytes {
            match b {
                b'"' => out.extend_from_slice(br#"\""#),
                b'\\' => out.extend_from_slice(br"\\"),
                0x08 => out.extend_from_slice(br"\b"),
                b'\t' => out.extend_from_slice(br"\t"),
                b'\n' => out.extend_from_slice(br"\n"),
                0x0c => out.extend_from_slice(br"\f"),
                b'\r' => out.extend_from_slice(br"\r"),
                0x00..=0x1f => {
                    out.extend_from_slice(br"\u00");
                    out.push(hex_digit(b >> 4));
                    out.push(hex_digit(b & 0x0f));
                }
                _ => out.push(b),
            }
        }
    }
    out.push(b'"');
}

/// A decimal integer.
fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::super::claims::{TokenMember, TokenType};
    use super::super::refresh::FamilyId;
    use super::*;
    use crate::id::ContextId;
    use crate::permission::Permissions;

    fn claims(text: &str, n: u64, key: [u8; 32], session: Option<FamilyId>) -> TokenClaims {
        TokenClaims {
            issuer: format!("https://{text}"),
            subject: text.to_owned(),
            audience: format!("aud{text}"),
            expires_at: n,
            not_before: n / 3,
            issued_at: n / 7,
            jti: text.chars().rev().collect(),
            token_type: if n.is_multiple_of(2) {
                TokenType::Access
            } else {
                TokenType::Refresh
            },
            context_id: ContextId::from_bytes(key.map(|b| b.rotate_left(3))),
            member: TokenMember::Key(key),
            permissions: Permissions::parse(["blob", "context:execute", "a:b"]).unwrap(),
            session,
        }
    }

    fn assert_same(c: &TokenClaims) {
        let mut mine = b"prefix".to_vec();
        c.write_json(&mut mine);
        assert_eq!(
            String::from_utf8_lossy(&mine[6..]),
            String::from_utf8_lossy(&c.to_json())
        );
        assert_eq!(mine[6..], c.to_json()[..]);
    }

    #[test]
    fn hand_written_payload_is_serde_json_byte_for_byte() {
        let mut texts: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "ed25519:6MqL1z7a".into(),
            "eip155:1:0xAbC".into(),
            "quote\"back\\slash/solidus".into(),
            "\u{7f}del é ü 日本 🦀 \u{2028}\u{2029}".into(),
        ];
        // Every ASCII character, alone and in company.
        texts.extend((0u8..0x80).map(|b| char::from(b).to_string()));
        texts.push((0u8..0x80).map(char::from).collect());
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (i, text) in texts.iter().enumerate() {
            let mut key = [0u8; 32];
            for b in key.iter_mut() {
                *b = next() as u8;
            }
            key[..i % 33].fill(0);
            let n = match i % 4 {
                0 => 0,
                1 => u64::MAX,
                2 => 10u64.pow((i % 20) as u32),
                _ => next(),
            };
            let session = (i % 3 == 0).then(|| FamilyId::from_bytes([i as u8; 16]));
            assert_same(&claims(text, n, key, session));
        }
        for key in [[0u8; 32], [0xff; 32], [1; 32]] {
            assert_same(&claims("k", 1_700_000_000, key, None));
        }
        // A wallet-account member's token: no executor key, the account in
        // `sub`, with and without a session.
        for (i, account) in [
            "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv",
        ]
        .into_iter()
        .enumerate()
        {
            let account: crate::wallet::AccountId = account.parse().unwrap();
            let mut c = claims(&account.to_string(), 1_700_000_000, [7; 32], None);
            c.subject = account.to_string();
            c.member = TokenMember::Account(account);
            assert_same(&c);
            c.session = Some(FamilyId::from_bytes([i as u8 + 0xa0; 16]));
            assert_same(&c);
            let mut out = Vec::new();
            c.write_json(&mut out);
            assert!(
                !String::from_utf8(out)
                    .unwrap()
                    .contains("executor_public_key")
            );
        }
    }

    #[test]
    fn integers_as_serde_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 1_700_000_000, u64::MAX - 1, u64::MAX] {
            let mut out = Vec::new();
            push_u64(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
    }

    #[test]
    fn base58_edge_values() {
        use crate::encoding::base58_encode;
        let mut cases = vec![[0u8; 32], [0xff; 32], [1; 32]];
        for i in 0..32 {
            let mut one = [0u8; 32];
            one[i] = 1;
            cases.push(one);
            let mut top = [0xffu8; 32];
            top[..i].fill(0);
            cases.push(top);
        }
        for bytes in cases {
            assert_eq!(
                Base58x32::new(&bytes).as_bytes(),
                base58_encode(&bytes).as_bytes(),
                "{bytes:02x?}"
            );
        }
    }
}
