/* What the parts of warifud share (node/daemon.h): the daemon's state and the
 * functions each part offers the others. Not for use outside node/daemon*.c,
 * node/session_run.c, node/member.c, node/coordinator.c, node/keeper.c,
 * node/node_keys.c, node/refresh_member.c, node/refresh_coord.c and
 * node/client_api.c.
 *
 * Threads: the router reads the peer network and hands envelopes to running
 * sessions; every session (member side or coordinator side) runs on its own
 * thread; the client API has its own worker threads, each of which may
 * coordinate one request; the keeper refills presignature pools. d->mu guards
 * the session table, the pending buffer, the waiters, the replay cache, the
 * peer exclusions. The key cache and the persisted state have their own locks. */
#ifndef WF_NODE_DAEMON_INTERNAL_H
#define WF_NODE_DAEMON_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "node/client_net.h"
#include "node/cluster_config.h"
#include "node/control.h"
#include "node/daemon.h"
#include "node/http.h"
#include "node/key_committee.h"
#include "node/metrics.h"
#include "node/node_identity.h"
#include "node/peer_net.h"
#include "node/policy.h"
#include "node/quorum.h"
#include "protocol/aux.h"
#include "protocol/client_request.h"
#include "protocol/key_share.h"
#include "protocol/machine.h"
#include "store/keys.h"
#include "store/requests.h"

#define WF_PENDING_MAX        1024             /* envelopes held for a session not started here yet */
#define WF_PENDING_AGE_MS     10000            /* … for at most this long */
#define WF_SEEN_STARTS_MAX    4096             /* session start ids remembered against replays */
#define WF_EXCLUDE_CULPRIT_MS (10 * 60 * 1000) /* a named culprit is left out of quorums this long */
#define WF_EXCLUDE_SILENT_MS  10000            /* a member that did not answer in time */
#define WF_SEND_TIMEOUT_MS    2000
#define WF_MEMBER_THREADS_MAX 64 /* sessions run for other coordinators at once */
#define WF_INFLIGHT_MAX       64 /* sign requests coordinated (or signed, or keys made) at once */
#define WF_TAKE_REORDER       64 /* take counters may arrive this far out of order */

/* A small set of 32-byte names in use (under d->mu): a request being
 * signed, a key in keygen. */
typedef struct wf_claims {
    uint8_t id[WF_INFLIGHT_MAX][32];
    int used[WF_INFLIGHT_MAX];
} wf_claims;

/* A keygen, aux-info, refresh, reshare or retire running here (under
 * d->mu): one per key at a time. Its coordinator, start id, start time and
 * request let a newer start of the same request from the same coordinator
 * replace it (node/member.c). */
typedef struct wf_lifecycle_run {
    int used;
    uint8_t key_id[WF_ID_BYTES];
    uint32_t coordinator;
    uint8_t start_id[WF_ID_BYTES];
    uint64_t issued_ms;
    uint8_t request_hash[32];
} wf_lifecycle_run;

#define WF_KEY_PRESIGNING_MAX 16

/* A key this node holds a share of, decoded once (aux precomputed). Never
 * freed before the daemon stops, so sessions may borrow it. */
typedef struct wf_retired_share {
    struct wf_retired_share *next;
    wf_key_share *share; /* public part only: the secret scalar was wiped when a refresh replaced it */
} wf_retired_share;

typedef struct wf_node_key {
    struct wf_node_key *next;
    struct wf_node_key *replaced_next; /* on d->replaced once replaced (reshare); `next` stays valid */
    uint8_t key_id[WF_ID_BYTES];
    uint64_t generation;
    wf_key_share *share;
    wf_aux *aux;            /* NULL until aux-info ran */
    wf_committee committee; /* the key's committee (node/committee.h), from share->pub */
    /* under keys_mu: presign and sign sessions borrowing share and aux now,
     * and a refresh that holds them off (node/refresh_member.c) */
    unsigned users;
    int refreshing;
    /* the start ids of the presign sessions among the users: background
     * work a refresh cancels rather than waits for */
    uint8_t presigning[WF_KEY_PRESIGNING_MAX][WF_ID_BYTES];
    int presigning_used[WF_KEY_PRESIGNING_MAX];
    wf_retired_share *retired; /* shares a refresh replaced; readers of pub may still hold them */
} wf_node_key;

/* One envelope waiting for a session. */
typedef struct wf_queued {
    struct wf_queued *next;
    uint32_t from;  /* the node whose link it came on */
    uint32_t party; /* the party id the envelope claims (its `from`) */
    uint8_t session_id[WF_ID_BYTES];
    uint64_t at_ms;
    uint8_t *bytes;
    size_t len;
} wf_queued;

/* A protocol session running on this node. */
typedef struct wf_nsession {
    struct wf_nsession *next;
    uint8_t id[WF_ID_BYTES];       /* the machine's (bound) session id: envelopes carry it */
    uint8_t start_id[WF_ID_BYTES]; /* the coordinator's start id: control messages carry it */
    wf_queued *head, *tail;        /* incoming, in arrival order */
    int cancelled;                 /* a party refused or aborted: stop waiting */
    char cancel_reason[WF_CONTROL_REASON_MAX];
    uint32_t cancel_culprit;
    pthread_cond_t cv;
} wf_nsession;

/* A coordinator waiting for its members' results. */
typedef struct wf_waiter {
    struct wf_waiter *next;
    uint8_t start_id[WF_ID_BYTES];
    wf_member_set parties, answered;
    wf_control_result results[WF_MAX_MEMBERS]; /* by member index */
} wf_waiter;

struct wf_daemon {
    wf_daemon_cfg cfg;
    wf_node_identity id;
    wf_cluster_config *cluster;
    uint32_t self;
    uint32_t n, t;
    wf_member members[WF_MAX_MEMBERS];
    wf_machine_cfg mcfg; /* session and key ids filled per session */
    wf_policy *policy;
    wf_store *store;
    wf_cluster_net *netcfg;
    wf_peer_net *net;
    size_t peer_of[WF_MAX_MEMBERS]; /* member index → peer position (SIZE_MAX for self) */
    uint32_t member_of[WF_MAX_MEMBERS];
    wf_metrics *metrics;
    wf_node_metrics nm;
    wf_metric *sessions_total; /* warifu_sessions_total{protocol,outcome} */
    wf_http *http;
    wf_client_server *clients;

    atomic_int stopping; /* 1: no new work; 2: abort running sessions */
    pthread_t router, keeper;
    int router_started, keeper_started;
    /* the keeper's own back-off: until when it leaves a member that refused
     * a background presign out of its sets (keeper thread only) */
    uint64_t keeper_skip_until[WF_MAX_MEMBERS];

    pthread_mutex_t mu;
    pthread_cond_t cv; /* waiters, member thread count, keeper wake-up */
    wf_nsession *sessions;
    wf_queued *pending;
    size_t n_pending;
    wf_waiter *waiters;
    uint8_t seen_starts[WF_SEEN_STARTS_MAX][WF_ID_BYTES];
    uint64_t seen_at[WF_SEEN_STARTS_MAX];
    size_t seen_next;
    size_t member_threads;
    uint64_t excluded_until[WF_MAX_MEMBERS];
    pthread_mutex_t state_mu;           /* the two below, and their records in the store */
    uint64_t take_seen[WF_MAX_MEMBERS]; /* highest presignature take counter each member reported */
    wf_policy_counters counters;
    uint8_t reserved[64][WF_ID_BYTES]; /* presignatures a local coordinator is about to use */
    size_t n_reserved;
    wf_lifecycle_run lifecycle[WF_INFLIGHT_MAX]; /* keys with a lifecycle protocol running here */
    wf_claims coordinating; /* sign requests this node coordinates now */
    wf_claims signing;      /* sign requests this node takes part in now */

    pthread_mutex_t keys_mu;
    wf_node_key *keys;
    wf_node_key *replaced; /* keys a reshare replaced or removed: kept (sessions may borrow them) until stop */

    struct wf_presig_policy *presig_policy; /* water-marks by (key, set); never NULL once started */
    struct wf_paillier_keeper *paillier;    /* the Paillier key pool's keeper (node/paillier_keeper.c) */
};

/* daemon.c */
void wf_daemon_log(const wf_daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t wf_daemon_now_ms(void);
/* The store's record of sign request r: its id, context (key and path) and
 * digest; state and signature empty. */
void wf_daemon_request_of(wf_store_request *req, const wf_sign_request *r);
/* The names of the members in s, comma-separated, in out (cap bytes with
 * the NUL; cut short when they do not fit); "none" for no member. */
void wf_daemon_names(const wf_daemon *d, wf_member_set s, char *out, size_t cap);
/* in as one line of printable ASCII in out (cap bytes with the NUL): the
 * usual Greek letters of protocol reasons spelled out, '?' for any other
 * non-ASCII character. */
void wf_daemon_ascii(char *out, size_t cap, const char *in);
/* Writes an audit record; failures are logged (the store stays consistent). */
void wf_daemon_audit(wf_daemon *d, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 1 when the link to member m is up (always 1 for self). */
int wf_daemon_peer_up(wf_daemon *d, uint32_t m);
/* Members usable for a new quorum now: self, plus peers that are up and not excluded. */
wf_member_set wf_daemon_usable(wf_daemon *d);
void wf_daemon_exclude(wf_daemon *d, uint32_t m, uint64_t ms, const char *why);
/* Sends bytes to member m; errors are counted, not fatal. */
wf_err wf_daemon_send(wf_daemon *d, uint32_t m, const uint8_t *bytes, size_t len);
/* A copy of the machine template with the key and session ids set. */
void wf_daemon_machine_cfg(const wf_daemon *d, wf_machine_cfg *out, const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t session_id[WF_ID_BYTES], const char *protocol);
void wf_hex(char *out, const uint8_t *in, size_t len);
/* Claims name in c: 1 when done, 0 when it is claimed already or c is full. */
int wf_claim(wf_daemon *d, wf_claims *c, const uint8_t name[32]);
void wf_unclaim(wf_daemon *d, wf_claims *c, const uint8_t name[32]);
/* The name of a sign request for claims: its id and key. */
void wf_request_name(uint8_t out[32], const wf_sign_request *r);

/* node_keys.c */
wf_err wf_node_keys_load(wf_daemon *d, const char **why);
wf_node_key *wf_node_key_find(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES]);
/* Stores a new key share (keygen) and adds it to the cache. */
wf_err wf_node_key_add(wf_daemon *d, wf_key_share *share);
/* A reshare's first phase (store/keys.h, "two phases"): keeps share (a new
 * member's, always taken) pending in the store with tag; the cache and the
 * current record are unchanged. */
wf_err wf_node_key_reshare_pending(wf_daemon *d, wf_key_share *share,
                                   const uint8_t tag[WF_STORE_PENDING_TAG_BYTES]);
/* Its second phase, for a member of the new committee: waits up to
 * drain_ms for the key's presign and sign sessions here to end (holding off
 * new ones), then makes the pending share current in the store (request req
 * recorded with rec, aux record and presignatures dropped) and in the
 * cache. The old cache entry leaves the key list and its share and aux are
 * wiped; its public shell stays until stop for sessions still holding it.
 * Nothing changes on an error (*why says which). */
wf_err wf_node_key_reshare_commit(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES],
                                  const wf_store_request *req, const uint8_t rec[WF_STORE_SIG_BYTES],
                                  int drain_ms, const char **why);
/* … and for a member the reshare removed: drains the same way, deletes
 * everything of the key (wf_store_key_leave, req recorded) and wipes the
 * cache entry as above. */
wf_err wf_node_key_reshare_leave(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_store_request *req,
                                 const uint8_t rec[WF_STORE_SIG_BYTES], int drain_ms, const char **why);
/* Stores the key's aux record and attaches it (precomputed). */
wf_err wf_node_key_set_aux(wf_daemon *d, wf_node_key *k, wf_aux *aux);
void wf_node_keys_free(wf_daemon *d);
/* A presign or sign session borrows k's share and aux: 0 while a refresh of
 * k runs here (the caller refuses), else 1 and the caller ends with
 * wf_node_key_unuse. presign_start: a presign session's start id (NULL for
 * a sign), so that a refresh can cancel it. */
int wf_node_key_use(wf_daemon *d, wf_node_key *k, const uint8_t *presign_start);
void wf_node_key_unuse(wf_daemon *d, wf_node_key *k, const uint8_t *presign_start);
/* A refresh of k: holds off new users, cancels the presign sessions among
 * the current ones (background work: a presignature of the old generation
 * would be dropped anyway) and waits up to wait_ms for the users to end; 0
 * (nothing held) if they do not, or another refresh holds k. Ends with
 * wf_node_key_refresh_end. */
int wf_node_key_refresh_begin(wf_daemon *d, wf_node_key *k, int wait_ms);
/* While the refresh holds k: installs a refreshed share and aux (already
 * stored, aux precomputed) as generation `generation`. The old aux is freed
 * and the old share's secret wiped at once (no session borrows them); the
 * old share's public part stays readable until the daemon stops. */
void wf_node_key_swap(wf_daemon *d, wf_node_key *k, wf_key_share *share, wf_aux *aux, uint64_t generation);
void wf_node_key_refresh_end(wf_daemon *d, wf_node_key *k);
/* While the refresh holds k: stores the refreshed share and aux
 * (wf_store_key_refresh, from the kept previous generation when from_prev)
 * and swaps them in; *generation gets the new generation. Takes share and
 * aux in every case. */
wf_err wf_node_key_refresh_commit(wf_daemon *d, wf_node_key *k, wf_key_share *share, wf_aux *aux, int from_prev,
                                  uint64_t *generation);

/* node_state.c */
wf_err wf_node_state_load(wf_daemon *d, const char **why);
/* wf_policy_check with the node's counters, saved when the request counts. */
wf_policy_verdict wf_node_policy_check(wf_daemon *d, const wf_sign_request *r);
/* Records member m's take counter; 1 when it is WF_TAKE_REORDER or more
 * below the highest it reported (its store may have been rolled back). */
int wf_node_take_seen(wf_daemon *d, uint32_t m, uint64_t take_count);

/* session_run.c */
typedef struct wf_run_result {
    wf_session_status status; /* DONE, or ABORTED (also for timeouts and cancels) */
    uint32_t culprit;         /* ABORTED by a proof or check: the member named; else WF_CULPRIT_NONE */
    char reason[WF_CONTROL_REASON_MAX];
    wf_member_set silent; /* timeout: the parties whose messages of the current round were missing */
} wf_run_result;
/* Runs machine m (already created, not started) among `parties` until it is
 * done, aborts, `timeout_ms` passes or the daemon forces a stop. Writes an
 * audit record naming the culprit of an abort. */
void wf_session_drive(wf_daemon *d, wf_machine *m, const uint8_t start_id[WF_ID_BYTES], wf_member_set parties,
                      int timeout_ms, wf_run_result *out);
/* The same for a machine whose party ids are not node indices (a key's
 * member indices, node/committee.h): `parties` are party ids, party_node maps
 * each to its node (envelopes go there, and one is accepted from party p
 * only on party_node[p]'s link). out->culprit and out->silent are node
 * indices. */
void wf_session_drive_mapped(wf_daemon *d, wf_machine *m, const uint8_t start_id[WF_ID_BYTES],
                             wf_member_set parties, const uint32_t party_node[WF_MAX_MEMBERS], int timeout_ms,
                             wf_run_result *out);
/* Router side: hands a protocol envelope that came on member `from`'s link
 * and claims party id `party` to its session (or holds it for a session
 * about to start); the session checks the two agree. Takes ownership of
 * bytes. */
void wf_session_route(wf_daemon *d, uint32_t from, uint32_t party, const uint8_t session_id[WF_ID_BYTES],
                      uint8_t *bytes, size_t len);
/* Stops the local session started under start_id (a party refused or aborted). */
void wf_session_cancel(wf_daemon *d, const uint8_t start_id[WF_ID_BYTES], uint32_t culprit,
                       const char *reason);
/* Drops held envelopes older than WF_PENDING_AGE_MS; called by the router. */
void wf_session_expire_pending(wf_daemon *d);
void wf_session_free_all(wf_daemon *d);

/* member.c */
typedef struct wf_member_extra {
    int policy_checked; /* in: sign, as coordinator: the client handler applied the policy */
    int has_presig;     /* out: presign done, presig_id is the new presignature */
    uint8_t presig_id[WF_ID_BYTES];
    wf_member_set silent; /* out: timeout, the parties whose messages were missing */
} wf_member_extra;
/* Runs our part of a session; `coordinator` sent the start (self when we
 * coordinate). Fills *res with what to report. extra may be NULL. */
void wf_member_run(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                   const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st, wf_control_result *res,
                   wf_member_extra *extra);
/* 1 if start_id was seen before (a replay); else remembers it. */
int wf_member_seen_before(wf_daemon *d, const uint8_t start_id[WF_ID_BYTES]);
/* NULL when the policy lets this keygen request's client create keys (and
 * its signature and expiry check), else why not. */
const char *wf_member_keygen_denied(const wf_daemon *d, const wf_keygen_request *r, uint64_t now_ms);
/* NULL when the policy knows the client client_id and allows it every key
 * (what keygen and reshare need), else why not: not_allowed for a client
 * it knows. */
const char *wf_member_any_key_denied(const wf_daemon *d, const uint8_t client_id[WF_IDENTITY_PK_BYTES],
                                     const char *not_allowed);
/* Router side: a SessionStart from member `from`; checks it and runs it on a
 * new thread that reports the result to `from`. */
void wf_member_accept(wf_daemon *d, uint32_t from, const wf_envelope *env);

/* coordinator.c */
typedef struct wf_coord_outcome {
    wf_outcome outcome;      /* DONE when every party finished; ALREADY: sig holds an earlier signature */
    uint32_t culprit;        /* a member named by an abort, or WF_CULPRIT_NONE */
    wf_member_set silent;    /* members that did not answer in time */
    wf_member_set refused;   /* members that refused to start */
    wf_member_set answered;  /* members whose result arrived (results[] valid) */
    wf_control_result local; /* our own part's result */
    wf_control_result results[WF_MAX_MEMBERS]; /* by member index */
    char reason[WF_CONTROL_REASON_MAX];
    int has_sig;
    uint8_t sig[WF_CONTROL_SIG_BYTES];
    uint8_t presig_id[WF_ID_BYTES]; /* presign: the new presignature's id */
} wf_coord_outcome;
/* Runs one session of st->protocol among st->parties (self included) as the
 * coordinator. */
void wf_coord_run(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_control_start *st,
                  wf_coord_outcome *out);
/* Router side: a member's SessionResult. */
void wf_coord_result(wf_daemon *d, uint32_t from, const wf_envelope *env);
/* The one member of set that may coordinate a signature with the pooled
 * presignature named id (the rule is described in node/coordinator.c). */
uint32_t wf_presig_owner(wf_member_set set, const uint8_t id[WF_ID_BYTES]);
/* Runs a presign among set as the coordinator, with a start id chosen so
 * that the new presignature's owner is `owner` (a member of set). */
void wf_coord_presign(wf_daemon *d, const wf_node_key *k, wf_member_set set, uint32_t owner,
                      wf_coord_outcome *out);

/* keeper.c */
wf_err wf_keeper_start(wf_daemon *d);
void wf_keeper_join(wf_daemon *d);

/* member.c: sets warifu_presign_pool_depth of (key, set) from the store. */
void wf_member_pool_gauge(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_member_set set);

/* paillier_keeper.c: starts the keeper of the Paillier key pool (its thread
 * only when cfg.paillier_pool_high > 0); wf_paillier_keeper_stop cancels a
 * running prime search and joins (the source keeps working: sessions still
 * running may take pooled keys); wf_paillier_keeper_free, once no session
 * runs, frees. Both accept a daemon without a keeper. */
wf_err wf_paillier_keeper_start(wf_daemon *d);
void wf_paillier_keeper_stop(wf_daemon *d);
void wf_paillier_keeper_free(wf_daemon *d);
/* The daemon's paillier_source (ctx = the daemon): a pooled key, checked
 * (wf_paillier_keygen_from_primes), or NULL when the pool has none — a miss,
 * counted; the caller then searches primes itself. */
struct wf_paillier_sk *wf_paillier_keeper_source(void *ctx, unsigned bits);

/* client_api.c: the handler of node/client_net.h. */
wf_err wf_client_api_handle(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len);

#endif
