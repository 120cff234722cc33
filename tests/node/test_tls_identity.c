/* node/tls_identity.c: generation writes a P-256 key (mode 0600) and a
 * self-signed certificate for the member's name and never overwrites; the
 * fingerprint is SHA-256 of the DER certificate (checked independently with
 * OpenSSL); loading refuses keys open to group or others, mismatched keys,
 * CA certificates, other curves, several or garbled certificates. */
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/secmem.h"
#include "node/tls_identity.h"
#include "tests/check.h"
#include "tests/node/node_fixture.h"

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    REQUIRE(x != NULL);
    return x;
}

/* SHA-256 of the DER encoding, computed without X509_digest. */
static void independent_fingerprint(const char *cert_path, char out[WF_TLS_FINGERPRINT_CHARS + 1])
{
    X509 *x = read_cert(cert_path);
    unsigned char *der = NULL;
    int der_len = i2d_X509(x, &der);
    unsigned char md[32];
    unsigned int md_len = 0;
    REQUIRE(der_len > 0 && EVP_Digest(der, (size_t)der_len, md, &md_len, EVP_sha256(), NULL) == 1);
    for (unsigned i = 0; i < md_len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    OPENSSL_free(der);
    X509_free(x);
}

static size_t read_bytes(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    REQUIRE(chmod(path, mode) == 0);
}

/* A self-signed certificate on `curve`, optionally a CA, for the refusals. */
static void write_foreign_cert(const char *path, const char *curve, int ca)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    X509 *x = X509_new();
    REQUIRE(key != NULL && x != NULL);
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"gamma",
                               -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, ca ? "CA:TRUE" : "CA:FALSE");
    REQUIRE(ext != NULL && X509_add_ext(x, ext, -1) == 1);
    X509_EXTENSION_free(ext);
    REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL && PEM_write_X509(f, x) == 1);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void test_generate_and_load(void)
{
    char key[256], crt[256], fp[WF_TLS_FINGERPRINT_CHARS + 1], fp2[WF_TLS_FINGERPRINT_CHARS + 1];
    const char *why = NULL;
    struct stat st;
    wf_test_path(key, sizeof key, "alpha", "key");
    wf_test_path(crt, sizeof crt, "alpha", "crt");
    CHECK_OK(wf_tls_identity_generate("alpha", key, crt, fp, &why));
    CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(crt, &st) == 0 && (st.st_mode & 0777) == 0644);
    independent_fingerprint(crt, fp2);
    CHECK(strlen(fp) == WF_TLS_FINGERPRINT_CHARS && strcmp(fp, fp2) == 0);

    wf_tls_identity id;
    CHECK_OK(wf_tls_identity_load(&id, crt, key, &why));
    CHECK(strcmp(id.name, "alpha") == 0);
    CHECK(strcmp(id.fingerprint, fp) == 0);
    CHECK(id.key_pem != NULL && strncmp(id.key_pem, "-----BEGIN PRIVATE KEY-----", 27) == 0);
    CHECK(id.key_pem != NULL && strlen(id.key_pem) == id.key_pem_len);
    CHECK(id.cert_pem != NULL && strncmp(id.cert_pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
    wf_tls_identity_clear(&id);
    CHECK(id.key_pem == NULL && id.cert_pem == NULL);

    /* what the certificate says */
    X509 *x = read_cert(crt);
    char cn[64] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
    CHECK(strcmp(cn, "alpha") == 0);
    CHECK(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0);
    CHECK(X509_verify(x, X509_get0_pubkey(x)) == 1);
    CHECK(X509_check_ca(x) == 0);
    char group[32] = {0};
    size_t glen = 0;
    CHECK(EVP_PKEY_get_group_name(X509_get0_pubkey(x), group, sizeof group, &glen) == 1 &&
          strcmp(group, "prime256v1") == 0);
    int days = 0, secs = 0;
    CHECK(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)) == 1);
    CHECK(days >= WF_TLS_VALIDITY_DAYS && days <= WF_TLS_VALIDITY_DAYS + 1);
    CHECK(X509_get_extended_key_usage(x) == (XKU_SSL_SERVER | XKU_SSL_CLIENT));
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    CHECK(serial->length == 16 && serial->type == V_ASN1_INTEGER);

    /* a second identity has another serial and another fingerprint */
    wf_test_identity("beta", "beta");
    char crt_b[256];
    wf_test_path(crt_b, sizeof crt_b, "beta", "crt");
    X509 *y = read_cert(crt_b);
    CHECK(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(y)) != 0);
    CHECK_OK(wf_tls_identity_load(&id, crt_b, NULL, &why));
    CHECK(strcmp(id.fingerprint, fp) != 0 && id.key_pem == NULL);
    wf_tls_identity_clear(&id);
    X509_free(y);
    X509_free(x);
}

static void test_no_overwrite(void)
{
    char key[256], crt[256], other[256], before[4096], after[4096];
    const char *why = NULL;
    wf_test_path(key, sizeof key, "alpha", "key");
    wf_test_path(crt, sizeof crt, "alpha", "crt");
    wf_test_path(other, sizeof other, "alpha2", "key");
    size_t n1 = read_bytes(key, before, sizeof before);
    CHECK_ERR(wf_tls_identity_generate("alpha", key, crt, NULL, &why), WF_ERR_ARG);
    CHECK(why != NULL && strstr(why, "refusing to overwrite") != NULL);
    size_t n2 = read_bytes(key, after, sizeof after);
    CHECK(n1 == n2 && memcmp(before, after, n1) == 0);
    /* a new key path with an existing certificate: nothing is left behind */
    CHECK_ERR(wf_tls_identity_generate("alpha", other, crt, NULL, &why), WF_ERR_ARG);
    CHECK(access(other, F_OK) != 0);
    wf_tls_identity id;
    CHECK_OK(wf_tls_identity_load(&id, crt, key, &why)); /* the refused attempts changed nothing */
    wf_tls_identity_clear(&id);
}

static void test_key_permissions(void)
{
    char key[256], crt[256];
    const char *why = NULL;
    wf_tls_identity id;
    wf_test_path(key, sizeof key, "alpha", "key");
    wf_test_path(crt, sizeof crt, "alpha", "crt");

    static const mode_t refused[] = {0644, 0640, 0604, 0660, 0601, 0610};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        REQUIRE(chmod(key, refused[i]) == 0);
        why = NULL;
        CHECK_ERR(wf_tls_identity_load(&id, crt, key, &why), WF_ERR_VERIFY);
        CHECK(why != NULL && strstr(why, "group or others") != NULL);
        CHECK(id.key_pem == NULL && id.cert_pem == NULL);
    }
    REQUIRE(chmod(key, 0400) == 0);
    CHECK_OK(wf_tls_identity_load(&id, crt, key, &why));
    wf_tls_identity_clear(&id);
    REQUIRE(chmod(key, 0600) == 0);
    CHECK_OK(wf_tls_identity_load(&id, crt, key, &why));
    wf_tls_identity_clear(&id);
}

static void test_refusals(void)
{
    char key_a[256], crt_a[256], crt_b[256], path[256], text[8192];
    const char *why = NULL;
    wf_tls_identity id;
    wf_test_path(key_a, sizeof key_a, "alpha", "key");
    wf_test_path(crt_a, sizeof crt_a, "alpha", "crt");
    wf_test_path(crt_b, sizeof crt_b, "beta", "crt");

    CHECK_ERR(wf_tls_identity_load(&id, crt_b, key_a, &why), WF_ERR_VERIFY); /* beta's cert, alpha's key */
    CHECK(why != NULL && strstr(why, "does not match") != NULL);

    wf_test_path(path, sizeof path, "missing", "crt");
    CHECK_ERR(wf_tls_identity_load(&id, path, NULL, &why), WF_ERR_INTERNAL);

    wf_test_path(path, sizeof path, "garbage", "crt");
    write_text(path, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", 0644);
    CHECK_ERR(wf_tls_identity_load(&id, path, NULL, &why), WF_ERR_ENCODING);

    size_t n = read_bytes(crt_a, text, sizeof text / 2);
    memcpy(text + n, text, n);
    text[2 * n] = '\0';
    wf_test_path(path, sizeof path, "double", "crt");
    write_text(path, text, 0644);
    CHECK_ERR(wf_tls_identity_load(&id, path, NULL, &why), WF_ERR_ENCODING);

    wf_test_path(path, sizeof path, "p384", "crt");
    write_foreign_cert(path, "P-384", 0);
    CHECK_ERR(wf_tls_identity_load(&id, path, NULL, &why), WF_ERR_VERIFY);
    CHECK(why != NULL && strstr(why, "P-256") != NULL);

    wf_test_path(path, sizeof path, "ca", "crt");
    write_foreign_cert(path, "P-256", 1);
    CHECK_ERR(wf_tls_identity_load(&id, path, NULL, &why), WF_ERR_VERIFY);
    CHECK(why != NULL && strstr(why, "CA") != NULL);

    wf_test_path(path, sizeof path, "plain", "crt");
    write_foreign_cert(path, "P-256", 0);
    CHECK_OK(wf_tls_identity_load(&id, path, NULL, &why)); /* the same shape, not a CA: accepted */
    CHECK(strcmp(id.name, "gamma") == 0);
    wf_tls_identity_clear(&id);

    /* a key file that holds a certificate */
    wf_test_path(path, sizeof path, "notkey", "key");
    write_text(path, text, 0600);
    CHECK_ERR(wf_tls_identity_load(&id, crt_a, path, &why), WF_ERR_ENCODING);
}

static void test_names(void)
{
    char key[256], crt[256];
    wf_test_path(key, sizeof key, "badname", "key");
    wf_test_path(crt, sizeof crt, "badname", "crt");
    static const char *bad[] = {
        "",    "Alpha", "-a",      ".a",
        "a b", "a_b",   "tokyo/1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!wf_tls_name_valid(bad[i]));
        CHECK_ERR(wf_tls_identity_generate(bad[i], key, crt, NULL, NULL), WF_ERR_ARG);
    }
    CHECK(access(key, F_OK) != 0 && access(crt, F_OK) != 0);
    CHECK(wf_tls_name_valid("tokyo"));
    CHECK(wf_tls_name_valid("node-3.frankfurt"));
    CHECK(wf_tls_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 63 */
    CHECK(!wf_tls_name_valid(NULL));
    CHECK_ERR(wf_tls_identity_load(NULL, crt, NULL, NULL), WF_ERR_ARG);
    wf_tls_identity_clear(NULL);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_test_dir_make();
    test_generate_and_load();
    test_no_overwrite();
    test_key_permissions();
    test_refusals();
    test_names();
    return wf_check_summary("test_tls_identity");
}
