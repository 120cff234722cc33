#include "node/node_identity.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/secmem.h"
#include "node/ed25519_file.h"
#include "node/fail.h"
#include "node/files.h"
#include "node/text_format.h"

#define MEMBER_HEADER "warifu-member 1"
#define URL_SCHEME    "tls+tcp://"
#define HOST_MAX      253

/* ---- addresses ---- */

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int v6_char(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}

int wf_node_address_parse(const char *address, char *host, uint32_t *port)
{
    size_t scheme = strlen(URL_SCHEME);
    if (address == NULL || strlen(address) > WF_NODE_ADDRESS_MAX || strncmp(address, URL_SCHEME, scheme) != 0)
        return 0;
    const char *h = address + scheme, *h_end, *colon;
    if (*h == '[') {
        h++;
        h_end = strchr(h, ']');
        if (h_end == NULL || h_end - h < 2 || memchr(h, ':', (size_t)(h_end - h)) == NULL)
            return 0;
        for (const char *c = h; c < h_end; c++)
            if (!v6_char(*c))
                return 0;
        colon = h_end + 1;
    } else {
        h_end = strchr(h, ':');
        if (h_end == NULL || h_end == h || h_end - h > HOST_MAX || *h == '.' || *h == '-')
            return 0;
        for (const char *c = h; c < h_end; c++)
            if (!host_char(*c))
                return 0;
        colon = h_end;
    }
    uint32_t p = 0;
    wf_span port_span = {colon + 1, strlen(colon + 1)};
    if (*colon != ':' || !wf_span_u32(port_span, 65535, &p) || p == 0)
        return 0;
    if (host != NULL) {
        memcpy(host, h, (size_t)(h_end - h));
        host[h_end - h] = '\0';
    }
    if (port != NULL)
        *port = p;
    return 1;
}

/* ---- member files ---- */

int wf_node_identity_pk_valid(const uint8_t pk[WF_IDENTITY_PK_BYTES])
{
    return pk != NULL && sodium_init() >= 0 && crypto_core_ed25519_is_valid_point(pk) == 1;
}

void wf_node_member_clear(wf_node_member *m)
{
    if (m == NULL)
        return;
    free(m->cert_pem);
    memset(m, 0, sizeof *m);
}

wf_err wf_node_member_copy(wf_node_member *dst, const wf_node_member *src)
{
    if (dst == NULL || src == NULL || src->cert_pem == NULL)
        return WF_ERR_ARG;
    *dst = *src;
    dst->cert_pem = malloc(src->cert_pem_len + 1);
    if (dst->cert_pem == NULL) {
        memset(dst, 0, sizeof *dst);
        return WF_ERR_NOMEM;
    }
    memcpy(dst->cert_pem, src->cert_pem, src->cert_pem_len + 1);
    return WF_OK;
}

wf_err wf_node_member_attach_cert(wf_node_member *m, const char *pem, size_t len, const char **why)
{
    wf_err err = WF_OK;
    wf_tls_identity tls;
    memset(&tls, 0, sizeof tls);

    if (m == NULL || pem == NULL)
        return WF_ERR_ARG;
    if ((err = wf_tls_identity_parse_cert(&tls, pem, len, why)) != WF_OK)
        goto done;
    if (tls.cert_pem_len != len || memcmp(tls.cert_pem, pem, len) != 0)
        FAIL(WF_ERR_ENCODING, "the certificate is not in canonical PEM form (as OpenSSL writes it)");
    if (strcmp(tls.name, m->name) != 0)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("the certificate is for '%s', not '%s'", tls.name, m->name));
    if (strcmp(tls.fingerprint, m->fingerprint) != 0)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("the certificate's SHA-256 fingerprint is %s, not the %s given",
                                       tls.fingerprint, m->fingerprint));
    free(m->cert_pem);
    m->cert_pem = tls.cert_pem;
    m->cert_pem_len = tls.cert_pem_len;
    tls.cert_pem = NULL;
done:
    wf_tls_identity_clear(&tls);
    return err;
}

wf_err wf_node_member_format(const wf_node_member *m, char **text, size_t *len)
{
    char pk_hex[2 * WF_IDENTITY_PK_BYTES + 1];
    wf_buf b = {0};

    if (m == NULL || text == NULL || m->cert_pem == NULL)
        return WF_ERR_ARG;
    wf_hex_encode(pk_hex, m->identity_pk, sizeof m->identity_pk);
    wf_buf_printf(&b, MEMBER_HEADER "\nname %s\naddress %s\nidentity-pk %s\ntls-fingerprint %s\n", m->name,
                  m->address, pk_hex, m->fingerprint);
    wf_buf_put(&b, m->cert_pem, m->cert_pem_len);
    wf_buf_put(&b, "end\n", 4);
    *text = wf_buf_take(&b, len);
    return *text != NULL ? WF_OK : WF_ERR_NOMEM;
}

/* The next line must be "<key> <value>": the value's span in *value. */
static int keyed_line(wf_text *t, const char *key, wf_span *value)
{
    wf_span line, tok[2];
    if (wf_text_line(t, &line) != 1 || wf_span_split(line, tok, 2) != 2 || !wf_span_eq(tok[0], key))
        return 0;
    *value = tok[1];
    return 1;
}

wf_err wf_node_member_parse(wf_node_member *m, const char *text, size_t len, const char **why)
{
    wf_err err = WF_OK;
    wf_text t;
    wf_span line, v, pem;
    uint8_t fp[WF_TLS_FINGERPRINT_CHARS / 2];

    if (m == NULL)
        return WF_ERR_ARG;
    memset(m, 0, sizeof *m);
    if (text == NULL)
        FAIL(WF_ERR_ARG, "missing text");
    wf_text_init(&t, text, len);
    if (wf_text_line(&t, &line) != 1 || !wf_span_eq(line, MEMBER_HEADER))
        FAIL(WF_ERR_ENCODING, "line 1: not a member file (expected '" MEMBER_HEADER "')");
    if (!keyed_line(&t, "name", &v) || !wf_span_str(v, m->name, sizeof m->name) ||
        !wf_tls_name_valid(m->name))
        FAIL(WF_ERR_ENCODING, "line 2: expected 'name <name>' with a valid member name");
    if (!keyed_line(&t, "address", &v) || !wf_span_str(v, m->address, sizeof m->address) ||
        !wf_node_address_parse(m->address, NULL, NULL))
        FAIL(WF_ERR_ENCODING, "line 3: expected 'address tls+tcp://<host>:<port>'");
    if (!keyed_line(&t, "identity-pk", &v) || !wf_span_hex(v, m->identity_pk, sizeof m->identity_pk))
        FAIL(WF_ERR_ENCODING, "line 4: expected 'identity-pk <64 lowercase hex digits>'");
    if (!wf_node_identity_pk_valid(m->identity_pk))
        FAIL(WF_ERR_VERIFY, "line 4: the identity key is not a valid Ed25519 public key");
    if (!keyed_line(&t, "tls-fingerprint", &v) || !wf_span_hex(v, fp, sizeof fp) ||
        !wf_span_str(v, m->fingerprint, sizeof m->fingerprint))
        FAIL(WF_ERR_ENCODING, "line 5: expected 'tls-fingerprint <64 lowercase hex digits>'");
    if (!wf_text_pem(&t, "CERTIFICATE", WF_TLS_CERT_FILE_MAX, &pem))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected a PEM certificate", t.line));
    if ((err = wf_node_member_attach_cert(m, pem.p, pem.len, why)) != WF_OK) {
        if (why != NULL)
            *why = wf_why_wrap(*why, "line 6");
        goto done;
    }
    if (wf_text_line(&t, &line) != 1 || !wf_span_eq(line, "end"))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected 'end'", t.line));
    if (!wf_text_done(&t))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: text after 'end'", t.line + 1));
done:
    if (err != WF_OK)
        wf_node_member_clear(m);
    return err;
}

wf_err wf_node_member_load(wf_node_member *m, const char *path, const char **why)
{
    char *text = NULL;
    size_t len = 0;
    wf_err err;

    if (m == NULL)
        return WF_ERR_ARG;
    memset(m, 0, sizeof *m);
    if ((err = wf_file_read(path, WF_NODE_MEMBER_FILE_MAX, WF_FILE_PUBLIC, &text, &len, why)) != WF_OK)
        return err;
    err = wf_node_member_parse(m, text, len, why);
    if (err != WF_OK && why != NULL)
        *why = wf_why_wrap(*why, "%s", path);
    free(text);
    return err;
}

/* ---- creating a node directory ---- */

/* The files wf_node_init made so far, removed again if it fails. */
typedef struct made_files {
    char paths[5][WF_NODE_PATH_MAX];
    size_t n;
} made_files;

static void made_undo(const made_files *f)
{
    for (size_t i = f->n; i > 0; i--)
        unlink(f->paths[i - 1]);
}

static int made_path(made_files *f, const char *dir, const char *name)
{
    return wf_path_join(f->paths[f->n], sizeof f->paths[f->n], dir, name);
}

/* identity.key (the seed, 0600) and identity.pub; pk gets the public key. */
static wf_err make_identity(made_files *f, const char *dir, uint8_t pk[WF_IDENTITY_PK_BYTES],
                            const char **why)
{
    wf_err err = WF_OK;
    if (!made_path(f, dir, WF_NODE_IDENTITY_KEY) ||
        !wf_path_join(f->paths[f->n + 1], sizeof f->paths[0], dir, WF_NODE_IDENTITY_PUB))
        FAIL(WF_ERR_ARG, "directory path too long");
    if ((err = wf_ed25519_files_create(f->paths[f->n], f->paths[f->n + 1], pk, why)) != WF_OK)
        goto done;
    f->n += 2;
done:
    return err;
}

/* tls.key and tls.crt; m gets the certificate and its fingerprint. */
static wf_err make_tls(made_files *f, const char *dir, wf_node_member *m, const char **why)
{
    wf_err err = WF_OK;
    wf_tls_identity tls;
    memset(&tls, 0, sizeof tls);
    if (!made_path(f, dir, WF_NODE_TLS_KEY) ||
        !wf_path_join(f->paths[f->n + 1], sizeof f->paths[0], dir, WF_NODE_TLS_CERT))
        FAIL(WF_ERR_ARG, "directory path too long");
    if ((err = wf_tls_identity_generate(m->name, f->paths[f->n], f->paths[f->n + 1], m->fingerprint, why)) !=
        WF_OK)
        goto done;
    f->n += 2;
    if ((err = wf_tls_identity_load(&tls, f->paths[f->n - 1], NULL, why)) != WF_OK)
        goto done;
    m->cert_pem = tls.cert_pem;
    m->cert_pem_len = tls.cert_pem_len;
    tls.cert_pem = NULL;
done:
    wf_tls_identity_clear(&tls);
    return err;
}

static wf_err make_store(const char *dir, const wf_store_unlock *unlock, const char **why)
{
    char path[WF_NODE_PATH_MAX];
    wf_store *s = NULL;
    if (!wf_path_join(path, sizeof path, dir, WF_NODE_STORE_DIR)) {
        if (why != NULL)
            *why = "directory path too long";
        return WF_ERR_ARG;
    }
    wf_err err = wf_store_create(&s, path, unlock);
    if (err != WF_OK && why != NULL)
        *why = wf_why_fmt("cannot create the store: %s", wf_store_last_error());
    wf_store_close(s);
    return err;
}

wf_err wf_node_init(const char *dir, const char *name, const char *address, const wf_store_unlock *unlock,
                    wf_node_member *out, const char **why)
{
    wf_err err = WF_OK;
    made_files *f = NULL;
    wf_node_member m;
    char *text = NULL;
    size_t text_len = 0;
    int created = 0;

    memset(&m, 0, sizeof m);
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (dir == NULL || unlock == NULL)
        FAIL(WF_ERR_ARG, "missing argument");
    if (!wf_tls_name_valid(name))
        FAIL(WF_ERR_ARG, "invalid name: 1 to 63 characters of [a-z0-9.-], starting with a letter or digit");
    if (!wf_node_address_parse(address, NULL, NULL))
        FAIL(WF_ERR_ARG, "invalid address: expected tls+tcp://<host>:<port>");
    if ((unlock->passphrase == NULL) == (unlock->key_file == NULL))
        FAIL(WF_ERR_ARG, "give exactly one of a passphrase or a key file");
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise the crypto libraries");
    if ((f = calloc(1, sizeof *f)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if (strlen(dir) > WF_NODE_PATH_MAX - 32)
        FAIL(WF_ERR_ARG, "directory path too long");
    strcpy(m.name, name);
    strcpy(m.address, address);

    if ((err = wf_dir_make_private(dir, &created, why)) != WF_OK ||
        (err = make_identity(f, dir, m.identity_pk, why)) != WF_OK ||
        (err = make_tls(f, dir, &m, why)) != WF_OK)
        goto done;
    if ((err = wf_node_member_format(&m, &text, &text_len)) != WF_OK)
        FAIL(err, "cannot format the member file");
    if (!made_path(f, dir, WF_NODE_MEMBER_FILE))
        FAIL(WF_ERR_ARG, "directory path too long");
    if ((err = wf_file_write_new(f->paths[f->n], text, text_len, 0644, why)) != WF_OK)
        goto done;
    f->n++;
    /* last: Argon2id can take seconds, and a store is a directory tree */
    if ((err = make_store(dir, unlock, why)) != WF_OK)
        goto done;
    if (out != NULL) {
        *out = m;
        memset(&m, 0, sizeof m);
    }
done:
    if (err != WF_OK && f != NULL)
        made_undo(f);
    if (err != WF_OK && created)
        rmdir(dir);
    free(f);
    free(text);
    wf_node_member_clear(&m);
    return err;
}

/* ---- loading a node directory ---- */

static wf_err check_pub_file(const char *path, const uint8_t pk[WF_IDENTITY_PK_BYTES], const char **why)
{
    wf_err err;
    uint8_t file_pk[WF_IDENTITY_PK_BYTES];

    if ((err = wf_ed25519_public_read(path, file_pk, why)) != WF_OK)
        return err;
    if (memcmp(file_pk, pk, sizeof file_pk) != 0)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("%s and the member file name different identity keys", path));
done:
    return err;
}

/* Reads identity.key and derives the secret key, which must be pk's. */
static wf_err load_identity_sk(wf_node_identity *id, const char *path, const char **why)
{
    id->identity_sk = wf_secure_alloc(WF_IDENTITY_SK_BYTES);
    if (id->identity_sk == NULL) {
        if (why != NULL)
            *why = "out of locked memory";
        return WF_ERR_NOMEM;
    }
    return wf_ed25519_secret_read(path, id->pub.identity_pk, id->identity_sk, why);
}

wf_err wf_node_identity_load(wf_node_identity *id, const char *dir, int with_secrets, const char **why)
{
    wf_err err = WF_OK;
    char member[WF_NODE_PATH_MAX], pub[WF_NODE_PATH_MAX], crt[WF_NODE_PATH_MAX], key[WF_NODE_PATH_MAX],
        seed[WF_NODE_PATH_MAX];

    if (id == NULL)
        return WF_ERR_ARG;
    memset(id, 0, sizeof *id);
    if (dir == NULL)
        FAIL(WF_ERR_ARG, "missing directory");
    if (!wf_path_join(member, sizeof member, dir, WF_NODE_MEMBER_FILE) ||
        !wf_path_join(pub, sizeof pub, dir, WF_NODE_IDENTITY_PUB) ||
        !wf_path_join(crt, sizeof crt, dir, WF_NODE_TLS_CERT) ||
        !wf_path_join(key, sizeof key, dir, WF_NODE_TLS_KEY) ||
        !wf_path_join(seed, sizeof seed, dir, WF_NODE_IDENTITY_KEY))
        FAIL(WF_ERR_ARG, "directory path too long");
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise the crypto libraries");
    if ((err = wf_node_member_load(&id->pub, member, why)) != WF_OK ||
        (err = check_pub_file(pub, id->pub.identity_pk, why)) != WF_OK)
        goto done;
    if ((err = wf_tls_identity_load(&id->tls, crt, with_secrets ? key : NULL, why)) != WF_OK) {
        if (why != NULL)
            *why = wf_why_wrap(*why, "%s", with_secrets ? "tls.crt / tls.key" : crt);
        goto done;
    }
    if (strcmp(id->tls.fingerprint, id->pub.fingerprint) != 0)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("%s is not the certificate of the member file", crt));
    if (with_secrets)
        err = load_identity_sk(id, seed, why);
done:
    if (err != WF_OK)
        wf_node_identity_clear(id);
    return err;
}

void wf_node_identity_clear(wf_node_identity *id)
{
    if (id == NULL)
        return;
    wf_node_member_clear(&id->pub);
    wf_secure_free(id->identity_sk);
    wf_tls_identity_clear(&id->tls);
    memset(id, 0, sizeof *id);
}
