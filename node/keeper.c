/* The presignature keeper (DESIGN §3, issue: water-marks): keeps every
 * signing set this node leads (it is the set's lowest member index, so each
 * set has one keeper in the cluster) at a pool depth between the low and
 * high water-marks, presigning in the background while the set's members are
 * reachable. Signing then needs one round. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node/daemon_internal.h"
#include "store/presig_pool.h"

#define KEEPER_PERIOD_MS 1000

static int lowest(wf_member_set s, uint32_t m)
{
    return (s & (WF_SET_BIT(m) - 1)) == 0;
}

/* One pass over every ready key and every set we lead; returns how many
 * presign sessions ran. */
static unsigned pass(wf_daemon *d)
{
    unsigned ran = 0;
    wf_member_set usable = wf_daemon_usable(d);
    wf_member_set q[64];
    size_t nq = wf_quorum_list(d->members, d->n, d->t, WF_SET_BIT(d->self), usable, q, 64);
    pthread_mutex_lock(&d->keys_mu);
    wf_node_key *first = d->keys;
    pthread_mutex_unlock(&d->keys_mu);
    for (wf_node_key *k = first; k != NULL; k = k->next) {
        if (k->aux == NULL)
            continue;
        for (size_t i = 0; i < nq; i++) {
            if (!lowest(q[i], d->self))
                continue;
            size_t count = 0;
            if (wf_store_presig_count(d->store, k->key_id, q[i], &count) != WF_OK ||
                count >= d->cfg.presig_low)
                continue;
            while (count < d->cfg.presig_high && atomic_load(&d->stopping) == 0) {
                wf_control_start st;
                wf_coord_outcome o;
                memset(&st, 0, sizeof st);
                strcpy(st.protocol, "presign");
                st.n = wf_set_members(q[i], st.parties);
                wf_coord_run(d, k->key_id, &st, &o);
                ran++;
                if (o.outcome != WF_OUTCOME_DONE) {
                    wf_daemon_log(d, "background presign failed: %s", o.reason);
                    if (o.culprit != WF_CULPRIT_NONE)
                        wf_daemon_exclude(d, o.culprit, WF_EXCLUDE_CULPRIT_MS, o.reason);
                    for (uint32_t m = 0; m < d->n; m++)
                        if ((o.silent | o.refused) & WF_SET_BIT(m))
                            wf_daemon_exclude(d, m, WF_EXCLUDE_SILENT_MS, "did not take part in a presign");
                    break;
                }
                count++;
            }
        }
    }
    return ran;
}

static void *keeper_main(void *arg)
{
    wf_daemon *d = arg;
    while (atomic_load(&d->stopping) == 0) {
        pass(d);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += KEEPER_PERIOD_MS / 1000;
        pthread_mutex_lock(&d->mu);
        if (atomic_load(&d->stopping) == 0)
            pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        pthread_mutex_unlock(&d->mu);
    }
    return NULL;
}

wf_err wf_keeper_start(wf_daemon *d)
{
    if (d->cfg.presig_high == 0)
        return WF_OK;
    if (pthread_create(&d->keeper, NULL, keeper_main, d) != 0)
        return WF_ERR_INTERNAL;
    d->keeper_started = 1;
    return WF_OK;
}

void wf_keeper_join(wf_daemon *d)
{
    if (d->keeper_started) {
        pthread_join(d->keeper, NULL);
        d->keeper_started = 0;
    }
}
