/* Storage encodings of key shares, aux records and presignatures: see
 * record.h for the layouts and the checks. Every decoder reads the public part
 * into a fresh object, re-encodes it and compares (so a record has exactly one
 * encoding), then reads the secret part straight into locked memory and checks
 * it against the public values. */
#include "protocol/record.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/feldman.h"
#include "crypto/secmem.h"
#include "protocol/proto/record.pb-c.h"
#include "protocol/wire.h"

/* ---------------------------------------------------------------- common */

/* Checks the output arguments of an encoder and clears them. */
static int outputs_ok(uint8_t **pub, size_t *pub_len, uint8_t **sec, size_t *sec_len)
{
    if (pub == NULL || pub_len == NULL || sec == NULL || sec_len == NULL)
        return 0;
    *pub = *sec = NULL;
    *pub_len = *sec_len = 0;
    return 1;
}

/* Hands both parts to the caller when err is WF_OK, else frees them. */
static wf_err hand_out(wf_err err, uint8_t *p, size_t p_len, uint8_t *s, size_t s_len, uint8_t **pub,
                       size_t *pub_len, uint8_t **sec, size_t *sec_len)
{
    if (err != WF_OK) {
        free(p);
        wf_secure_free(s);
        return err;
    }
    *pub = p;
    *pub_len = p_len;
    *sec = s;
    *sec_len = s_len;
    return WF_OK;
}

/* A locked buffer of len bytes for a secret part, or NULL (and *err set). */
static uint8_t *secret_alloc(wf_err *err, size_t len)
{
    uint8_t *s = *err == WF_OK ? wf_secure_alloc(len) : NULL;
    if (*err == WF_OK && s == NULL)
        *err = WF_ERR_NOMEM;
    return s;
}

/* WF_ERR_ENCODING unless the re-encoding of what was decoded is the input:
 * catches duplicated, reordered or explicitly-default fields and unknown
 * fields of nested messages. Frees again. */
static wf_err same_encoding(wf_err err, uint8_t *again, size_t again_len, const uint8_t *in, size_t in_len)
{
    if (err == WF_OK && (again_len != in_len || memcmp(again, in, in_len) != 0))
        err = WF_ERR_ENCODING;
    free(again);
    return err;
}

static int members_in_range(uint32_t n)
{
    return n >= 2 && n <= WF_MAX_MEMBERS;
}

/* n points of a repeated field. */
static wf_err read_points(wf_point *out, const ProtobufCBinaryData *f, size_t n)
{
    wf_err err = WF_OK;
    for (size_t i = 0; i < n && err == WF_OK; i++)
        err = wf_wire_get_point(&out[i], &f[i]);
    return err;
}

/* A repeated field of n points the arena owns. */
static ProtobufCBinaryData *put_points(wf_wire_arena *a, const wf_point *p, size_t n)
{
    ProtobufCBinaryData *f = wf_wire_put_array(a, n);
    for (size_t i = 0; f != NULL && i < n; i++)
        wf_wire_put_point(a, &f[i], &p[i]);
    return f;
}

/* ---------------------------------------------------------------- keys */

/* A KeyPublic message and the sub-messages it points to. */
typedef struct key_msg {
    Warifu__Record__KeyPublic pub;
    Warifu__Record__Member members[WF_MAX_MEMBERS];
    Warifu__Record__Member *member_ptrs[WF_MAX_MEMBERS];
} key_msg;

static int key_shape_ok(const wf_key_public *pub)
{
    return members_in_range(pub->n) && pub->t >= 1 && pub->t <= pub->n;
}

static void fill_key_public(wf_wire_arena *a, key_msg *m, const wf_key_public *pub)
{
    warifu__record__key_public__init(&m->pub);
    m->pub.version = WF_RECORD_VERSION;
    wf_wire_put_bytes(a, &m->pub.key_id, pub->key_id, WF_ID_BYTES);
    m->pub.n = pub->n;
    m->pub.t = pub->t;
    for (uint32_t j = 0; j < pub->n; j++) {
        warifu__record__member__init(&m->members[j]);
        wf_wire_put_scalar(a, &m->members[j].x, &pub->members[j].x);
        m->members[j].rank = pub->members[j].rank;
        m->member_ptrs[j] = &m->members[j];
    }
    m->pub.n_members = pub->n;
    m->pub.members = m->member_ptrs;
    m->pub.n_commitments = pub->t;
    m->pub.commitments = put_points(a, pub->commitments, pub->t);
    m->pub.n_share_points = pub->n;
    m->pub.share_points = put_points(a, pub->X, pub->n);
    wf_wire_put_point(a, &m->pub.public_key, &pub->public_key);
    wf_wire_put_bytes(a, &m->pub.chain_code, pub->chain_code, WF_CHAIN_CODE_BYTES);
    wf_wire_put_bytes(a, &m->pub.rid, pub->rid, WF_RID_BYTES);
}

static wf_err pack_key(const wf_key_public *pub, uint32_t self, uint8_t **out, size_t *out_len)
{
    wf_wire_arena a = {0};
    key_msg m;
    fill_key_public(&a, &m, pub);
    Warifu__Record__KeyRecord rec = WARIFU__RECORD__KEY_RECORD__INIT;
    rec.key = &m.pub;
    rec.self = self;
    return wf_wire_pack(&a, &rec.base, out, out_len);
}

wf_err wf_record_key_public_digest(uint8_t out[WF_RECORD_DIGEST_BYTES], const wf_key_public *pub)
{
    if (out == NULL || pub == NULL || !key_shape_ok(pub))
        return WF_ERR_ARG;
    wf_wire_arena a = {0};
    key_msg m;
    fill_key_public(&a, &m, pub);
    uint8_t *buf = NULL;
    size_t len = 0;
    wf_err err = wf_wire_pack(&a, &m.pub.base, &buf, &len);
    if (err == WF_OK)
        err = wf_sha256(out, buf, len);
    free(buf);
    return err;
}

wf_err wf_record_key_encode(const wf_key_share *k, uint8_t **pub, size_t *pub_len, uint8_t **sec,
                            size_t *sec_len)
{
    if (!outputs_ok(pub, pub_len, sec, sec_len) || k == NULL || k->share == NULL || !key_shape_ok(&k->pub) ||
        k->self >= k->pub.n)
        return WF_ERR_ARG;
    uint8_t *p = NULL;
    size_t p_len = 0;
    wf_err err = pack_key(&k->pub, k->self, &p, &p_len);
    uint8_t *s = secret_alloc(&err, WF_RECORD_KEY_SECRET_BYTES);
    if (err == WF_OK)
        wf_scalar_serialize(s, k->share);
    return hand_out(err, p, p_len, s, WF_RECORD_KEY_SECRET_BYTES, pub, pub_len, sec, sec_len);
}

/* Identifiers and ranks, then the access structure. */
static wf_err read_members(wf_key_public *pub, Warifu__Record__Member *const *m)
{
    wf_err err = WF_OK;
    for (uint32_t j = 0; j < pub->n && err == WF_OK; j++) {
        err = wf_wire_get_scalar(&pub->members[j].x, &m[j]->x);
        pub->members[j].rank = m[j]->rank;
    }
    if (err == WF_OK)
        err = wf_access_check(pub->members, pub->n, pub->t);
    return err == WF_ERR_ARG ? WF_ERR_RANGE : err; /* zero or repeated identifier */
}

/* Feldman: public_key = C_0 and X_j = Σ_k B[j][k]·C_k for every member. */
static wf_err check_share_points(const wf_key_public *pub)
{
    if (!wf_point_eq(&pub->public_key, &pub->commitments[0]))
        return WF_ERR_VERIFY;
    wf_err err = WF_OK;
    for (uint32_t j = 0; j < pub->n && err == WF_OK; j++) {
        wf_point want;
        err = wf_feldman_share_point(&want, pub->commitments, pub->t, &pub->members[j]);
        if (err == WF_OK && !wf_point_eq(&want, &pub->X[j]))
            err = WF_ERR_VERIFY;
    }
    return err;
}

static wf_err read_key_public(wf_key_public *pub, const Warifu__Record__KeyPublic *m)
{
    if (m == NULL)
        return WF_ERR_ENCODING;
    if (m->version != WF_RECORD_VERSION || !members_in_range(m->n) || m->t < 1 || m->t > m->n)
        return WF_ERR_RANGE;
    if (m->n_members != m->n || m->n_commitments != m->t || m->n_share_points != m->n)
        return WF_ERR_ENCODING;
    pub->n = m->n;
    pub->t = m->t;
    wf_err err = wf_wire_get_bytes(pub->key_id, WF_ID_BYTES, &m->key_id);
    if (err == WF_OK)
        err = read_members(pub, m->members);
    if (err == WF_OK)
        err = read_points(pub->commitments, m->commitments, pub->t);
    if (err == WF_OK)
        err = read_points(pub->X, m->share_points, pub->n);
    if (err == WF_OK)
        err = wf_wire_get_point(&pub->public_key, &m->public_key);
    if (err == WF_OK)
        err = wf_wire_get_bytes(pub->chain_code, WF_CHAIN_CODE_BYTES, &m->chain_code);
    if (err == WF_OK)
        err = wf_wire_get_bytes(pub->rid, WF_RID_BYTES, &m->rid);
    return err;
}

/* The public part into k (k->self included), in its one encoding. */
static wf_err read_key_record(wf_key_share *k, const uint8_t *in, size_t in_len)
{
    Warifu__Record__KeyRecord *m =
        (Warifu__Record__KeyRecord *)wf_wire_unpack(&warifu__record__key_record__descriptor, in, in_len);
    if (m == NULL)
        return WF_ERR_ENCODING;
    wf_err err = read_key_public(&k->pub, m->key);
    if (err == WF_OK && m->self >= k->pub.n)
        err = WF_ERR_RANGE;
    k->self = m->self;
    protobuf_c_message_free_unpacked(&m->base, NULL);
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (err == WF_OK)
        err = pack_key(&k->pub, k->self, &again, &again_len);
    return same_encoding(err, again, again_len, in, in_len);
}

/* s_self < q with s_self·G = X_self. */
static wf_err read_share(wf_key_share *k, const uint8_t *sec)
{
    wf_err err = wf_scalar_parse(k->share, sec, WF_RECORD_KEY_SECRET_BYTES);
    wf_point mine;
    if (err == WF_OK)
        err = wf_point_base_mul(&mine, k->share);
    if (err == WF_OK && !wf_point_eq(&mine, &k->pub.X[k->self]))
        err = WF_ERR_VERIFY;
    return err;
}

wf_err wf_record_key_decode(wf_key_share **out, const uint8_t *pub, size_t pub_len, const uint8_t *sec,
                            size_t sec_len)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (pub == NULL || sec == NULL)
        return WF_ERR_ARG;
    if (sec_len != WF_RECORD_KEY_SECRET_BYTES)
        return WF_ERR_ENCODING;
    wf_key_share *k = wf_key_share_new();
    if (k == NULL)
        return WF_ERR_NOMEM;
    wf_err err = read_key_record(k, pub, pub_len);
    if (err == WF_OK)
        err = read_share(k, sec);
    if (err == WF_OK) /* last: the costly check (n multi-exponentiations) */
        err = check_share_points(&k->pub);
    if (err != WF_OK) {
        wf_key_share_free(k);
        return err;
    }
    *out = k;
    return WF_OK;
}

wf_err wf_record_key_public_encode(const wf_key_public *pub, uint8_t **out, size_t *out_len)
{
    if (pub == NULL || out == NULL || out_len == NULL || !key_shape_ok(pub))
        return WF_ERR_ARG;
    wf_wire_arena a = {0};
    key_msg m;
    fill_key_public(&a, &m, pub);
    return wf_wire_pack(&a, &m.pub.base, out, out_len);
}

wf_err wf_record_key_public_decode(wf_key_public *pub, const uint8_t *in, size_t in_len)
{
    if (pub == NULL || in == NULL)
        return WF_ERR_ARG;
    memset(pub, 0, sizeof *pub);
    Warifu__Record__KeyPublic *m =
        (Warifu__Record__KeyPublic *)wf_wire_unpack(&warifu__record__key_public__descriptor, in, in_len);
    if (m == NULL)
        return WF_ERR_ENCODING;
    wf_err err = read_key_public(pub, m);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (err == WF_OK)
        err = wf_record_key_public_encode(pub, &again, &again_len);
    err = same_encoding(err, again, again_len, in, in_len);
    if (err == WF_OK)
        err = check_share_points(pub);
    if (err != WF_OK)
        memset(pub, 0, sizeof *pub);
    return err;
}

/* ---------------------------------------------------------------- aux */

size_t wf_record_aux_secret_bytes(unsigned bits)
{
    return wf_aux_bits_valid(bits) ? 2 * ((size_t)bits / 16) : 0;
}

/* The public values of an aux record while it is read. */
typedef struct aux_parts {
    uint8_t key_id[WF_ID_BYTES];
    uint32_t n, self;
    unsigned bits;
    wf_rped *rped[WF_MAX_MEMBERS];
} aux_parts;

static wf_err pack_aux(const aux_parts *x, uint8_t **out, size_t *out_len)
{
    wf_wire_arena a = {0};
    Warifu__Record__AuxRecord m = WARIFU__RECORD__AUX_RECORD__INIT;
    Warifu__Record__RingPedersen parties[WF_MAX_MEMBERS], *ptrs[WF_MAX_MEMBERS];
    m.version = WF_RECORD_VERSION;
    wf_wire_put_bytes(&a, &m.key_id, x->key_id, WF_ID_BYTES);
    m.n = x->n;
    m.self = x->self;
    m.bits = x->bits;
    for (uint32_t j = 0; j < x->n; j++) {
        warifu__record__ring_pedersen__init(&parties[j]);
        wf_wire_put_mpz(&a, &parties[j].n, x->rped[j]->n);
        wf_wire_put_mpz(&a, &parties[j].s, x->rped[j]->s);
        wf_wire_put_mpz(&a, &parties[j].t, x->rped[j]->t);
        ptrs[j] = &parties[j];
    }
    m.n_parties = x->n;
    m.parties = ptrs;
    return wf_wire_pack(&a, &m.base, out, out_len);
}

/* v as exactly width big-endian bytes. */
static wf_err put_prime(uint8_t *out, size_t width, const mpz_t v)
{
    size_t len = (mpz_sizeinbase(v, 2) + 7) / 8;
    if (mpz_sgn(v) <= 0 || len > width)
        return WF_ERR_ARG;
    memset(out, 0, width - len);
    mpz_export(out + (width - len), NULL, 1, 1, 1, 0, v);
    return WF_OK;
}

wf_err wf_record_aux_encode(const wf_aux *a, uint8_t **pub, size_t *pub_len, uint8_t **sec, size_t *sec_len)
{
    if (!outputs_ok(pub, pub_len, sec, sec_len) || a == NULL || a->sk == NULL || !members_in_range(a->n) ||
        a->self >= a->n || !wf_aux_bits_valid(a->bits))
        return WF_ERR_ARG;
    aux_parts x = {.n = a->n, .self = a->self, .bits = a->bits};
    memcpy(x.key_id, a->key_id, WF_ID_BYTES);
    for (uint32_t j = 0; j < a->n; j++)
        if ((x.rped[j] = a->rped[j]) == NULL)
            return WF_ERR_ARG;
    uint8_t *p = NULL;
    size_t p_len = 0, width = a->bits / 16, s_len = wf_record_aux_secret_bytes(a->bits);
    wf_err err = pack_aux(&x, &p, &p_len);
    uint8_t *s = secret_alloc(&err, s_len);
    if (err == WF_OK)
        err = put_prime(s, width, a->sk->p.v);
    if (err == WF_OK)
        err = put_prime(s + width, width, a->sk->q.v);
    return hand_out(err, p, p_len, s, s_len, pub, pub_len, sec, sec_len);
}

/* One party's (N, s, t), checked for form at |N| = bits. */
static wf_err read_rped(wf_rped **out, const Warifu__Record__RingPedersen *m, unsigned bits)
{
    mpz_t n, s, t;
    mpz_inits(n, s, t, NULL);
    wf_err err = wf_wire_get_mpz(n, &m->n);
    if (err == WF_OK)
        err = wf_wire_get_mpz(s, &m->s);
    if (err == WF_OK)
        err = wf_wire_get_mpz(t, &m->t);
    if (err == WF_OK)
        err = wf_rped_from_values(out, n, s, t, bits);
    mpz_clears(n, s, t, NULL);
    return err;
}

/* No two members share a modulus (aux-info refuses that too). */
static wf_err check_distinct(const aux_parts *x)
{
    for (uint32_t i = 0; i < x->n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (mpz_cmp(x->rped[i]->n, x->rped[j]->n) == 0)
                return WF_ERR_VERIFY;
    return WF_OK;
}

static wf_err read_aux_public(aux_parts *x, const Warifu__Record__AuxRecord *m)
{
    if (m->version != WF_RECORD_VERSION || !members_in_range(m->n) || m->self >= m->n ||
        !wf_aux_bits_valid(m->bits))
        return WF_ERR_RANGE;
    if (m->n_parties != m->n)
        return WF_ERR_ENCODING;
    x->n = m->n;
    x->self = m->self;
    x->bits = m->bits;
    wf_err err = wf_wire_get_bytes(x->key_id, WF_ID_BYTES, &m->key_id);
    for (uint32_t j = 0; j < x->n && err == WF_OK; j++)
        err = read_rped(&x->rped[j], m->parties[j], x->bits);
    return err == WF_OK ? check_distinct(x) : err;
}

static wf_err read_aux_record(aux_parts *x, const uint8_t *in, size_t in_len)
{
    Warifu__Record__AuxRecord *m =
        (Warifu__Record__AuxRecord *)wf_wire_unpack(&warifu__record__aux_record__descriptor, in, in_len);
    if (m == NULL)
        return WF_ERR_ENCODING;
    wf_err err = read_aux_public(x, m);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (err == WF_OK)
        err = pack_aux(x, &again, &again_len);
    return same_encoding(err, again, again_len, in, in_len);
}

/* The Paillier key of primes p || q (width bytes each) over N. p·q = N is
 * checked first (cheap); wf_paillier_keygen_from_primes then checks that both
 * are safe primes of the same size. */
static wf_err read_aux_secret(wf_paillier_sk **sk, const uint8_t *sec, size_t width, const mpz_t n)
{
    wf_smpz *p = wf_smpz_new(), *q = wf_smpz_new();
    wf_err err = p != NULL && q != NULL ? WF_OK : WF_ERR_NOMEM;
    if (err == WF_OK) {
        mpz_import(p->v, width, 1, 1, 1, 0, sec);
        mpz_import(q->v, width, 1, 1, 1, 0, sec + width);
        mpz_t prod;
        mpz_init(prod);
        mpz_mul(prod, p->v, q->v);
        if (mpz_cmp(prod, n) != 0)
            err = WF_ERR_VERIFY;
        wf_mpz_wipe(prod);
        mpz_clear(prod);
    }
    if (err == WF_OK) {
        err = wf_paillier_keygen_from_primes(sk, p->v, q->v);
        if (err != WF_OK && err != WF_ERR_NOMEM)
            err = WF_ERR_VERIFY;
    }
    wf_smpz_free(p);
    wf_smpz_free(q);
    return err;
}

wf_err wf_record_aux_decode(wf_aux **out, const uint8_t *pub, size_t pub_len, const uint8_t *sec,
                            size_t sec_len)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (pub == NULL || sec == NULL)
        return WF_ERR_ARG;
    aux_parts x = {0};
    wf_paillier_sk *sk = NULL;
    wf_err err = read_aux_record(&x, pub, pub_len);
    if (err == WF_OK && sec_len != wf_record_aux_secret_bytes(x.bits))
        err = WF_ERR_ENCODING;
    if (err == WF_OK)
        err = read_aux_secret(&sk, sec, x.bits / 16, x.rped[x.self]->n);
    if (err != WF_OK) {
        for (uint32_t j = 0; j < WF_MAX_MEMBERS; j++)
            wf_rped_free(x.rped[j]);
        return err;
    }
    return wf_aux_assemble(out, x.key_id, x.n, x.self, x.bits, sk, x.rped);
}

/* ---------------------------------------------------------------- presignatures */

static wf_err pack_presig(const wf_presig *p, uint8_t **out, size_t *out_len)
{
    wf_wire_arena a = {0};
    Warifu__Record__PresigRecord m = WARIFU__RECORD__PRESIG_RECORD__INIT;
    uint32_t signers[WF_MAX_MEMBERS];
    memcpy(signers, p->signers, p->n * sizeof signers[0]);
    m.version = WF_RECORD_VERSION;
    wf_wire_put_bytes(&a, &m.key_id, p->key_id, WF_ID_BYTES);
    wf_wire_put_bytes(&a, &m.session_id, p->session_id, WF_ID_BYTES);
    m.self = p->self;
    m.n = (uint32_t)p->n;
    m.n_signers = p->n;
    m.signers = signers;
    wf_wire_put_point(&a, &m.r, &p->R);
    m.n_r_bar = p->n;
    m.r_bar = put_points(&a, p->Rbar, p->n);
    m.n_s = p->n;
    m.s = put_points(&a, p->S, p->n);
    return wf_wire_pack(&a, &m.base, out, out_len);
}

wf_err wf_record_presig_encode(const wf_presig *p, uint8_t **pub, size_t *pub_len, uint8_t **sec,
                               size_t *sec_len)
{
    if (!outputs_ok(pub, pub_len, sec, sec_len) || p == NULL || p->k == NULL || p->chi == NULL || p->n < 2 ||
        p->n > WF_PRESIGN_MAX_SIGNERS)
        return WF_ERR_ARG;
    uint8_t *b = NULL;
    size_t b_len = 0;
    wf_err err = pack_presig(p, &b, &b_len);
    uint8_t *s = secret_alloc(&err, WF_RECORD_PRESIG_SECRET_BYTES);
    if (err == WF_OK) {
        wf_scalar_serialize(s, p->k);
        wf_scalar_serialize(s + WF_SCALAR_BYTES, p->chi);
    }
    return hand_out(err, b, b_len, s, WF_RECORD_PRESIG_SECRET_BYTES, pub, pub_len, sec, sec_len);
}

/* A presignature with its locked secrets allocated. */
static wf_presig *presig_new(void)
{
    wf_presig *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->k = wf_secure_alloc(sizeof *p->k);
    p->chi = wf_secure_alloc(sizeof *p->chi);
    if (p->k == NULL || p->chi == NULL) {
        wf_presig_free(p);
        return NULL;
    }
    return p;
}

/* Strictly ascending member indices, self among them. */
static wf_err read_signers(wf_presig *p, const uint32_t *signers, uint32_t self)
{
    int have_self = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (signers[i] >= WF_MAX_MEMBERS)
            return WF_ERR_RANGE;
        if (i > 0 && signers[i] <= signers[i - 1])
            return WF_ERR_ENCODING;
        p->signers[i] = signers[i];
        have_self |= signers[i] == self;
    }
    p->self = self;
    return have_self ? WF_OK : WF_ERR_RANGE;
}

/* ΣR̄_j = Σk_j·R = k·R = G. */
static wf_err check_rbar_sum(const wf_presig *p)
{
    wf_point sum = p->Rbar[0], g;
    wf_err err = WF_OK;
    for (size_t i = 1; i < p->n && err == WF_OK; i++)
        err = wf_point_add(&sum, &sum, &p->Rbar[i]);
    wf_point_generator(&g);
    return err != WF_OK ? err : wf_point_eq(&sum, &g) ? WF_OK : WF_ERR_VERIFY;
}

static wf_err read_presig_public(wf_presig *p, const Warifu__Record__PresigRecord *m)
{
    if (m->version != WF_RECORD_VERSION || m->n < 2 || m->n > WF_PRESIGN_MAX_SIGNERS)
        return WF_ERR_RANGE;
    if (m->n_signers != m->n || m->n_r_bar != m->n || m->n_s != m->n)
        return WF_ERR_ENCODING;
    p->n = m->n;
    wf_err err = wf_wire_get_bytes(p->key_id, WF_ID_BYTES, &m->key_id);
    if (err == WF_OK)
        err = wf_wire_get_bytes(p->session_id, WF_ID_BYTES, &m->session_id);
    if (err == WF_OK)
        err = read_signers(p, m->signers, m->self);
    if (err == WF_OK)
        err = wf_wire_get_point(&p->R, &m->r);
    if (err == WF_OK)
        err = read_points(p->Rbar, m->r_bar, p->n);
    if (err == WF_OK)
        err = read_points(p->S, m->s, p->n);
    return err == WF_OK ? check_rbar_sum(p) : err;
}

static wf_err read_presig_record(wf_presig *p, const uint8_t *in, size_t in_len)
{
    Warifu__Record__PresigRecord *m = (Warifu__Record__PresigRecord *)wf_wire_unpack(
        &warifu__record__presig_record__descriptor, in, in_len);
    if (m == NULL)
        return WF_ERR_ENCODING;
    wf_err err = read_presig_public(p, m);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (err == WF_OK)
        err = pack_presig(p, &again, &again_len);
    return same_encoding(err, again, again_len, in, in_len);
}

/* WF_ERR_VERIFY unless x·R = want. */
static wf_err check_mul(const wf_point *R, const wf_scalar *x, const wf_point *want)
{
    wf_point got;
    wf_err err = wf_point_mul(&got, R, x);
    return err != WF_OK ? err : wf_point_eq(&got, want) ? WF_OK : WF_ERR_VERIFY;
}

/* k, χ < q with k·R = R̄_self and χ·R = S_self. */
static wf_err read_presig_secret(wf_presig *p, const uint8_t *sec)
{
    size_t me = 0;
    while (p->signers[me] != p->self) /* read_signers found self */
        me++;
    wf_err err = wf_scalar_parse(p->k, sec, WF_SCALAR_BYTES);
    if (err == WF_OK)
        err = wf_scalar_parse(p->chi, sec + WF_SCALAR_BYTES, WF_SCALAR_BYTES);
    if (err == WF_OK)
        err = check_mul(&p->R, p->k, &p->Rbar[me]);
    if (err == WF_OK)
        err = check_mul(&p->R, p->chi, &p->S[me]);
    return err;
}

wf_err wf_record_presig_decode(wf_presig **out, const uint8_t *pub, size_t pub_len, const uint8_t *sec,
                               size_t sec_len)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (pub == NULL || sec == NULL)
        return WF_ERR_ARG;
    if (sec_len != WF_RECORD_PRESIG_SECRET_BYTES)
        return WF_ERR_ENCODING;
    wf_presig *p = presig_new();
    if (p == NULL)
        return WF_ERR_NOMEM;
    wf_err err = read_presig_record(p, pub, pub_len);
    if (err == WF_OK)
        err = read_presig_secret(p, sec);
    if (err != WF_OK) {
        wf_presig_free(p);
        return err;
    }
    *out = p;
    return WF_OK;
}
