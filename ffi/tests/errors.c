/* Every error path of the keytree C ABI: NULL pointers, out-of-range
 * lengths, bad UTF-8, bad JSON, wrong/foreign/stale handles, double free
 * (guarded by the API shape), and the last-error message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const uint64_t NOW = 1700000000;

static void null_arguments(void) {
    uint8_t seed[32] = {1};
    KtRootKey *root = NULL;
    FAILS(kt_root_key_from_seed(seed, 32, NULL), KT_ERR_NULL);
    FAILS(kt_root_key_from_seed(NULL, 32, &root), KT_ERR_NULL);
    CHECK(root == NULL);
    FAILS(kt_root_key_generate(NULL), KT_ERR_NULL);
    KtBytes *out = NULL;
    FAILS(kt_root_key_public_key(NULL, &out), KT_ERR_NULL);
    CHECK(out == NULL);
    FAILS(kt_context_id_generate(NULL), KT_ERR_NULL);
    FAILS(kt_delegation_verify(NULL, 10, NOW, &out), KT_ERR_NULL);
    FAILS(kt_token_issuer_new(NULL, seed, 32, NULL), KT_ERR_NULL);
    KtTokenIssuer *issuer = NULL;
    FAILS(kt_token_issuer_new(NULL, seed, 32, &issuer), KT_ERR_NULL);
    FAILS(kt_validator_validate(NULL, (const uint8_t *)"x", 1, NOW, NULL), KT_ERR_NULL);
    FAILS(kt_context_head_seq(NULL, NULL), KT_ERR_NULL);
    FAILS(kt_root_key_free(NULL), KT_ERR_NULL);
    FAILS(kt_bytes_free(NULL), KT_ERR_NULL);
    /* NULL with length 0 is the empty input, not a NULL error. */
    FAILS(kt_delegation_verify(NULL, 0, NOW, &out), KT_ERR_JSON);
    /* Reading a NULL buffer is harmless. */
    CHECK(kt_bytes_data(NULL) == NULL && kt_bytes_len(NULL) == 0);
}

static void lengths_and_text(void) {
    uint8_t seed[33] = {0};
    KtRootKey *root = NULL;
    FAILS(kt_root_key_from_seed(seed, 31, &root), KT_ERR_ARGUMENT);
    FAILS(kt_root_key_from_seed(seed, 33, &root), KT_ERR_ARGUMENT);
    /* A length past the maximum is refused before anything is read. */
    KtBytes *out = NULL;
    FAILS(kt_delegation_verify((const uint8_t *)"{}", (size_t)KT_MAX_INPUT_LEN + 1, NOW, &out),
          KT_ERR_ARGUMENT);
    FAILS(kt_delegation_verify((const uint8_t *)"{}", SIZE_MAX, NOW, &out), KT_ERR_ARGUMENT);
    /* Bad UTF-8, in a (pointer, length) input and in a C string. */
    const uint8_t bad[] = {'{', 0xff, 0xfe, '}'};
    FAILS(kt_delegation_verify(bad, sizeof bad, NOW, &out), KT_ERR_ARGUMENT);
    OK(kt_root_key_from_seed(seed, 32, &root));
    KtClientKey *client = NULL;
    FAILS(kt_root_key_derive_client_key(root, "\xff\xfe", 0, &client), KT_ERR_ARGUMENT);
    /* A C string longer than KT_MAX_TEXT_LEN. */
    char *long_text = (char *)malloc(KT_MAX_TEXT_LEN + 2);
    memset(long_text, 'a', KT_MAX_TEXT_LEN + 1);
    long_text[KT_MAX_TEXT_LEN + 1] = '\0';
    FAILS(kt_root_key_derive_client_key(root, long_text, 0, &client), KT_ERR_ARGUMENT);
    free(long_text);
    /* Text that is not a context id. */
    FAILS(kt_root_key_derive_client_key(root, "not base58 0OIl", 0, &client), KT_ERR_DECODE);
    CHECK(client == NULL);
    OK(kt_root_key_free(&root));
}

static void bad_json(void) {
    uint8_t seed[32] = {3};
    KtRootKey *root = NULL;
    OK(kt_root_key_from_seed(seed, 32, &root));
    KtBytes *out = NULL;
    const char *cases[] = {
        "",
        "{",
        "[]",
        "{\"subject\":1}",
        "{\"subject\":\"ed25519:x\",\"context_id\":\"x\",\"permissions\":[],\"not_before\":0,"
        "\"expires_at\":1,\"extra\":true}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FAILS(kt_delegation_sign(root, (const uint8_t *)cases[i], strlen(cases[i]), &out), KT_ERR_JSON);
        CHECK(out == NULL);
    }
    /* Well-formed JSON with a bad value inside is a decode error. */
    const char *bad_key =
        "{\"subject\":\"ed25519:nope\",\"context_id\":\"11111111111111111111111111111111\","
        "\"permissions\":[\"a\"],\"not_before\":0,\"expires_at\":1}";
    FAILS(kt_delegation_sign(root, (const uint8_t *)bad_key, strlen(bad_key), &out), KT_ERR_DECODE);

    KtBytes *id = NULL;
    OK(kt_context_id_generate(&id));
    KtContext *ctx = NULL;
    OK(kt_context_new(root, kt_text(id), NOW, &ctx));
    const char *bad_op = "{\"type\":\"no_such_op\"}";
    FAILS(kt_context_propose(ctx, root, (const uint8_t *)bad_op, strlen(bad_op), NOW, &out), KT_ERR_JSON);
    FAILS(kt_context_apply(ctx, (const uint8_t *)"{}", 2), KT_ERR_JSON);
    KtContext *imported = NULL;
    FAILS(kt_context_import((const uint8_t *)"null", 4, &imported), KT_ERR_DECODE);
    CHECK(imported == NULL);
    const char *bad_proof = "{\"type\":\"ethereum_personal_sign\",\"account\":\"eip155:1:0x00\"}";
    FAILS(kt_wallet_verify((const uint8_t *)bad_proof, strlen(bad_proof), NULL, 0, NOW, &out), KT_ERR_JSON);
    KtValidator *validator = NULL;
    FAILS(kt_validator_new("iss", "aud", (const uint8_t *)"{\"keys\":5}", 10, 60, &validator),
          KT_ERR_TOKEN);
    CHECK(validator == NULL);
    OK(kt_context_free(&ctx));
    OK(kt_bytes_free(&id));
    OK(kt_root_key_free(&root));
}

static void handles(void) {
    uint8_t seed[32] = {5};
    KtRootKey *root = NULL;
    OK(kt_root_key_from_seed(seed, 32, &root));

    /* A handle of another type is refused, never used. */
    KtBytes *out = NULL;
    FAILS(kt_client_key_public_key((const KtClientKey *)root, &out), KT_ERR_HANDLE);
    KtBytes *as_bytes = (KtBytes *)root;
    FAILS(kt_bytes_free(&as_bytes), KT_ERR_HANDLE);
    CHECK(as_bytes == (KtBytes *)root); /* a refused free leaves the variable alone */
    CHECK(kt_bytes_data(as_bytes) == NULL);

    /* A foreign pointer (memory keytree never handed out) is refused and
     * never dereferenced. */
    uint64_t local = 0xdeadbeef;
    FAILS(kt_root_key_public_key((const KtRootKey *)&local, &out), KT_ERR_HANDLE);
    KtRootKey *foreign = (KtRootKey *)&local;
    FAILS(kt_root_key_free(&foreign), KT_ERR_HANDLE);
    CHECK(local == 0xdeadbeef);

    /* Double free: free takes the variable's address and NULLs it, so a
     * second free through it is a no-op; a stale copy is refused. */
    KtRootKey *copy = root;
    OK(kt_root_key_free(&root));
    CHECK(root == NULL);
    OK(kt_root_key_free(&root));
    FAILS(kt_root_key_free(&copy), KT_ERR_HANDLE);
    /* Use after free through the stale copy. */
    FAILS(kt_root_key_public_key(copy, &out), KT_ERR_HANDLE);
    CHECK(out == NULL);
    /* Handle numbers are not reused: a new key does not revive the copy. */
    OK(kt_root_key_from_seed(seed, 32, &root));
    CHECK(root != copy);
    FAILS(kt_root_key_public_key(copy, &out), KT_ERR_HANDLE);
    OK(kt_root_key_free(&root));

    /* Buffers follow the same rules. */
    OK(kt_context_id_generate(&out));
    KtBytes *stale = out;
    OK(kt_bytes_free(&out));
    CHECK(out == NULL && kt_bytes_data(stale) == NULL && kt_bytes_len(stale) == 0);
    FAILS(kt_bytes_free(&stale), KT_ERR_HANDLE);
}

static void error_message(void) {
    KtRootKey *root = NULL;
    uint8_t seed[3] = {0};
    FAILS(kt_root_key_from_seed(seed, 3, &root), KT_ERR_ARGUMENT);
    size_t full = kt_last_error_message(NULL, 0);
    char small[6];
    memset(small, 'x', sizeof small);
    CHECK(kt_last_error_message(small, sizeof small) == full);
    CHECK(small[5] == '\0' && strlen(small) == 5);
    char big[256];
    kt_last_error_message(big, sizeof big);
    CHECK(strstr(big, "expected 32 bytes, got 3") != NULL);
    CHECK(strcmp(kt_result_name(KT_ERR_ARGUMENT), "KT_ERR_ARGUMENT") == 0);
    CHECK(strcmp(kt_result_name(12345), "KT_ERR_UNKNOWN") == 0);
    /* A successful call clears the last error. */
    OK(kt_root_key_generate(&root));
    CHECK(kt_last_error_code() == KT_OK && kt_last_error_message(NULL, 0) == 0);
    OK(kt_root_key_free(&root));
}

int main(void) {
    RUN(null_arguments);
    RUN(lengths_and_text);
    RUN(bad_json);
    RUN(handles);
    RUN(error_message);
    END_TESTS();
}
