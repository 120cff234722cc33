/* Fiat–Shamir transcripts and the XOF that challenges are drawn from.
 *
 * A transcript is a running SHAKE256 absorb of labelled, length-prefixed
 * items: every append writes len(label) ‖ label ‖ type tag ‖ len(data) ‖ data
 * (lengths as 8 big-endian bytes), so two different lists of items can never
 * produce the same byte stream (no "alpha-shuffle" ambiguity, TSSHOCK).
 * A challenge finalises a copy of the state into a 64-byte seed, absorbs that
 * seed back (so later challenges differ) and expands it with SHAKE256 in
 * counter mode; values in a range are drawn by rejection, never by reducing a
 * short hash. */
#ifndef WF_TRANSCRIPT_H
#define WF_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <gmp.h>

#include "err.h"
#include "point.h"
#include "scalar.h"

#define WF_XOF_SEED_BYTES  64
#define WF_XOF_BLOCK_BYTES 136 /* the SHAKE256 rate */

typedef struct wf_transcript {
    void *md_ctx; /* EVP_MD_CTX, SHAKE256 */
} wf_transcript;

/* A deterministic byte stream derived from a challenge seed. */
typedef struct wf_xof {
    uint8_t seed[WF_XOF_SEED_BYTES];
    uint64_t counter;
    uint8_t block[WF_XOF_BLOCK_BYTES];
    size_t pos;
} wf_xof;

/* Starts a transcript whose first item is the domain (protocol name and version). */
wf_err wf_transcript_init(wf_transcript *t, const char *domain);
wf_err wf_transcript_clone(wf_transcript *dst, const wf_transcript *src);
void wf_transcript_free(wf_transcript *t);

wf_err wf_transcript_append_bytes(wf_transcript *t, const char *label, const uint8_t *data, size_t len);
wf_err wf_transcript_append_u64(wf_transcript *t, const char *label, uint64_t v);
/* Sign byte then big-endian magnitude; zero has an empty magnitude. */
wf_err wf_transcript_append_mpz(wf_transcript *t, const char *label, const mpz_t v);
wf_err wf_transcript_append_scalar(wf_transcript *t, const char *label, const wf_scalar *s);
/* Compressed form; infinity is absorbed as a distinct one-byte tag. */
wf_err wf_transcript_append_point(wf_transcript *t, const char *label, const wf_point *p);

/* Derives a challenge XOF from the current state and absorbs its seed. */
wf_err wf_transcript_challenge_xof(wf_transcript *t, const char *label, wf_xof *out);
void wf_xof_read(wf_xof *x, uint8_t *out, size_t len);
void wf_xof_wipe(wf_xof *x);

/* Uniform in [0, q). */
wf_err wf_transcript_challenge_scalar(wf_transcript *t, const char *label, wf_scalar *out);
/* Uniform in [-q, q] (the paper's ±q challenge space). */
wf_err wf_transcript_challenge_pm_q(wf_transcript *t, const char *label, mpz_t out);
/* Uniform in [0, n); n > 0. */
wf_err wf_transcript_challenge_below(wf_transcript *t, const char *label, const mpz_t n, mpz_t out);
/* m independent challenge bits, one per byte (0 or 1). */
wf_err wf_transcript_challenge_bits(wf_transcript *t, const char *label, uint8_t *bits, size_t m);

/* Rejection sampling from an XOF stream (exposed for proofs that draw many
 * values): out uniform in [0, n). WF_ERR_ARG when n <= 0 (no such value). */
wf_err wf_xof_sample_below(wf_xof *x, const mpz_t n, mpz_t out);

#endif
