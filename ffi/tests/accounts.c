/* Wallet-account members through the C ABI: op kinds 7-11 (add_account,
 * link_account, unlink_account, set_account_permissions, revoke_account)
 * proposed and applied as JSON, authorize_account at a time, a token
 * minted for an Ethereum account member and for an account linked to it,
 * validated against the live context, and refused once unlinked, narrowed
 * or revoked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const uint64_t NOW = 1700000000;
/* EIP-55 (canonical CAIP-10) Ethereum account; the NEAR account is linked. */
static const char *ETH = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
static const char *ETH_LOWER = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
static const char *NEAR = "near:mainnet:alice.near";
static const char *STRANGER = "eip155:1:0x14791697260E4c9A71f18484C9f997B308e59325";

/* Proposes `kind` (signed by `root`) at `ts` and applies it. The op is
 * copied out and freed first, so a failed apply is the last call (its
 * error stays readable). */
static KtResult apply_kind(KtContext *ctx, KtRootKey *root, const char *kind, uint64_t ts) {
    KtBytes *op = NULL;
    KtResult rc = kt_context_propose(ctx, root, (const uint8_t *)kind, strlen(kind), ts, &op);
    if (rc != KT_OK) {
        CHECK(op == NULL);
        return rc;
    }
    size_t len = kt_bytes_len(op);
    uint8_t *copy = (uint8_t *)malloc(len);
    CHECK(copy != NULL);
    memcpy(copy, kt_bytes_data(op), len);
    OK(kt_bytes_free(&op));
    rc = kt_context_apply(ctx, copy, len);
    free(copy);
    return rc;
}

static KtResult mint_account(KtTokenIssuer *issuer, KtContext *ctx, const char *request, uint64_t now,
                             KtBytes **out) {
    return kt_token_issuer_mint_account(issuer, ctx, (const uint8_t *)request, strlen(request), now, out);
}

static KtResult validate_for(KtValidator *v, KtContext *ctx, const KtBytes *token, uint64_t now,
                             KtBytes **claims) {
    return kt_validator_validate_for(v, ctx, kt_bytes_data(token), kt_bytes_len(token), now, claims);
}

/* Whether the claims JSON has `"name":"value"`. */
static int has_claim(const KtBytes *claims, const char *name, const char *value) {
    char needle[256];
    snprintf(needle, sizeof needle, "\"%s\":\"%s\"", name, value);
    return strstr(kt_text(claims), needle) != NULL;
}

static void ethereum_account_member(void) {
    uint8_t root_seed[32], issuer_seed[32];
    memset(root_seed, 7, sizeof root_seed);
    memset(issuer_seed, 9, sizeof issuer_seed);
    KtRootKey *root = NULL;
    OK(kt_root_key_from_seed(root_seed, sizeof root_seed, &root));
    KtBytes *ctx_id = NULL;
    OK(kt_context_id_generate(&ctx_id));
    KtContext *ctx = NULL;
    OK(kt_context_new(root, kt_text(ctx_id), NOW, &ctx));
    char kind[512], request[512];

    /* Kind 7: add_account. A non-canonical spelling is refused. */
    snprintf(kind, sizeof kind,
             "{\"type\":\"add_account\",\"account\":\"%s\",\"permissions\":[\"context:execute\"],"
             "\"not_before\":%llu,\"expires_at\":%llu}",
             ETH_LOWER, (unsigned long long)NOW, (unsigned long long)(NOW + 3600));
    FAILS(apply_kind(ctx, root, kind, NOW), KT_ERR_JSON);
    snprintf(kind, sizeof kind,
             "{\"type\":\"add_account\",\"account\":\"%s\",\"permissions\":[\"context:execute\"],"
             "\"not_before\":%llu,\"expires_at\":%llu}",
             ETH, (unsigned long long)NOW, (unsigned long long)(NOW + 3600));
    OK(apply_kind(ctx, root, kind, NOW));
    /* Added twice: the op decodes but is refused when applied. */
    FAILS(apply_kind(ctx, root, kind, NOW), KT_ERR_CONTEXT);

    OK(kt_context_authorize_account(ctx, ETH, "context:execute:transfer", NOW + 10));
    FAILS(kt_context_authorize_account(ctx, ETH, "admin", NOW + 10), KT_ERR_CONTEXT);
    FAILS(kt_context_authorize_account(ctx, ETH, "context:execute", NOW + 3600), KT_ERR_CONTEXT);
    FAILS(kt_context_authorize_account(ctx, STRANGER, "context:execute", NOW + 10), KT_ERR_CONTEXT);
    FAILS(kt_context_authorize_account(ctx, "not-an-account", "context:execute", NOW + 10), KT_ERR_DECODE);
    FAILS(kt_context_authorize_account(ctx, NULL, "context:execute", NOW + 10), KT_ERR_NULL);

    /* A token for the account member: no executor key, `sub` = account. */
    KtTokenIssuer *issuer = NULL;
    OK(kt_token_issuer_new("https://auth.example", issuer_seed, sizeof issuer_seed, &issuer));
    KtBytes *jwks = NULL;
    OK(kt_token_issuer_jwks(issuer, NOW, &jwks));
    KtValidator *validator = NULL;
    OK(kt_validator_new("https://auth.example", "api.example", kt_bytes_data(jwks), kt_bytes_len(jwks),
                        KT_DEFAULT_LEEWAY, &validator));

    KtBytes *token = NULL;
    snprintf(request, sizeof request, "{\"account\":\"%s\",\"audience\":\"api.example\"}", ETH);
    OK(mint_account(issuer, ctx, request, NOW + 10, &token));
    KtBytes *claims = NULL;
    OK(validate_for(validator, ctx, token, NOW + 11, &claims));
    CHECK(has_claim(claims, "sub", ETH));
    CHECK(has_claim(claims, "account", ETH));
    CHECK(has_claim(claims, "context_id", kt_text(ctx_id)));
    CHECK(strstr(kt_text(claims), "\"permissions\":[\"context:execute\"]") != NULL);
    CHECK(strstr(kt_text(claims), "executor_public_key") == NULL);
    CHECK(strstr(kt_text(claims), "\"via\"") == NULL);
    OK(kt_bytes_free(&claims));

    /* Requests may spell the account any way; `sub` is canonical. */
    KtBytes *lower = NULL;
    snprintf(request, sizeof request, "{\"account\":\"%s\",\"audience\":\"api.example\"}", ETH_LOWER);
    OK(mint_account(issuer, ctx, request, NOW + 10, &lower));
    OK(validate_for(validator, ctx, lower, NOW + 11, &claims));
    CHECK(has_claim(claims, "sub", ETH));
    OK(kt_bytes_free(&claims));
    OK(kt_bytes_free(&lower));
    OK(kt_context_authorize_account(ctx, ETH_LOWER, "context:execute", NOW + 10));

    /* A wallet member's `sub` cannot be chosen; strangers get no token. */
    snprintf(request, sizeof request,
             "{\"account\":\"%s\",\"audience\":\"api.example\",\"subject\":\"someone\"}", ETH);
    KtBytes *none = NULL;
    FAILS(mint_account(issuer, ctx, request, NOW + 10, &none), KT_ERR_JSON);
    snprintf(request, sizeof request, "{\"account\":\"%s\",\"audience\":\"api.example\"}", STRANGER);
    FAILS(mint_account(issuer, ctx, request, NOW + 10, &none), KT_ERR_CONTEXT);
    /* More than the member holds. */
    snprintf(request, sizeof request,
             "{\"account\":\"%s\",\"audience\":\"api.example\",\"permissions\":[\"admin\"]}", ETH);
    CHECK(mint_account(issuer, ctx, request, NOW + 10, &none) != KT_OK);
    CHECK(none == NULL);

    /* Kind 10: link_account. The linked account logs in as the member. */
    snprintf(kind, sizeof kind, "{\"type\":\"link_account\",\"member\":\"%s\",\"account\":\"%s\"}", ETH,
             NEAR);
    OK(apply_kind(ctx, root, kind, NOW + 20));
    OK(kt_context_authorize_account(ctx, NEAR, "context:execute", NOW + 21));
    KtBytes *via_token = NULL;
    snprintf(request, sizeof request, "{\"account\":\"%s\",\"audience\":\"api.example\",\"ttl\":600}",
             NEAR);
    OK(mint_account(issuer, ctx, request, NOW + 21, &via_token));
    OK(validate_for(validator, ctx, via_token, NOW + 22, &claims));
    CHECK(has_claim(claims, "sub", ETH));
    CHECK(has_claim(claims, "account", ETH));
    CHECK(has_claim(claims, "via", NEAR));
    OK(kt_bytes_free(&claims));

    /* Kind 11: unlink_account ends the linked login's token at once. */
    snprintf(kind, sizeof kind, "{\"type\":\"unlink_account\",\"account\":\"%s\"}", NEAR);
    OK(apply_kind(ctx, root, kind, NOW + 30));
    FAILS(validate_for(validator, ctx, via_token, NOW + 31, &claims), KT_ERR_TOKEN);
    CHECK(claims == NULL);
    FAILS(kt_context_authorize_account(ctx, NEAR, "context:execute", NOW + 31), KT_ERR_CONTEXT);
    OK(validate_for(validator, ctx, token, NOW + 31, NULL));

    /* Kind 8: set_account_permissions narrows; the wider token is refused. */
    snprintf(kind, sizeof kind,
             "{\"type\":\"set_account_permissions\",\"account\":\"%s\","
             "\"permissions\":[\"context:execute:transfer\"]}",
             ETH);
    OK(apply_kind(ctx, root, kind, NOW + 40));
    FAILS(validate_for(validator, ctx, token, NOW + 41, NULL), KT_ERR_TOKEN);
    OK(kt_context_authorize_account(ctx, ETH, "context:execute:transfer", NOW + 41));
    FAILS(kt_context_authorize_account(ctx, ETH, "context:execute:other", NOW + 41), KT_ERR_CONTEXT);
    KtBytes *narrow = NULL;
    snprintf(request, sizeof request, "{\"account\":\"%s\",\"audience\":\"api.example\"}", ETH);
    OK(mint_account(issuer, ctx, request, NOW + 41, &narrow));
    OK(validate_for(validator, ctx, narrow, NOW + 42, &claims));
    CHECK(strstr(kt_text(claims), "\"permissions\":[\"context:execute:transfer\"]") != NULL);
    OK(kt_bytes_free(&claims));

    /* Kind 9: revoke_account. The unexpired token is refused against the
     * context (a context-free check still passes: the signature is good). */
    snprintf(kind, sizeof kind, "{\"type\":\"revoke_account\",\"account\":\"%s\"}", ETH);
    OK(apply_kind(ctx, root, kind, NOW + 50));
    FAILS(validate_for(validator, ctx, narrow, NOW + 51, &claims), KT_ERR_TOKEN);
    CHECK(claims == NULL);
    OK(kt_validator_validate(validator, kt_bytes_data(narrow), kt_bytes_len(narrow), NOW + 51, NULL));
    FAILS(kt_context_authorize_account(ctx, ETH, "context:execute:transfer", NOW + 51), KT_ERR_CONTEXT);
    FAILS(mint_account(issuer, ctx, request, NOW + 51, &none), KT_ERR_CONTEXT);
    /* Revocation is permanent: adding the account again is refused. */
    snprintf(kind, sizeof kind,
             "{\"type\":\"add_account\",\"account\":\"%s\",\"permissions\":[\"context:execute\"],"
             "\"not_before\":%llu,\"expires_at\":%llu}",
             ETH, (unsigned long long)NOW, (unsigned long long)(NOW + 3600));
    FAILS(apply_kind(ctx, root, kind, NOW + 60), KT_ERR_CONTEXT);

    /* The log with all five account ops replays to the same state. */
    KtBytes *log = NULL;
    OK(kt_context_export(ctx, &log));
    KtContext *replica = NULL;
    OK(kt_context_import(kt_bytes_data(log), kt_bytes_len(log), &replica));
    uint64_t seq_a = 0, seq_b = 1;
    OK(kt_context_head_seq(ctx, &seq_a));
    OK(kt_context_head_seq(replica, &seq_b));
    CHECK(seq_a == 5 && seq_a == seq_b);
    FAILS(validate_for(validator, replica, narrow, NOW + 51, NULL), KT_ERR_TOKEN);
    FAILS(kt_context_authorize_account(replica, ETH, "context:execute:transfer", NOW + 51), KT_ERR_CONTEXT);

    OK(kt_bytes_free(&log));
    OK(kt_context_free(&replica));
    OK(kt_bytes_free(&narrow));
    OK(kt_bytes_free(&via_token));
    OK(kt_bytes_free(&token));
    OK(kt_validator_free(&validator));
    OK(kt_bytes_free(&jwks));
    OK(kt_token_issuer_free(&issuer));
    OK(kt_context_free(&ctx));
    OK(kt_bytes_free(&ctx_id));
    OK(kt_root_key_free(&root));
}

/* A key member's token still has no `account` or `via` claim. */
static void key_member_claims_unchanged(void) {
    uint8_t seed[32];
    memset(seed, 3, sizeof seed);
    KtRootKey *root = NULL;
    OK(kt_root_key_from_seed(seed, sizeof seed, &root));
    KtBytes *ctx_id = NULL;
    OK(kt_context_id_generate(&ctx_id));
    KtContext *ctx = NULL;
    OK(kt_context_new(root, kt_text(ctx_id), NOW, &ctx));
    KtClientKey *client = NULL;
    OK(kt_root_key_derive_client_key(root, kt_text(ctx_id), 0, &client));
    KtBytes *member_pk = NULL;
    OK(kt_client_key_public_key(client, &member_pk));
    char request[512];
    snprintf(request, sizeof request,
             "{\"subject\":\"%s\",\"context_id\":\"%s\",\"permissions\":[\"context:execute\"],"
             "\"not_before\":%llu,\"expires_at\":%llu}",
             kt_text(member_pk), kt_text(ctx_id), (unsigned long long)NOW, (unsigned long long)(NOW + 3600));
    KtBytes *delegation = NULL;
    OK(kt_delegation_sign(root, (const uint8_t *)request, strlen(request), &delegation));
    size_t kind_cap = kt_bytes_len(delegation) + 64;
    char *kind = (char *)malloc(kind_cap);
    snprintf(kind, kind_cap, "{\"type\":\"add_member\",\"chain\":[%s]}", kt_text(delegation));
    OK(apply_kind(ctx, root, kind, NOW));
    free(kind);
    OK(kt_bytes_free(&delegation));
    OK(kt_client_key_free(&client));
    KtTokenIssuer *issuer = NULL;
    OK(kt_token_issuer_new("https://auth.example", seed, sizeof seed, &issuer));
    snprintf(request, sizeof request, "{\"executor\":\"%s\",\"audience\":\"api.example\"}",
             kt_text(member_pk));
    KtBytes *token = NULL, *jwks = NULL, *claims = NULL;
    OK(kt_token_issuer_mint(issuer, ctx, (const uint8_t *)request, strlen(request), NOW, &token));
    OK(kt_token_issuer_jwks(issuer, NOW, &jwks));
    KtValidator *validator = NULL;
    OK(kt_validator_new("https://auth.example", "api.example", kt_bytes_data(jwks), kt_bytes_len(jwks),
                        KT_DEFAULT_LEEWAY, &validator));
    OK(validate_for(validator, ctx, token, NOW + 1, &claims));
    CHECK(has_claim(claims, "executor_public_key", kt_text(member_pk)));
    CHECK(strstr(kt_text(claims), "\"account\"") == NULL);
    CHECK(strstr(kt_text(claims), "\"via\"") == NULL);
    /* A key is not an account: the account mint refuses it. */
    snprintf(request, sizeof request, "{\"account\":\"%s\",\"audience\":\"api.example\"}", kt_text(member_pk));
    KtBytes *none = NULL;
    FAILS(mint_account(issuer, ctx, request, NOW, &none), KT_ERR_DECODE);
    /* Boundary checks, as for every call. */
    FAILS(kt_token_issuer_mint_account(issuer, ctx, NULL, 5, NOW, &none), KT_ERR_NULL);
    FAILS(kt_token_issuer_mint_account(issuer, ctx, (const uint8_t *)"{}", 2, NOW, NULL), KT_ERR_NULL);
    FAILS(mint_account(issuer, ctx, "{\"account\":5}", NOW, &none), KT_ERR_JSON);
    FAILS(kt_context_authorize_account(ctx, "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", NULL, NOW),
          KT_ERR_NULL);
    KtContext *stale = ctx;
    OK(kt_bytes_free(&claims));
    OK(kt_validator_free(&validator));
    OK(kt_bytes_free(&jwks));
    OK(kt_bytes_free(&token));
    OK(kt_bytes_free(&member_pk));
    OK(kt_context_free(&ctx));
    FAILS(kt_context_authorize_account(stale, "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                                       "context:execute", NOW),
          KT_ERR_HANDLE);
    FAILS(mint_account(issuer, stale, "{}", NOW, &none), KT_ERR_HANDLE);
    CHECK(none == NULL);
    OK(kt_token_issuer_free(&issuer));
    OK(kt_bytes_free(&ctx_id));
    OK(kt_root_key_free(&root));
}

int main(void) {
    RUN(ethereum_account_member);
    RUN(key_member_claims_unchanged);
    END_TESTS();
}
