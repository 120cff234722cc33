/* Storage encodings of the protocol results: a key share (keygen), an aux
 * record (aux-info) and a presignature (presign), for the store, which only
 * sees opaque bytes and seals the secret parts (DESIGN §5).
 *
 * Each record has two parts:
 *   public  protobuf bytes (protocol/proto/record.proto), from malloc; the
 *           caller frees them with free()
 *   secret  a fixed binary layout in wf_secure_alloc() memory; the caller
 *           frees it with wf_secure_free(), which wipes it
 *     key     s_self                               WF_RECORD_KEY_SECRET_BYTES
 *     aux     p || q, each |N|/16 bytes big-endian wf_record_aux_secret_bytes(|N|)
 *     presig  k_self || χ_self                     WF_RECORD_PRESIG_SECRET_BYTES
 * The secret layout belongs to the public part's version (WF_RECORD_VERSION).
 *
 * Decoding is strict and all-or-nothing: *out is a complete, checked object
 * or NULL. Errors:
 *   WF_ERR_ENCODING      malformed bytes: protobuf that does not parse, an
 *                        unknown or missing field, a wrong size or count, a
 *                        non-canonical encoding, unsorted or repeated signers
 *   WF_ERR_RANGE         a number outside its range: version, n, t, self (not
 *                        below n, not a signer), |N|, a scalar >= q, a member
 *                        identifier zero or repeated, an integer out of range
 *   WF_ERR_NOT_ON_CURVE, WF_ERR_INFINITY   a point that is not one
 *   WF_ERR_NOT_UNIT      a ring-Pedersen s or t sharing a factor with N
 *   WF_ERR_UNAUTHORISED  members and threshold with no authorised set
 *   WF_ERR_VERIFY        values that do not agree: some X_j not the share
 *                        point the commitments give, public key != C_0,
 *                        s_self·G != X_self; two members with one modulus,
 *                        p·q != N_self or p, q not safe primes; ΣR̄_j != G,
 *                        k·R != R̄_self, χ·R != S_self
 *   WF_ERR_ARG, WF_ERR_NOMEM, WF_ERR_INTERNAL   as usual
 * Encoding refuses (WF_ERR_ARG) an object the decoder would not take back
 * in its shape: a used presignature (k, χ gone), counts out of range.
 *
 * Secrets live only in locked memory (the secret parts, the objects' secret
 * fields) or, for the Paillier primes, in wf_smpz integers whose limbs are
 * wiped when freed (crypto/secmem.h); none is ever part of an error. */
#ifndef WF_PROTOCOL_RECORD_H
#define WF_PROTOCOL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "crypto/scalar.h"
#include "protocol/aux.h"
#include "protocol/key_share.h"
#include "protocol/presign.h"

#define WF_RECORD_VERSION             1u
#define WF_RECORD_KEY_SECRET_BYTES    WF_SCALAR_BYTES
#define WF_RECORD_PRESIG_SECRET_BYTES (2 * WF_SCALAR_BYTES)
#define WF_RECORD_DIGEST_BYTES        WF_SHA256_BYTES

/* Size of an aux record's secret part for modulus size bits (0 for a size
 * aux-info does not use, wf_aux_bits_valid). */
size_t wf_record_aux_secret_bytes(unsigned bits);

/* ---- key shares ---- */

wf_err wf_record_key_encode(const wf_key_share *k, uint8_t **pub, size_t *pub_len, uint8_t **sec,
                            size_t *sec_len);
/* Checks everything a key share must satisfy: the access structure admits an
 * authorised set, public_key = C_0, every X_j is the share point of member j
 * under the commitments (Feldman), self < n, s_self < q and s_self·G = X_self. */
wf_err wf_record_key_decode(wf_key_share **out, const uint8_t *pub, size_t pub_len, const uint8_t *sec,
                            size_t sec_len);

/* The "commitments hash" of backup manifests: SHA-256 over the KeyPublic
 * encoding of pub (members, commitments, every X_j, public key, chain code,
 * rid; not the holder), so it is the same on every member of the key. */
wf_err wf_record_key_public_digest(uint8_t out[WF_RECORD_DIGEST_BYTES], const wf_key_public *pub);

/* A key's public record alone (the KeyPublic message), for a party that
 * holds no share of the key yet (a new member of a reshare): encode, and a
 * strict decode with every check of wf_record_key_decode but the share's. */
wf_err wf_record_key_public_encode(const wf_key_public *pub, uint8_t **out, size_t *out_len);
wf_err wf_record_key_public_decode(wf_key_public *pub, const uint8_t *in, size_t in_len);

/* ---- aux records ---- */

wf_err wf_record_aux_encode(const wf_aux *a, uint8_t **pub, size_t *pub_len, uint8_t **sec, size_t *sec_len);
/* Rebuilds the wf_aux aux-info gives (wf_aux_assemble): own key from p, q,
 * every (N_j, s_j, t_j) checked as aux-info checks its form (wf_rped_from_values;
 * the proofs were checked when it ran), moduli distinct, p·q = N_self, p and q
 * safe primes. Builds no tables: the caller runs wf_aux_precompute if wanted. */
wf_err wf_record_aux_decode(wf_aux **out, const uint8_t *pub, size_t pub_len, const uint8_t *sec,
                            size_t sec_len);

/* ---- presignatures ---- */

/* WF_ERR_ARG for a presignature whose k and χ were used (sign took them). */
wf_err wf_record_presig_encode(const wf_presig *p, uint8_t **pub, size_t *pub_len, uint8_t **sec,
                               size_t *sec_len);
/* 2 <= n <= WF_PRESIGN_MAX_SIGNERS signers, strictly ascending member indices
 * below WF_MAX_MEMBERS, self among them, ΣR̄_j = G (as Σk_j·R = k·k⁻¹·G),
 * k·R = R̄_self and χ·R = S_self. */
wf_err wf_record_presig_decode(wf_presig **out, const uint8_t *pub, size_t pub_len, const uint8_t *sec,
                               size_t sec_len);

#endif
