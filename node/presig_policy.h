/* Per (key, signing set) presignature water-marks (issue 9: pool policy).
 * The keeper (node/keeper.c) keeps the pool of every signing set this node
 * leads between a low and a high mark; warifud's --presig-low/--presig-high
 * give the default, and a presig policy file (--presig-policy FILE) may set
 * other marks for some keys, some signing sets, or both. It is read once at
 * start; a malformed file stops the start with the line at fault.
 *
 * Format (the strict rules of node/text_format.h; after the first line,
 * empty lines and lines starting with '#' are comments):
 *
 *   warifu-presig 1
 *   <key-id | *> <signers | *> <low> <high>
 *   …
 *   end
 *
 * key-id is 64 lowercase hex digits; signers is the signing set as its
 * member indices in increasing order joined by ',' (as the metrics and
 * `warifu status` show them, e.g. 0,2,3), exactly threshold of them, each
 * below the cluster's member count; low <= high <= WF_PRESIG_MARK_MAX
 * (high 0: keep no pool for these). The same (key, signers) pattern twice is
 * refused.
 *
 * The most specific line wins: key and set, then key and *, then * and set,
 * then * *; with no line matching, the default. */
#ifndef WF_NODE_PRESIG_POLICY_H
#define WF_NODE_PRESIG_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "node/quorum.h"

#define WF_PRESIG_POLICY_FILE_MAX  (1u << 20)
#define WF_PRESIG_POLICY_LINES_MAX 4096
#define WF_PRESIG_MARK_MAX         100000u

typedef struct wf_presig_policy wf_presig_policy;

/* Parses a policy for a cluster of n members with threshold t; def_low and
 * def_high are the marks where no line matches. On an error *out is NULL and
 * *why (if why is not NULL) says which line and what is wrong with it. */
wf_err wf_presig_policy_parse(wf_presig_policy **out, const char *text, size_t len, uint32_t n, uint32_t t,
                              unsigned def_low, unsigned def_high, const char **why);
/* The same from a file (a guarded file: ours or root's, not writable by
 * others); errors name the file. */
wf_err wf_presig_policy_load(wf_presig_policy **out, const char *path, uint32_t n, uint32_t t,
                             unsigned def_low, unsigned def_high, const char **why);
/* Only the defaults (no file). */
wf_err wf_presig_policy_default(wf_presig_policy **out, unsigned def_low, unsigned def_high);
void wf_presig_policy_free(wf_presig_policy *p);

/* The marks of (key, signing set). */
void wf_presig_policy_marks(const wf_presig_policy *p, const uint8_t key_id[32], wf_member_set set,
                            unsigned *low, unsigned *high);
/* The largest high mark of the default and every line (0: no pool anywhere). */
unsigned wf_presig_policy_max_high(const wf_presig_policy *p);

#endif
