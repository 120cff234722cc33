/* The audit log (DESIGN §5): append-only records of what the node did and
 * whom it blamed, each chained to the one before by a keyed BLAKE2b MAC
 * (key derived from the data key, so nobody without the store's passphrase
 * or key file can forge a consistent chain). The chain's head (last sequence
 * number and MAC) is kept sealed in meta and moves in the same synced batch
 * as each append, so removing records from the end is detected too.
 *
 * Records hold no secrets: their text is for operators. */
#ifndef WF_STORE_AUDIT_H
#define WF_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define WF_AUDIT_KIND_MAX 32
#define WF_AUDIT_TEXT_MAX 4096

/* Appends a record (synced). kind: a short word ("abort", "sign", "keygen",
 * …); text: one line of printable ASCII. Returns its sequence number. */
wf_err wf_store_audit_append(wf_store *s, const char *kind, const char *text, uint64_t *seq);

typedef struct wf_audit_entry {
    uint64_t seq; /* 1, 2, … */
    uint64_t time_ms;
    char kind[WF_AUDIT_KIND_MAX + 1];
    char text[WF_AUDIT_TEXT_MAX + 1];
} wf_audit_entry;

/* Calls fn for every record in order (without verifying the chain; run
 * wf_store_audit_verify for that). fn returns non-zero to stop. */
wf_err wf_store_audit_each(wf_store *s, int (*fn)(const wf_audit_entry *e, void *ctx), void *ctx);

typedef struct wf_audit_report {
    uint64_t records;   /* records checked */
    uint64_t first_bad; /* sequence number (position) of the first problem; 0 if none, or
                           if the problem is the chain's head record (see problem) */
    char problem[256];  /* what is wrong there, for the operator */
} wf_audit_report;

/* Checks the whole chain: WF_OK if intact, WF_ERR_VERIFY with the report
 * naming the first edited, removed, inserted or reordered record. */
wf_err wf_store_audit_verify(wf_store *s, wf_audit_report *report);

#endif
