/* Running protocol sessions over the peer network (node/daemon_internal.h):
 * each session has a queue the router fills; the session's own thread steps
 * its machine with what arrives and sends what the machine emits. Envelopes
 * for a session this node has not started yet (a fast peer) are held for a
 * few seconds; anything else unknown is dropped and counted. Replays inside a
 * session are refused by the session layer (exact duplicates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/daemon_internal.h"
#include "node/monotonic.h"

static void queued_free(wf_queued *q)
{
    wf_peer_net_msg_free(q->bytes, q->len);
    free(q);
}

static wf_nsession *find_by_id(wf_daemon *d, const uint8_t id[WF_ID_BYTES])
{
    for (wf_nsession *s = d->sessions; s; s = s->next)
        if (memcmp(s->id, id, WF_ID_BYTES) == 0)
            return s;
    return NULL;
}

static void count_refused(wf_daemon *d, const char *reason)
{
    const char *labels[] = {reason};
    wf_metric_add(d->nm.refused_envelopes, labels, 1);
}

void wf_session_route(wf_daemon *d, uint32_t from, uint32_t party, const uint8_t session_id[WF_ID_BYTES],
                      uint8_t *bytes, size_t len)
{
    wf_queued *q = calloc(1, sizeof *q);
    if (q == NULL) {
        wf_peer_net_msg_free(bytes, len);
        return;
    }
    q->from = from;
    q->party = party;
    memcpy(q->session_id, session_id, WF_ID_BYTES);
    q->at_ms = wf_daemon_now_ms();
    q->bytes = bytes;
    q->len = len;
    pthread_mutex_lock(&d->mu);
    wf_nsession *s = find_by_id(d, session_id);
    if (s != NULL) {
        if (s->tail)
            s->tail->next = q;
        else
            s->head = q;
        s->tail = q;
        pthread_cond_signal(&s->cv);
        q = NULL;
    } else if (d->n_pending < WF_PENDING_MAX) {
        q->next = d->pending;
        d->pending = q;
        d->n_pending++;
        q = NULL;
    }
    pthread_mutex_unlock(&d->mu);
    if (q != NULL) {
        count_refused(d, "no_session");
        queued_free(q);
    }
}

void wf_session_expire_pending(wf_daemon *d)
{
    uint64_t now = wf_daemon_now_ms();
    size_t dropped = 0;
    pthread_mutex_lock(&d->mu);
    for (wf_queued **p = &d->pending; *p;) {
        wf_queued *q = *p;
        if (now - q->at_ms > WF_PENDING_AGE_MS) {
            *p = q->next;
            d->n_pending--;
            queued_free(q);
            dropped++;
        } else {
            p = &q->next;
        }
    }
    pthread_mutex_unlock(&d->mu);
    /* replays of finished sessions and messages of sessions never started here */
    for (size_t i = 0; i < dropped; i++)
        count_refused(d, "no_session");
}

void wf_session_cancel(wf_daemon *d, const uint8_t start_id[WF_ID_BYTES], uint32_t culprit, const char *reason)
{
    pthread_mutex_lock(&d->mu);
    for (wf_nsession *s = d->sessions; s; s = s->next) {
        if (memcmp(s->start_id, start_id, WF_ID_BYTES) == 0 && !s->cancelled) {
            s->cancelled = 1;
            s->cancel_culprit = culprit;
            snprintf(s->cancel_reason, sizeof s->cancel_reason, "%s", reason);
            pthread_cond_signal(&s->cv);
        }
    }
    pthread_mutex_unlock(&d->mu);
}

static uint32_t node_of(const uint32_t *party_node, uint32_t p)
{
    return p < WF_MAX_MEMBERS ? party_node[p] : UINT32_MAX;
}

static void send_outbox(wf_daemon *d, wf_member_set parties, const uint32_t *party_node, wf_outbox *box)
{
    for (size_t i = 0; i < box->n; i++) {
        wf_outmsg *o = &box->items[i];
        if (o->to != WF_TO_BROADCAST) {
            uint32_t node = node_of(party_node, o->to);
            if (node < d->n && (parties & WF_SET_BIT(o->to)) && node != d->self)
                wf_daemon_send(d, node, o->bytes, o->len);
            continue;
        }
        for (uint32_t p = 0; p < WF_MAX_MEMBERS; p++) {
            uint32_t node = party_node[p];
            if ((parties & WF_SET_BIT(p)) && node < d->n && node != d->self && p != o->skip)
                wf_daemon_send(d, node, o->bytes, o->len);
        }
    }
    wf_outbox_clear(box);
}

/* The node set of a set of party ids. */
static wf_member_set nodes_of(const uint32_t *party_node, wf_member_set parties)
{
    wf_member_set out = 0;
    for (uint32_t p = 0; p < WF_MAX_MEMBERS; p++)
        if ((parties & WF_SET_BIT(p)) && party_node[p] < WF_MAX_MEMBERS)
            out |= WF_SET_BIT(party_node[p]);
    return out;
}

/* Parties whose messages of the round being collected are missing. */
static wf_member_set missing(const wf_machine *m, wf_member_set parties, uint32_t self)
{
    wf_member_set out = 0;
    if (m->round == 0 || m->round > m->s.rounds)
        return 0;
    unsigned kinds = m->ops->round_kinds(m, m->round);
    for (uint32_t j = 0; j < WF_MAX_MEMBERS; j++) {
        if (!(parties & WF_SET_BIT(j)) || j == self)
            continue;
        if (((kinds & WF_ROUND_BCAST) && wf_machine_bcast(m, m->round, j) == NULL) ||
            ((kinds & WF_ROUND_P2P) && wf_machine_p2p(m, m->round, j) == NULL))
            out |= WF_SET_BIT(j);
    }
    return out;
}

static void finish(wf_daemon *d, wf_machine *m, wf_run_result *out, const char *protocol)
{
    const char *outcome = out->status == WF_SESSION_DONE ? "done" : "aborted";
    const char *labels[] = {protocol, outcome};
    wf_metric_add(d->sessions_total, labels, 1);
    if (out->status == WF_SESSION_DONE)
        return;
    char sid[2 * WF_ID_BYTES + 1], kid[2 * WF_ID_BYTES + 1];
    wf_hex(sid, m->s.cfg.session_id, WF_ID_BYTES);
    wf_hex(kid, m->s.cfg.key_id, WF_ID_BYTES);
    if (out->culprit != WF_CULPRIT_NONE && out->culprit < d->n) {
        const char *name = d->cluster->members[out->culprit].pub.name;
        const char *cl[] = {name};
        wf_metric_add(d->nm.aborts, cl, 1);
        wf_daemon_audit(d, "abort", "protocol=%s session=%s key=%s culprit=%u (%s) reason=%s", protocol, sid, kid,
                        out->culprit, name, out->reason);
        wf_daemon_log(d, "%s session %.16s… aborted: culprit member %u (%s): %s", protocol, sid, out->culprit,
                      name, out->reason);
    } else {
        wf_daemon_log(d, "%s session %.16s… failed: %s", protocol, sid, out->reason);
    }
}

void wf_session_drive(wf_daemon *d, wf_machine *m, const uint8_t start_id[WF_ID_BYTES], wf_member_set parties,
                      int timeout_ms, wf_run_result *out)
{
    uint32_t identity[WF_MAX_MEMBERS];
    for (uint32_t i = 0; i < WF_MAX_MEMBERS; i++)
        identity[i] = i;
    wf_session_drive_mapped(d, m, start_id, parties, identity, timeout_ms, out);
}

void wf_session_drive_mapped(wf_daemon *d, wf_machine *m, const uint8_t start_id[WF_ID_BYTES],
                             wf_member_set parties, const uint32_t party_node[WF_MAX_MEMBERS], int timeout_ms,
                             wf_run_result *out)
{
    uint32_t self = m->s.cfg.self;
    memset(out, 0, sizeof *out);
    out->status = WF_SESSION_ABORTED;
    out->culprit = WF_CULPRIT_NONE;
    char protocol[WF_PROTOCOL_NAME_MAX];
    snprintf(protocol, sizeof protocol, "%s", m->s.cfg.protocol);

    wf_nsession *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(out->reason, sizeof out->reason, "out of memory");
        return;
    }
    memcpy(s->id, m->s.cfg.session_id, WF_ID_BYTES);
    memcpy(s->start_id, start_id, WF_ID_BYTES);
    wf_mono_cond_init(&s->cv);

    /* register, and take over what arrived before we started */
    pthread_mutex_lock(&d->mu);
    for (wf_queued **p = &d->pending; *p;) {
        wf_queued *q = *p;
        if (memcmp(q->session_id, s->id, WF_ID_BYTES) == 0) {
            *p = q->next;
            d->n_pending--;
            q->next = NULL;
            if (s->tail)
                s->tail->next = q;
            else
                s->head = q;
            s->tail = q;
        } else {
            p = &q->next;
        }
    }
    int duplicate = find_by_id(d, s->id) != NULL;
    if (!duplicate) {
        s->next = d->sessions;
        d->sessions = s;
        /* a party that refused (or had signed already) before we registered */
        for (wf_waiter *w = d->waiters; w; w = w->next) {
            if (memcmp(w->start_id, start_id, WF_ID_BYTES) != 0)
                continue;
            for (uint32_t j = 0; j < d->n && !s->cancelled; j++)
                if ((w->answered & WF_SET_BIT(j)) && w->results[j].outcome != WF_OUTCOME_DONE) {
                    s->cancelled = 1;
                    s->cancel_culprit = WF_CULPRIT_NONE;
                    snprintf(s->cancel_reason, sizeof s->cancel_reason, "%.40s %s%s%.80s",
                             d->cluster->members[j].pub.name, wf_outcome_str(w->results[j].outcome),
                             w->results[j].reason[0] ? ": " : "", w->results[j].reason);
                }
        }
    }
    pthread_mutex_unlock(&d->mu);
    if (duplicate) {
        /* the same session twice (a start replayed under another start id
         * cannot give the same id; this is a second start of one run) */
        snprintf(out->reason, sizeof out->reason, "a session with this id already runs here");
        while (s->head) {
            wf_queued *q = s->head;
            s->head = q->next;
            queued_free(q);
        }
        pthread_cond_destroy(&s->cv);
        free(s);
        return;
    }

    wf_outbox box = {0};
    const char *why = NULL;
    struct timespec deadline;
    wf_mono_deadline(&deadline, (uint64_t)timeout_ms);
    if (wf_machine_start(m, &box) != WF_OK) {
        snprintf(out->reason, sizeof out->reason, "the %s machine did not start", protocol);
        goto unregister;
    }
    send_outbox(d, parties, party_node, &box);

    pthread_mutex_lock(&d->mu);
    while (wf_machine_status(m) == WF_SESSION_RUNNING) {
        /* a cancel stops the wait, after what has arrived is stepped: a
         * culprit's message already here is judged (and audited) first */
        if (s->cancelled && s->head == NULL) {
            out->culprit = s->cancel_culprit;
            snprintf(out->reason, sizeof out->reason, "%s", s->cancel_reason);
            break;
        }
        if (atomic_load(&d->stopping) >= 2) {
            snprintf(out->reason, sizeof out->reason, "the node is shutting down");
            break;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
            out->silent = nodes_of(party_node, missing(m, parties, self));
            snprintf(out->reason, sizeof out->reason, "timed out in round %u waiting for %zu part%s", m->round,
                     wf_set_count(out->silent), wf_set_count(out->silent) == 1 ? "y" : "ies");
            break;
        }
        wf_queued *q = s->head;
        if (q == NULL) {
            if (pthread_cond_timedwait(&s->cv, &d->mu, &deadline) != 0 && s->head == NULL) {
                out->silent = nodes_of(party_node, missing(m, parties, self));
                snprintf(out->reason, sizeof out->reason, "timed out in round %u waiting for %zu part%s",
                         m->round, wf_set_count(out->silent), wf_set_count(out->silent) == 1 ? "y" : "ies");
                break;
            }
            continue;
        }
        s->head = q->next;
        if (s->head == NULL)
            s->tail = NULL;
        pthread_mutex_unlock(&d->mu);
        why = NULL;
        if (node_of(party_node, q->party) != q->from) {
            count_refused(d, "wrong_sender");
            wf_daemon_log(d, "refused an envelope on %s's link claiming to be from party %u",
                          d->cluster->members[q->from].pub.name, q->party);
        } else if (wf_machine_step(m, q->bytes, q->len, &box, &why) != WF_OK && why != NULL) {
            const char *labels[] = {strstr(why, "duplicate") ? "replay" : "refused_by_session"};
            wf_metric_add(d->nm.refused_envelopes, labels, 1);
        }
        queued_free(q);
        send_outbox(d, parties, party_node, &box);
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);

    wf_session_status st = wf_machine_status(m);
    if (st == WF_SESSION_DONE) {
        out->status = WF_SESSION_DONE;
        out->reason[0] = '\0';
    } else if (st == WF_SESSION_ABORTED) {
        out->culprit = node_of(party_node, wf_machine_culprit(m));
        if (out->culprit >= d->n)
            out->culprit = WF_CULPRIT_NONE;
        snprintf(out->reason, sizeof out->reason, "%s", wf_machine_reason(m));
    }
unregister:
    wf_outbox_clear(&box);
    pthread_mutex_lock(&d->mu);
    for (wf_nsession **p = &d->sessions; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    pthread_mutex_unlock(&d->mu);
    while (s->head) {
        wf_queued *q = s->head;
        s->head = q->next;
        queued_free(q);
    }
    pthread_cond_destroy(&s->cv);
    free(s);
    finish(d, m, out, protocol);
}

void wf_session_free_all(wf_daemon *d)
{
    pthread_mutex_lock(&d->mu);
    while (d->pending) {
        wf_queued *q = d->pending;
        d->pending = q->next;
        queued_free(q);
    }
    d->n_pending = 0;
    pthread_mutex_unlock(&d->mu);
}
