//! Round trips of the wallet text codecs (proptest).

use keytree::{AccountId, Strkey};
use proptest::prelude::*;

proptest! {
    #[test]
    fn eth_accounts_round_trip(addr in any::<[u8; 20]>(), chain in 1u64..u64::MAX) {
        let text = format!("eip155:{chain}:{}", keytree::eip55_encode(&addr));
        let a: AccountId = text.parse().unwrap();
        prop_assert_eq!(a.to_string(), text.clone());
        let lower: AccountId = text.to_lowercase().parse().unwrap();
        prop_assert_eq!(lower, a);
    }

    #[test]
    fn strkeys_round_trip(key in any::<[u8; 32]>(), id in any::<u64>()) {
        for k in [Strkey::Account(key), Strkey::Muxed { key, id }] {
            let text = k.encode();
            prop_assert_eq!(Strkey::decode(&text).unwrap(), k);
        }
    }

    #[test]
    fn solana_and_raw_accounts_round_trip(seed in any::<[u8; 32]>()) {
        let pk = keytree::RootKey::from_bytes(&seed).public_key();
        let sol = format!("solana:{}:{}", keytree::SOLANA_MAINNET, keytree::base58_encode(pk.as_bytes()));
        prop_assert_eq!(sol.parse::<AccountId>().unwrap().to_string(), sol);
        let raw = AccountId::raw_ed25519(&pk);
        prop_assert_eq!(raw.to_string().parse::<AccountId>().unwrap(), raw);
    }

    #[test]
    fn caip10_parser_never_panics(s in "\\PC{0,80}") {
        if let Ok(a) = s.parse::<AccountId>() {
            prop_assert_eq!(a.to_string().parse::<AccountId>().unwrap(), a);
        }
    }
}
