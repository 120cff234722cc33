/* warifu-sharing-demo: the README's main job until warifu-sim exists.
 *
 * Deals a random secp256k1 key as a 2-of-3 hierarchical sharing (one officer
 * of rank 0, two operators of rank 1), checks every share against the Feldman
 * commitments, then tries every non-empty set of members: authorised sets
 * reconstruct a key whose public point equals the dealt public key, the
 * others are refused. Only public values are printed. Exit status 0 means
 * every check came out as the access structure says. */
#include <stdio.h>

#include "crypto/feldman.h"
#include "crypto/secmem.h"
#include "crypto/sharing.h"

#define N 3
#define T 2

static const char *const NAMES[N] = {"A", "B", "C"};
static const uint32_t RANKS[N] = {0, 1, 1};

static void print_point(const char *label, const wf_point *p)
{
    uint8_t ser[WF_POINT_BYTES];
    printf("%s", label);
    if (wf_point_serialize(ser, p) != WF_OK) {
        printf("(infinity)\n");
        return;
    }
    for (size_t i = 0; i < sizeof ser; i++)
        printf("%02x", ser[i]);
    printf("\n");
}

/* Reconstructs from the members in mask (exactly T of them); returns the
 * error and, on success, whether the rebuilt key's point equals pub. */
static wf_err reconstruct_set(unsigned mask, const wf_member *members, const wf_scalar *shares,
                              const wf_point *pub, int *matches)
{
    wf_member set[N];
    wf_scalar *set_shares = wf_secure_alloc(N * sizeof *set_shares);
    wf_scalar *secret = wf_secure_alloc(sizeof *secret);
    wf_err err = WF_ERR_NOMEM;
    if (set_shares != NULL && secret != NULL) {
        size_t n = 0;
        for (size_t i = 0; i < N; i++)
            if (mask & (1u << i)) {
                set[n] = members[i];
                set_shares[n++] = shares[i];
            }
        err = wf_sharing_reconstruct(secret, set, set_shares, n, T);
        wf_point rebuilt;
        *matches = err == WF_OK && wf_point_base_mul(&rebuilt, secret) == WF_OK && wf_point_eq(&rebuilt, pub);
    }
    wf_secure_free(secret);
    wf_secure_free(set_shares);
    return err;
}

static void set_names(char *out, size_t cap, unsigned mask)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < N; i++)
        if (mask & (1u << i))
            used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? "," : "", NAMES[i]);
}

/* Tries the members in mask; returns 1 when the outcome matches the rule:
 * a set holding an authorised quorum reconstructs the key, any other is
 * refused. A set larger than T signs through a quorum chosen inside it. */
static int try_set(unsigned mask, const wf_member *members, const wf_scalar *shares, const wf_point *pub)
{
    char names[16], quorum[16];
    set_names(names, sizeof names, mask);
    unsigned chosen = mask;
    if ((size_t)__builtin_popcount(mask) > T) {
        for (unsigned sub = mask; sub != 0; sub = (sub - 1) & mask) {
            int matches = 0;
            if ((size_t)__builtin_popcount(sub) == T &&
                reconstruct_set(sub, members, shares, pub, &matches) == WF_OK) {
                chosen = sub;
                break;
            }
        }
    }
    int matches = 0;
    wf_err err = reconstruct_set(chosen, members, shares, pub, &matches);
    set_names(quorum, sizeof quorum, chosen);
    if (err == WF_OK) {
        printf("  {%-5s} authorised (quorum %s): reconstructed key %s the public key\n", names, quorum,
               matches ? "matches" : "DOES NOT MATCH");
        return matches;
    }
    printf("  {%-5s} refused: %s\n", names, wf_err_str(err));
    return err == WF_ERR_UNAUTHORISED;
}

int main(void)
{
    if (wf_crypto_init() != WF_OK) {
        fprintf(stderr, "warifu-sharing-demo: crypto initialisation failed\n");
        return 1;
    }
    wf_member members[N];
    for (size_t i = 0; i < N; i++) {
        wf_scalar_set_u64(&members[i].x, i + 1);
        members[i].rank = RANKS[i];
    }
    printf("warifu hierarchical sharing demo: %d-of-%d, ranks A=0 (officer), B=1, C=1\n", T, N);
    if (wf_access_check(members, N, T) != WF_OK) {
        fprintf(stderr, "warifu-sharing-demo: access structure admits no authorised set\n");
        return 1;
    }

    wf_poly *poly = wf_poly_new_random(T, NULL);
    wf_scalar *shares = wf_secure_alloc(N * sizeof *shares);
    wf_point commitments[T];
    if (poly == NULL || shares == NULL || wf_feldman_commit(commitments, poly->a, T) != WF_OK) {
        fprintf(stderr, "warifu-sharing-demo: dealing failed\n");
        return 1;
    }
    print_point("public key: ", &commitments[0]);
    int failures = 0;
    for (size_t i = 0; i < N; i++) {
        wf_point x;
        wf_err err = wf_poly_share(&shares[i], poly, &members[i]);
        if (err == WF_OK)
            err = wf_feldman_verify_share(commitments, T, &members[i], &shares[i]);
        if (err == WF_OK)
            err = wf_feldman_share_point(&x, commitments, T, &members[i]);
        printf("member %s (x=%zu, rank %u): share %s Feldman commitments; ", NAMES[i], i + 1,
               (unsigned)RANKS[i], err == WF_OK ? "checks against" : "FAILS");
        print_point("X = ", &x);
        failures += err != WF_OK;
    }
    wf_poly_free(poly); /* the dealer forgets the polynomial */

    printf("(B and C hold f' of a degree-1 polynomial, the same value: together they still cannot sign)\n");
    printf("every set of members:\n");
    for (unsigned mask = 1; mask < (1u << N); mask++)
        failures += !try_set(mask, members, shares, &commitments[0]);
    wf_secure_free(shares);

    printf("%s\n", failures == 0 ? "demo: all checks passed" : "demo: CHECKS FAILED");
    return failures == 0 ? 0 : 1;
}
