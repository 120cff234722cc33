/* Hierarchical sharing (DESIGN §2): Birkhoff coefficients, the authorised-set
 * rule, reconstruction from every authorised subset, refusal of every other,
 * Feldman share checks, and Lagrange as the all-rank-0 case compared with a
 * direct Lagrange formula. */
#include <string.h>

#include "crypto/feldman.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "crypto/sharing.h"
#include "tests/check.h"

static void members_from(wf_member *m, size_t n, const uint32_t *ranks)
{
    for (size_t i = 0; i < n; i++) {
        wf_scalar_set_u64(&m[i].x, i + 1);
        m[i].rank = ranks[i];
    }
}

/* Sorted-rank rule written out independently of birkhoff.c. */
static int expected_rank_ok(const wf_member *set, size_t t)
{
    for (size_t i = 0; i < t; i++) {
        size_t at_most_i = 0; /* members of rank <= i must number at least i+1 */
        for (size_t j = 0; j < t; j++)
            at_most_i += set[j].rank <= i;
        if (at_most_i < i + 1)
            return 0;
    }
    return 1;
}

/* Deals a random secret to all n members, then checks every t-subset:
 * authorised ones reconstruct it, the rest are refused. Returns the number of
 * authorised subsets. */
static size_t check_all_subsets(const wf_member *m, size_t n, size_t t)
{
    wf_poly *poly = wf_poly_new_random(t, NULL);
    REQUIRE(poly != NULL);
    wf_scalar shares[WF_MAX_MEMBERS];
    wf_point commitments[WF_MAX_MEMBERS];
    CHECK_OK(wf_feldman_commit(commitments, poly->a, t));
    for (size_t i = 0; i < n; i++) {
        CHECK_OK(wf_poly_share(&shares[i], poly, &m[i]));
        CHECK_OK(wf_feldman_verify_share(commitments, t, &m[i], &shares[i]));
    }
    size_t authorised = 0;
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        if ((size_t)__builtin_popcount(mask) != t)
            continue;
        wf_member set[WF_MAX_MEMBERS];
        wf_scalar set_shares[WF_MAX_MEMBERS], secret;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (mask & (1u << i)) {
                set[k] = m[i];
                set_shares[k++] = shares[i];
            }
        wf_err err = wf_sharing_reconstruct(&secret, set, set_shares, t, t);
        if (!expected_rank_ok(set, t)) {
            CHECK_ERR(err, WF_ERR_UNAUTHORISED);
        } else if (err == WF_OK) {
            CHECK(wf_scalar_eq(&secret, &poly->a[0]));
            authorised++;
        } else {
            /* only a singular Birkhoff matrix may refuse a rank-valid set */
            CHECK_ERR(err, WF_ERR_UNAUTHORISED);
        }
    }
    /* t-1 members never reconstruct, whatever their ranks */
    wf_scalar secret;
    CHECK_ERR(wf_sharing_reconstruct(&secret, m, shares, t - 1, t), WF_ERR_UNAUTHORISED);
    CHECK_ERR(wf_sharing_reconstruct(&secret, m, shares, t + 1, t), WF_ERR_ARG);
    wf_poly_free(poly);
    return authorised;
}

static void test_3_of_5_officers(void)
{
    const uint32_t ranks[5] = {0, 0, 1, 1, 1};
    wf_member m[5];
    members_from(m, 5, ranks);
    CHECK_OK(wf_access_check(m, 5, 3));
    /* C(5,3) = 10 sets; only the three operators {3,4,5} lack an officer. */
    CHECK(check_all_subsets(m, 5, 3) == 9);
    wf_member operators[3] = {m[2], m[3], m[4]};
    CHECK_ERR(wf_birkhoff_coefficients(NULL, operators, 3), WF_ERR_UNAUTHORISED);
}

static void test_2_of_3_hierarchical(void)
{
    const uint32_t ranks[3] = {0, 1, 1};
    wf_member m[3];
    members_from(m, 3, ranks);
    CHECK_OK(wf_access_check(m, 3, 2));
    CHECK(check_all_subsets(m, 3, 2) == 2);
}

/* Random access structures with mixed ranks: every subset behaves. */
static void test_random_structures(void)
{
    for (int round = 0; round < 25; round++) {
        uint8_t r[2];
        wf_random_bytes(r, sizeof r);
        size_t n = 3 + r[0] % 5;       /* 3..7 */
        size_t t = 2 + r[1] % (n - 1); /* 2..n */
        uint32_t ranks[8];
        for (size_t i = 0; i < n; i++) {
            uint8_t b;
            wf_random_bytes(&b, 1);
            ranks[i] = i == 0 ? 0 : b % t; /* keep one senior member */
        }
        wf_member m[8];
        members_from(m, n, ranks);
        if (wf_access_check(m, n, t) != WF_OK)
            continue;
        CHECK(check_all_subsets(m, n, t) >= 1);
    }
}

/* Known answers: t = 2, x = (1, 2). */
static void test_known_coefficients(void)
{
    wf_member set[2];
    wf_scalar b[2], one, minus_one, two;
    wf_scalar_set_u64(&one, 1);
    wf_scalar_set_u64(&two, 2);
    wf_scalar_neg(&minus_one, &one);
    members_from(set, 2, (const uint32_t[]){0, 0});
    /* Lagrange at 0 for x = 1, 2: b = (2, -1). */
    CHECK_OK(wf_birkhoff_coefficients(b, set, 2));
    CHECK(wf_scalar_eq(&b[0], &two) && wf_scalar_eq(&b[1], &minus_one));
    /* ranks (0, 1): s1 = a0 + a1, s2 = f'(2) = a1, so a0 = s1 - s2. */
    members_from(set, 2, (const uint32_t[]){0, 1});
    CHECK_OK(wf_birkhoff_coefficients(b, set, 2));
    CHECK(wf_scalar_eq(&b[0], &one) && wf_scalar_eq(&b[1], &minus_one));
}

/* Lagrange coefficient at zero computed directly: Π_{m≠j} x_m / (x_m − x_j). */
static void direct_lagrange(wf_scalar *out, const wf_member *set, size_t t, size_t j)
{
    wf_scalar num, den, diff, inv;
    wf_scalar_set_u64(&num, 1);
    wf_scalar_set_u64(&den, 1);
    for (size_t m = 0; m < t; m++) {
        if (m == j)
            continue;
        wf_scalar_mul(&num, &num, &set[m].x);
        wf_scalar_sub(&diff, &set[m].x, &set[j].x);
        wf_scalar_mul(&den, &den, &diff);
    }
    wf_scalar_inv(&inv, &den);
    wf_scalar_mul(out, &num, &inv);
}

static void test_lagrange_is_rank0_birkhoff(void)
{
    for (int round = 0; round < 20; round++) {
        size_t t = 1 + (size_t)round % 7;
        wf_member set[8];
        for (size_t i = 0; i < t; i++) {
            wf_scalar_random(&set[i].x);
            set[i].rank = 0;
        }
        wf_scalar b[8], expected;
        CHECK_OK(wf_birkhoff_coefficients(b, set, t));
        for (size_t j = 0; j < t; j++) {
            direct_lagrange(&expected, set, t, j);
            CHECK(wf_scalar_eq(&b[j], &expected));
        }
    }
}

/* ranks (0, 0, 1) with x = (1, 3, 2): det = (b-a)(2c-a-b) = 0, a singular
 * Birkhoff matrix although the rank rule holds. */
static void test_singular_refused(void)
{
    wf_member set[3];
    members_from(set, 3, (const uint32_t[]){0, 0, 1});
    wf_scalar_set_u64(&set[1].x, 3);
    wf_scalar_set_u64(&set[2].x, 2);
    CHECK(wf_birkhoff_rank_condition(set, 3));
    CHECK_ERR(wf_birkhoff_coefficients(NULL, set, 3), WF_ERR_UNAUTHORISED);
    CHECK_ERR(wf_access_check(set, 3, 3), WF_ERR_UNAUTHORISED);
}

static void test_bad_structures(void)
{
    wf_member m[3];
    members_from(m, 3, (const uint32_t[]){1, 1, 1});
    CHECK_ERR(wf_access_check(m, 3, 2), WF_ERR_UNAUTHORISED); /* no senior member */
    members_from(m, 3, (const uint32_t[]){0, 2, 0});
    CHECK_ERR(wf_access_check(m, 3, 2), WF_ERR_UNAUTHORISED); /* rank >= t */
    members_from(m, 3, (const uint32_t[]){0, 0, 0});
    CHECK_ERR(wf_access_check(m, 3, 4), WF_ERR_ARG); /* t > n */
    CHECK_ERR(wf_access_check(m, 3, 0), WF_ERR_ARG);
    m[2].x = m[1].x;
    CHECK_ERR(wf_access_check(m, 3, 2), WF_ERR_ARG); /* duplicate identifier */
    wf_scalar_set_u64(&m[2].x, 0);
    CHECK_ERR(wf_access_check(m, 3, 2), WF_ERR_ARG); /* zero identifier */
    CHECK_ERR(wf_birkhoff_coefficients(NULL, m, 3), WF_ERR_ARG);
}

static void test_feldman(void)
{
    wf_poly *a = wf_poly_new_random(3, NULL), *b = wf_poly_new_random(3, NULL);
    REQUIRE(a != NULL && b != NULL);
    wf_point ca[3], cb[3], sum[3];
    CHECK_OK(wf_feldman_commit(ca, a->a, 3));
    CHECK_OK(wf_feldman_commit(cb, b->a, 3));
    CHECK_OK(wf_feldman_add(sum, ca, cb, 3));
    wf_member m = {.rank = 1};
    wf_scalar_set_u64(&m.x, 4);
    wf_scalar sa, sb, s, one;
    CHECK_OK(wf_poly_share(&sa, a, &m));
    CHECK_OK(wf_poly_share(&sb, b, &m));
    wf_scalar_add(&s, &sa, &sb);
    /* a DKG share (sum of dealt shares) checks against summed commitments */
    CHECK_OK(wf_feldman_verify_share(sum, 3, &m, &s));
    wf_scalar_set_u64(&one, 1);
    wf_scalar_add(&s, &s, &one);
    CHECK_ERR(wf_feldman_verify_share(sum, 3, &m, &s), WF_ERR_VERIFY);
    /* the same share at the wrong rank does not check */
    m.rank = 0;
    CHECK_ERR(wf_feldman_verify_share(ca, 3, &m, &sa), WF_ERR_VERIFY);
    /* X_j from commitments equals s_j·G */
    m.rank = 2;
    wf_point x, y;
    CHECK_OK(wf_poly_share(&sa, a, &m));
    CHECK_OK(wf_feldman_share_point(&x, ca, 3, &m));
    CHECK_OK(wf_point_base_mul(&y, &sa));
    CHECK(wf_point_eq(&x, &y));
    wf_poly_free(a);
    wf_poly_free(b);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_3_of_5_officers();
    test_2_of_3_hierarchical();
    test_random_structures();
    test_known_coefficients();
    test_lagrange_is_rank0_birkhoff();
    test_singular_refused();
    test_bad_structures();
    test_feldman();
    return wf_check_summary("test_sharing");
}
