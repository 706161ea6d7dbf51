/* The keytree quickstart through the C ABI, end to end: root key, context,
 * derived client key, delegation, membership op, authorization at a time,
 * token minted and validated in C, revocation, log export and replay, a
 * wallet proof from a published vector, and a login challenge. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const uint64_t NOW = 1700000000;

static void quickstart(void) {
    uint8_t root_seed[32], issuer_seed[32];
    memset(root_seed, 7, sizeof root_seed);
    memset(issuer_seed, 9, sizeof issuer_seed);

    KtRootKey *root = NULL;
    OK(kt_root_key_from_seed(root_seed, sizeof root_seed, &root));
    KtBytes *root_pk = NULL;
    OK(kt_root_key_public_key(root, &root_pk));
    CHECK(strncmp(kt_text(root_pk), "ed25519:", 8) == 0);

    /* The seed comes back as it went in. */
    KtBytes *seed = NULL;
    OK(kt_root_key_seed(root, &seed));
    CHECK(kt_bytes_len(seed) == 32 && memcmp(kt_bytes_data(seed), root_seed, 32) == 0);
    OK(kt_bytes_free(&seed));

    KtBytes *ctx_id = NULL;
    OK(kt_context_id_generate(&ctx_id));
    KtContext *ctx = NULL;
    OK(kt_context_new(root, kt_text(ctx_id), NOW, &ctx));

    /* Derivation is deterministic. */
    KtClientKey *client = NULL, *again = NULL;
    OK(kt_root_key_derive_client_key(root, kt_text(ctx_id), 0, &client));
    OK(kt_root_key_derive_client_key(root, kt_text(ctx_id), 0, &again));
    KtBytes *client_pk = NULL, *again_pk = NULL;
    OK(kt_client_key_public_key(client, &client_pk));
    OK(kt_client_key_public_key(again, &again_pk));
    CHECK(strcmp(kt_text(client_pk), kt_text(again_pk)) == 0);
    OK(kt_client_key_free(&again));
    OK(kt_bytes_free(&again_pk));

    /* A one-hour delegation from the root to the client key. */
    char request[512];
    snprintf(request, sizeof request,
             "{\"subject\":\"%s\",\"context_id\":\"%s\",\"permissions\":[\"context:execute\"],"
             "\"not_before\":%llu,\"expires_at\":%llu}",
             kt_text(client_pk), kt_text(ctx_id), (unsigned long long)NOW,
             (unsigned long long)(NOW + 3600));
    KtBytes *delegation = NULL;
    OK(kt_delegation_sign(root, (const uint8_t *)request, strlen(request), &delegation));
    KtBytes *summary = NULL;
    OK(kt_delegation_verify(kt_bytes_data(delegation), kt_bytes_len(delegation), NOW + 1, &summary));
    CHECK(strstr(kt_text(summary), kt_text(client_pk)) != NULL);
    OK(kt_bytes_free(&summary));
    FAILS(kt_delegation_verify(kt_bytes_data(delegation), kt_bytes_len(delegation), NOW + 3600, &summary),
          KT_ERR_DELEGATION);
    CHECK(summary == NULL);

    /* Add the client as a member: propose + sign, then apply. */
    size_t kind_cap = kt_bytes_len(delegation) + 64;
    char *kind = (char *)malloc(kind_cap);
    snprintf(kind, kind_cap, "{\"type\":\"add_member\",\"chain\":[%s]}", kt_text(delegation));
    KtBytes *op = NULL;
    OK(kt_context_propose(ctx, root, (const uint8_t *)kind, strlen(kind), NOW, &op));
    free(kind);
    OK(kt_context_apply(ctx, kt_bytes_data(op), kt_bytes_len(op)));
    /* The same op again does not continue the chain. */
    FAILS(kt_context_apply(ctx, kt_bytes_data(op), kt_bytes_len(op)), KT_ERR_CONTEXT);
    OK(kt_bytes_free(&op));

    OK(kt_context_authorize(ctx, kt_text(client_pk), "context:execute:transfer", NOW + 10));
    FAILS(kt_context_authorize(ctx, kt_text(client_pk), "admin", NOW + 10), KT_ERR_CONTEXT);
    FAILS(kt_context_authorize(ctx, kt_text(client_pk), "context:execute", NOW + 3600), KT_ERR_CONTEXT);

    /* A token minted in C, validated in C. */
    KtTokenIssuer *issuer = NULL;
    OK(kt_token_issuer_new("https://auth.example", issuer_seed, sizeof issuer_seed, &issuer));
    snprintf(request, sizeof request, "{\"executor\":\"%s\",\"audience\":\"api.example\"}",
             kt_text(client_pk));
    KtBytes *token = NULL;
    OK(kt_token_issuer_mint(issuer, ctx, (const uint8_t *)request, strlen(request), NOW, &token));
    CHECK(token != NULL && kt_bytes_len(token) > 100);
    KtBytes *jwks = NULL;
    OK(kt_token_issuer_jwks(issuer, NOW, &jwks));
    CHECK(strstr(kt_text(jwks), "\"OKP\"") != NULL);

    KtValidator *validator = NULL;
    OK(kt_validator_new("https://auth.example", "api.example", kt_bytes_data(jwks), kt_bytes_len(jwks),
                        KT_DEFAULT_LEEWAY, &validator));
    OK(kt_validator_validate(validator, kt_bytes_data(token), kt_bytes_len(token), NOW + 1, NULL));
    KtBytes *claims = NULL;
    OK(kt_validator_validate_for(validator, ctx, kt_bytes_data(token), kt_bytes_len(token), NOW + 1,
                                 &claims));
    CHECK(strstr(kt_text(claims), "\"context:execute\"") != NULL);
    CHECK(strstr(kt_text(claims), kt_text(client_pk)) != NULL);
    OK(kt_bytes_free(&claims));
    /* Wrong audience. */
    KtValidator *other = NULL;
    OK(kt_validator_new("https://auth.example", "other", kt_bytes_data(jwks), kt_bytes_len(jwks),
                        KT_DEFAULT_LEEWAY, &other));
    FAILS(kt_validator_validate(other, kt_bytes_data(token), kt_bytes_len(token), NOW + 1, NULL),
          KT_ERR_TOKEN);
    OK(kt_validator_free(&other));
    /* A flipped signature character is a signature failure. */
    size_t tlen = kt_bytes_len(token);
    char *forged = (char *)malloc(tlen + 1);
    memcpy(forged, kt_bytes_data(token), tlen + 1);
    forged[tlen - 2] = forged[tlen - 2] == 'A' ? 'B' : 'A';
    FAILS(kt_validator_validate(validator, (const uint8_t *)forged, tlen, NOW + 1, NULL),
          KT_ERR_SIGNATURE);
    free(forged);
    /* Expired. */
    FAILS(kt_validator_validate(validator, kt_bytes_data(token), kt_bytes_len(token), NOW + 100000, NULL),
          KT_ERR_TOKEN);

    /* Revoke the client: the unexpired token is refused at once. */
    snprintf(request, sizeof request, "{\"type\":\"revoke_key\",\"key\":\"%s\"}", kt_text(client_pk));
    OK(kt_context_propose(ctx, root, (const uint8_t *)request, strlen(request), NOW + 60, &op));
    OK(kt_context_apply(ctx, kt_bytes_data(op), kt_bytes_len(op)));
    OK(kt_bytes_free(&op));
    FAILS(kt_validator_validate_for(validator, ctx, kt_bytes_data(token), kt_bytes_len(token), NOW + 61,
                                    &claims),
          KT_ERR_TOKEN);
    CHECK(claims == NULL);
    FAILS(kt_context_authorize(ctx, kt_text(client_pk), "context:execute", NOW + 61), KT_ERR_CONTEXT);

    /* Export the log and replay it elsewhere. */
    KtBytes *log = NULL;
    OK(kt_context_export(ctx, &log));
    KtContext *replica = NULL;
    OK(kt_context_import(kt_bytes_data(log), kt_bytes_len(log), &replica));
    uint64_t seq_a = 0, seq_b = 1;
    OK(kt_context_head_seq(ctx, &seq_a));
    OK(kt_context_head_seq(replica, &seq_b));
    CHECK(seq_a == 2 && seq_a == seq_b);
    FAILS(kt_context_authorize(replica, kt_text(client_pk), "context:execute", NOW + 61), KT_ERR_CONTEXT);

    OK(kt_bytes_free(&log));
    OK(kt_context_free(&replica));
    OK(kt_validator_free(&validator));
    OK(kt_bytes_free(&jwks));
    OK(kt_bytes_free(&token));
    OK(kt_token_issuer_free(&issuer));
    OK(kt_bytes_free(&delegation));
    OK(kt_bytes_free(&client_pk));
    OK(kt_client_key_free(&client));
    OK(kt_context_free(&ctx));
    OK(kt_bytes_free(&ctx_id));
    OK(kt_bytes_free(&root_pk));
    OK(kt_root_key_free(&root));
    CHECK(root == NULL && ctx == NULL && token == NULL);
}

/* ethers.js v5 test-wallet.ts "hello world" personal_sign vector (also in
 * the published Ethereum vectors: ethereum/eip191_personal_sign.json,
 * id ethers-v5-hello-world). */
static void wallet_proof_from_published_vector(void) {
    const char *proof =
        "{\"type\":\"ethereum_personal_sign\","
        "\"account\":\"eip155:1:0x14791697260E4c9A71f18484C9f997B308e59325\","
        "\"message\":\"hello world\","
        "\"signature\":\"0xddd0a7290af9526056b4e35a077b9a11b513aa0028ec6c9880948544508f3c63"
        "265e99e47ad31bb2cab9646c504576b3abc6939a1710afc08cbf3034d73214b81c\"}";
    const char *expect = "{\"message\":\"hello world\"}";
    KtBytes *account = NULL;
    OK(kt_wallet_verify((const uint8_t *)proof, strlen(proof), (const uint8_t *)expect, strlen(expect),
                        NOW, &account));
    CHECK(account != NULL &&
          strstr(kt_text(account), "eip155:1:0x14791697260E4c9A71f18484C9f997B308e59325") != NULL);
    OK(kt_bytes_free(&account));

    /* The same signature for another message is refused. */
    const char *other = "{\"message\":\"hello world!\"}";
    CHECK(kt_wallet_verify((const uint8_t *)proof, strlen(proof), (const uint8_t *)other, strlen(other),
                           NOW, &account) != KT_OK);
    CHECK(account == NULL);
    /* Without the expected message, the proof is refused (fail closed). */
    FAILS(kt_wallet_verify((const uint8_t *)proof, strlen(proof), NULL, 0, NOW, &account), KT_ERR_WALLET);
}

static void login_challenge(void) {
    uint8_t key[32];
    memset(key, 0x5a, sizeof key);
    KtChallengeIssuer *login = NULL;
    FAILS(kt_challenge_issuer_new("app.example.com", key, 16, &login), KT_ERR_ARGUMENT);
    OK(kt_challenge_issuer_new("app.example.com", key, sizeof key, &login));
    KtBytes *challenge = NULL;
    OK(kt_challenge_issue(login, "eip155:1:0x14791697260E4c9A71f18484C9f997B308e59325", NOW, &challenge));
    CHECK(strstr(kt_text(challenge), "\"format\":\"siwe\"") != NULL);
    CHECK(strstr(kt_text(challenge), "app.example.com wants you to sign in") != NULL);
    /* A signature that is not the wallet's over this challenge is refused. */
    const char *proof =
        "{\"type\":\"ethereum_personal_sign\","
        "\"account\":\"eip155:1:0x14791697260E4c9A71f18484C9f997B308e59325\","
        "\"message\":\"hello world\","
        "\"signature\":\"0xddd0a7290af9526056b4e35a077b9a11b513aa0028ec6c9880948544508f3c63"
        "265e99e47ad31bb2cab9646c504576b3abc6939a1710afc08cbf3034d73214b81c\"}";
    KtBytes *who = NULL;
    CHECK(kt_challenge_redeem(login, (const uint8_t *)proof, strlen(proof), NOW + 5, &who) != KT_OK);
    CHECK(who == NULL);
    OK(kt_bytes_free(&challenge));
    FAILS(kt_challenge_issue(login, "not-an-account", NOW, &challenge), KT_ERR_DECODE);
    CHECK(challenge == NULL);
    OK(kt_challenge_issuer_free(&login));
}

int main(void) {
    CHECK(strlen(kt_version()) > 0);
    RUN(quickstart);
    RUN(wallet_proof_from_published_vector);
    RUN(login_challenge);
    END_TESTS();
}
