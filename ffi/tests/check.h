/* A tiny test harness for the keytree C ABI tests: CHECK records a failure
 * (with the last keytree error) and goes on; END_TESTS prints the closing
 * "N passed, N failed" line and returns the exit status. */
#ifndef KT_CHECK_H
#define KT_CHECK_H

#include <stdio.h>
#include <string.h>

#include "keytree.h"

static int kt_passed = 0;
static int kt_failed = 0;

static void kt_print_last_error(void) {
    char msg[512];
    kt_last_error_message(msg, sizeof msg);
    fprintf(stderr, "      last error: %s (%s)\n", kt_result_name(kt_last_error_code()), msg);
}

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            kt_passed++;                                                         \
        } else {                                                                 \
            kt_failed++;                                                         \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            kt_print_last_error();                                               \
        }                                                                        \
    } while (0)

/* A call that must succeed. */
#define OK(call) CHECK((call) == KT_OK)

/* A call that must fail with `code` and leave a non-empty message. */
#define FAILS(call, code)                                                        \
    do {                                                                         \
        KtResult kt_rc_ = (call);                                                \
        CHECK(kt_rc_ == (code));                                                 \
        if (kt_rc_ != (code)) {                                                  \
            fprintf(stderr, "      got %s, wanted %s\n", kt_result_name(kt_rc_), \
                    kt_result_name(code));                                       \
        }                                                                        \
        CHECK(kt_last_error_code() == (code));                                   \
        CHECK(kt_last_error_message(NULL, 0) > 0);                               \
    } while (0)

/* The text of a returned buffer (NUL-terminated by keytree). */
static const char *kt_text(const KtBytes *b) { return (const char *)kt_bytes_data(b); }

#define RUN(test)                                                                \
    do {                                                                         \
        printf("test %s\n", #test);                                              \
        test();                                                                  \
    } while (0)

#define END_TESTS()                                                              \
    do {                                                                         \
        CHECK(kt_live_handles() == 0);                                           \
        printf("%d passed, %d failed\n", kt_passed, kt_failed);                  \
        return kt_failed == 0 ? 0 : 1;                                           \
    } while (0)

#endif
