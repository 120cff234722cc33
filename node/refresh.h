/* Proactive key refresh in the daemon (CGGMP21 Fig. 6, protocol/refresh.h):
 * what node/member.c, node/coordinator.c and node/client_api.c call. Internal
 * to warifud, like node/daemon_internal.h.
 *
 * The flow. A client asks any node (RefreshRequest, signed, only a client the
 * policy allows every key). That node coordinates: every member of the key
 * must be reachable (refresh needs all n), it starts a "refresh" session
 * naming the key state to refresh from, each member checks the client's
 * request, signature, expiry and policy itself, holds off presign and sign of
 * the key on this node (node_keys.c), runs the machine with a pooled Paillier
 * key (cfg.paillier_source) and on DONE commits the new share and aux with
 * wf_store_key_refresh — one synced batch that also drops every pooled
 * presignature of the key and keeps the generation refreshed from sealed —
 * then swaps the in-memory key and records the request id. When every member
 * reported DONE the coordinator sends "refresh-confirm" naming the new state,
 * and each member erases its kept previous generation.
 *
 * Key state. A key's state is SHA-256 of its Feldman commitments (the same
 * bytes as wf_store_key_commitments_hash): every refresh changes them, the
 * public key (C_0) stays. Presign and sign starts carry the coordinator's
 * state; a member holding another state refuses, naming both generations, so
 * shares of different generations never meet in one session (they would
 * interpolate to no key; their sessions would not even share an id).
 *
 * Crash between members. Each node's commit is atomic, but a node killed
 * mid-protocol, or before its commit, stays at the old generation while the
 * others move on. What is handled:
 *   - nodes at different generations refuse to presign or sign together,
 *     with an error naming both generations (above);
 *   - the committed nodes keep the old generation sealed ("previous") until
 *     a refresh-confirm; a rerun of refresh (any request id, or a retry of the
 *     same one while this coordinator still keeps a previous generation)
 *     starts from the coordinator's kept previous state first, which every
 *     member holds either as current or as previous, so the rerun succeeds
 *     and every member ends on one new generation; if a member refuses that
 *     state (it was confirmed and erased there), the coordinator tries its
 *     current state next.
 * What is not: nodes that committed keep signing among themselves at the new
 * generation while one is behind (a quorum of them may be enough); a rerun
 * needs every member reachable and is the operator's (or client's) call —
 * nothing reruns on its own; a previous generation is kept until the next
 * successful refresh-confirm (sealed at rest like the current one); a node
 * restored from a backup taken before a refresh holds a generation no peer
 * keeps any more (take a backup after every refresh).
 *
 * Liveness. A member whose link stays down WF_REFRESH_PEER_DOWN_MS ends the
 * run on every other member (no commit anywhere unless the run had finished
 * there). Sign requests arriving while a refresh of their key runs on the
 * coordinating node wait for it (WF_REFRESH_SIGN_WAIT_MS at most); presign
 * and sign starts reaching a member mid-refresh are refused, and the keeper
 * does not hold that refusal against the member.
 *
 * Committees. A refresh runs among the key's committee (node/committee.h):
 * all of its members, with the key's n and t; the SessionStart's parties are
 * their node indices, the machine's party ids the key's member indices
 * (wf_session_drive_mapped, as aux-info). Nodes outside the committee take
 * no part and need not be reachable; culprits and unreachable members are
 * named by node. A refresh keeps the committee (the commit refuses a result
 * with another one), so the in-memory key keeps its committee field.
 *
 * Reshare. A reshare (node/reshare_run.h) moves the key to a new committee;
 * a kept previous generation is a share of the old committee at another
 * state. So a reshare is refused while one is kept — by the coordinator for
 * its own store and by every member holding the key for its own — with an
 * error asking for a refresh first (its confirm erases the kept generation
 * everywhere); the reshare start carries the coordinator's key state and a
 * dealer at another state refuses it naming both generations. As a second
 * line, the store's reshare commit writes (wf_store_key_pending_commit,
 * wf_store_key_leave) erase any kept previous generation in the same
 * batch, so a removed member that missed a refresh-confirm keeps nothing.
 * Generations after a reshare: a staying member's is its old one + 1, a new
 * member starts at 1 (the number is per node and only for messages; sessions
 * compare states, which are equal).
 *
 * Repeating a request id: see node/refresh_coord.c. */
#ifndef WF_NODE_REFRESH_H
#define WF_NODE_REFRESH_H

#include <stddef.h>
#include <stdint.h>

#include "node/coordinator.h"
#include "node/daemon_internal.h"

#define WF_REFRESH_RUNNING      "a refresh of this key is running here" /* a member's refusal of presign/sign */
#define WF_REFRESH_MISMATCH     "key generation mismatch" /* … a member's refusal of another generation */
#define WF_REFRESH_PEER_DOWN_MS 3000 /* a member's link down this long ends a refresh (refresh_member.c) */
#define WF_REFRESH_SIGN_WAIT_MS 60000 /* the longest a sign request waits for a refresh here */
/* a refresh waits this long for this node's presign/sign sessions of the key */
#define WF_REFRESH_DRAIN_MS 8000

/* Sets warifu_key_previous_generation_kept{key_id} from the store: 1 while
 * a previous generation is kept (an unconfirmed refresh). After a commit,
 * a confirmation, and by the keeper every few seconds. */
void wf_refresh_prev_gauge(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES]);
/* SHA-256 of the key's commitments: its state (see above). */
wf_err wf_refresh_key_state(const wf_key_public *pub, uint8_t out[WF_ID_BYTES]);

/* 1 for the protocols node/refresh_member.c runs ("refresh", "refresh-confirm"). */
int wf_refresh_is_protocol(const char *protocol);
/* Runs our part of a refresh or refresh-confirm session (wf_member_run's
 * contract; the caller holds the key's lifecycle claim). */
void wf_refresh_member_run(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st,
                           wf_control_result *res, wf_member_extra *extra);

/* Coordinator: stamps a presign, sign or reshare start with this node's key
 * state (a reshare's dealers deal from that state only). */
void wf_refresh_stamp(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_control_start *st);
/* Member: NULL when a presign or sign start's stamp matches k, else why not
 * (in buf). A start without a stamp passes: the stamp only makes the error
 * clear — sessions are bound to the key's public record, so parties of
 * different generations never share a session id (they would time out). */
const char *wf_refresh_stamp_mismatch(const wf_node_key *k, const wf_control_start *st, char *buf,
                                      size_t cap);

/* 1 when this node keeps a previous generation of the key (a refresh not
 * yet confirmed by every member), 0 when not, -1 when the store cannot say.
 * A reshare is refused while one is kept (see "Reshare" above). */
int wf_refresh_prev_kept(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES]);

/* A sign request arriving while a refresh of k runs here waits for it to
 * end (until until_ms, at most WF_REFRESH_SIGN_WAIT_MS): signing pauses
 * for a refresh instead of failing. */
void wf_refresh_wait(wf_daemon *d, wf_node_key *k, uint64_t until_ms);

/* 1 when member m refused a presign because a refresh of the key runs
 * there (a pause of a few seconds) or it holds another generation (left
 * out, every sign through it would fail on quorum choice, not on the
 * mismatch a client must see): no reason to leave it out of quorums. */
int wf_refresh_refusal(const wf_coord_outcome *o, uint32_t m);

/* NULL when r is signed, not expired and its client may refresh (the policy
 * allows it every key), else why not. */
const char *wf_refresh_denied(const wf_daemon *d, const wf_refresh_request *r, uint64_t now_ms);

/* The request store's record of a refresh request: its id, with the key as
 * context (a request id reused for another key conflicts). Its "signature"
 * is empty: only the id's DONE state is used. */
void wf_refresh_request_record(wf_store_request *req, const wf_refresh_request *r);

/* Runs a client's refresh request as the coordinator (refresh_coord.c). On
 * WF_CLIENT_OK the key is refreshed (or was, for a repeated request id). */
wf_client_code wf_coord_refresh(wf_daemon *d, const wf_refresh_request *r, char *why, size_t why_cap);

#endif
