/* A key's committee: member index ↔ node index (node/committee.h). */
#include "node/committee.h"

#include <stdio.h>
#include <string.h>

static void reset(wf_committee *c, uint32_t cluster_n)
{
    memset(c, 0, sizeof *c);
    c->cluster_n = cluster_n;
    for (uint32_t i = 0; i < WF_MAX_MEMBERS; i++)
        c->member[i] = WF_COMMITTEE_NONE;
}

static void add(wf_committee *c, uint32_t node, uint32_t rank)
{
    uint32_t j = c->n++;
    c->node[j] = node;
    c->member[node] = j;
    c->rank[j] = rank;
    wf_scalar_set_u64(&c->by_node[node].x, (uint64_t)node + 1);
    c->by_node[node].rank = rank;
    c->nodes |= WF_SET_BIT(node);
}

wf_err wf_committee_build(wf_committee *c, uint32_t cluster_n, const uint32_t *nodes, const uint32_t *ranks,
                          uint32_t n, uint32_t t, const char **why)
{
    const char *w = NULL;
    if (c == NULL || nodes == NULL || ranks == NULL || cluster_n > WF_MAX_MEMBERS)
        w = "missing committee";
    else if (n < 2 || n > cluster_n)
        w = "a committee has 2 to the cluster's number of members";
    else if (t < 1 || t > n)
        w = "the threshold is not in 1..the committee's size";
    for (uint32_t i = 0; w == NULL && i < n; i++) {
        if (nodes[i] >= cluster_n)
            w = "a committee member is not a member of the cluster";
        else if (i > 0 && nodes[i] <= nodes[i - 1])
            w = "committee members must be distinct and in ascending order";
        else if (ranks[i] >= t)
            w = "a rank is not below the threshold";
    }
    if (w != NULL) {
        if (why != NULL)
            *why = w;
        return WF_ERR_ARG;
    }
    reset(c, cluster_n);
    c->t = t;
    for (uint32_t i = 0; i < n; i++)
        add(c, nodes[i], ranks[i]);
    wf_member m[WF_MAX_MEMBERS];
    wf_committee_members(c, m);
    wf_err err = wf_access_check(m, n, t);
    if (err != WF_OK && why != NULL)
        *why = err == WF_ERR_UNAUTHORISED
                   ? "no set of threshold members of the committee is authorised (the i-th "
                     "smallest rank of a signing set must be at most i)"
                   : "the committee's identifiers or ranks are invalid";
    return err;
}

wf_err wf_committee_of_key(wf_committee *c, uint32_t cluster_n, const wf_key_public *pub)
{
    if (c == NULL || pub == NULL || cluster_n > WF_MAX_MEMBERS || pub->n > cluster_n || pub->n < 1)
        return WF_ERR_ARG;
    reset(c, cluster_n);
    c->t = pub->t;
    uint32_t next = 0; /* identifiers ascend: member j's node is at least `next` */
    for (uint32_t j = 0; j < pub->n; j++) {
        wf_scalar x;
        uint32_t node = next;
        for (; node < cluster_n; node++) {
            wf_scalar_set_u64(&x, (uint64_t)node + 1);
            if (wf_scalar_eq(&x, &pub->members[j].x))
                break;
        }
        if (node == cluster_n)
            return WF_ERR_ARG;
        add(c, node, pub->members[j].rank);
        next = node + 1;
    }
    return WF_OK;
}

void wf_committee_members(const wf_committee *c, wf_member out[WF_MAX_MEMBERS])
{
    memset(out, 0, WF_MAX_MEMBERS * sizeof out[0]);
    for (uint32_t j = 0; j < c->n; j++)
        out[j] = c->by_node[c->node[j]];
}

wf_member_set wf_committee_to_members(const wf_committee *c, wf_member_set nodes)
{
    wf_member_set out = 0;
    for (uint32_t i = 0; i < c->cluster_n; i++)
        if ((nodes & WF_SET_BIT(i)) && c->member[i] != WF_COMMITTEE_NONE)
            out |= WF_SET_BIT(c->member[i]);
    return out;
}

wf_member_set wf_committee_to_nodes(const wf_committee *c, wf_member_set members)
{
    wf_member_set out = 0;
    for (uint32_t j = 0; j < c->n; j++)
        if (members & WF_SET_BIT(j))
            out |= WF_SET_BIT(c->node[j]);
    return out;
}

int wf_committee_map_list(const wf_committee *c, const uint32_t *nodes, size_t n, uint32_t *members)
{
    for (size_t i = 0; i < n; i++) {
        if (nodes[i] >= c->cluster_n || c->member[nodes[i]] == WF_COMMITTEE_NONE)
            return 0;
        members[i] = c->member[nodes[i]];
    }
    return 1;
}

size_t wf_committee_quorums(const wf_committee *c, wf_member_set must, wf_member_set usable,
                            wf_member_set *out, size_t max)
{
    if ((must & ~c->nodes) != 0)
        return 0;
    return wf_quorum_list(c->by_node, c->cluster_n, c->t, must, usable & c->nodes, out, max);
}

int wf_committee_authorised(const wf_committee *c, wf_member_set s)
{
    return (s & ~c->nodes) == 0 && wf_quorum_authorised(c->by_node, c->cluster_n, c->t, s);
}

void wf_committee_nodes_str(const wf_committee *c, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = '\0';
    for (uint32_t j = 0; j < c->n && off + 1 < cap; j++) {
        int w = snprintf(out + off, cap - off, "%s%u:%u", j ? "," : "", c->node[j], c->rank[j]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}
