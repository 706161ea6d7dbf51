//! Token validation through the C ABI against the same call in Rust, one
//! group, with the raw primitive (a bare strict Ed25519 verify of the same
//! signing input) as the baseline. Run:
//! `cargo bench -p keytree-ffi --bench ffi`. The ratio to read is
//! `ffi_validate / rust_validate` (the cost of the boundary: argument
//! checks, the handle lookup, the panic guard).

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::ptr::null_mut;

use criterion::{Criterion, criterion_group, criterion_main};
use keytree::{
    Context, ContextId, Delegation, OpKind, Permissions, RootKey, Signature, TokenIssuer,
    TokenRequest, TokenSigningKey, TokenValidator, base64url_decode,
};
use keytree_ffi::*;

const NOW: u64 = 1_700_000_000;

#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
fn bench(c: &mut Criterion) {
    // A member and a token for it, made with the Rust API.
    let root = RootKey::from_bytes(&[7; 32]);
    let id = ContextId::from_bytes([1; 32]);
    let mut context = Context::builder(id).create(&root, NOW).unwrap();
    let client = root.derive_client_key(&id, 0);
    let grant = Delegation::builder(
        client.public_key(),
        id,
        Permissions::parse(["context:execute"]).unwrap(),
    )
    .valid_for(NOW, 3600)
    .sign_as_root(&root)
    .unwrap();
    let op = context
        .propose(OpKind::AddMember { chain: vec![grant] }, NOW)
        .sign(&root);
    context.apply(op).unwrap();
    let signing_key = TokenSigningKey::from_bytes(&[9; 32]);
    let verify_key = *signing_key.public_key();
    let issuer = TokenIssuer::new("https://auth.example", signing_key);
    let token = issuer
        .mint(
            &context,
            &TokenRequest::new(client.public_key(), "api"),
            NOW,
        )
        .unwrap();
    let jwks = issuer.jwks(NOW).to_json();
    let rust_validator = TokenValidator::builder("https://auth.example", "api")
        .jwks(&keytree::Jwks::from_json(&jwks).unwrap())
        .build()
        .unwrap();

    // The same validator and context behind C handles.
    let mut validator: *mut KtValidator = null_mut();
    let mut ffi_context: *mut KtContext = null_mut();
    let log = context.export_json().unwrap();
    // SAFETY: static C strings, buffers with their true lengths, live local
    // out-slots.
    let code = unsafe {
        kt_validator_new(
            c"https://auth.example".as_ptr(),
            c"api".as_ptr(),
            jwks.as_ptr(),
            jwks.len(),
            KT_DEFAULT_LEEWAY,
            &mut validator,
        )
    };
    assert_eq!(code, KT_OK);
    // SAFETY: as above.
    let code = unsafe { kt_context_import(log.as_ptr(), log.len(), &mut ffi_context) };
    assert_eq!(code, KT_OK);

    // The raw primitive: the token's signature over its signing input.
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let signature =
        Signature::from_slice(&base64url_decode(sig_b64, "signature").unwrap()).unwrap();

    let mut g = c.benchmark_group("ffi_validate");
    g.bench_function("ed25519_verify_strict", |b| {
        b.iter(|| {
            verify_key
                .verify(black_box(signing_input.as_bytes()), &signature)
                .unwrap()
        })
    });
    g.bench_function("rust_validate", |b| {
        b.iter(|| rust_validator.validate(black_box(&token), NOW + 1).unwrap())
    });
    g.bench_function("ffi_validate", |b| {
        b.iter(|| {
            // SAFETY: a live validator handle; the token buffer and length
            // match; NULL asks for no claims.
            let code = unsafe {
                kt_validator_validate(
                    validator,
                    black_box(token.as_ptr()),
                    token.len(),
                    NOW + 1,
                    null_mut(),
                )
            };
            assert_eq!(code, KT_OK);
        })
    });
    g.bench_function("rust_validate_for", |b| {
        b.iter(|| {
            rust_validator
                .validate_for(&context, black_box(&token), NOW + 1)
                .unwrap()
        })
    });
    g.bench_function("ffi_validate_for", |b| {
        b.iter(|| {
            // SAFETY: live handles; the token buffer and length match.
            let code = unsafe {
                kt_validator_validate_for(
                    validator,
                    ffi_context,
                    black_box(token.as_ptr()),
                    token.len(),
                    NOW + 1,
                    null_mut(),
                )
            };
            assert_eq!(code, KT_OK);
        })
    });
    // The boundary alone: a call that does nothing but check its handle,
    // look it up and pass the panic guard. Under load, the difference
    // between two ~50 µs runs is noise; this number is the overhead.
    let mut buf: *mut KtBytes = null_mut();
    // SAFETY: a live local out-slot.
    assert_eq!(unsafe { kt_context_id_generate(&mut buf) }, KT_OK);
    g.bench_function("ffi_boundary_only", |b| {
        b.iter(|| kt_bytes_len(black_box(buf)))
    });
    g.finish();
    // SAFETY: a live local slot holding a live handle.
    unsafe {
        kt_bytes_free(&mut buf);
    }

    // SAFETY: live local slots holding live handles (or NULL).
    unsafe {
        kt_validator_free(&mut validator);
    }
    // SAFETY: as above.
    unsafe {
        kt_context_free(&mut ffi_context);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
