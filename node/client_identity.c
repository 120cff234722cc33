/* Client directories: creating and loading a client's Ed25519 request key
 * and TLS identity (client_identity.h). */
#include "node/client_identity.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/ed25519_file.h"
#include "node/fail.h"
#include "node/files.h"
#include "node/text_format.h"

/* The four paths of a client directory. */
typedef struct client_paths {
    char key[WF_NODE_PATH_MAX], pub[WF_NODE_PATH_MAX], tls_key[WF_NODE_PATH_MAX], tls_crt[WF_NODE_PATH_MAX];
} client_paths;

static int paths_of(client_paths *p, const char *dir)
{
    return wf_path_join(p->key, sizeof p->key, dir, WF_CLIENT_KEY_FILE) &&
           wf_path_join(p->pub, sizeof p->pub, dir, WF_CLIENT_PUB_FILE) &&
           wf_path_join(p->tls_key, sizeof p->tls_key, dir, WF_CLIENT_TLS_KEY) &&
           wf_path_join(p->tls_crt, sizeof p->tls_crt, dir, WF_CLIENT_TLS_CERT);
}

wf_err wf_client_identity_create(const char *dir, const char *name, wf_client_identity *out, const char **why)
{
    wf_err err = WF_OK;
    client_paths p;
    uint8_t pk[WF_IDENTITY_PK_BYTES];
    int created = 0, made_keys = 0, made_tls = 0;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (dir == NULL)
        FAIL(WF_ERR_ARG, "missing directory");
    if (!wf_tls_name_valid(name))
        FAIL(WF_ERR_ARG, "invalid name: 1 to 63 characters of [a-z0-9.-], starting with a letter or digit");
    if (!paths_of(&p, dir))
        FAIL(WF_ERR_ARG, "directory path too long");
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise the crypto libraries");
    if ((err = wf_dir_make_private(dir, &created, why)) != WF_OK)
        goto done;
    if ((err = wf_ed25519_files_create(p.key, p.pub, pk, why)) != WF_OK)
        goto done;
    made_keys = 1;
    if ((err = wf_tls_identity_generate(name, p.tls_key, p.tls_crt, NULL, why)) != WF_OK)
        goto done;
    made_tls = 1;
    if (out != NULL)
        err = wf_client_identity_load(out, dir, 0, why);
done:
    if (err != WF_OK) {
        if (made_tls) {
            unlink(p.tls_crt);
            unlink(p.tls_key);
        }
        if (made_keys) {
            unlink(p.pub);
            unlink(p.key);
        }
        if (created)
            rmdir(dir);
    }
    return err;
}

wf_err wf_client_identity_load(wf_client_identity *id, const char *dir, int with_secrets, const char **why)
{
    wf_err err = WF_OK;
    client_paths p;
    wf_tls_identity tls;

    memset(&tls, 0, sizeof tls);
    if (id == NULL)
        return WF_ERR_ARG;
    memset(id, 0, sizeof *id);
    if (dir == NULL)
        FAIL(WF_ERR_ARG, "missing directory");
    if (!paths_of(&p, dir))
        FAIL(WF_ERR_ARG, "directory path too long");
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise the crypto libraries");
    if ((err = wf_ed25519_public_read(p.pub, id->pk, why)) != WF_OK)
        goto done;
    if ((err = wf_tls_identity_load(&tls, p.tls_crt, with_secrets ? p.tls_key : NULL, why)) != WF_OK) {
        if (why != NULL)
            *why = wf_why_wrap(*why, "%s", with_secrets ? "tls.crt / tls.key" : p.tls_crt);
        goto done;
    }
    strcpy(id->name, tls.name);
    strcpy(id->fingerprint, tls.fingerprint);
    strcpy(id->tls_cert_path, p.tls_crt);
    strcpy(id->tls_key_path, p.tls_key);
    if (with_secrets) {
        if ((id->sk = wf_secure_alloc(WF_IDENTITY_SK_BYTES)) == NULL)
            FAIL(WF_ERR_NOMEM, "out of locked memory");
        err = wf_ed25519_secret_read(p.key, id->pk, id->sk, why);
    }
done:
    wf_tls_identity_clear(&tls);
    if (err != WF_OK)
        wf_client_identity_clear(id);
    return err;
}

void wf_client_identity_clear(wf_client_identity *id)
{
    if (id == NULL)
        return;
    wf_secure_free(id->sk);
    memset(id, 0, sizeof *id);
}

void wf_client_identity_policy_line(const wf_client_identity *id, char out[WF_CLIENT_POLICY_LINE_MAX])
{
    char hex[2 * WF_IDENTITY_PK_BYTES + 1];
    wf_hex_encode(hex, id->pk, sizeof id->pk);
    snprintf(out, WF_CLIENT_POLICY_LINE_MAX, "client %s %s", id->name, hex);
}
