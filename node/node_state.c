/* The daemon's state that must survive a restart (store/state.h): the
 * policy's daily counters, so a restart does not hand a client a fresh
 * allowance, and the highest presignature take counter every peer reported,
 * so a peer whose store was rolled back is caught even after we restart. */
#include <stdlib.h>
#include <string.h>

#include "node/daemon_internal.h"
#include "node/fail.h"
#include "node/text_format.h"
#include "store/db.h"
#include "store/state.h"

#define COUNTERS "policy-counters"
#define TAKES    "peer-takes"

wf_err wf_node_state_load(wf_daemon *d, const char **why)
{
    wf_err err = WF_OK;
    uint8_t *v = NULL;
    size_t len = 0;
    err = wf_store_state_get(d->store, COUNTERS, &v, &len);
    if (err == WF_OK && wf_policy_counters_decode(&d->counters, v, len) != WF_OK)
        FAIL(WF_ERR_ENCODING, "the stored policy counters do not decode");
    if (err != WF_OK && err != WF_ERR_NOT_FOUND)
        FAIL(err, wf_why_fmt("cannot read the policy counters: %s", wf_store_last_error()));
    free(v);
    v = NULL;
    err = wf_store_state_get(d->store, TAKES, &v, &len);
    if (err == WF_OK) {
        if (len != 8u * d->n)
            FAIL(WF_ERR_ENCODING, "the stored peer take counters do not match the cluster");
        for (uint32_t m = 0; m < d->n; m++)
            d->take_seen[m] = wf_be64_get(v + 8u * m);
    } else if (err != WF_ERR_NOT_FOUND) {
        FAIL(err, wf_why_fmt("cannot read the peer take counters: %s", wf_store_last_error()));
    }
    err = WF_OK;
done:
    free(v);
    return err;
}

wf_policy_verdict wf_node_policy_check(wf_daemon *d, const wf_sign_request *r)
{
    uint8_t buf[WF_POLICY_COUNTERS_MAX_BYTES];
    pthread_mutex_lock(&d->state_mu);
    wf_policy_verdict v = wf_policy_check(d->policy, r, wf_daemon_now_ms(), &d->counters);
    if (v == WF_POLICY_ALLOW) {
        size_t len = wf_policy_counters_encode(&d->counters, buf);
        if (wf_store_state_put(d->store, COUNTERS, buf, len) != WF_OK)
            wf_daemon_log(d, "saving the policy counters failed: %s", wf_store_last_error());
    }
    pthread_mutex_unlock(&d->state_mu);
    return v;
}

int wf_node_take_seen(wf_daemon *d, uint32_t m, uint64_t take_count)
{
    uint8_t buf[8 * WF_MAX_MEMBERS];
    if (m >= d->n || take_count == 0)
        return 0;
    pthread_mutex_lock(&d->state_mu);
    /* concurrent sessions report out of order, by at most as many takes as
     * can run at once; a rollback puts the counter back further than that */
    int back = take_count + WF_TAKE_REORDER <= d->take_seen[m];
    if (take_count > d->take_seen[m]) {
        d->take_seen[m] = take_count;
        for (uint32_t i = 0; i < d->n; i++)
            wf_be64_put(buf + 8u * i, d->take_seen[i]);
        if (wf_store_state_put(d->store, TAKES, buf, 8u * d->n) != WF_OK)
            wf_daemon_log(d, "saving the peer take counters failed: %s", wf_store_last_error());
    }
    pthread_mutex_unlock(&d->state_mu);
    return back;
}
