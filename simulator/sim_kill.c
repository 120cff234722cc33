/* A node killed mid-protocol (sim_kill.h). */
#include "simulator/sim_kill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "simulator/sim_control.h"

static void *kill_main(void *arg)
{
    wf_sim_killer *k = arg;
    struct timespec ts = {k->after_ms / 1000, (k->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    char cmd[128], *reply = NULL;
    const char *why = NULL;
    snprintf(cmd, sizeof cmd, "kill %s", k->node);
    wf_err err = wf_sim_control(k->l, cmd, 30000, &reply, &why);
    snprintf(k->result, sizeof k->result, "%s after %ld ms: %s", cmd, k->after_ms,
             err == WF_OK ? "done" : (reply != NULL ? reply : why));
    free(reply);
    return NULL;
}

int wf_sim_killer_start(wf_sim_killer *k, const wf_sim_layout *l, const char *node, long after_ms)
{
    memset(k, 0, sizeof *k);
    k->l = l;
    k->node = node;
    k->after_ms = after_ms;
    if (node == NULL)
        return 1;
    if (after_ms < 0 || after_ms > WF_SIM_KILL_AFTER_MS_MAX ||
        pthread_create(&k->th, NULL, kill_main, k) != 0) {
        snprintf(k->result, sizeof k->result, "kill %s: cannot start the killer", node);
        return 0;
    }
    k->running = 1;
    return 1;
}

void wf_sim_killer_join(wf_sim_killer *k)
{
    if (!k->running)
        return;
    pthread_join(k->th, NULL);
    k->running = 0;
}
