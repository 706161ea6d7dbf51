/* Thread safety as documented: one validator and one context shared by
 * several threads (validate_for from all of them at once), while other
 * handles are created and freed concurrently. Run under ASan+UBSan+LSan. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

#define THREADS 4
#define ROUNDS 40

static const uint64_t NOW = 1700000000;

struct shared {
    const KtValidator *validator;
    const KtContext *context;
    const KtBytes *token;
    int ok;
    int errors_seen;
};

static void *worker(void *arg) {
    struct shared *s = (struct shared *)arg;
    int ok = 0, errors = 0;
    for (int i = 0; i < ROUNDS; i++) {
        if (kt_validator_validate_for(s->validator, s->context, kt_bytes_data(s->token),
                                      kt_bytes_len(s->token), NOW + 1, NULL) == KT_OK) {
            ok++;
        }
        /* Per-thread last error: a failure here is seen here only. */
        if (kt_validator_validate(s->validator, (const uint8_t *)"x", 1, NOW, NULL) != KT_OK &&
            kt_last_error_code() == KT_ERR_TOKEN) {
            errors++;
        }
        /* Handle churn beside the shared handles. */
        KtBytes *id = NULL;
        if (kt_context_id_generate(&id) == KT_OK && kt_bytes_free(&id) == KT_OK && id == NULL) {
            ok++;
        }
    }
    __atomic_add_fetch(&s->ok, ok, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&s->errors_seen, errors, __ATOMIC_SEQ_CST);
    return NULL;
}

static void shared_validator_and_context(void) {
    uint8_t seed[32], issuer_seed[32];
    memset(seed, 1, sizeof seed);
    memset(issuer_seed, 2, sizeof issuer_seed);
    KtRootKey *root = NULL;
    KtBytes *id = NULL, *pk = NULL, *grant = NULL, *op = NULL, *token = NULL, *jwks = NULL;
    KtContext *ctx = NULL;
    KtClientKey *client = NULL;
    KtTokenIssuer *issuer = NULL;
    KtValidator *validator = NULL;
    char buf[2048];
    OK(kt_root_key_from_seed(seed, sizeof seed, &root));
    OK(kt_context_id_generate(&id));
    OK(kt_context_new(root, kt_text(id), NOW, &ctx));
    OK(kt_root_key_derive_client_key(root, kt_text(id), 0, &client));
    OK(kt_client_key_public_key(client, &pk));
    snprintf(buf, sizeof buf,
             "{\"subject\":\"%s\",\"context_id\":\"%s\",\"permissions\":[\"context:execute\"],"
             "\"not_before\":%llu,\"expires_at\":%llu}",
             kt_text(pk), kt_text(id), (unsigned long long)NOW, (unsigned long long)NOW + 3600);
    OK(kt_delegation_sign(root, (const uint8_t *)buf, strlen(buf), &grant));
    snprintf(buf, sizeof buf, "{\"type\":\"add_member\",\"chain\":[%s]}", kt_text(grant));
    OK(kt_context_propose(ctx, root, (const uint8_t *)buf, strlen(buf), NOW, &op));
    OK(kt_context_apply(ctx, kt_bytes_data(op), kt_bytes_len(op)));
    OK(kt_token_issuer_new("iss", issuer_seed, sizeof issuer_seed, &issuer));
    snprintf(buf, sizeof buf, "{\"executor\":\"%s\",\"audience\":\"api\"}", kt_text(pk));
    OK(kt_token_issuer_mint(issuer, ctx, (const uint8_t *)buf, strlen(buf), NOW, &token));
    OK(kt_token_issuer_jwks(issuer, NOW, &jwks));
    OK(kt_validator_new("iss", "api", kt_bytes_data(jwks), kt_bytes_len(jwks), KT_DEFAULT_LEEWAY,
                        &validator));

    struct shared s = {validator, ctx, token, 0, 0};
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&t[i], NULL, worker, &s) == 0);
    for (int i = 0; i < THREADS; i++) CHECK(pthread_join(t[i], NULL) == 0);
    CHECK(s.ok == THREADS * ROUNDS * 2);
    CHECK(s.errors_seen == THREADS * ROUNDS);
    /* This thread's last error is untouched by the workers' failures. */
    CHECK(kt_last_error_code() == KT_OK);

    OK(kt_validator_free(&validator));
    OK(kt_token_issuer_free(&issuer));
    OK(kt_bytes_free(&jwks));
    OK(kt_bytes_free(&token));
    OK(kt_bytes_free(&op));
    OK(kt_bytes_free(&grant));
    OK(kt_bytes_free(&pk));
    OK(kt_bytes_free(&id));
    OK(kt_client_key_free(&client));
    OK(kt_context_free(&ctx));
    OK(kt_root_key_free(&root));
}

int main(void) {
    RUN(shared_validator_and_context);
    END_TESTS();
}
