/* The Paillier half of CGGMP21 (eprint 2021/060) Fig. 6, shared by aux-info
 * and refresh: see aux_keys.h. */
#include "protocol/aux_keys.h"

#include "protocol/aux.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/proofs/fac.h"
#include "crypto/proofs/mod.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

#define RHO_BYTES    WF_AUX_KEYS_RHO_BYTES
#define U_BYTES      WF_AUX_KEYS_U_BYTES
#define COMMIT_BYTES WF_AUX_KEYS_COMMIT_BYTES
#define NO_POS       SIZE_MAX /* verifier position of a broadcast proof */

/* Writes the reason a check failed and gives the verdict. */
#define GUILTY(reason, cap, ...) (snprintf((reason), (cap), __VA_ARGS__), WF_JUDGE_GUILTY)

static uint32_t member(const wf_aux_keys *k, size_t pos)
{
    return k->m->s.cfg.parties[pos];
}

wf_err wf_aux_keys_params_check(unsigned bits, const wf_paillier_sk *pooled)
{
    if ((bits != WF_PAILLIER_BITS_DEFAULT && bits != 3072) ||
        (pooled != NULL && wf_paillier_sk_public(pooled)->bits != bits))
        return WF_ERR_ARG;
    return WF_OK;
}

void wf_aux_keys_init(wf_aux_keys *k, const wf_machine *m, unsigned bits, size_t n, size_t me,
                      wf_paillier_sk *pooled)
{
    memset(k, 0, sizeof *k);
    k->m = m;
    k->bits = bits;
    k->n = n;
    k->me = me;
    k->sk = pooled;
}

void wf_aux_keys_clear(wf_aux_keys *k)
{
    for (size_t j = 0; j < WF_MAX_MEMBERS; j++) {
        wf_rped_free(k->rped[j]);
        wf_paillier_pk_free(k->pk[j]);
    }
    wf_paillier_sk_free(k->sk); /* after rped[me], which names it as owner */
    wf_memzero(k, sizeof *k);
}

/* The proof context of Πmod and Πfac: the session's, with the session id
 * replaced by wf_machine_derive_id(ρ). */
void wf_aux_keys_rho_ctx(const wf_aux_keys *k, wf_proof_ctx *ctx, size_t prover, size_t verifier)
{
    wf_machine_proof_ctx(k->m, ctx, member(k, prover),
                         verifier == NO_POS ? WF_PROOF_BROADCAST : member(k, verifier));
    memcpy(ctx->session_id, k->rho_sid, WF_PROOF_ID_BYTES);
}

wf_err wf_aux_keys_commitment(const wf_machine *m, const char *domain, uint32_t party,
                              const wf_aux_keys_wire *w, const wf_hash_part *extra, size_t n_extra,
                              uint8_t v[COMMIT_BYTES])
{
    enum { FIXED = 6, FIELDS = 6, MAX_EXTRA = 4 };
    const wf_session_cfg *c = &m->s.cfg;
    if (n_extra > MAX_EXTRA)
        return WF_ERR_ARG;
    uint8_t parties[4 * WF_MAX_MEMBERS], who[4];
    for (size_t i = 0; i < c->n; i++)
        for (int b = 0; b < 4; b++)
            parties[4 * i + (size_t)b] = (uint8_t)(c->parties[i] >> (24 - 8 * b));
    for (int b = 0; b < 4; b++)
        who[b] = (uint8_t)(party >> (24 - 8 * b));
    const ProtobufCBinaryData *fields[FIELDS] = {w->n, w->s, w->t, w->prm, w->rho, w->u};
    wf_hash_part parts[FIXED + FIELDS + MAX_EXTRA] = {{(const uint8_t *)domain, strlen(domain)},
                                                      {c->cluster_id, WF_ID_BYTES},
                                                      {c->key_id, WF_ID_BYTES},
                                                      {c->session_id, WF_ID_BYTES},
                                                      {parties, 4 * c->n},
                                                      {who, sizeof who}};
    for (size_t i = 0; i < FIELDS; i++)
        parts[FIXED + i] = (wf_hash_part){fields[i]->data, fields[i]->len};
    for (size_t i = 0; i < n_extra; i++)
        parts[FIXED + FIELDS + i] = extra[i];
    uint8_t digest[WF_SHA512_BYTES];
    wf_err err = wf_sha512_parts(digest, parts, FIXED + FIELDS + n_extra, 1);
    if (err == WF_OK)
        memcpy(v, digest, COMMIT_BYTES);
    return err;
}

/* ---------------------------------------------------------------- round 1 */

/* Fig. 6 round 1: a fresh key (unless pooled), ring-Pedersen parameters over
 * it and Πprm for them, under the plain context (ρ does not exist yet). */
static wf_err prove_prm(wf_aux_keys *k, wf_proof_prm *prm, unsigned faults)
{
    wf_err err = WF_OK;
    if (k->sk == NULL && (err = wf_paillier_keygen(&k->sk, k->bits, NULL)) != WF_OK)
        return err;
    wf_rped_secret *secret = NULL;
    if ((err = wf_rped_generate(&k->rped[k->me], &secret, k->sk)) != WF_OK)
        return err;
    wf_proof_ctx ctx;
    wf_machine_proof_ctx(k->m, &ctx, member(k, k->me), WF_PROOF_BROADCAST);
    wf_proof_prm_stmt stmt = {.rped = k->rped[k->me], .bits = k->bits};
    err = wf_proof_prm_prove(prm, &ctx, &stmt, secret);
    wf_rped_secret_free(secret);
    if (err == WF_OK && (faults & WF_AUX_KEYS_FAULT_BAD_PRM)) {
        mpz_add_ui(prm->z[0], prm->z[0], 1);
        mpz_mod(prm->z[0], prm->z[0], k->rped[k->me]->n);
    }
    return err;
}

wf_err wf_aux_keys_open(wf_aux_keys *k, wf_wire_arena *a, const wf_aux_keys_wire *w, unsigned faults)
{
    wf_proof_prm prm;
    wf_proof_prm_init(&prm);
    wf_err err = prove_prm(k, &prm, faults);
    if (err == WF_OK) {
        const wf_rped *rp = k->rped[k->me];
        uint8_t u[U_BYTES];
        wf_random_bytes(k->rho_own, RHO_BYTES);
        wf_random_bytes(u, U_BYTES);
        mpz_t n;
        mpz_init_set(n, rp->n);
        if (faults & WF_AUX_KEYS_FAULT_SHORT_N)
            mpz_fdiv_q_2exp(n, n, 8);
        wf_wire_put_mpz(a, w->n, n);
        mpz_clear(n);
        wf_wire_put_mpz(a, w->s, rp->s);
        wf_wire_put_mpz(a, w->t, rp->t);
        wf_wire_put_proof(a, w->prm, WF_PROOF_PRM, &prm);
        wf_wire_put_bytes(a, w->rho, k->rho_own, RHO_BYTES);
        wf_wire_put_bytes(a, w->u, u, U_BYTES);
        err = a->err;
    }
    wf_proof_prm_clear(&prm);
    return err;
}

/* ---------------------------------------------------------------- round 2 */

void wf_aux_keys_opening_clear(wf_aux_keys_opening *o)
{
    wf_rped_free(o->rped);
    wf_proof_prm_clear(&o->prm);
    memset(o, 0, sizeof *o);
}

wf_judgement wf_aux_keys_read(const wf_aux_keys *k, size_t pos, const wf_aux_keys_wire *w,
                              const uint8_t v[COMMIT_BYTES], const char *domain, const wf_hash_part *extra,
                              size_t n_extra, wf_aux_keys_opening *o, char *reason, size_t cap)
{
    unsigned who = (unsigned)member(k, pos);
    uint8_t mine[COMMIT_BYTES], u[U_BYTES];
    wf_proof_prm_init(&o->prm);
    mpz_t n, s, t;
    mpz_inits(n, s, t, NULL);
    wf_judgement verdict = WF_JUDGE_INNOCENT;
    wf_err err;
    if (wf_wire_get_mpz(n, w->n) != WF_OK || wf_wire_get_mpz(s, w->s) != WF_OK ||
        wf_wire_get_mpz(t, w->t) != WF_OK || wf_wire_get_proof(WF_PROOF_PRM, &o->prm, w->prm) != WF_OK ||
        wf_wire_get_bytes(o->rho, RHO_BYTES, w->rho) != WF_OK ||
        wf_wire_get_bytes(u, U_BYTES, w->u) != WF_OK) {
        verdict = GUILTY(reason, cap, "party %u sent a malformed opening", who);
    } else if (wf_aux_keys_commitment(k->m, domain, who, w, extra, n_extra, mine) != WF_OK) {
        verdict = WF_JUDGE_LATER; /* out of memory: no verdict */
    } else if (memcmp(v, mine, COMMIT_BYTES) != 0) {
        verdict = GUILTY(reason, cap, "party %u's opening does not match its commitment", who);
    } else if ((err = wf_rped_from_values(&o->rped, n, s, t, k->bits)) != WF_OK) {
        verdict = GUILTY(reason, cap,
                         "party %u's modulus is not %u bits or its ring-Pedersen parameters are bad (%s)",
                         who, k->bits, wf_err_str(err));
    }
    mpz_clears(n, s, t, NULL);
    return verdict;
}

/* N_pos must differ from the modulus of every party before it in session
 * order; a duplicate names the later sender. That is fair: V_j was fixed in
 * round 1, before anyone's N was revealed, and an honest party's N is fresh
 * (a pooled key is used by one session only and never published before its
 * round 2), so a party whose committed N equals an earlier party's either
 * copied an N it could not have seen in this session — a key published before,
 * i.e. not an honest party's fresh one — or colludes with that party. An honest
 * party is named only if its own N was not fresh, which it controls. Every
 * honest party holds the same openings (they match the echoed commitments),
 * so all name the same sender. */
static wf_judgement check_distinct(const wf_aux_keys *k, size_t pos, mpz_srcptr n, wf_aux_keys_reader reader,
                                   char *reason, size_t cap)
{
    for (size_t j = 0; j < pos; j++) {
        wf_aux_keys_opening o = {0};
        mpz_srcptr nj = k->rped[j] != NULL ? k->rped[j]->n : NULL;
        if (nj == NULL) { /* a judge that has not checked party j yet */
            char unused[WF_REASON_BYTES];
            if (reader(k->m, j, &o, unused, sizeof unused) != WF_JUDGE_INNOCENT) {
                wf_aux_keys_opening_clear(&o); /* party j's own check comes first: ours will name it */
                return WF_JUDGE_LATER;
            }
            nj = o.rped->n;
        }
        int same = mpz_cmp(nj, n) == 0;
        wf_aux_keys_opening_clear(&o);
        if (same)
            return GUILTY(reason, cap, "party %u's modulus duplicates party %u's", (unsigned)member(k, pos),
                          (unsigned)member(k, j));
    }
    return WF_JUDGE_INNOCENT;
}

static wf_judgement proof_verdict(wf_err err, char *reason, size_t cap, const char *proof, unsigned who)
{
    if (err == WF_OK)
        return WF_JUDGE_INNOCENT;
    if (err == WF_ERR_NOMEM)
        return WF_JUDGE_LATER;
    return GUILTY(reason, cap, "party %u's %s does not verify (%s)", who, proof, wf_err_str(err));
}

wf_judgement wf_aux_keys_check(const wf_aux_keys *k, size_t pos, const wf_aux_keys_opening *o,
                               wf_aux_keys_reader reader, char *reason, size_t cap)
{
    wf_judgement v = check_distinct(k, pos, o->rped->n, reader, reason, cap);
    if (v != WF_JUDGE_INNOCENT)
        return v;
    wf_proof_ctx ctx;
    wf_machine_proof_ctx(k->m, &ctx, member(k, pos), WF_PROOF_BROADCAST);
    wf_proof_prm_stmt stmt = {.rped = o->rped, .bits = k->bits};
    return proof_verdict(wf_proof_prm_verify(&o->prm, &ctx, &stmt), reason, cap, "Πprm",
                         (unsigned)member(k, pos));
}

wf_judgement wf_aux_keys_check_own(const wf_aux_keys *k, wf_aux_keys_reader reader, char *reason, size_t cap)
{
    return check_distinct(k, k->me, k->rped[k->me]->n, reader, reason, cap);
}

wf_err wf_aux_keys_adopt(wf_aux_keys *k, size_t pos, wf_aux_keys_opening *o)
{
    const uint8_t *rho = k->rho_own;
    if (pos != k->me) {
        if (o == NULL || o->rped == NULL || k->rped[pos] != NULL)
            return WF_ERR_ARG;
        k->rped[pos] = o->rped;
        o->rped = NULL;
        rho = o->rho;
        if (wf_paillier_pk_from_n(&k->pk[pos], k->rped[pos]->n, k->bits) != WF_OK)
            return WF_ERR_INTERNAL; /* rped passed the same size check */
    }
    for (size_t b = 0; b < RHO_BYTES; b++)
        k->rho[b] ^= rho[b];
    return WF_OK;
}

wf_err wf_aux_keys_bind_rho(wf_aux_keys *k)
{
    wf_hash_part part = {k->rho, RHO_BYTES};
    wf_err err = wf_machine_derive_id(k->m, k->rho_sid, &part, 1);
    k->have_rho = err == WF_OK;
    return err;
}

/* ---------------------------------------------------------------- round 3 */

wf_err wf_aux_keys_put_mod(const wf_aux_keys *k, wf_wire_arena *a, ProtobufCBinaryData *f, int bad)
{
    wf_proof_ctx ctx;
    wf_proof_mod mod;
    wf_proof_mod_init(&mod);
    wf_aux_keys_rho_ctx(k, &ctx, k->me, NO_POS);
    wf_proof_mod_stmt ms = {.n = k->rped[k->me]->n, .bits = k->bits};
    wf_err err = wf_proof_mod_prove(&mod, &ctx, &ms, k->sk);
    if (err == WF_OK && bad) {
        mpz_add_ui(mod.z[0], mod.z[0], 1);
        mpz_mod(mod.z[0], mod.z[0], ms.n);
    }
    if (err == WF_OK) {
        wf_wire_put_proof(a, f, WF_PROOF_MOD, &mod);
        err = a->err;
    }
    wf_proof_mod_clear(&mod);
    return err;
}

wf_err wf_aux_keys_put_fac(const wf_aux_keys *k, wf_wire_arena *a, ProtobufCBinaryData *f, size_t to, int bad)
{
    wf_proof_ctx ctx;
    wf_proof_fac fac;
    wf_proof_fac_init(&fac);
    wf_aux_keys_rho_ctx(k, &ctx, k->me, to);
    wf_proof_fac_wit wit = {.p = k->sk->p.v, .q = k->sk->q.v};
    wf_proof_fac_stmt fs = {.n0 = k->rped[k->me]->n, .bits = k->bits, .rped = k->rped[to]};
    wf_err err = wf_proof_fac_prove(&fac, &ctx, &fs, &wit);
    if (err == WF_OK && bad)
        mpz_add_ui(fac.z1, fac.z1, 1);
    if (err == WF_OK) {
        wf_wire_put_proof(a, f, WF_PROOF_FAC, &fac);
        err = a->err;
    }
    wf_proof_fac_clear(&fac);
    return err;
}

wf_judgement wf_aux_keys_check_mod(const wf_aux_keys *k, size_t pos, const ProtobufCBinaryData *f,
                                   char *reason, size_t cap)
{
    if (!k->have_rho)
        return WF_JUDGE_LATER; /* the moduli and ρ come from our own round 2 */
    unsigned who = (unsigned)member(k, pos);
    wf_proof_mod mod;
    wf_proof_mod_init(&mod);
    wf_proof_ctx ctx;
    wf_aux_keys_rho_ctx(k, &ctx, pos, NO_POS);
    wf_judgement v;
    if (wf_wire_get_proof(WF_PROOF_MOD, &mod, f) != WF_OK) {
        v = GUILTY(reason, cap, "party %u sent a malformed Πmod", who);
    } else {
        wf_proof_mod_stmt st = {.n = k->rped[pos]->n, .bits = k->bits};
        v = proof_verdict(wf_proof_mod_verify(&mod, &ctx, &st), reason, cap, "Πmod", who);
    }
    wf_proof_mod_clear(&mod);
    return v;
}

wf_judgement wf_aux_keys_check_fac(const wf_aux_keys *k, size_t pos, size_t verifier,
                                   const ProtobufCBinaryData *f, char *reason, size_t cap)
{
    if (!k->have_rho)
        return WF_JUDGE_LATER;
    unsigned who = (unsigned)member(k, pos);
    wf_proof_fac fac;
    wf_proof_fac_init(&fac);
    wf_proof_ctx ctx;
    wf_aux_keys_rho_ctx(k, &ctx, pos, verifier);
    wf_judgement v;
    if (wf_wire_get_proof(WF_PROOF_FAC, &fac, f) != WF_OK) {
        v = GUILTY(reason, cap, "party %u sent a malformed Πfac", who);
    } else {
        wf_proof_fac_stmt st = {.n0 = k->rped[pos]->n, .bits = k->bits, .rped = k->rped[verifier]};
        v = proof_verdict(wf_proof_fac_verify(&fac, &ctx, &st), reason, cap, "Πfac", who);
    }
    wf_proof_fac_clear(&fac);
    return v;
}

/* ---------------------------------------------------------------- output */

wf_err wf_aux_keys_result(wf_aux_keys *k, wf_aux **out)
{
    /* member index = session position; wf_aux_assemble takes sk and every
     * rped (even on failure) and rebuilds the peers' public keys */
    wf_paillier_sk *sk = k->sk;
    wf_rped *rped[WF_MAX_MEMBERS] = {0};
    k->sk = NULL;
    for (size_t j = 0; j < k->n; j++) {
        rped[j] = k->rped[j];
        k->rped[j] = NULL;
        wf_paillier_pk_free(k->pk[j]);
        k->pk[j] = NULL;
    }
    return wf_aux_assemble(out, k->m->s.cfg.key_id, (uint32_t)k->n, k->m->s.cfg.self, k->bits, sk, rped);
}
