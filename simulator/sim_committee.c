/* A key's committee on the command line (sim_committee.h). */
#include "simulator/sim_committee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_MAX 32

/* Splits s at commas into at most WF_SIM_MAX_NODES non-empty items. */
static int split(const char *s, char out[WF_SIM_MAX_NODES][ITEM_MAX], uint32_t *n)
{
    *n = 0;
    for (;;) {
        size_t len = strcspn(s, ",");
        if (len == 0 || len >= ITEM_MAX || *n == WF_SIM_MAX_NODES)
            return 0;
        memcpy(out[*n], s, len);
        out[(*n)++][len] = '\0';
        if (s[len] == '\0')
            return 1;
        s += len + 1;
    }
}

static int number(const char *s, unsigned long max, uint32_t *out)
{
    char *end = NULL;
    if (*s < '0' || *s > '9')
        return 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v > max)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

int wf_sim_committee_parse(wf_sim_committee *c, const wf_sim_layout *l, const char *members,
                           const char *threshold, const char *ranks, const char **why)
{
    char names[WF_SIM_MAX_NODES][ITEM_MAX], rank_s[WF_SIM_MAX_NODES][ITEM_MAX];
    uint32_t node[WF_SIM_MAX_NODES], rank[WF_SIM_MAX_NODES], n_ranks = 0;
    memset(c, 0, sizeof *c);
    if (members == NULL && threshold == NULL && ranks == NULL)
        return 1;
    if (members == NULL || threshold == NULL || ranks == NULL) {
        *why = "--members, --threshold and --ranks go together";
        return 0;
    }
    if (!split(members, names, &c->n)) {
        *why = "--members needs node names separated by commas";
        return 0;
    }
    if (!split(ranks, rank_s, &n_ranks) || n_ranks != c->n) {
        *why = "--ranks needs one rank per member, separated by commas";
        return 0;
    }
    if (!number(threshold, c->n, &c->threshold) || c->threshold == 0) {
        *why = "--threshold needs a number from 1 to the number of members";
        return 0;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        int k = wf_sim_node_find(l, names[i]);
        if (k < 0) {
            *why = "--members names a node the cluster does not have";
            return 0;
        }
        if (!number(rank_s[i], c->threshold - 1, &rank[i])) {
            *why = "--ranks: each rank is a number below the threshold";
            return 0;
        }
        node[i] = (uint32_t)k;
    }
    /* ascending node order (the request's), ranks carried along */
    for (uint32_t k = 0; k < c->n; k++) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < c->n; i++)
            if (node[i] < node[best])
                best = i;
        if (k > 0 && node[best] == c->nodes[k - 1]) {
            *why = "--members names a node twice";
            return 0;
        }
        c->nodes[k] = node[best];
        c->ranks[k] = rank[best];
        node[best] = UINT32_MAX;
    }
    return 1;
}

void wf_sim_committee_format(char *out, size_t cap, const wf_sim_layout *l, const wf_sim_committee *c)
{
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < c->n && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s:%u", i > 0 ? "," : "", l->nodes[c->nodes[i]].name,
                         (unsigned)c->ranks[i]);
        if (w < 0)
            return;
        used += (size_t)w;
    }
    if (used < cap)
        snprintf(out + used, cap - used, " (%u-of-%u)", (unsigned)c->threshold, (unsigned)c->n);
}
