/* The commit-then-open rounds keygen (CGGMP21 Fig. 5), aux-info and refresh
 * (Fig. 6) share: in round 1 every party broadcasts V_i, a 32-byte hash
 * commitment to its opening, as a Commitment (proto/commit_reveal.proto); in
 * round 2, once every commitment is in and well formed, it broadcasts the
 * opening, which every party checks against the V_i filed for its sender.
 *
 * The opening message and the hash are the protocol's own; so is the check
 * that an opening matches (it recomputes V over what was opened). */
#ifndef WF_PROTOCOL_COMMIT_REVEAL_H
#define WF_PROTOCOL_COMMIT_REVEAL_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/machine.h"
#include "protocol/wire.h"

#define WF_COMMIT_BYTES 32

/* Round 1: packs the opening msg (its fields owned by arena, which is freed)
 * into *opening (malloc'ed; the caller keeps it for round 2 and frees it),
 * then broadcasts v as our round-1 Commitment. */
wf_err wf_commit_reveal_start(wf_machine *m, wf_outbox *out, wf_wire_arena *arena,
                              const ProtobufCMessage *msg, const uint8_t v[WF_COMMIT_BYTES],
                              uint8_t **opening, size_t *opening_len);

/* Round 1 payload of our own: a Commitment to v, packed into *out (malloc'ed). */
wf_err wf_commit_reveal_pack(const uint8_t v[WF_COMMIT_BYTES], uint8_t **out, size_t *out_len);

/* A filed round-1 broadcast: 1 with v set when it is a well-formed
 * Commitment; 0 when malformed; -1 when it has not arrived. */
int wf_commit_reveal_read(const wf_filed *f, uint8_t v[WF_COMMIT_BYTES]);

/* The round-1 check (a wf_machine_check): INNOCENT for a well-formed
 * Commitment, GUILTY when malformed, LATER when not filed. */
wf_judgement wf_commit_reveal_check(const wf_machine *m, const wf_filed *f, char *reason, size_t cap);

/* Round 2: V of the party at session position pos as filed here, read for
 * the check of its opening; LATER when not filed, GUILTY when malformed. */
wf_judgement wf_commit_reveal_filed(const wf_machine *m, size_t pos, uint8_t v[WF_COMMIT_BYTES], char *reason,
                                    size_t cap);

/* End of round 1: every peer's commitment is well formed (the first that is
 * not is blamed, and the session aborts); then our opening is broadcast as
 * round 2. */
wf_err wf_commit_reveal_open(wf_machine *m, wf_outbox *out, const uint8_t *opening, size_t opening_len);

#endif
