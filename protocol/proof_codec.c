#include "protocol/proof_codec.h"

#include <stddef.h>

#include "crypto/proofs/aff_g.h"
#include "crypto/proofs/dec.h"
#include "crypto/proofs/enc.h"
#include "crypto/proofs/fac.h"
#include "crypto/proofs/log_star.h"
#include "crypto/proofs/mod.h"
#include "crypto/proofs/mul.h"
#include "crypto/proofs/mul_star.h"
#include "crypto/proofs/prm.h"
#include "crypto/proofs/sch.h"
#include "protocol/codec.h"
#include "protocol/proto/proofs.pb-c.h"

#define MPZ(type, name, member)                                                                              \
    {                                                                                                        \
        name, WF_CODEC_MPZ, offsetof(type, member), 0                                                        \
    }
#define POINT(type, name, member)                                                                            \
    {                                                                                                        \
        name, WF_CODEC_POINT, offsetof(type, member), 0                                                      \
    }
#define SCALAR(type, name, member)                                                                           \
    {                                                                                                        \
        name, WF_CODEC_SCALAR, offsetof(type, member), 0                                                     \
    }
#define MPZ_ARRAY(type, name, member)                                                                        \
    {                                                                                                        \
        name, WF_CODEC_MPZ_ARRAY, offsetof(type, member), WF_PROOF_M                                         \
    }
#define BITS(type, name, member)                                                                             \
    {                                                                                                        \
        name, WF_CODEC_BITS, offsetof(type, member), WF_PROOF_M                                              \
    }
#define N_OF(fields) (sizeof(fields) / sizeof(fields)[0])

static const wf_codec_field SCH_FIELDS[] = {
    POINT(wf_proof_sch, "a", A),
    SCALAR(wf_proof_sch, "z", z),
};

static const wf_codec_field ENC_FIELDS[] = {
    MPZ(wf_proof_enc, "s", S),   MPZ(wf_proof_enc, "a", A),   MPZ(wf_proof_enc, "c", C),
    MPZ(wf_proof_enc, "z1", z1), MPZ(wf_proof_enc, "z2", z2), MPZ(wf_proof_enc, "z3", z3),
};

static const wf_codec_field LOG_STAR_FIELDS[] = {
    MPZ(wf_proof_log_star, "s", S),   MPZ(wf_proof_log_star, "a", A),   POINT(wf_proof_log_star, "y", Y),
    MPZ(wf_proof_log_star, "d", D),   MPZ(wf_proof_log_star, "z1", z1), MPZ(wf_proof_log_star, "z2", z2),
    MPZ(wf_proof_log_star, "z3", z3),
};

static const wf_codec_field AFF_G_FIELDS[] = {
    MPZ(wf_proof_aff_g, "a", A),     POINT(wf_proof_aff_g, "bx", Bx), MPZ(wf_proof_aff_g, "by", By),
    MPZ(wf_proof_aff_g, "e", E),     MPZ(wf_proof_aff_g, "f", F),     MPZ(wf_proof_aff_g, "s", S),
    MPZ(wf_proof_aff_g, "t", T),     MPZ(wf_proof_aff_g, "z1", z1),   MPZ(wf_proof_aff_g, "z2", z2),
    MPZ(wf_proof_aff_g, "z3", z3),   MPZ(wf_proof_aff_g, "z4", z4),   MPZ(wf_proof_aff_g, "w", w),
    MPZ(wf_proof_aff_g, "w_y", w_y),
};

static const wf_codec_field MOD_FIELDS[] = {
    MPZ(wf_proof_mod, "w", w),  MPZ_ARRAY(wf_proof_mod, "x", x), BITS(wf_proof_mod, "a", a),
    BITS(wf_proof_mod, "b", b), MPZ_ARRAY(wf_proof_mod, "z", z),
};

static const wf_codec_field PRM_FIELDS[] = {
    MPZ_ARRAY(wf_proof_prm, "a", A),
    MPZ_ARRAY(wf_proof_prm, "z", z),
};

static const wf_codec_field FAC_FIELDS[] = {
    MPZ(wf_proof_fac, "p", P),   MPZ(wf_proof_fac, "q", Q),   MPZ(wf_proof_fac, "a", A),
    MPZ(wf_proof_fac, "b", B),   MPZ(wf_proof_fac, "t", T),   MPZ(wf_proof_fac, "sigma", sigma),
    MPZ(wf_proof_fac, "z1", z1), MPZ(wf_proof_fac, "z2", z2), MPZ(wf_proof_fac, "w1", w1),
    MPZ(wf_proof_fac, "w2", w2), MPZ(wf_proof_fac, "v", v),
};

static const wf_codec_field DEC_FIELDS[] = {
    MPZ(wf_proof_dec, "s", S),   MPZ(wf_proof_dec, "t", T),
    MPZ(wf_proof_dec, "a", A),   SCALAR(wf_proof_dec, "gamma", gamma),
    MPZ(wf_proof_dec, "z1", z1), MPZ(wf_proof_dec, "z2", z2),
    MPZ(wf_proof_dec, "w", w),
};

static const wf_codec_field MUL_FIELDS[] = {
    MPZ(wf_proof_mul, "a", A), MPZ(wf_proof_mul, "b", B), MPZ(wf_proof_mul, "z", z),
    MPZ(wf_proof_mul, "u", u), MPZ(wf_proof_mul, "v", v),
};

static const wf_codec_field MUL_STAR_FIELDS[] = {
    MPZ(wf_proof_mul_star, "a", A), POINT(wf_proof_mul_star, "bx", Bx), MPZ(wf_proof_mul_star, "e", E),
    MPZ(wf_proof_mul_star, "s", S), MPZ(wf_proof_mul_star, "z1", z1),   MPZ(wf_proof_mul_star, "z2", z2),
    MPZ(wf_proof_mul_star, "w", w),
};

typedef struct proof_schema {
    const char *name;
    wf_codec_schema schema;
} proof_schema;

#define SCHEMA(name, desc, fields)                                                                           \
    {                                                                                                        \
        name,                                                                                                \
        {                                                                                                    \
            &desc, fields, N_OF(fields)                                                                      \
        }                                                                                                    \
    }

static const proof_schema SCHEMAS[WF_PROOF_KIND_COUNT] = {
    [WF_PROOF_SCH] = SCHEMA("sch", warifu__proofs__pi_sch__descriptor, SCH_FIELDS),
    [WF_PROOF_ENC] = SCHEMA("enc", warifu__proofs__pi_enc__descriptor, ENC_FIELDS),
    [WF_PROOF_LOG_STAR] = SCHEMA("log*", warifu__proofs__pi_log_star__descriptor, LOG_STAR_FIELDS),
    [WF_PROOF_AFF_G] = SCHEMA("aff-g", warifu__proofs__pi_aff_g__descriptor, AFF_G_FIELDS),
    [WF_PROOF_MOD] = SCHEMA("mod", warifu__proofs__pi_mod__descriptor, MOD_FIELDS),
    [WF_PROOF_PRM] = SCHEMA("prm", warifu__proofs__pi_prm__descriptor, PRM_FIELDS),
    [WF_PROOF_FAC] = SCHEMA("fac", warifu__proofs__pi_fac__descriptor, FAC_FIELDS),
    [WF_PROOF_DEC] = SCHEMA("dec", warifu__proofs__pi_dec__descriptor, DEC_FIELDS),
    [WF_PROOF_MUL] = SCHEMA("mul", warifu__proofs__pi_mul__descriptor, MUL_FIELDS),
    [WF_PROOF_MUL_STAR] = SCHEMA("mul*", warifu__proofs__pi_mul_star__descriptor, MUL_STAR_FIELDS),
};

const char *wf_proof_kind_name(wf_proof_kind kind)
{
    return kind < WF_PROOF_KIND_COUNT ? SCHEMAS[kind].name : "unknown";
}

/* Πmod and Πprm carry their repetition count in the struct; the wire form
 * has exactly WF_PROOF_M entries, checked by the decoder. */
static int repetitions_ok(wf_proof_kind kind, const void *proof)
{
    if (kind == WF_PROOF_MOD)
        return ((const wf_proof_mod *)proof)->m == WF_PROOF_M;
    if (kind == WF_PROOF_PRM)
        return ((const wf_proof_prm *)proof)->m == WF_PROOF_M;
    return 1;
}

static void set_repetitions(wf_proof_kind kind, void *proof)
{
    if (kind == WF_PROOF_MOD)
        ((wf_proof_mod *)proof)->m = WF_PROOF_M;
    else if (kind == WF_PROOF_PRM)
        ((wf_proof_prm *)proof)->m = WF_PROOF_M;
}

wf_err wf_proof_encode(wf_proof_kind kind, const void *proof, uint8_t **out, size_t *out_len)
{
    if (kind >= WF_PROOF_KIND_COUNT || proof == NULL)
        return WF_ERR_ARG;
    if (!repetitions_ok(kind, proof))
        return WF_ERR_ENCODING;
    return wf_codec_encode(&SCHEMAS[kind].schema, proof, out, out_len);
}

wf_err wf_proof_decode(wf_proof_kind kind, void *proof, const uint8_t *in, size_t in_len)
{
    if (kind >= WF_PROOF_KIND_COUNT || proof == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_codec_decode(&SCHEMAS[kind].schema, proof, in, in_len);
    if (err == WF_OK)
        set_repetitions(kind, proof);
    return err;
}
