/* The node's pool of pre-generated Paillier keys (DESIGN §3: "a small pool of
 * pre-generated Paillier keys, generated in the background, stored
 * encrypted"), so that aux-info (and refresh, reshare) need not wait on prime
 * search.
 *
 * A pooled key is its two safe primes p and q, sealed like every other
 * secret record (associated data = column family + record key). A key is
 * handed out at most once: taking one deletes it in a synced write before the
 * primes are returned, so after a crash at any point it is either still in
 * the pool or gone for good, never given twice.
 *
 * Records are checked when taken: the sizes, p ≠ q, |p·q| = bits exactly and
 * p ≡ q ≡ 3 mod 4 (cheap; the full primality check is wf_paillier_keygen_
 * from_primes, which the caller runs). A record that fails to open or to
 * check is dropped from the pool in the same kind of synced write and the take
 * fails with WF_ERR_VERIFY (it does not authenticate) or WF_ERR_ENCODING (it
 * authenticates but is malformed): a damaged record can never be handed out,
 * and it does not block the pool for ever. The next take goes on with the
 * next record. */
#ifndef WF_STORE_PAILLIER_POOL_H
#define WF_STORE_PAILLIER_POOL_H

#include <stddef.h>

#include <gmp.h>

#include "store/store.h"

/* Modulus sizes the pool keeps records for (N = p·q of exactly `bits` bits):
 * even, from WF_PAILLIER_MIN_BITS (crypto/paillier.h) to this. */
#define WF_STORE_PAILLIER_MAX_BITS 8192u

/* Adds the key (p, q) for modulus size bits, synced. WF_ERR_ARG unless bits is
 * an accepted size and (p, q) pass the checks above. */
wf_err wf_store_paillier_put(wf_store *s, unsigned bits, const mpz_t p, const mpz_t q);

/* Takes the oldest pooled key of modulus size bits: deletes it (synced), then
 * sets p and q (the caller's secret integers: wf_smpz). WF_ERR_NOT_FOUND when
 * the pool has none; WF_ERR_VERIFY / WF_ERR_ENCODING for a damaged record,
 * which is dropped (see above); p and q are unchanged on any error. */
wf_err wf_store_paillier_take(wf_store *s, unsigned bits, mpz_t p, mpz_t q);

/* How many keys of modulus size bits are pooled. */
wf_err wf_store_paillier_count(wf_store *s, unsigned bits, size_t *n);

#endif
