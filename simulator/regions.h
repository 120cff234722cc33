/* Round-trip times between named cloud regions, for the simulator's link
 * delays (DESIGN §6: "latency (per-region RTT matrix)"). A relay on a link
 * between nodes in regions a and b gets delay_ms = RTT(a, b) / 2.
 *
 * The default matrix (regions.c) holds approximate median RTTs between the
 * AWS regions in those cities, in whole milliseconds; where they come from
 * is said there. Real figures drift with routing by tens of percent, so a
 * scenario that depends on one pair sets it with an override line:
 *
 *   "tokyo-frankfurt=230,virginia-oregon=70"
 *
 * Names are the lowercase city names below. The RTT within one region is
 * WF_REGION_SAME_MS unless overridden ("tokyo-tokyo=2"). */
#ifndef WF_SIM_REGIONS_H
#define WF_SIM_REGIONS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"

#define WF_REGION_COUNT    9
#define WF_REGION_SAME_MS  1u     /* between two nodes of one region */
#define WF_REGION_MAX_MS   60000u /* the largest RTT an override may give */
#define WF_REGION_NAME_MAX 16     /* longest name, with its NUL */

/* A full symmetric matrix; ms[a][b] == ms[b][a] always holds. */
typedef struct wf_rtt_matrix {
    uint32_t ms[WF_REGION_COUNT][WF_REGION_COUNT];
} wf_rtt_matrix;

/* The name of region i < WF_REGION_COUNT, or NULL. Names in index order:
 * tokyo, singapore, mumbai, frankfurt, london, virginia, oregon, saopaulo,
 * sydney. */
const char *wf_region_name(size_t i);

/* The index of a region by name (exact, lowercase); WF_ERR_NOT_FOUND for an
 * unknown one, WF_ERR_ARG for NULL. */
wf_err wf_region_index(const char *name, size_t *out);

/* Fills m with the default matrix. */
void wf_rtt_matrix_default(wf_rtt_matrix *m);

/* The RTT between regions a and b in m (NULL: the default matrix).
 * WF_ERR_NOT_FOUND for an unknown name, WF_ERR_ARG for NULL names or out;
 * *why names the unknown region. */
wf_err wf_region_rtt_ms(const wf_rtt_matrix *m, const char *a, const char *b, uint32_t *ms, const char **why);

/* Applies an override line to m: comma-separated "a-b=N" items, a and b
 * region names, N a decimal number of ms in 0..WF_REGION_MAX_MS without
 * sign or leading zeros; each sets both m[a][b] and m[b][a]. Strict: no
 * spaces, no empty items, no trailing comma or newline, no pair given twice
 * (in either order). All or nothing: on any error m is left as it was.
 * WF_ERR_ENCODING for malformed text, WF_ERR_NOT_FOUND for an unknown
 * region, WF_ERR_RANGE for N out of range, WF_ERR_CONFLICT for a repeated
 * pair, WF_ERR_ARG for NULL; *why says which item (by its 1-based position)
 * and what is wrong with it. */
wf_err wf_rtt_matrix_override(wf_rtt_matrix *m, const char *line, const char **why);

#endif
