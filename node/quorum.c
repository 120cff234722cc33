/* Authorised signing sets among reachable members (node/quorum.h). */
#include "node/quorum.h"

size_t wf_set_members(wf_member_set s, uint32_t *out)
{
    size_t k = 0;
    for (uint32_t i = 0; i < WF_MAX_MEMBERS; i++)
        if (s & WF_SET_BIT(i))
            out[k++] = i;
    return k;
}

wf_member_set wf_set_of(const uint32_t *members, size_t n)
{
    wf_member_set s = 0;
    for (size_t i = 0; i < n; i++)
        if (members[i] < WF_MAX_MEMBERS)
            s |= WF_SET_BIT(members[i]);
    return s;
}

size_t wf_set_count(wf_member_set s)
{
    return (size_t)__builtin_popcountll(s);
}

int wf_quorum_authorised(const wf_member *members, uint32_t n, uint32_t t, wf_member_set s)
{
    uint32_t idx[WF_MAX_MEMBERS];
    wf_member set[WF_MAX_MEMBERS];
    size_t k = wf_set_members(s, idx);
    if (k != t || t == 0)
        return 0;
    for (size_t i = 0; i < k; i++) {
        if (idx[i] >= n)
            return 0;
        set[i] = members[idx[i]];
    }
    return wf_birkhoff_coefficients(NULL, set, t) == WF_OK;
}

/* Extends `chosen` (a set of `have` members, all below `next`) one member at
 * a time in ascending index order. */
static void extend(const wf_member *members, uint32_t n, uint32_t t, wf_member_set must, wf_member_set allowed,
                   wf_member_set chosen, size_t have, uint32_t next, wf_member_set *out, size_t max, size_t *found)
{
    if (*found >= max)
        return;
    if (have == t) {
        if ((chosen & must) == must && wf_quorum_authorised(members, n, t, chosen))
            out[(*found)++] = chosen;
        return;
    }
    for (uint32_t i = next; i < n && *found < max; i++) {
        if (!(allowed & WF_SET_BIT(i)))
            continue;
        /* members of `must` below i that are not chosen can never be added */
        wf_member_set below = WF_SET_BIT(i) - 1;
        if ((must & below & ~chosen) != 0)
            return;
        extend(members, n, t, must, allowed, chosen | WF_SET_BIT(i), have + 1, i + 1, out, max, found);
    }
}

size_t wf_quorum_list(const wf_member *members, uint32_t n, uint32_t t, wf_member_set must, wf_member_set allowed,
                      wf_member_set *out, size_t max)
{
    size_t found = 0;
    if (members == NULL || out == NULL || n > WF_MAX_MEMBERS || t == 0 || t > n || (must & ~allowed) != 0)
        return 0;
    extend(members, n, t, must, allowed, 0, 0, 0, out, max, &found);
    return found;
}
