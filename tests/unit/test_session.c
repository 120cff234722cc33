/* protocol/session.c: filing, refusals, and echo broadcast naming an
 * equivocating sender or a party that signs a false echo. Four parties run
 * two broadcast rounds and a confirmation round over an in-memory router. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/secmem.h"
#include "protocol/session.h"
#include "tests/check.h"

#define N 4

static uint8_t pk[N][WF_IDENTITY_PK_BYTES];
static uint8_t sk[N][WF_IDENTITY_SK_BYTES];
static wf_session sess[N];

static void setup(void)
{
    for (int i = 0; i < N; i++) {
        wf_session_cfg cfg = {.self = (uint32_t)(10 + i), .n = N, .identity_sk = sk[i]};
        strcpy(cfg.protocol, "test");
        cfg.session_id[0] = 0x55;
        for (int j = 0; j < N; j++) {
            cfg.parties[j] = (uint32_t)(10 + j);
            memcpy(cfg.identity_pk[j], pk[j], WF_IDENTITY_PK_BYTES);
        }
        REQUIRE(wf_session_init(&sess[i], &cfg, 3) == WF_OK);
    }
}

static void teardown(void)
{
    for (int i = 0; i < N; i++)
        wf_session_clear(&sess[i]);
}

/* Delivers every message of box (sent by party `from`) to its recipients,
 * collecting their replies (complaints) into replies[]. */
static void deliver(int from, wf_outbox *box, wf_outbox *replies)
{
    for (size_t m = 0; m < box->n; m++)
        for (int j = 0; j < N; j++) {
            if (j == from || (box->items[m].to != WF_TO_BROADCAST && box->items[m].to != (uint32_t)(10 + j)))
                continue;
            wf_session_receive(&sess[j], &replies[j], box->items[m].bytes, box->items[m].len, NULL);
        }
    wf_outbox_clear(box);
}

/* Runs complaint exchanges until no party has anything left to send. */
static void settle(wf_outbox *pending)
{
    for (int iter = 0; iter < 8; iter++) {
        int any = 0;
        wf_outbox next[N] = {{0}};
        for (int i = 0; i < N; i++) {
            any |= pending[i].n > 0;
            deliver(i, &pending[i], next);
        }
        memcpy(pending, next, sizeof next);
        if (!any)
            break;
    }
    for (int i = 0; i < N; i++)
        wf_outbox_clear(&pending[i]);
}

/* Round r: every party broadcasts "r<r>-<i>"; party `equivocator` sends a
 * different payload to the last party. Then every party closes round r. */
static void broadcast_round(uint32_t r, int equivocator)
{
    wf_outbox out[N] = {{0}}, replies[N] = {{0}};
    for (int i = 0; i < N; i++) {
        char payload[32];
        snprintf(payload, sizeof payload, "r%u-%d", (unsigned)r, i);
        CHECK_OK(wf_session_send(&sess[i], &out[i], r, WF_TO_BROADCAST, (const uint8_t *)payload,
                                 strlen(payload)));
        if (i == equivocator) {
            /* a second signed version for party N-1 only */
            wf_outbox alt = {0};
            wf_session tmp = sess[i];
            memset(tmp.box, 0, sizeof tmp.box); /* seal without touching the real filing */
            if (r > 1)
                tmp.box[r - 1] = sess[i].box[r - 1], tmp.box[r - 1].bcast[tmp.self_pos].present = 1;
            CHECK_OK(wf_session_send(&tmp, &alt, r, WF_TO_BROADCAST, (const uint8_t *)"forged", 6));
            wf_session_receive(&sess[N - 1], &replies[N - 1], alt.items[0].bytes, alt.items[0].len, NULL);
            wf_outbox_clear(&alt);
            wf_filed *self = &tmp.box[r].bcast[tmp.self_pos];
            wf_envelope_clear(&self->env);
            free(self->raw);
            /* everyone else gets the first version */
            for (int j = 0; j < N - 1; j++)
                if (j != i)
                    wf_session_receive(&sess[j], &replies[j], out[i].items[0].bytes, out[i].items[0].len,
                                       NULL);
            wf_outbox_clear(&out[i]);
        }
    }
    for (int i = 0; i < N; i++)
        deliver(i, &out[i], replies);
    settle(replies);
    for (int i = 0; i < N; i++)
        if (sess[i].status == WF_SESSION_RUNNING) {
            wf_outbox none = {0};
            CHECK(wf_session_round_ready(&sess[i], &none, r, 1, 0));
            wf_outbox_clear(&none);
            CHECK_OK(wf_session_close_round(&sess[i], r));
        }
}

/* Round 2 sends and readiness: mismatching echoes raise complaints. A
 * false_complainer >= 0 corrupts its own echo after sending, so it complains
 * about correct echoes. */
static void second_round_with(int false_complainer)
{
    wf_outbox out[N] = {{0}}, replies[N] = {{0}};
    for (int i = 0; i < N; i++)
        if (sess[i].status == WF_SESSION_RUNNING)
            CHECK_OK(wf_session_send(&sess[i], &out[i], 2, WF_TO_BROADCAST, (const uint8_t *)"two", 3));
    if (false_complainer >= 0)
        memset(sess[false_complainer].box[1].echo, 0xCD, WF_ECHO_BYTES);
    for (int i = 0; i < N; i++)
        deliver(i, &out[i], replies);
    for (int i = 0; i < N; i++)
        wf_session_round_ready(&sess[i], &replies[i], 2, 1, 0);
    settle(replies);
}

static void second_round(void)
{
    second_round_with(-1);
}

static void test_honest(void)
{
    setup();
    broadcast_round(1, -1);
    second_round();
    for (int i = 0; i < N; i++) {
        wf_outbox none = {0};
        CHECK(sess[i].status == WF_SESSION_RUNNING);
        CHECK(wf_session_round_ready(&sess[i], &none, 2, 1, 0));
        wf_outbox_clear(&none);
    }
    teardown();
}

static void test_equivocation_named_by_echo(void)
{
    setup();
    broadcast_round(1, 1); /* party index 1 (member 11) equivocates to party 3 */
    second_round();
    for (int i = 0; i < N; i++) {
        if (i == 1)
            continue;
        CHECK(sess[i].status == WF_SESSION_ABORTED);
        CHECK(sess[i].culprit == 11);
        if (sess[i].culprit != 11)
            fprintf(stderr, "party %d: culprit %u (%s)\n", i, (unsigned)sess[i].culprit, sess[i].reason);
    }
    teardown();
}

static void test_false_echo_named(void)
{
    setup();
    broadcast_round(1, -1);
    /* party 2 signs a round-2 broadcast with a false echo */
    memset(sess[2].box[1].echo, 0xAB, WF_ECHO_BYTES);
    second_round();
    for (int i = 0; i < N; i++) {
        if (i == 2)
            continue;
        CHECK(sess[i].status == WF_SESSION_ABORTED && sess[i].culprit == 12);
    }
    teardown();
}

static void test_false_complaint_named(void)
{
    setup();
    broadcast_round(1, -1);
    second_round_with(0);
    for (int i = 1; i < N; i++) {
        CHECK(sess[i].status == WF_SESSION_ABORTED && sess[i].culprit == 10);
        if (sess[i].culprit != 10)
            fprintf(stderr, "party %d: culprit %u (%s)\n", i, (unsigned)sess[i].culprit, sess[i].reason);
    }
    teardown();
}

static void test_refusals(void)
{
    setup();
    wf_outbox out = {0}, replies = {0};
    const char *why = NULL;
    CHECK_OK(wf_session_send(&sess[0], &out, 1, 11, (const uint8_t *)"p2p", 3));
    /* addressed to member 11 (party 1): party 2 refuses it */
    CHECK_ERR(wf_session_receive(&sess[2], &replies, out.items[0].bytes, out.items[0].len, &why), WF_ERR_ARG);
    CHECK(strstr(why, "another party") != NULL);
    CHECK_OK(wf_session_receive(&sess[1], &replies, out.items[0].bytes, out.items[0].len, &why));
    CHECK_ERR(wf_session_receive(&sess[1], &replies, out.items[0].bytes, out.items[0].len, &why), WF_ERR_ARG);
    CHECK(strstr(why, "duplicate") != NULL);
    /* a flipped byte breaks the signature or the encoding */
    out.items[0].bytes[out.items[0].len - 1] ^= 1;
    CHECK(wf_session_receive(&sess[1], &replies, out.items[0].bytes, out.items[0].len, &why) != WF_OK);
    /* garbage */
    CHECK(wf_session_receive(&sess[1], &replies, (const uint8_t *)"\x0a\x05zz", 4, &why) != WF_OK);
    /* own message back, round out of range, another session */
    wf_outbox_clear(&out);
    CHECK_OK(wf_session_send(&sess[1], &out, 1, WF_TO_BROADCAST, (const uint8_t *)"b", 1));
    CHECK_ERR(wf_session_receive(&sess[1], &replies, out.items[0].bytes, out.items[0].len, &why),
              WF_ERR_UNAUTHORISED);
    CHECK_ERR(wf_session_send(&sess[1], &out, 4, WF_TO_BROADCAST, (const uint8_t *)"b", 1), WF_ERR_ARG);
    sess[2].cfg.session_id[0] ^= 1;
    CHECK_ERR(wf_session_receive(&sess[2], &replies, out.items[0].bytes, out.items[0].len, &why), WF_ERR_ARG);
    sess[2].cfg.session_id[0] ^= 1;
    CHECK_OK(wf_session_receive(&sess[2], &replies, out.items[0].bytes, out.items[0].len, &why));
    /* the same sender signing a second, different round-1 broadcast */
    wf_session twin = sess[1];
    memset(twin.box, 0, sizeof twin.box);
    wf_outbox alt = {0};
    CHECK_OK(wf_session_send(&twin, &alt, 1, WF_TO_BROADCAST, (const uint8_t *)"c", 1));
    CHECK_ERR(wf_session_receive(&sess[2], &replies, alt.items[0].bytes, alt.items[0].len, &why),
              WF_ERR_VERIFY);
    CHECK(sess[2].status == WF_SESSION_ABORTED && sess[2].culprit == 11);
    wf_session_clear(&twin);
    wf_outbox_clear(&alt);
    wf_outbox_clear(&out);
    wf_outbox_clear(&replies);
    teardown();
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    for (int i = 0; i < N; i++)
        crypto_sign_keypair(pk[i], sk[i]);
    test_honest();
    test_equivocation_named_by_echo();
    test_false_echo_named();
    test_false_complaint_named();
    test_refusals();
    return wf_check_summary("test_session");
}
