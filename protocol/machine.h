/* The shape every protocol state machine has (DESIGN §6):
 *
 *     init(params) → machine;  start → out_msgs;
 *     step(in_msg) → out_msgs, and a status: running | done | aborted(culprit, reason)
 *
 * A machine never touches sockets, clocks or disk: the node, the in-process
 * harness (harness.h) and the benches all drive the same code.
 *
 * The driver here does what every protocol shares. It files incoming
 * envelopes through the session layer (session.h), waits until every message
 * of the current round is in and its echo checks out, then hands the round to
 * the protocol's finish_round, which validates the messages and sends the
 * next round (or finishes). When a protocol rejects a peer's signed message it
 * aborts with wf_session_blame, which broadcasts the message as evidence;
 * every other party then re-runs the same check through the protocol's judge
 * (as the accuser would have run it), so all honest parties name the same
 * culprit and never each other: failing evidence names the accused, passing
 * evidence (or none) names the accuser, and two different signed versions of
 * one broadcast name their sender. */
#ifndef WF_PROTOCOL_MACHINE_H
#define WF_PROTOCOL_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "crypto/proofs/common.h"
#include "protocol/session.h"
#include "protocol/wire.h"

#define WF_ROUND_BCAST 1u /* the round has a broadcast from every party */
#define WF_ROUND_P2P   2u /* the round has a message from every party to every other */

/* Deliberate misbehaviour, for tests and the simulator's cheating node only:
 * a machine with a fault set sends the wrong thing on purpose. Kinds below
 * WF_FAULT_PROTOCOL are shared; each protocol numbers its own from there. */
enum {
    WF_FAULT_NONE = 0,
    WF_FAULT_EQUIVOCATE = 1, /* send `victim` another version of our round-`round` broadcast */
    WF_FAULT_PROTOCOL = 16
};

typedef struct wf_fault {
    uint32_t kind;
    uint32_t round;  /* for WF_FAULT_EQUIVOCATE */
    uint32_t victim; /* member index that gets the bad message (WF_TO_BROADCAST: everyone) */
} wf_fault;

/* What every machine is created with, besides its protocol's inputs. */
typedef struct wf_machine_cfg {
    uint8_t cluster_id[WF_ID_BYTES];
    uint8_t key_id[WF_ID_BYTES];
    uint8_t session_id[WF_ID_BYTES]; /* fresh per run, chosen by the coordinator */
    uint32_t self;                   /* own member index */
    const uint8_t *identity_sk;      /* own Ed25519 key; caller-owned locked memory */
    uint8_t identity_pk[WF_MAX_MEMBERS][WF_IDENTITY_PK_BYTES]; /* every member's, by member index */
    wf_fault fault;                                            /* WF_FAULT_NONE in production */
} wf_machine_cfg;

typedef enum { WF_JUDGE_INNOCENT = 0, WF_JUDGE_GUILTY = 1, WF_JUDGE_LATER = 2 } wf_judgement;

typedef struct wf_machine wf_machine;

typedef struct wf_machine_ops {
    /* WF_ROUND_BCAST | WF_ROUND_P2P for round r (may depend on the state). */
    unsigned (*round_kinds)(const wf_machine *m, uint32_t r);
    /* Sends round 1. */
    wf_err (*start)(wf_machine *m, wf_outbox *out);
    /* Every round-r message is filed and echo-checked: validate, then send
     * round r+1 or, for the last round, set the session DONE. */
    wf_err (*finish_round)(wf_machine *m, uint32_t r, wf_outbox *out);
    /* Re-runs the check `accuser` runs on the accused's signed envelope
     * `evidence` (of this session, addressed to the accuser or broadcast).
     * Not called for a broadcast equal to our copy of a round we finished:
     * the driver already knows it passed.
     * WF_JUDGE_LATER when this party lacks the messages the check needs yet.
     * On GUILTY, writes the reason to reason[cap]. */
    wf_judgement (*judge)(wf_machine *m, const wf_filed *evidence, uint32_t accuser, char *reason, size_t cap);
    /* Wipes secrets and frees the machine (the session included). */
    void (*destroy)(wf_machine *m);
} wf_machine_ops;

struct wf_machine {
    const wf_machine_ops *ops;
    wf_session s;
    uint32_t round; /* the round being collected, 1..s.rounds */
    wf_fault fault;
    uint32_t malformed_fault; /* the protocol's fault kind whose broadcast is garbage (0: none) */
    char transcript_name[48]; /* "warifu/<protocol>/v1", bound into every proof */
};

/* For protocols: sets up the embedded session among `parties` (member
 * indices in session order, self included) with `rounds` rounds. */
wf_err wf_machine_init(wf_machine *m, const wf_machine_ops *ops, const wf_machine_cfg *cfg, const char *protocol,
                       const uint32_t *parties, size_t n, uint32_t rounds);

/* For protocols, right after wf_machine_init: binds the session to the inputs
 * every party must agree on (signer set, digest, parameters…) by replacing the
 * session id with SHA-512(domain, protocol, session id, inputs)[0..32), each
 * part length-prefixed. Parties handed different inputs (say by a compromised
 * coordinator) then run different sessions: their messages are refused as
 * another session's and the run stalls until the node's timeout, instead of
 * failing each other's checks and blaming honest peers. */
wf_err wf_machine_bind_inputs(wf_machine *m, const wf_hash_part *inputs, size_t n);

/* out = SHA-512(domain, protocol, session id, inputs)[0..32), each part
 * length-prefixed: an id derived from this session and values its parties
 * agreed on (what wf_machine_bind_inputs installs as the session id, and what
 * keygen and aux-info use to bind rid or ρ into their proof contexts). At
 * most 12 inputs. */
wf_err wf_machine_derive_id(const wf_machine *m, uint8_t out[WF_ID_BYTES], const wf_hash_part *inputs, size_t n);
/* The same id without a machine: for a session of `protocol` begun with
 * `session_id` (a coordinator predicting the id a session it is about to
 * start will bind, see wf_presign_id). */
wf_err wf_machine_derive_id_for(uint8_t out[WF_ID_BYTES], const char *protocol,
                                const uint8_t session_id[WF_ID_BYTES], const wf_hash_part *inputs, size_t n);

/* For protocols: the proof context of this session for prover → verifier
 * (WF_PROOF_BROADCAST for a proof every party checks). */
void wf_machine_proof_ctx(const wf_machine *m, wf_proof_ctx *ctx, uint32_t prover, uint32_t verifier);

/* Sends the first round. */
wf_err wf_machine_start(wf_machine *m, wf_outbox *out);
/* Takes one incoming envelope. An error with *why set means the envelope was
 * refused and nothing changed (or, for a provable offence, the machine
 * aborted); the machine stays usable either way. */
wf_err wf_machine_step(wf_machine *m, const uint8_t *in, size_t len, wf_outbox *out, const char **why);

wf_session_status wf_machine_status(const wf_machine *m);
/* After an abort: the member index of the culprit and the reason (no secrets). */
uint32_t wf_machine_culprit(const wf_machine *m);
const char *wf_machine_reason(const wf_machine *m);
/* Accepts NULL. */
void wf_machine_free(wf_machine *m);

/* For protocols: the payload of party `member`'s filed round-r broadcast or
 * p2p message to us (NULL if absent). */
const wf_filed *wf_machine_bcast(const wf_machine *m, uint32_t r, uint32_t member);
const wf_filed *wf_machine_p2p(const wf_machine *m, uint32_t r, uint32_t member);

/* For protocols: send our round-r broadcast, equivocating when the fault asks
 * for it, or an unterminated protobuf tag instead of payload when the fault is
 * m->malformed_fault for round r. */
wf_err wf_machine_broadcast(wf_machine *m, wf_outbox *out, uint32_t r, const uint8_t *payload, size_t len);

/* For protocols: packs msg (its fields owned by the arena, which is freed) and
 * sends it in round r to member `to`, or broadcasts it (WF_TO_BROADCAST)
 * through wf_machine_broadcast. The packed bytes are wiped: a direct message
 * may hold a share. */
wf_err wf_machine_pack_send(wf_machine *m, wf_outbox *out, uint32_t r, uint32_t to, wf_wire_arena *arena,
                            const ProtobufCMessage *msg);

/* A protocol's check on one peer's message: WF_JUDGE_GUILTY writes the reason. */
typedef wf_judgement (*wf_machine_check)(const wf_machine *m, const wf_filed *f, char *reason, size_t cap);

/* For protocols: aborts with wf_session_blame naming f's sender, with reason. */
wf_err wf_machine_blame(wf_machine *m, wf_outbox *out, const wf_filed *f, const char *reason);

/* For protocols: runs check on every other party's round-r broadcast in
 * session order and blames the sender of the first that is GUILTY (the
 * session is then aborted); WF_ERR_INTERNAL for a check with no verdict. */
wf_err wf_machine_check_bcasts(wf_machine *m, wf_outbox *out, uint32_t r, wf_machine_check check);

/* The check on a confirmation, the empty broadcast of a protocol's last round
 * whose envelope's echo of the round before is its content. */
wf_judgement wf_machine_check_confirmation(const wf_machine *m, const wf_filed *f, char *reason, size_t cap);

#endif
