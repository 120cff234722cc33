/* Signing sets for the coordinator (DESIGN §1, §2): which t-member sets the
 * access structure authorises among the members a node can reach. Member
 * sets are bit masks of member indices (WF_MAX_MEMBERS is 64). Pure: no I/O. */
#ifndef WF_NODE_QUORUM_H
#define WF_NODE_QUORUM_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/birkhoff.h"

typedef uint64_t wf_member_set;

#define WF_SET_BIT(i) ((wf_member_set)1 << (i))

/* Writes the members of s in ascending order to out (at most 64); returns how many. */
size_t wf_set_members(wf_member_set s, uint32_t *out);
/* The set of n member indices. */
wf_member_set wf_set_of(const uint32_t *members, size_t n);
size_t wf_set_count(wf_member_set s);

/* Every authorised set of exactly t members (members[0..n), by index) that
 * holds every member of `must` and only members of `allowed`, in ascending
 * lexicographic order of their sorted members; at most max written to out.
 * Returns how many were found (stopping at max). */
size_t wf_quorum_list(const wf_member *members, uint32_t n, uint32_t t, wf_member_set must, wf_member_set allowed,
                      wf_member_set *out, size_t max);

/* 1 when the t members of s form an authorised set. */
int wf_quorum_authorised(const wf_member *members, uint32_t n, uint32_t t, wf_member_set s);

#endif
