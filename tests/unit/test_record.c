/* protocol/record.c: storage encodings of key shares, aux records and
 * presignatures. Round trips compare every field (and the aux record's
 * Paillier key encrypts and decrypts); then truncated, extended,
 * non-canonical and altered records, each refused with the error record.h
 * names and no object. Public parts are altered through their protobuf
 * message (unpack, change one thing, pack), secret parts byte by byte.
 *
 * Keys come from the test dealer, the aux record's own Paillier key from the
 * fixture primes (peers' moduli are fixture products with random s, t: only
 * their form is checked on decoding), and the presignature is made by hand
 * with random k_j, χ_j and R = (Σk_j)⁻¹·G: valgrind runs this test too. */
#include <string.h>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "protocol/proto/record.pb-c.h"
#include "protocol/record.h"
#include "tests/protocol_dealer.h"

#define N_KEY 5
#define T_KEY 3

static int sentinel; /* *out is set to &sentinel before a decode that must fail */

/* ---------------------------------------------------------------- helpers */

static uint8_t *repack(const void *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len + 1);
    REQUIRE(buf != NULL);
    REQUIRE(protobuf_c_message_pack(m, buf) == *len);
    return buf;
}

static void msg_free(void *m)
{
    protobuf_c_message_free_unpacked(m, NULL);
}

/* A copy of a secret part in locked memory, as the store would hand it back. */
static uint8_t *secret_copy(const uint8_t *s, size_t len)
{
    uint8_t *c = wf_secure_alloc(len + 1);
    REQUIRE(c != NULL);
    memcpy(c, s, len);
    return c;
}

/* x bytes of a point with no y on the curve (the first x = 0, 1, 2, … without one). */
static void off_curve_x(uint8_t x[32])
{
    uint8_t enc[WF_POINT_BYTES] = {0x02};
    wf_point p;
    for (uint8_t v = 0;; v++) {
        enc[WF_POINT_BYTES - 1] = v;
        if (wf_point_parse(&p, enc, sizeof enc) == WF_ERR_NOT_ON_CURVE)
            break;
    }
    memcpy(x, enc + 1, 32);
}

static void set_off_curve(ProtobufCBinaryData *f)
{
    REQUIRE(f->len == WF_POINT_BYTES);
    off_curve_x(f->data + 1);
}

static void set_order(ProtobufCBinaryData *f)
{
    REQUIRE(f->len == WF_SCALAR_BYTES);
    memcpy(f->data, WF_SECP256K1_ORDER, WF_SCALAR_BYTES);
}

/* A record kind's decoder as the tests call it: frees what it decodes,
 * checks *out is NULL when it refuses. */
typedef wf_err (*decode_fn)(const uint8_t *p, size_t pl, const uint8_t *s, size_t sl);

static void *unpack(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len)
{
    void *m = protobuf_c_message_unpack(d, NULL, len, p);
    REQUIRE(m != NULL);
    return m;
}

/* Decodes the (altered) message m with secret part s. */
static wf_err decode_msg(decode_fn decode, const void *m, const uint8_t *s, size_t sl)
{
    size_t len;
    uint8_t *buf = repack(m, &len);
    wf_err err = decode(buf, len, s, sl);
    free(buf);
    return err;
}

/* Every truncation of the public part (each byte of the first and last 64,
 * every stride-th between), trailing bytes: no field, an unknown field, a
 * repeated field (`tag` with varint `value`: protobuf would take the last,
 * the record has one encoding); secret parts one byte short, long, halved;
 * NULL parts. */
static void test_sizes(decode_fn decode, const uint8_t *p, size_t pl, const uint8_t *s, size_t sl,
                       size_t stride, uint8_t tag, uint8_t value)
{
    for (size_t len = 0; len < pl; len += (len < 64 || len + 64 > pl) ? 1 : stride)
        CHECK(decode(p, len, s, sl) != WF_OK);
    uint8_t *longer = malloc(pl + 2);
    REQUIRE(longer != NULL);
    memcpy(longer, p, pl);
    const uint8_t tails[3][2] = {{0x00, 0x00}, {0x78, 0x01}, {tag, value}};
    for (size_t i = 0; i < 3; i++) {
        memcpy(longer + pl, tails[i], 2);
        CHECK_ERR(decode(longer, pl + (i == 0 ? 1 : 2), s, sl), WF_ERR_ENCODING);
    }
    free(longer);
    uint8_t *s_long = secret_copy(s, sl);
    CHECK_ERR(decode(p, pl, s_long, sl + 1), WF_ERR_ENCODING);
    CHECK_ERR(decode(p, pl, s_long, sl - 1), WF_ERR_ENCODING);
    CHECK_ERR(decode(p, pl, s_long, sl / 2), WF_ERR_ENCODING);
    wf_secure_free(s_long);
    CHECK_ERR(decode(NULL, pl, s, sl), WF_ERR_ARG);
    CHECK_ERR(decode(p, pl, NULL, sl), WF_ERR_ARG);
}

/* ---------------------------------------------------------------- keys */

static wf_err key_decode(const uint8_t *p, size_t pl, const uint8_t *s, size_t sl)
{
    wf_key_share *k = (wf_key_share *)&sentinel;
    wf_err err = wf_record_key_decode(&k, p, pl, s, sl);
    if (err == WF_OK)
        wf_key_share_free(k);
    else
        CHECK(k == NULL);
    return err;
}

static Warifu__Record__KeyRecord *key_unpack(const uint8_t *p, size_t len)
{
    return unpack(&warifu__record__key_record__descriptor, p, len);
}

static wf_err key_decode_msg(const Warifu__Record__KeyRecord *m, const uint8_t *sec)
{
    return decode_msg(key_decode, m, sec, WF_RECORD_KEY_SECRET_BYTES);
}

static int key_equal(const wf_key_share *a, const wf_key_share *b)
{
    const wf_key_public *x = &a->pub, *y = &b->pub;
    int eq = memcmp(x->key_id, y->key_id, WF_ID_BYTES) == 0 && x->n == y->n && x->t == y->t &&
             a->self == b->self && wf_point_eq(&x->public_key, &y->public_key) &&
             memcmp(x->chain_code, y->chain_code, WF_CHAIN_CODE_BYTES) == 0 &&
             memcmp(x->rid, y->rid, WF_RID_BYTES) == 0 && wf_scalar_eq(a->share, b->share);
    for (uint32_t j = 0; eq && j < x->n; j++)
        eq = wf_scalar_eq(&x->members[j].x, &y->members[j].x) && x->members[j].rank == y->members[j].rank &&
             wf_point_eq(&x->X[j], &y->X[j]);
    for (uint32_t k = 0; eq && k < x->t; k++)
        eq = wf_point_eq(&x->commitments[k], &y->commitments[k]);
    return eq;
}

static void test_key_round_trip(wf_key_share *const *keys)
{
    uint8_t digest0[WF_RECORD_DIGEST_BYTES];
    CHECK_OK(wf_record_key_public_digest(digest0, &keys[0]->pub));
    for (size_t j = 0; j < N_KEY; j++) {
        uint8_t *p, *s;
        size_t pl, sl;
        CHECK_OK(wf_record_key_encode(keys[j], &p, &pl, &s, &sl));
        CHECK(sl == WF_RECORD_KEY_SECRET_BYTES && memcmp(s, keys[j]->share->b, sl) == 0);
        wf_key_share *back = NULL;
        CHECK_OK(wf_record_key_decode(&back, p, pl, s, sl));
        CHECK(back != NULL && key_equal(back, keys[j]));
        /* the commitments hash: the same on every member, = SHA-256 of the KeyPublic encoding */
        uint8_t digest[WF_RECORD_DIGEST_BYTES], direct[WF_SHA256_BYTES];
        CHECK_OK(wf_record_key_public_digest(digest, &back->pub));
        CHECK(memcmp(digest, digest0, sizeof digest) == 0);
        Warifu__Record__KeyRecord *m = key_unpack(p, pl);
        size_t kl;
        uint8_t *kb = repack(&m->key->base, &kl);
        CHECK_OK(wf_sha256(direct, kb, kl));
        CHECK(memcmp(direct, digest, sizeof direct) == 0);
        free(kb);
        msg_free(m);
        wf_key_share_free(back);
        free(p);
        wf_secure_free(s);
    }
    wf_key_public other = keys[0]->pub;
    other.chain_code[0] ^= 1;
    uint8_t d2[WF_RECORD_DIGEST_BYTES];
    CHECK_OK(wf_record_key_public_digest(d2, &other));
    CHECK(memcmp(d2, digest0, sizeof d2) != 0);
}

/* Every single-bit flip of the share (in the light (valgrind) pass a sample,
 * wf_test_flip_mask), and every byte inverted, is refused: >= q, or a
 * different share whose s·G is not X_self. */
static void test_key_secret_flips(const uint8_t *p, size_t pl, const uint8_t *s, const uint8_t *other_s)
{
    uint8_t *f = secret_copy(s, WF_RECORD_KEY_SECRET_BYTES);
    int all_refused = 1, verify_seen = 0;
    for (size_t i = 0; i < WF_RECORD_KEY_SECRET_BYTES; i++)
        for (unsigned b = 0; b <= 8; b++) {
            if (b < 8 && !(wf_test_flip_mask(i, WF_RECORD_KEY_SECRET_BYTES) & (1u << b)))
                continue;
            uint8_t mask = b < 8 ? (uint8_t)(1u << b) : 0xff;
            f[i] ^= mask;
            wf_err err = key_decode(p, pl, f, WF_RECORD_KEY_SECRET_BYTES);
            all_refused &= err == WF_ERR_VERIFY || err == WF_ERR_RANGE;
            verify_seen |= err == WF_ERR_VERIFY;
            f[i] ^= mask;
        }
    CHECK(all_refused && verify_seen);
    memcpy(f, WF_SECP256K1_ORDER, WF_SCALAR_BYTES); /* q itself */
    CHECK_ERR(key_decode(p, pl, f, WF_RECORD_KEY_SECRET_BYTES), WF_ERR_RANGE);
    memset(f, 0xff, WF_SCALAR_BYTES);
    CHECK_ERR(key_decode(p, pl, f, WF_RECORD_KEY_SECRET_BYTES), WF_ERR_RANGE);
    memset(f, 0, WF_SCALAR_BYTES);
    CHECK_ERR(key_decode(p, pl, f, WF_RECORD_KEY_SECRET_BYTES), WF_ERR_VERIFY);
    /* another member's (valid) share under this member's record */
    CHECK_ERR(key_decode(p, pl, other_s, WF_RECORD_KEY_SECRET_BYTES), WF_ERR_VERIFY);
    wf_secure_free(f);
}

/* Numbers out of range and counts that do not match. */
static void test_key_ranges(const uint8_t *p, size_t pl, const uint8_t *s)
{
    Warifu__Record__KeyRecord *m = key_unpack(p, pl);
    Warifu__Record__KeyPublic *k = m->key;
    CHECK_OK(key_decode_msg(m, s));
    m->self = N_KEY;
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_RANGE);
    m->self = 0; /* the share is member 1's */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_VERIFY);
    m->self = 1;
    k->version = 2;
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_RANGE);
    k->version = WF_RECORD_VERSION;
    const uint32_t bad_nt[][2] = {
        {N_KEY, 0}, {N_KEY, N_KEY + 1}, {1, 1}, {0, 0}, {WF_MAX_MEMBERS + 1, T_KEY}};
    for (size_t i = 0; i < sizeof bad_nt / sizeof bad_nt[0]; i++) {
        k->n = bad_nt[i][0];
        k->t = bad_nt[i][1];
        CHECK_ERR(key_decode_msg(m, s), WF_ERR_RANGE);
    }
    k->n = N_KEY - 1; /* consistent range, counts of N_KEY */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_ENCODING);
    k->n = N_KEY;
    k->t = T_KEY - 1; /* T_KEY commitments */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_ENCODING);
    k->t = T_KEY;
    k->n_commitments--;
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_ENCODING);
    k->n_commitments++;
    k->n_share_points--;
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_ENCODING);
    k->n_share_points++;
    k->key_id.len--;
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_ENCODING);
    k->key_id.len++;
    k->rid.len--;
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_ENCODING);
    k->rid.len++;
    CHECK_OK(key_decode_msg(m, s));
    msg_free(m);
}

/* Points off the curve, scalars >= q, and values that do not agree. */
static void test_key_values(const uint8_t *p, size_t pl, const uint8_t *s)
{
    ProtobufCBinaryData *fields[3];
    for (int i = 0; i < 3; i++) {
        Warifu__Record__KeyRecord *m = key_unpack(p, pl);
        fields[0] = &m->key->commitments[1];
        fields[1] = &m->key->share_points[3];
        fields[2] = &m->key->public_key;
        set_off_curve(fields[i]);
        CHECK_ERR(key_decode_msg(m, s), WF_ERR_NOT_ON_CURVE);
        fields[i]->data[0] = 0x00; /* infinity has no 33-byte form */
        CHECK_ERR(key_decode_msg(m, s), WF_ERR_ENCODING);
        msg_free(m);
    }
    Warifu__Record__KeyRecord *m = key_unpack(p, pl);
    Warifu__Record__KeyPublic *k = m->key;
    uint8_t keep[WF_POINT_BYTES];
    set_order(&k->members[2]->x); /* identifier = q */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_RANGE);
    memcpy(k->members[2]->x.data, k->members[0]->x.data, WF_SCALAR_BYTES); /* repeated identifier */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_RANGE);
    msg_free(m);
    m = key_unpack(p, pl);
    k = m->key;
    for (size_t j = 0; j < N_KEY; j++)
        k->members[j]->rank = 1; /* three rank-1 members alone */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_UNAUTHORISED);
    msg_free(m);
    m = key_unpack(p, pl);
    k = m->key;
    memcpy(keep, k->share_points[3].data, WF_POINT_BYTES); /* X_3 := X_4: not what C gives member 3 */
    memcpy(k->share_points[3].data, k->share_points[4].data, WF_POINT_BYTES);
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_VERIFY);
    memcpy(k->share_points[3].data, keep, WF_POINT_BYTES);
    memcpy(k->public_key.data, k->commitments[1].data, WF_POINT_BYTES); /* public key != C_0 */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_VERIFY);
    memcpy(k->public_key.data, k->commitments[0].data, WF_POINT_BYTES);
    memcpy(k->commitments[2].data, k->commitments[1].data, WF_POINT_BYTES); /* C_2 changed: no X_j fits */
    CHECK_ERR(key_decode_msg(m, s), WF_ERR_VERIFY);
    msg_free(m);
}

static void test_key_encode_refusals(const wf_key_share *key)
{
    uint8_t *p = (uint8_t *)&sentinel, *s = (uint8_t *)&sentinel;
    size_t pl, sl;
    wf_key_share bad = *key;
    bad.self = key->pub.n;
    CHECK_ERR(wf_record_key_encode(&bad, &p, &pl, &s, &sl), WF_ERR_ARG);
    CHECK(p == NULL && s == NULL);
    bad = *key;
    bad.share = NULL;
    CHECK_ERR(wf_record_key_encode(&bad, &p, &pl, &s, &sl), WF_ERR_ARG);
    CHECK_ERR(wf_record_key_encode(NULL, &p, &pl, &s, &sl), WF_ERR_ARG);
    CHECK_ERR(wf_record_key_encode(key, NULL, &pl, &s, &sl), WF_ERR_ARG);
    uint8_t d[WF_RECORD_DIGEST_BYTES];
    CHECK_ERR(wf_record_key_public_digest(d, NULL), WF_ERR_ARG);
}

static void test_keys(void)
{
    wf_key_share *keys[N_KEY];
    const uint32_t ranks[N_KEY] = {0, 0, 1, 1, 1};
    wf_test_deal_key(keys, N_KEY, T_KEY, ranks);
    wf_random_bytes(keys[0]->pub.rid, WF_RID_BYTES);
    for (size_t j = 1; j < N_KEY; j++)
        memcpy(keys[j]->pub.rid, keys[0]->pub.rid, WF_RID_BYTES);
    test_key_round_trip(keys);
    uint8_t *p, *s, *p0, *s0;
    size_t pl, sl, pl0, sl0;
    REQUIRE(wf_record_key_encode(keys[1], &p, &pl, &s, &sl) == WF_OK);
    REQUIRE(wf_record_key_encode(keys[0], &p0, &pl0, &s0, &sl0) == WF_OK);
    test_sizes(key_decode, p, pl, s, sl, 7, 0x10, 0x00); /* self again */
    CHECK_ERR(wf_record_key_decode(NULL, p, pl, s, sl), WF_ERR_ARG);
    test_key_secret_flips(p, pl, s, s0);
    test_key_ranges(p, pl, s);
    test_key_values(p, pl, s);
    test_key_encode_refusals(keys[1]);
    free(p);
    free(p0);
    wf_secure_free(s);
    wf_secure_free(s0);
    for (size_t j = 0; j < N_KEY; j++)
        wf_key_share_free(keys[j]);
}

/* ---------------------------------------------------------------- aux */

#define N_AUX    3
#define SELF_AUX 1

/* A peer's (N, s, t): N the product of fixture primes of pair `pair`, s and t random squares. */
static wf_rped *peer_rped(unsigned pair)
{
    mpz_t p, q, n, s, t, r;
    mpz_inits(p, q, n, s, t, r, NULL);
    REQUIRE(wf_test_fixture_prime(p, 1024, 2 * pair) == 0 &&
            wf_test_fixture_prime(q, 1024, 2 * pair + 1) == 0);
    mpz_mul(n, p, q);
    REQUIRE(wf_mpz_random_unit(r, n) == WF_OK);
    mpz_powm_ui(s, r, 2, n);
    REQUIRE(wf_mpz_random_unit(r, n) == WF_OK);
    mpz_powm_ui(t, r, 2, n);
    wf_rped *rp = NULL;
    REQUIRE(wf_rped_from_values(&rp, n, s, t, 2048) == WF_OK);
    mpz_clears(p, q, n, s, t, r, NULL);
    return rp;
}

/* Member SELF_AUX's aux record: own key from fixture pair 0, peers' from pairs 1, 2. */
static wf_aux *make_aux(void)
{
    wf_paillier_sk *sk = wf_test_paillier_sk(2048, 0);
    REQUIRE(sk != NULL);
    wf_rped *rp[N_AUX];
    wf_rped_secret *sec = NULL;
    REQUIRE(wf_rped_generate(&rp[SELF_AUX], &sec, sk) == WF_OK);
    wf_rped_secret_free(sec);
    for (unsigned j = 0; j < N_AUX; j++)
        if (j != SELF_AUX)
            rp[j] = peer_rped(1 + j);
    uint8_t key_id[WF_ID_BYTES];
    memset(key_id, 0x4b, sizeof key_id);
    wf_aux *a = NULL;
    REQUIRE(wf_aux_assemble(&a, key_id, N_AUX, SELF_AUX, 2048, sk, rp) == WF_OK);
    return a;
}

/* The shape aux-info gives: own key's CRT owner links, peers' keys from their N, no tables. */
static int aux_shape_ok(const wf_aux *a)
{
    int ok = a->pk[a->self] == NULL && wf_rped_owner(a->rped[a->self]) == a->sk &&
             wf_paillier_pk_owner(wf_aux_pk(a, a->self)) == a->sk;
    for (uint32_t j = 0; ok && j < a->n; j++) {
        ok = a->rped[j] != NULL && a->rped[j]->accel == NULL && a->rped[j]->bits == a->bits;
        if (ok && j != a->self)
            ok = a->pk[j] != NULL && a->pk[j]->owner == NULL && a->rped[j]->owner == NULL &&
                 mpz_cmp(a->pk[j]->n, a->rped[j]->n) == 0;
    }
    for (uint32_t j = a->n; ok && j < WF_MAX_MEMBERS; j++)
        ok = a->pk[j] == NULL && a->rped[j] == NULL;
    return ok;
}

static int aux_equal(const wf_aux *a, const wf_aux *b)
{
    int eq = memcmp(a->key_id, b->key_id, WF_ID_BYTES) == 0 && a->n == b->n && a->self == b->self &&
             a->bits == b->bits && mpz_cmp(a->sk->p.v, b->sk->p.v) == 0 &&
             mpz_cmp(a->sk->q.v, b->sk->q.v) == 0 && mpz_cmp(a->sk->pk.n, b->sk->pk.n) == 0;
    for (uint32_t j = 0; eq && j < a->n; j++)
        eq = mpz_cmp(a->rped[j]->n, b->rped[j]->n) == 0 && mpz_cmp(a->rped[j]->s, b->rped[j]->s) == 0 &&
             mpz_cmp(a->rped[j]->t, b->rped[j]->t) == 0;
    return eq;
}

/* The decoded key works: Enc under every party's key equals the original's
 * (same ρ), and the own one decrypts. */
static void check_aux_crypto(const wf_aux *orig, const wf_aux *back)
{
    mpz_t m, rho, c1, c2, d;
    mpz_inits(m, rho, c1, c2, d, NULL);
    for (uint32_t j = 0; j < back->n; j++) {
        const wf_paillier_pk *pk = wf_aux_pk(back, j);
        wf_mpz_random_bits(m, 256);
        REQUIRE(wf_mpz_random_unit(rho, pk->n) == WF_OK);
        CHECK_OK(wf_paillier_encrypt_with(c1, pk, m, rho));
        CHECK_OK(wf_paillier_encrypt_with(c2, wf_aux_pk(orig, j), m, rho));
        CHECK(mpz_cmp(c1, c2) == 0);
        if (j != back->self)
            continue;
        CHECK_OK(wf_paillier_decrypt(d, back->sk, c1));
        CHECK(mpz_cmp(d, m) == 0);
        CHECK_OK(wf_paillier_decrypt_plain(d, back->sk, c1));
        CHECK(mpz_cmp(d, m) == 0);
    }
    mpz_clears(m, rho, c1, c2, d, NULL);
}

static wf_err aux_decode(const uint8_t *p, size_t pl, const uint8_t *s, size_t sl)
{
    wf_aux *a = (wf_aux *)&sentinel;
    wf_err err = wf_record_aux_decode(&a, p, pl, s, sl);
    if (err == WF_OK)
        wf_aux_free(a);
    else
        CHECK(a == NULL);
    return err;
}

static Warifu__Record__AuxRecord *aux_unpack(const uint8_t *p, size_t len)
{
    return unpack(&warifu__record__aux_record__descriptor, p, len);
}

static wf_err aux_decode_msg(const Warifu__Record__AuxRecord *m, const uint8_t *s, size_t sl)
{
    return decode_msg(aux_decode, m, s, sl);
}

/* Secrets that are not the factors of N_self. None reaches the safe-prime test. */
static void test_aux_secret(const uint8_t *p, size_t pl, const uint8_t *s, size_t sl)
{
    uint8_t *f = secret_copy(s, sl);
    const size_t spots[] = {0, 1, sl / 2 - 1, sl / 2, sl - 1};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        f[spots[i]] ^= 0x04;
        CHECK_ERR(aux_decode(p, pl, f, sl), WF_ERR_VERIFY);
        f[spots[i]] ^= 0x04;
    }
    /* another fixture key's primes */
    mpz_t x;
    mpz_init(x);
    for (unsigned i = 0; i < 2; i++) {
        REQUIRE(wf_test_fixture_prime(x, 1024, 10 + i) == 0);
        mpz_export(f + i * (sl / 2), NULL, 1, 1, 1, 0, x);
    }
    CHECK_ERR(aux_decode(p, pl, f, sl), WF_ERR_VERIFY);
    mpz_clear(x);
    memset(f, 0, sl);
    CHECK_ERR(aux_decode(p, pl, f, sl), WF_ERR_VERIFY);
    wf_secure_free(f);
}

static void test_aux_public(const uint8_t *p, size_t pl, const uint8_t *s, size_t sl, const wf_aux *a)
{
    Warifu__Record__AuxRecord *m = aux_unpack(p, pl);
    m->self = N_AUX;
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
    m->self = 0; /* our primes are not N_0's factors */
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_VERIFY);
    m->self = SELF_AUX;
    const uint32_t bad_bits[] = {1024, 2047, 3072, 0};
    for (size_t i = 0; i < sizeof bad_bits / sizeof bad_bits[0]; i++) {
        m->bits = bad_bits[i];
        CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
    }
    m->bits = 2048;
    m->n = 1;
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
    m->n = N_AUX + 1;
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_ENCODING);
    m->n = N_AUX;
    m->version = 0;
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
    m->version = WF_RECORD_VERSION;
    m->key_id.len = 0;
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_ENCODING);
    m->key_id.len = WF_ID_BYTES;
    msg_free(m);

    /* one member's (N, s, t) at a time */
    for (uint32_t j = 0; j < N_AUX; j++) {
        m = aux_unpack(p, pl);
        Warifu__Record__RingPedersen *r = m->parties[j];
        uint8_t keep = r->n.data[1];
        r->n.data[0] = 1; /* -N */
        CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
        r->n.data[0] = 0;
        r->n.data[1] = 0; /* leading zero: not the integer form */
        CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_ENCODING);
        r->n.data[1] = keep;
        r->n.data[r->n.len - 1] ^= 1; /* even N */
        CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
        r->n.data[r->n.len - 1] ^= 1;
        r->n.len--; /* |N| = 2040 */
        CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
        r->n.len++;
        size_t s_len = r->s.len;
        keep = r->s.data[1];
        r->s.len = 2; /* s = 1 */
        r->s.data[1] = 1;
        CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_RANGE);
        r->s.len = s_len;
        r->s.data[1] = keep;
        r->t.len = 0; /* missing */
        CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_ENCODING);
        msg_free(m);
    }
    /* s = p: shares a factor with N_self */
    m = aux_unpack(p, pl);
    ProtobufCBinaryData *sf = &m->parties[SELF_AUX]->s;
    size_t plen = (mpz_sizeinbase(a->sk->p.v, 2) + 7) / 8;
    REQUIRE(sf->len >= plen + 1);
    sf->data[0] = 0;
    mpz_export(sf->data + 1, NULL, 1, 1, 1, 0, a->sk->p.v);
    sf->len = plen + 1;
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_NOT_UNIT);
    msg_free(m);
    /* two members with one modulus */
    m = aux_unpack(p, pl);
    Warifu__Record__RingPedersen *third = m->parties[2];
    m->parties[2] = m->parties[0]; /* (N_0, s_0, t_0) twice */
    CHECK_ERR(aux_decode_msg(m, s, sl), WF_ERR_VERIFY);
    m->parties[2] = third;
    msg_free(m);
}

static void test_aux(void)
{
    wf_aux *a = make_aux();
    CHECK(aux_shape_ok(a));
    uint8_t *p, *s;
    size_t pl, sl;
    CHECK_OK(wf_record_aux_encode(a, &p, &pl, &s, &sl));
    CHECK(sl == wf_record_aux_secret_bytes(2048) && sl == 256);
    CHECK(wf_record_aux_secret_bytes(1024) == 0 && wf_record_aux_secret_bytes(3072) == 384);
    wf_aux *back = NULL;
    CHECK_OK(wf_record_aux_decode(&back, p, pl, s, sl));
    REQUIRE(back != NULL);
    CHECK(aux_equal(a, back));
    CHECK(aux_shape_ok(back));
    check_aux_crypto(a, back);
    test_sizes(aux_decode, p, pl, s, sl, 13, 0x18, N_AUX); /* n again */
    test_aux_secret(p, pl, s, sl);
    test_aux_public(p, pl, s, sl, a);

    uint8_t *p2 = (uint8_t *)&sentinel, *s2 = (uint8_t *)&sentinel;
    size_t pl2, sl2;
    wf_rped *keep = back->rped[2];
    back->rped[2] = NULL;
    CHECK_ERR(wf_record_aux_encode(back, &p2, &pl2, &s2, &sl2), WF_ERR_ARG);
    CHECK(p2 == NULL && s2 == NULL);
    back->rped[2] = keep;
    back->bits = 1024;
    CHECK_ERR(wf_record_aux_encode(back, &p2, &pl2, &s2, &sl2), WF_ERR_ARG);
    back->bits = 2048;
    /* wf_aux_assemble frees what it was given when it refuses it */
    wf_rped *rp[2] = {peer_rped(5), peer_rped(6)};
    wf_aux *none = (wf_aux *)&sentinel;
    CHECK_ERR(wf_aux_assemble(&none, a->key_id, 2, 0, 2048, NULL, rp), WF_ERR_ARG);
    CHECK(none == NULL);

    wf_aux_free(back);
    wf_aux_free(a);
    free(p);
    wf_secure_free(s);
}

/* ---------------------------------------------------------------- presignatures */

#define N_PRE 3
static const uint32_t PRE_SIGNERS[N_PRE] = {0, 2, 3};
#define SELF_PRE 2 /* position 1 */

/* A consistent presignature by hand: random k_j, χ_j, R = k⁻¹·G, R̄_j = k_j·R, S_j = χ_j·R. */
static wf_presig *make_presig(wf_scalar *k_other)
{
    wf_presig *p = calloc(1, sizeof *p);
    REQUIRE(p != NULL);
    p->k = wf_secure_alloc(sizeof *p->k);
    p->chi = wf_secure_alloc(sizeof *p->chi);
    REQUIRE(p->k != NULL && p->chi != NULL);
    wf_random_bytes(p->key_id, WF_ID_BYTES);
    wf_random_bytes(p->session_id, WF_ID_BYTES);
    p->self = SELF_PRE;
    p->n = N_PRE;
    memcpy(p->signers, PRE_SIGNERS, sizeof PRE_SIGNERS);
    wf_scalar k[N_PRE], chi[N_PRE], sum, inv;
    memset(&sum, 0, sizeof sum);
    for (size_t j = 0; j < N_PRE; j++) {
        wf_scalar_random(&k[j]);
        wf_scalar_random(&chi[j]);
        REQUIRE(wf_scalar_add(&sum, &sum, &k[j]) == WF_OK);
    }
    REQUIRE(wf_scalar_inv(&inv, &sum) == WF_OK);
    REQUIRE(wf_point_base_mul(&p->R, &inv) == WF_OK);
    for (size_t j = 0; j < N_PRE; j++) {
        REQUIRE(wf_point_mul(&p->Rbar[j], &p->R, &k[j]) == WF_OK);
        REQUIRE(wf_point_mul(&p->S[j], &p->R, &chi[j]) == WF_OK);
    }
    *p->k = k[1];
    *p->chi = chi[1];
    *k_other = k[0];
    return p;
}

static int presig_equal(const wf_presig *a, const wf_presig *b)
{
    int eq = memcmp(a->key_id, b->key_id, WF_ID_BYTES) == 0 &&
             memcmp(a->session_id, b->session_id, WF_ID_BYTES) == 0 && a->self == b->self && a->n == b->n &&
             wf_point_eq(&a->R, &b->R) && wf_scalar_eq(a->k, b->k) && wf_scalar_eq(a->chi, b->chi);
    for (size_t j = 0; eq && j < a->n; j++)
        eq = a->signers[j] == b->signers[j] && wf_point_eq(&a->Rbar[j], &b->Rbar[j]) &&
             wf_point_eq(&a->S[j], &b->S[j]);
    return eq;
}

static wf_err presig_decode(const uint8_t *p, size_t pl, const uint8_t *s, size_t sl)
{
    wf_presig *x = (wf_presig *)&sentinel;
    wf_err err = wf_record_presig_decode(&x, p, pl, s, sl);
    if (err == WF_OK)
        wf_presig_free(x);
    else
        CHECK(x == NULL);
    return err;
}

static Warifu__Record__PresigRecord *presig_unpack(const uint8_t *p, size_t len)
{
    return unpack(&warifu__record__presig_record__descriptor, p, len);
}

static wf_err presig_decode_msg(const Warifu__Record__PresigRecord *m, const uint8_t *s)
{
    return decode_msg(presig_decode, m, s, WF_RECORD_PRESIG_SECRET_BYTES);
}

/* Every single-byte change of k || χ is refused; so are k, χ >= q and
 * another signer's k. */
static void test_presig_secret(const uint8_t *p, size_t pl, const uint8_t *s, const wf_scalar *k_other)
{
    uint8_t *f = secret_copy(s, WF_RECORD_PRESIG_SECRET_BYTES);
    int all_refused = 1;
    for (size_t i = 0; i < WF_RECORD_PRESIG_SECRET_BYTES; i++) {
        f[i] ^= 0x01;
        wf_err err = presig_decode(p, pl, f, WF_RECORD_PRESIG_SECRET_BYTES);
        all_refused &= err == WF_ERR_VERIFY || err == WF_ERR_RANGE;
        f[i] ^= 0x01;
    }
    CHECK(all_refused);
    for (size_t half = 0; half < 2; half++) {
        memcpy(f + half * WF_SCALAR_BYTES, WF_SECP256K1_ORDER, WF_SCALAR_BYTES);
        CHECK_ERR(presig_decode(p, pl, f, WF_RECORD_PRESIG_SECRET_BYTES), WF_ERR_RANGE);
        memcpy(f, s, WF_RECORD_PRESIG_SECRET_BYTES);
    }
    wf_scalar_serialize(f, k_other);
    CHECK_ERR(presig_decode(p, pl, f, WF_RECORD_PRESIG_SECRET_BYTES), WF_ERR_VERIFY);
    memcpy(f, s + WF_SCALAR_BYTES, WF_SCALAR_BYTES); /* k := χ */
    CHECK_ERR(presig_decode(p, pl, f, WF_RECORD_PRESIG_SECRET_BYTES), WF_ERR_VERIFY);
    memcpy(f, s, WF_RECORD_PRESIG_SECRET_BYTES);
    CHECK_OK(presig_decode(p, pl, f, WF_RECORD_PRESIG_SECRET_BYTES));
    wf_secure_free(f);
}

static void test_presig_signers(const uint8_t *p, size_t pl, const uint8_t *s)
{
    Warifu__Record__PresigRecord *m = presig_unpack(p, pl);
    REQUIRE(m->n_signers == N_PRE);
    const uint32_t unsorted[N_PRE] = {2, 0, 3}, repeated[N_PRE] = {0, 2, 2};
    memcpy(m->signers, unsorted, sizeof unsorted);
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_ENCODING);
    memcpy(m->signers, repeated, sizeof repeated);
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_ENCODING);
    memcpy(m->signers, PRE_SIGNERS, sizeof PRE_SIGNERS);
    m->signers[2] = WF_MAX_MEMBERS;
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_RANGE);
    m->signers[2] = PRE_SIGNERS[2];
    m->self = 1; /* not a signer */
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_RANGE);
    m->self = 3; /* a signer, but not the one whose k this is */
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_VERIFY);
    m->self = SELF_PRE;
    m->n = 1;
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_RANGE);
    m->n = WF_PRESIGN_MAX_SIGNERS + 1;
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_RANGE);
    m->n = N_PRE - 1;
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_ENCODING);
    m->n = N_PRE;
    m->n_s--;
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_ENCODING);
    m->n_s++;
    m->version = 7;
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_RANGE);
    m->version = WF_RECORD_VERSION;
    m->session_id.len--;
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_ENCODING);
    m->session_id.len++;
    CHECK_OK(presig_decode_msg(m, s));
    msg_free(m);
}

static void test_presig_points(const uint8_t *p, size_t pl, const uint8_t *s)
{
    for (int i = 0; i < 3; i++) {
        Warifu__Record__PresigRecord *m = presig_unpack(p, pl);
        ProtobufCBinaryData *f = i == 0 ? &m->r : i == 1 ? &m->r_bar[2] : &m->s[0];
        set_off_curve(f);
        CHECK_ERR(presig_decode_msg(m, s), WF_ERR_NOT_ON_CURVE);
        f->data[0] = 0x04;
        CHECK_ERR(presig_decode_msg(m, s), WF_ERR_ENCODING);
        msg_free(m);
    }
    Warifu__Record__PresigRecord *m = presig_unpack(p, pl);
    uint8_t keep[WF_POINT_BYTES];
    memcpy(keep, m->r_bar[0].data, WF_POINT_BYTES);
    memcpy(m->r_bar[0].data, m->s[0].data, WF_POINT_BYTES); /* ΣR̄_j != G */
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_VERIFY);
    memcpy(m->r_bar[0].data, keep, WF_POINT_BYTES);
    memcpy(m->s[1].data, m->s[2].data, WF_POINT_BYTES); /* S_self != χ·R */
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_VERIFY);
    msg_free(m);
    m = presig_unpack(p, pl);
    memcpy(m->r.data, m->s[0].data, WF_POINT_BYTES); /* another R: k·R != R̄_self */
    CHECK_ERR(presig_decode_msg(m, s), WF_ERR_VERIFY);
    msg_free(m);
}

static void test_presigs(void)
{
    wf_scalar k_other;
    wf_presig *ps = make_presig(&k_other);
    uint8_t *p, *s;
    size_t pl, sl;
    CHECK_OK(wf_record_presig_encode(ps, &p, &pl, &s, &sl));
    CHECK(sl == WF_RECORD_PRESIG_SECRET_BYTES && memcmp(s, ps->k->b, 32) == 0 &&
          memcmp(s + 32, ps->chi->b, 32) == 0);
    wf_presig *back = NULL;
    CHECK_OK(wf_record_presig_decode(&back, p, pl, s, sl));
    CHECK(back != NULL && presig_equal(ps, back));
    wf_presig_free(back);
    test_sizes(presig_decode, p, pl, s, sl, 1, 0x20, SELF_PRE); /* self again */
    test_presig_secret(p, pl, s, &k_other);
    test_presig_signers(p, pl, s);
    test_presig_points(p, pl, s);
    /* a used presignature has nothing to store */
    uint8_t *p2 = (uint8_t *)&sentinel, *s2 = (uint8_t *)&sentinel;
    size_t pl2, sl2;
    wf_scalar *k = ps->k;
    ps->k = NULL;
    CHECK_ERR(wf_record_presig_encode(ps, &p2, &pl2, &s2, &sl2), WF_ERR_ARG);
    CHECK(p2 == NULL && s2 == NULL);
    ps->k = k;
    ps->n = WF_PRESIGN_MAX_SIGNERS + 1;
    CHECK_ERR(wf_record_presig_encode(ps, &p2, &pl2, &s2, &sl2), WF_ERR_ARG);
    ps->n = N_PRE;
    wf_presig_free(ps);
    free(p);
    wf_secure_free(s);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_keys();
    test_presigs();
    test_aux();
    return wf_check_summary("test_record");
}
