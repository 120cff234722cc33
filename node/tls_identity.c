#include "node/tls_identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/secmem.h"
#include "node/fail.h"

#define SERIAL_BYTES 16

int wf_tls_name_valid(const char *name)
{
    if (name == NULL || name[0] == '\0' || name[0] == '.' || name[0] == '-')
        return 0;
    for (size_t i = 0; name[i] != '\0'; i++) {
        char c = name[i];
        if (i >= WF_TLS_NAME_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* ---- certificate checks shared by generate and load ---- */

static int is_p256(const EVP_PKEY *pk)
{
    char group[32];
    size_t len = 0;
    return pk != NULL && EVP_PKEY_is_a(pk, "EC") &&
           EVP_PKEY_get_group_name(pk, group, sizeof group, &len) == 1 && strcmp(group, "prime256v1") == 0;
}

static int cert_fingerprint(X509 *x, char out[WF_TLS_FINGERPRINT_CHARS + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (X509_digest(x, EVP_sha256(), md, &md_len) != 1 || md_len * 2 != WF_TLS_FINGERPRINT_CHARS)
        return 0;
    for (unsigned int i = 0; i < md_len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[WF_TLS_FINGERPRINT_CHARS] = '\0';
    return 1;
}

/* The single CN of x, which must be a valid member name. */
static int cert_name(X509 *x, char out[WF_TLS_NAME_MAX + 1])
{
    const X509_NAME *subject = X509_get_subject_name(x);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, idx) >= 0)
        return 0;
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx)));
    int ok = len > 0 && len <= WF_TLS_NAME_MAX && memchr(utf8, '\0', (size_t)len) == NULL;
    if (ok) {
        memcpy(out, utf8, (size_t)len);
        out[len] = '\0';
        ok = wf_tls_name_valid(out);
    }
    OPENSSL_free(utf8);
    return ok;
}

/* Fills id->name and id->fingerprint from a certificate that passes every
 * check wf_tls_identity_load promises. */
static wf_err check_cert(X509 *x, wf_tls_identity *id, const char **why)
{
    wf_err err = WF_OK;
    EVP_PKEY *pk = X509_get0_pubkey(x);
    if (!is_p256(pk))
        FAIL(WF_ERR_VERIFY, "certificate key is not ECDSA P-256");
    if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) != 0 || X509_verify(x, pk) != 1)
        FAIL(WF_ERR_VERIFY, "certificate is not self-signed");
    if (X509_check_ca(x) != 0)
        FAIL(WF_ERR_VERIFY, "certificate is a CA certificate (pinned certificates must be CA:FALSE)");
    if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0 ||
        X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
        FAIL(WF_ERR_VERIFY, "certificate is not valid now");
    if (!cert_name(x, id->name))
        FAIL(WF_ERR_VERIFY, "certificate common name is not a valid member name");
    if (!cert_fingerprint(x, id->fingerprint))
        FAIL(WF_ERR_INTERNAL, "cannot hash the certificate");
done:
    return err;
}

/* ---- generation ---- */

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return 0;
    int ok = X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static int set_random_serial(X509 *x)
{
    unsigned char sn[SERIAL_BYTES];
    if (RAND_bytes(sn, sizeof sn) != 1)
        return 0;
    sn[0] = (unsigned char)((sn[0] & 0x7f) | 0x40); /* positive, and exactly SERIAL_BYTES long */
    BIGNUM *bn = BN_bin2bn(sn, sizeof sn, NULL);
    ASN1_INTEGER *serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    int ok = serial != NULL && X509_set_serialNumber(x, serial) == 1;
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return ok;
}

static X509 *self_signed_cert(EVP_PKEY *key, const char *name)
{
    X509 *x = X509_new();
    X509_NAME *subject = x != NULL ? X509_get_subject_name(x) : NULL;
    int ok = subject != NULL && X509_set_version(x, X509_VERSION_3) == 1 && set_random_serial(x) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
             X509_time_adj_ex(X509_getm_notAfter(x), WF_TLS_VALIDITY_DAYS, 0, NULL) != NULL &&
             X509_set_pubkey(x, key) == 1 &&
             X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)name, -1, -1,
                                        0) == 1 &&
             X509_set_issuer_name(x, subject) == 1 &&
             add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(x, NID_key_usage, "critical,digitalSignature") &&
             add_ext(x, NID_ext_key_usage, "serverAuth,clientAuth") &&
             add_ext(x, NID_subject_key_identifier, "hash") && X509_sign(x, key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        data += n;
        len -= (size_t)n;
    }
    return fsync(fd) == 0;
}

/* Creates path, which must not exist, with exactly `mode`. */
static int create_new(const char *path, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0 && fchmod(fd, mode) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

/* Writes the key (0600) and the certificate (0644) to paths that must not
 * exist yet; on failure neither file is left behind. */
static wf_err write_new_pair(const char *key_path, const char *key, size_t key_len, const char *cert_path,
                             const char *cert, size_t cert_len, const char **why)
{
    wf_err err = WF_OK;
    int key_fd = create_new(key_path, 0600);
    if (key_fd < 0) {
        int exists = errno == EEXIST;
        FAIL(exists ? WF_ERR_ARG : WF_ERR_INTERNAL,
             exists ? "key file exists; refusing to overwrite it" : "cannot create the key file");
    }
    int cert_fd = create_new(cert_path, 0644);
    if (cert_fd < 0) {
        int exists = errno == EEXIST;
        close(key_fd);
        unlink(key_path);
        FAIL(exists ? WF_ERR_ARG : WF_ERR_INTERNAL, exists
                                                        ? "certificate file exists; refusing to overwrite it"
                                                        : "cannot create the certificate file");
    }
    int written = write_all(key_fd, key, key_len) && write_all(cert_fd, cert, cert_len);
    int key_closed = close(key_fd) == 0;
    int cert_closed = close(cert_fd) == 0;
    if (!written || !key_closed || !cert_closed) {
        unlink(key_path);
        unlink(cert_path);
        FAIL(WF_ERR_INTERNAL, "cannot write the key or certificate file");
    }
done:
    return err;
}

wf_err wf_tls_identity_generate(const char *name, const char *key_path, const char *cert_path,
                                char fingerprint[WF_TLS_FINGERPRINT_CHARS + 1], const char **why)
{
    wf_err err = WF_OK;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    BIO *key_bio = NULL, *cert_bio = NULL;
    char *key_pem = NULL, *cert_pem = NULL;
    long key_len = 0, cert_len = 0;

    if (!wf_tls_name_valid(name) || key_path == NULL || cert_path == NULL)
        FAIL(WF_ERR_ARG, "invalid member name or missing path");
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    x = key != NULL ? self_signed_cert(key, name) : NULL;
    if (x == NULL)
        FAIL(WF_ERR_INTERNAL, "cannot generate the key or certificate");
    key_bio = BIO_new(BIO_s_secmem());
    cert_bio = BIO_new(BIO_s_mem());
    if (key_bio == NULL || cert_bio == NULL ||
        PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        PEM_write_bio_X509(cert_bio, x) != 1)
        FAIL(WF_ERR_INTERNAL, "cannot encode the key or certificate");
    key_len = BIO_get_mem_data(key_bio, &key_pem);
    cert_len = BIO_get_mem_data(cert_bio, &cert_pem);
    if (key_len <= 0 || cert_len <= 0)
        FAIL(WF_ERR_INTERNAL, "cannot encode the key or certificate");
    if (fingerprint != NULL && !cert_fingerprint(x, fingerprint))
        FAIL(WF_ERR_INTERNAL, "cannot hash the certificate");

    err = write_new_pair(key_path, key_pem, (size_t)key_len, cert_path, cert_pem, (size_t)cert_len, why);
done:
    BIO_free(key_bio); /* a secmem BIO wipes its buffer */
    BIO_free(cert_bio);
    X509_free(x);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return err;
}

/* ---- loading ---- */

/* Reads a whole regular file of at most `max` bytes, NUL-terminated, into
 * locked memory (secret) or the heap. A secret file must be owned by us and
 * closed to group and others. */
static wf_err read_file(const char *path, size_t max, int secret, char **out, size_t *out_len,
                        const char **why)
{
    wf_err err = WF_OK;
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        FAIL(WF_ERR_INTERNAL, secret ? "cannot open the key file" : "cannot open the certificate file");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        FAIL(WF_ERR_VERIFY,
             secret ? "key path is not a regular file" : "certificate path is not a regular file");
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        FAIL(WF_ERR_VERIFY, "key file is accessible by group or others (it must be mode 0600)");
    if (secret && st.st_uid != geteuid())
        FAIL(WF_ERR_VERIFY, "key file is not owned by this user");
    if (st.st_size <= 0 || (uintmax_t)st.st_size > max)
        FAIL(WF_ERR_ENCODING,
             secret ? "key file is empty or too large" : "certificate file is empty or too large");
    size_t size = (size_t)st.st_size;
    buf = secret ? wf_secure_alloc(size + 1) : calloc(1, size + 1);
    if (buf == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != size)
        FAIL(WF_ERR_INTERNAL, secret ? "cannot read the key file" : "cannot read the certificate file");
    buf[got] = '\0';
    *out = buf;
    *out_len = got;
    buf = NULL;
done:
    if (buf != NULL) {
        if (secret)
            wf_secure_free(buf);
        else
            free(buf);
    }
    if (fd >= 0)
        close(fd);
    return err;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0; /* an encrypted key is refused rather than prompted for */
}

/* Copies a memory BIO's contents, NUL-terminated, into locked or heap memory. */
static int bio_copy(BIO *bio, int secret, char **out, size_t *out_len)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0)
        return 0;
    char *copy = secret ? wf_secure_alloc((size_t)len + 1) : malloc((size_t)len + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, (size_t)len);
    copy[len] = '\0';
    *out = copy;
    *out_len = (size_t)len;
    return 1;
}

/* Parses exactly one PEM certificate from pem[0..pem_len), checks it and
 * fills id->name, id->fingerprint and id->cert_pem (re-encoded). */
static wf_err parse_cert(wf_tls_identity *id, const char *pem, size_t pem_len, X509 **cert, const char **why)
{
    wf_err err = WF_OK;
    BIO *in = NULL, *out = NULL;
    X509 *extra = NULL;

    if (pem_len == 0 || pem_len > WF_TLS_CERT_FILE_MAX)
        FAIL(WF_ERR_ENCODING, "certificate is empty or too large");
    in = BIO_new_mem_buf(pem, (int)pem_len);
    if (in == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if ((*cert = PEM_read_bio_X509(in, NULL, no_passphrase, NULL)) == NULL)
        FAIL(WF_ERR_ENCODING, "certificate file holds no PEM certificate");
    if ((extra = PEM_read_bio_X509(in, NULL, no_passphrase, NULL)) != NULL)
        FAIL(WF_ERR_ENCODING, "certificate file holds more than one certificate");
    if ((err = check_cert(*cert, id, why)) != WF_OK)
        goto done;
    out = BIO_new(BIO_s_mem());
    if (out == NULL || PEM_write_bio_X509(out, *cert) != 1 ||
        !bio_copy(out, 0, &id->cert_pem, &id->cert_pem_len))
        FAIL(WF_ERR_INTERNAL, "cannot encode the certificate");
done:
    X509_free(extra);
    BIO_free(in);
    BIO_free(out);
    return err;
}

static wf_err load_cert(wf_tls_identity *id, const char *cert_path, X509 **cert, const char **why)
{
    wf_err err;
    char *pem = NULL;
    size_t pem_len = 0;

    if ((err = read_file(cert_path, WF_TLS_CERT_FILE_MAX, 0, &pem, &pem_len, why)) == WF_OK)
        err = parse_cert(id, pem, pem_len, cert, why);
    free(pem);
    return err;
}

static wf_err load_key(wf_tls_identity *id, const char *key_path, X509 *cert, const char **why)
{
    wf_err err;
    char *pem = NULL;
    size_t pem_len = 0;
    BIO *in = NULL, *out = NULL;
    EVP_PKEY *key = NULL;

    if ((err = read_file(key_path, WF_TLS_KEY_FILE_MAX, 1, &pem, &pem_len, why)) != WF_OK)
        goto done;
    in = BIO_new_mem_buf(pem, (int)pem_len);
    if (in == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if ((key = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL)) == NULL)
        FAIL(WF_ERR_ENCODING, "key file holds no unencrypted PEM private key");
    if (!is_p256(key))
        FAIL(WF_ERR_VERIFY, "key is not ECDSA P-256");
    if (X509_check_private_key(cert, key) != 1)
        FAIL(WF_ERR_VERIFY, "key does not match the certificate");
    out = BIO_new(BIO_s_secmem());
    if (out == NULL || PEM_write_bio_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        !bio_copy(out, 1, &id->key_pem, &id->key_pem_len))
        FAIL(WF_ERR_INTERNAL, "cannot encode the key");
done:
    EVP_PKEY_free(key);
    BIO_free(in);
    BIO_free(out);
    wf_secure_free(pem);
    return err;
}

wf_err wf_tls_identity_load(wf_tls_identity *id, const char *cert_path, const char *key_path,
                            const char **why)
{
    wf_err err = WF_OK;
    X509 *cert = NULL;

    if (id == NULL)
        return WF_ERR_ARG;
    memset(id, 0, sizeof *id);
    if (cert_path == NULL)
        FAIL(WF_ERR_ARG, "missing certificate path");
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise locked memory");
    if ((err = load_cert(id, cert_path, &cert, why)) != WF_OK)
        goto done;
    if (key_path != NULL)
        err = load_key(id, key_path, cert, why);
done:
    X509_free(cert);
    ERR_clear_error();
    if (err != WF_OK)
        wf_tls_identity_clear(id);
    return err;
}

wf_err wf_tls_identity_parse_cert(wf_tls_identity *id, const char *pem, size_t pem_len, const char **why)
{
    wf_err err = WF_OK;
    X509 *cert = NULL;

    if (id == NULL)
        return WF_ERR_ARG;
    memset(id, 0, sizeof *id);
    if (pem == NULL)
        FAIL(WF_ERR_ARG, "missing certificate");
    err = parse_cert(id, pem, pem_len, &cert, why);
done:
    X509_free(cert);
    ERR_clear_error();
    if (err != WF_OK)
        wf_tls_identity_clear(id);
    return err;
}

void wf_tls_identity_clear(wf_tls_identity *id)
{
    if (id == NULL)
        return;
    free(id->cert_pem);
    wf_secure_free(id->key_pem);
    memset(id, 0, sizeof *id);
}
