/* What every protocol state machine shares (DESIGN §3, §6): the session's
 * parties and identity keys, sealing outgoing envelopes, opening and filing
 * incoming ones by round, and echo broadcast.
 *
 * Echo broadcast. Each envelope a party sends in round r+1 carries the echo
 * of round r: a hash over the content digests of every round-r broadcast it
 * holds (its own included), in party order. A party whose echo differs from a
 * peer's broadcasts a complaint holding every round-r broadcast it received
 * and the peer's envelope with the differing echo. Every receiver checks the
 * forwarded envelopes against its own copies: a validly signed message that
 * differs from its own copy proves its sender equivocated; if all agree, the
 * peer's signed echo is wrong and names the peer; a forged forward or a false
 * complaint names the complainer. Every honest party reaches the same verdict.
 * The protocols end with a confirmation round whose only content is the echo
 * of their last broadcast round, so no broadcast goes unchecked.
 *
 * Nothing here touches sockets, clocks or disk. */
#ifndef WF_PROTOCOL_SESSION_H
#define WF_PROTOCOL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/birkhoff.h"
#include "protocol/envelope.h"

#define WF_SESSION_MAX_ROUNDS 8
#define WF_REASON_BYTES       160
#define WF_ROUND_COMPLAINT    0x80000000u /* round | this: an echo complaint about that round */
#define WF_ROUND_BLAME        0x40000000u /* round | this: a blame with evidence from that round */

typedef struct wf_session_cfg {
    uint8_t cluster_id[WF_ID_BYTES];
    uint8_t key_id[WF_ID_BYTES];
    uint8_t session_id[WF_ID_BYTES];
    char protocol[WF_PROTOCOL_NAME_MAX];
    uint32_t self;                                             /* own member index */
    size_t n;                                                  /* parties in this session, self included */
    uint32_t parties[WF_MAX_MEMBERS];                          /* their member indices, in session order */
    uint8_t identity_pk[WF_MAX_MEMBERS][WF_IDENTITY_PK_BYTES]; /* same order */
    const uint8_t *identity_sk; /* own Ed25519 key; caller-owned locked memory */
} wf_session_cfg;

/* One envelope to send; to = WF_TO_BROADCAST or a member index. A broadcast
 * with skip != WF_TO_BROADCAST goes to everyone but that member (used only by
 * fault injection to equivocate). */
typedef struct wf_outmsg {
    uint32_t to;
    uint32_t skip;
    uint8_t *bytes;
    size_t len;
} wf_outmsg;

typedef struct wf_outbox {
    wf_outmsg *items;
    size_t n, cap;
} wf_outbox;

void wf_outbox_clear(wf_outbox *box);

typedef enum { WF_SESSION_RUNNING, WF_SESSION_DONE, WF_SESSION_ABORTED } wf_session_status;

/* A message filed for a round: its opened envelope, its content digest and
 * its signed bytes (kept as evidence). */
typedef struct wf_filed {
    int present;
    wf_envelope env;
    uint8_t digest[WF_ECHO_BYTES];
    uint8_t *raw;
    size_t raw_len;
} wf_filed;

typedef struct wf_round_box {
    wf_filed bcast[WF_MAX_MEMBERS]; /* by session position */
    wf_filed p2p[WF_MAX_MEMBERS];
    int echo_ready; /* own echo of this round computed */
    uint8_t echo[WF_ECHO_BYTES];
} wf_round_box;

typedef struct wf_session {
    wf_session_cfg cfg;
    size_t self_pos;
    uint32_t rounds; /* rounds numbered 1..rounds */
    wf_round_box box[WF_SESSION_MAX_ROUNDS + 1];
    int complained[WF_SESSION_MAX_ROUNDS + 1]; /* we sent an echo complaint about round r */
    wf_filed blame[WF_MAX_MEMBERS];            /* a blame received from each party, by position */
    int blame_judged[WF_MAX_MEMBERS];
    wf_session_status status;
    uint32_t culprit;
    char reason[WF_REASON_BYTES];
} wf_session;

/* Checks cfg (self among parties, no duplicates, n >= 2) and starts a
 * session with `rounds` rounds. */
wf_err wf_session_init(wf_session *s, const wf_session_cfg *cfg, uint32_t rounds);
/* Frees every filed message. */
void wf_session_clear(wf_session *s);

/* Position of a member index in the session, or -1. */
int wf_session_pos(const wf_session *s, uint32_t member);

/* Seals payload for round `round` to `to` (or broadcast), carrying the echo of
 * round-1 when that round had broadcasts, appends it to box and files own
 * broadcasts (they count in the echo). */
wf_err wf_session_send(wf_session *s, wf_outbox *box, uint32_t round, uint32_t to, const uint8_t *payload,
                       size_t len);

/* Opens and files one incoming envelope. Returns WF_OK when filed; an error
 * (with a message in *why) for anything refused, which changes nothing:
 * unknown sender, bad signature, another session/cluster/key/protocol, a
 * round out of range, a message addressed to someone else, an exact
 * duplicate. A second, different signed message for the same round and kind
 * aborts the session naming its sender. Echo complaints are handled here and
 * may abort the session; they may also add a complaint of our own to box. */
wf_err wf_session_receive(wf_session *s, wf_outbox *box, const uint8_t *in, size_t len, const char **why);

/* 1 when every other party's broadcast (want_bcast) and/or p2p message to us
 * (want_p2p) of round r is filed, and (for r > 1) every filed round-r
 * envelope's echo matched our own echo of round r-1. */
int wf_session_round_ready(wf_session *s, wf_outbox *box, uint32_t r, int want_bcast, int want_p2p);

/* Computes and stores our echo of round r from the filed broadcasts. */
wf_err wf_session_close_round(wf_session *s, uint32_t r);

/* Moves the session to ABORTED naming culprit (first abort wins). */
void wf_session_abort(wf_session *s, uint32_t culprit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Aborts naming `accused` (with the reason given) and broadcasts a Blame
 * carrying `evidence`, the accused's signed envelope that failed a check, so
 * every other party can re-run the check and reach the same verdict. */
wf_err wf_session_blame(wf_session *s, wf_outbox *box, const wf_filed *evidence, uint32_t accused,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Opens the evidence of the blame filed from party position `pos`: it must be
 * an envelope of this session signed by the member it names as accused, of a
 * round in range, and addressed to the accuser or broadcast. WF_OK fills
 * *evidence (clear it with wf_filed_clear) and *accused; anything else means
 * the accuser blamed without evidence. */
wf_err wf_session_blame_evidence(const wf_session *s, size_t pos, wf_filed *evidence, uint32_t *accused);

/* Sends our round-`round` broadcast as usual except to `victim`, who gets a
 * second, differently signed payload instead (fault injection only). */
wf_err wf_session_send_equivocating(wf_session *s, wf_outbox *box, uint32_t round, const uint8_t *payload,
                                    size_t len, const uint8_t *other, size_t other_len, uint32_t victim);

/* Opens a signed envelope forwarded by someone else (e.g. revealed on an
 * identification path): it must be of this session and validly signed by the
 * party it names as sender. Fills *out (clear with wf_filed_clear). */
wf_err wf_session_open_forwarded(const wf_session *s, wf_filed *out, const uint8_t *raw, size_t len);

void wf_filed_clear(wf_filed *f);

#endif
