/* Ed25519 key pairs on disk: a raw seed (0600) and a hex public key (0644). */
#include "node/ed25519_file.h"

#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/fail.h"
#include "node/files.h"
#include "node/text_format.h"

wf_err wf_ed25519_files_create(const char *secret_path, const char *public_path,
                               uint8_t pk[WF_IDENTITY_PK_BYTES], const char **why)
{
    wf_err err = WF_OK;
    char pub[WF_ED25519_PUB_FILE_BYTES + 1];
    uint8_t *seed = wf_secure_alloc(WF_ED25519_SEED_BYTES);
    uint8_t *sk = wf_secure_alloc(WF_IDENTITY_SK_BYTES);

    if (seed == NULL || sk == NULL)
        FAIL(WF_ERR_NOMEM, "out of locked memory");
    randombytes_buf(seed, WF_ED25519_SEED_BYTES);
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot derive an Ed25519 key");
    if ((err = wf_file_write_new(secret_path, seed, WF_ED25519_SEED_BYTES, 0600, why)) != WF_OK)
        goto done;
    wf_hex_encode(pub, pk, WF_IDENTITY_PK_BYTES);
    pub[WF_ED25519_PUB_FILE_BYTES - 1] = '\n';
    if ((err = wf_file_write_new(public_path, pub, WF_ED25519_PUB_FILE_BYTES, 0644, why)) != WF_OK)
        unlink(secret_path);
done:
    wf_secure_free(seed);
    wf_secure_free(sk);
    return err;
}

wf_err wf_ed25519_public_read(const char *path, uint8_t pk[WF_IDENTITY_PK_BYTES], const char **why)
{
    wf_err err;
    char *text = NULL;
    size_t len = 0;

    if ((err = wf_file_read(path, WF_ED25519_PUB_FILE_BYTES, WF_FILE_PUBLIC, &text, &len, why)) != WF_OK)
        return err;
    wf_span hex = {text, len - 1};
    if (len != WF_ED25519_PUB_FILE_BYTES || text[len - 1] != '\n' ||
        !wf_span_hex(hex, pk, WF_IDENTITY_PK_BYTES))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("%s is not 64 lowercase hex digits and a newline", path));
    if (crypto_core_ed25519_is_valid_point(pk) != 1)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("%s is not a valid Ed25519 public key", path));
done:
    free(text);
    return err;
}

wf_err wf_ed25519_secret_read(const char *path, const uint8_t pk[WF_IDENTITY_PK_BYTES], uint8_t *sk,
                              const char **why)
{
    wf_err err = WF_OK;
    uint8_t derived[WF_IDENTITY_PK_BYTES];
    uint8_t *seed = wf_secure_alloc(WF_ED25519_SEED_BYTES);

    if (seed == NULL)
        FAIL(WF_ERR_NOMEM, "out of locked memory");
    if ((err = wf_file_read_secret(path, seed, WF_ED25519_SEED_BYTES, why)) != WF_OK)
        goto done;
    if (crypto_sign_seed_keypair(derived, sk, seed) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot derive an Ed25519 key");
    if (sodium_memcmp(derived, pk, sizeof derived) != 0)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("%s is not the secret key of the public key it is paired with", path));
done:
    if (err != WF_OK)
        wf_memzero(sk, WF_IDENTITY_SK_BYTES);
    wf_secure_free(seed);
    return err;
}
