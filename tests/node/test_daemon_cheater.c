/* A cheating member is named and left out, and the client still gets its
 * signature: in a 2-of-3 cluster alpha first sends a bad Πenc in every
 * presign, later a wrong partial signature. Bravo coordinates; its first
 * quorum {alpha, bravo} aborts naming alpha, it retries with {bravo,
 * charlie} and the signature verifies. Every honest node that ran a session
 * with alpha has an audit record naming it; the abort metric counts it.
 * Not under valgrind (NNG). */
#include <sodium.h>

#include "protocol/presign.h"
#include "protocol/sign.h"
#include "store/audit.h"
#include "tests/node/daemon_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

static wf_df f;
static uint8_t key_id[32];

static void start(size_t i, const char *protocol, uint32_t kind)
{
    wf_daemon_cfg cfg = wf_df_cfg(&f, i);
    if (kind != 0) {
        cfg.fault_protocol = protocol;
        cfg.fault.kind = kind;
        cfg.fault.victim = WF_TO_BROADCAST;
        cfg.allow_test_faults = 1;
    }
    wf_df_start(&f, i, &cfg);
}

typedef struct blame_count {
    const char *protocol;
    int n;
} blame_count;

static int count_blame(const wf_audit_entry *e, void *ctx)
{
    blame_count *b = ctx;
    char want[64];
    snprintf(want, sizeof want, "protocol=%s ", b->protocol);
    if (strcmp(e->kind, "abort") == 0 && strstr(e->text, want) && strstr(e->text, "culprit=0 (alpha)"))
        b->n++;
    return 0;
}

/* Audit records of node i (stopped) naming alpha in `protocol`. */
static int blames(size_t i, const char *protocol)
{
    char dir[WF_CF_PATH + 8];
    snprintf(dir, sizeof dir, "%s/store", f.dirs[i]);
    wf_store_unlock u = {.key_file = f.key_files[i]};
    wf_store *s = NULL;
    REQUIRE(wf_store_open(&s, dir, &u) == WF_OK);
    blame_count b = {protocol, 0};
    CHECK_OK(wf_store_audit_each(s, count_blame, &b));
    wf_audit_report rep;
    CHECK_OK(wf_store_audit_verify(s, &rep));
    CHECK(rep.first_bad == 0 && rep.problem[0] == '\0');
    wf_store_close(s);
    return b.n;
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    start(ALPHA, "presign", WF_PRESIGN_FAULT_ENC_PROOF);
    start(BRAVO, NULL, 0);
    start(CHARLIE, NULL, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, CHARLIE, "key-1", key_id);
    REQUIRE(r != NULL && r->code == 0);
    warifu__wire__client_response__free_unpacked(r, NULL);

    /* a bad proof in presign */
    CHECK(wf_df_sign_ok(&f, BRAVO, "presign-cheat", key_id));
    CHECK(wf_df_metric(&f, BRAVO, "warifu_protocol_aborts_total{culprit=\"alpha\"}") >= 1);

    /* a wrong partial signature: alpha presigns honestly now, bravo forgets
     * its exclusion by restarting */
    wf_df_stop(&f, ALPHA);
    wf_df_stop(&f, BRAVO);
    start(ALPHA, "sign", WF_SIGN_FAULT_WRONG_SIGMA);
    start(BRAVO, NULL, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    CHECK(wf_df_sign_ok(&f, BRAVO, "sign-cheat", key_id));
    CHECK(wf_df_metric(&f, BRAVO, "warifu_protocol_aborts_total{culprit=\"alpha\"}") >= 1);

    /* with charlie gone the only quorum holds the cheater (bravo forgets its
     * exclusion once more): the refusal names the check that failed in ASCII
     * a client can print — it used to carry the reason's Greek as UTF-8, which
     * clients refuse to show */
    wf_df_stop(&f, CHARLIE);
    wf_df_stop(&f, BRAVO);
    start(BRAVO, NULL, 0);
    uint8_t digest[32] = {1};
    wf_sign_request sr;
    wf_df_sign_request(&f, &sr, "sign-cheat-alone", key_id, digest, NULL, 0);
    Warifu__Wire__ClientResponse *refusal = NULL;
    for (int i = 0; i < 100 && (refusal == NULL || strstr(refusal->error, "sigma") == NULL); i++) {
        if (refusal != NULL)
            warifu__wire__client_response__free_unpacked(refusal, NULL);
        usleep(100 * 1000); /* until bravo sees alpha */
        refusal = wf_df_send_sign(&f, BRAVO, &sr);
    }
    REQUIRE(refusal != NULL);
    CHECK(refusal->code != 0 && strstr(refusal->error, "sigma") != NULL);
    for (const char *p = refusal->error; *p != '\0'; p++)
        CHECK(*p >= 0x20 && *p < 0x7f);
    warifu__wire__client_response__free_unpacked(refusal, NULL);

    wf_df_teardown(&f);
    CHECK(blames(BRAVO, "presign") >= 1);
    CHECK(blames(BRAVO, "sign") >= 1);
    CHECK(blames(ALPHA, "presign") == 0); /* the cheater's own log is its own business */
    return wf_check_summary("test_daemon_cheater");
}
