/* Named node-state records (store/state.h). */
#include "store/state.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/db.h"

#define PREFIX "state/"

static wf_err record_key(uint8_t *out, size_t *len, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > WF_STORE_STATE_NAME_MAX)
        return wf_store_fail(WF_ERR_ARG, "bad state record name");
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return wf_store_fail(WF_ERR_ARG, "bad state record name");
    }
    memcpy(out, PREFIX, sizeof PREFIX - 1);
    memcpy(out + sizeof PREFIX - 1, name, n);
    *len = sizeof PREFIX - 1 + n;
    return WF_OK;
}

wf_err wf_store_state_put(wf_store *s, const char *name, const uint8_t *value, size_t len)
{
    uint8_t key[sizeof PREFIX + WF_STORE_STATE_NAME_MAX];
    size_t key_len = 0;
    if (!s || (!value && len) || len > WF_STORE_STATE_MAX)
        return wf_store_fail(WF_ERR_ARG, "missing argument or state record too large");
    wf_err err = record_key(key, &key_len, name);
    if (err)
        return err;
    pthread_mutex_lock(&s->lock);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    err = wf_db_put_sealed(s, b, WF_CF_META, key, key_len, value ? value : (const uint8_t *)"", len);
    err = wf_db_finish(s, b, err);
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_state_get(wf_store *s, const char *name, uint8_t **value, size_t *len)
{
    uint8_t key[sizeof PREFIX + WF_STORE_STATE_NAME_MAX];
    size_t key_len = 0;
    if (!s || !value || !len)
        return wf_store_fail(WF_ERR_ARG, "missing argument");
    *value = NULL;
    *len = 0;
    wf_err err = record_key(key, &key_len, name);
    if (err)
        return err;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    if ((err = wf_db_get_sealed(s, WF_CF_META, key, key_len, &plain, &plain_len)) != WF_OK)
        return err;
    *value = malloc(plain_len ? plain_len : 1);
    if (*value == NULL)
        err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    else {
        memcpy(*value, plain, plain_len);
        *len = plain_len;
    }
    wf_secure_free(plain);
    return err;
}
