/* node/policy.c: a policy with a limited client (two keys, 3 requests a
 * day), an unlimited one (any key) and comments parses to what it says;
 * requests are allowed or refused for the right reason — bad signature
 * (checked first, so a forged request learns nothing about the policy),
 * expired, too far ahead, unknown client, key not allowed, daily limit — and
 * only allowed requests count, per UTC day; the counter table reuses stale
 * entries and round-trips through its encoding; every malformed policy line
 * is refused; a policy file others may write is not trusted. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/secmem.h"
#include "node/policy.h"
#include "node/text_format.h"
#include "tests/check.h"
#include "tests/node/cluster_fixture.h"

/* 2026-03-01T23:59:00Z: a minute before a UTC day ends */
#define NOW_MS (1772409540000ull)

typedef struct client {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    char hex[2 * crypto_sign_PUBLICKEYBYTES + 1];
} client;

static client withdrawals, treasury, stranger;
static uint8_t key1[WF_ID_BYTES], key2[WF_ID_BYTES], key3[WF_ID_BYTES];
static char key1_hex[2 * WF_ID_BYTES + 1], key2_hex[2 * WF_ID_BYTES + 1];
static char policy_text[2048];
static wf_policy *policy;

static void make_client(client *c)
{
    crypto_sign_keypair(c->pk, c->sk);
    wf_hex_encode(c->hex, c->pk, sizeof c->pk);
}

static wf_sign_request request(const client *c, const uint8_t key_id[WF_ID_BYTES], uint64_t expiry_ms, int n)
{
    wf_sign_request r;
    memset(&r, 0, sizeof r);
    r.request_id_len = (size_t)snprintf((char *)r.request_id, sizeof r.request_id, "req-%d", n);
    memcpy(r.key_id, key_id, WF_ID_BYTES);
    r.path_len = 2;
    r.path[0] = 0;
    r.path[1] = (uint32_t)n;
    memset(r.digest, 0xd1, sizeof r.digest);
    r.expiry_ms = expiry_ms;
    REQUIRE(wf_sign_request_sign(&r, c->sk) == WF_OK);
    return r;
}

static void set_up(void)
{
    make_client(&withdrawals);
    make_client(&treasury);
    make_client(&stranger);
    randombytes_buf(key1, sizeof key1);
    randombytes_buf(key2, sizeof key2);
    randombytes_buf(key3, sizeof key3);
    wf_hex_encode(key1_hex, key1, sizeof key1);
    wf_hex_encode(key2_hex, key2, sizeof key2);
    snprintf(policy_text, sizeof policy_text,
             "warifu-policy 1\n"
             "# the withdrawal service: hot wallets only, at most 3 a day\n"
             "client withdrawals %s daily-limit 3\n"
             "allow withdrawals %s\n"
             "\n"
             "client treasury %s\n"
             "allow treasury *\n"
             "allow withdrawals %s\n"
             "end\n",
             withdrawals.hex, key1_hex, treasury.hex, key2_hex);
}

static void test_parse(void)
{
    const char *why = NULL;
    CHECK_OK(wf_policy_parse(&policy, policy_text, strlen(policy_text), &why));
    REQUIRE(policy != NULL);
    CHECK(policy->n_clients == 2);
    const wf_policy_client *w = &policy->clients[0], *t = &policy->clients[1];
    CHECK(strcmp(w->name, "withdrawals") == 0 && memcmp(w->pk, withdrawals.pk, 32) == 0);
    CHECK(w->daily_limit == 3 && !w->any_key && w->n_keys == 2);
    CHECK(memcmp(w->keys[0], key1, 32) == 0 && memcmp(w->keys[1], key2, 32) == 0);
    CHECK(strcmp(t->name, "treasury") == 0 && memcmp(t->pk, treasury.pk, 32) == 0);
    CHECK(t->daily_limit == 0 && t->any_key && t->n_keys == 0);
}

static void test_decisions(void)
{
    wf_policy_counters ctr;
    memset(&ctr, 0, sizeof ctr);
    uint64_t exp = NOW_MS + 30000;

    /* allowed: both of withdrawals' keys, any key for treasury */
    wf_sign_request r = request(&withdrawals, key1, exp, 1);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_ALLOW);
    r = request(&withdrawals, key2, exp, 2);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_ALLOW);
    r = request(&treasury, key3, exp, 3);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_ALLOW);
    CHECK(wf_policy_counters_get(&ctr, withdrawals.pk, NOW_MS) == 2);
    CHECK(wf_policy_counters_get(&ctr, treasury.pk, NOW_MS) == 1);

    /* refused, and none of these counts */
    r = request(&stranger, key1, exp, 4);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_UNKNOWN_CLIENT);
    r = request(&withdrawals, key3, exp, 5);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_KEY_NOT_ALLOWED);
    r = request(&withdrawals, key1, NOW_MS, 6);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_EXPIRED);
    r = request(&withdrawals, key1, NOW_MS - 1, 6);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_EXPIRED);
    r = request(&withdrawals, key1, NOW_MS + WF_REQUEST_MAX_TTL_MS + 1, 7);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_TOO_FAR_AHEAD);
    r = request(&withdrawals, key1, exp, 8);
    r.digest[0] ^= 1; /* not what the client signed */
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_BAD_SIGNATURE);
    r = request(&stranger, key1, exp, 9);
    memcpy(r.client_id, withdrawals.pk, 32); /* a stranger speaking for withdrawals */
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_BAD_SIGNATURE);
    r = request(&stranger, key3, NOW_MS - 1, 10);
    r.signature[5] ^= 1; /* the signature is checked before anything else */
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_BAD_SIGNATURE);
    CHECK(wf_policy_counters_get(&ctr, withdrawals.pk, NOW_MS) == 2);
    CHECK(wf_policy_counters_get(&ctr, stranger.pk, NOW_MS) == 0);

    /* the daily limit: the third is allowed, the fourth is not */
    r = request(&withdrawals, key1, exp, 11);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_ALLOW);
    r = request(&withdrawals, key2, NOW_MS + 90000, 12); /* still today: the last second of it */
    CHECK(wf_policy_check(policy, &r, NOW_MS + 59999, &ctr) == WF_POLICY_DAILY_LIMIT);
    CHECK(wf_policy_counters_get(&ctr, withdrawals.pk, NOW_MS) == 3);
    /* the unlimited client is not held back by it */
    for (int i = 0; i < 10; i++) {
        r = request(&treasury, key1, exp, 20 + i);
        CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_ALLOW);
    }
    CHECK(wf_policy_counters_get(&ctr, treasury.pk, NOW_MS) == 11);

    /* a minute later it is the next UTC day: a fresh allowance */
    uint64_t tomorrow = NOW_MS + 60000;
    CHECK(tomorrow / WF_POLICY_DAY_MS == NOW_MS / WF_POLICY_DAY_MS + 1);
    CHECK(wf_policy_counters_get(&ctr, withdrawals.pk, tomorrow) == 0);
    r = request(&withdrawals, key2, tomorrow + 30000, 13);
    CHECK(wf_policy_check(policy, &r, tomorrow, &ctr) == WF_POLICY_ALLOW);
    CHECK(wf_policy_counters_get(&ctr, withdrawals.pk, tomorrow) == 1);

    CHECK(wf_policy_check(NULL, &r, NOW_MS, &ctr) == WF_POLICY_INVALID);
    CHECK(wf_policy_check(policy, NULL, NOW_MS, &ctr) == WF_POLICY_INVALID);
    CHECK(wf_policy_check(policy, &r, NOW_MS, NULL) == WF_POLICY_INVALID);
    for (int v = WF_POLICY_ALLOW; v <= WF_POLICY_INVALID; v++)
        CHECK(strcmp(wf_policy_verdict_str((wf_policy_verdict)v), "unknown verdict") != 0);
}

static void test_counters(void)
{
    wf_policy_counters ctr, back;
    memset(&ctr, 0, sizeof ctr);
    uint64_t exp = NOW_MS + 30000, today = NOW_MS / WF_POLICY_DAY_MS;

    /* a full table of yesterday's entries: a new client takes one of them */
    ctr.n = WF_POLICY_MAX_CLIENTS;
    for (size_t i = 0; i < WF_POLICY_MAX_CLIENTS; i++) {
        randombytes_buf(ctr.entries[i].client, WF_IDENTITY_PK_BYTES);
        ctr.entries[i].day = today - 1;
        ctr.entries[i].count = 7;
    }
    wf_sign_request r = request(&withdrawals, key1, exp, 1);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_ALLOW);
    CHECK(ctr.n == WF_POLICY_MAX_CLIENTS && wf_policy_counters_get(&ctr, withdrawals.pk, NOW_MS) == 1);
    /* a full table of today's entries for clients no longer in the policy: too */
    for (size_t i = 0; i < WF_POLICY_MAX_CLIENTS; i++)
        if (memcmp(ctr.entries[i].client, withdrawals.pk, 32) != 0)
            ctr.entries[i].day = today;
    r = request(&treasury, key1, exp, 2);
    CHECK(wf_policy_check(policy, &r, NOW_MS, &ctr) == WF_POLICY_ALLOW);
    CHECK(wf_policy_counters_get(&ctr, treasury.pk, NOW_MS) == 1);
    CHECK(wf_policy_counters_get(&ctr, withdrawals.pk, NOW_MS) == 1);

    /* the encoding round-trips */
    static uint8_t buf[WF_POLICY_COUNTERS_MAX_BYTES];
    size_t len = wf_policy_counters_encode(&ctr, buf);
    CHECK(len == 9 + WF_POLICY_MAX_CLIENTS * WF_POLICY_COUNTER_BYTES && memcmp(buf, "wfpc\x01", 5) == 0);
    CHECK_OK(wf_policy_counters_decode(&back, buf, len));
    CHECK(back.n == ctr.n && memcmp(back.entries, ctr.entries, sizeof ctr.entries) == 0);

    /* and refuses what it did not write */
    CHECK_ERR(wf_policy_counters_decode(&back, buf, len - 1), WF_ERR_ENCODING);
    CHECK(back.n == 0);
    CHECK_ERR(wf_policy_counters_decode(&back, buf, 8), WF_ERR_ENCODING);
    buf[4] = 2;
    CHECK_ERR(wf_policy_counters_decode(&back, buf, len), WF_ERR_ENCODING);
    buf[4] = 1;
    buf[0] = 'x';
    CHECK_ERR(wf_policy_counters_decode(&back, buf, len), WF_ERR_ENCODING);
    buf[0] = 'w';
    memcpy(buf + 9 + WF_POLICY_COUNTER_BYTES, buf + 9, WF_IDENTITY_PK_BYTES); /* one client twice */
    CHECK_ERR(wf_policy_counters_decode(&back, buf, len), WF_ERR_ENCODING);
    wf_policy_counters empty;
    memset(&empty, 0, sizeof empty);
    len = wf_policy_counters_encode(&empty, buf);
    CHECK(len == 9);
    CHECK_OK(wf_policy_counters_decode(&back, buf, len));
    CHECK(back.n == 0);
    buf[8] = 1; /* claims one entry it does not have */
    CHECK_ERR(wf_policy_counters_decode(&back, buf, len), WF_ERR_ENCODING);
    ctr.entries[1] = ctr.entries[0];
    CHECK(wf_policy_counters_encode(&ctr, buf) == 0);
}

static wf_err parse_edit(const char *from, const char *to)
{
    const char *at = strstr(policy_text, from);
    REQUIRE(at != NULL);
    char text[4096];
    size_t head = (size_t)(at - policy_text);
    REQUIRE(strlen(policy_text) + strlen(to) < sizeof text);
    memcpy(text, policy_text, head);
    strcpy(text + head, to);
    strcat(text, at + strlen(from));
    wf_policy *p = NULL;
    const char *why = NULL;
    wf_err err = wf_policy_parse(&p, text, strlen(text), &why);
    if (err != WF_OK)
        CHECK(p == NULL && why != NULL && why[0] != '\0' && strchr(why, '\n') == NULL);
    wf_policy_free(p);
    return err;
}

static void test_malformed(void)
{
    char line[256], upper[2 * WF_ID_BYTES + 1];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)(key1_hex[i] >= 'a' && key1_hex[i] <= 'f' ? key1_hex[i] - 32 : key1_hex[i]);
    snprintf(line, sizeof line, "client withdrawals %s daily-limit 3\n", withdrawals.hex);
    char dup_pk[512], other_line[256];
    snprintf(dup_pk, sizeof dup_pk, "%sclient copy %s\nallow copy *\n", line, withdrawals.hex);
    snprintf(other_line, sizeof other_line, "client treasury %s\n", treasury.hex);

    const struct {
        const char *what, *from, *to;
        wf_err expect;
    } edits[] = {
        {"an unknown line", "end\n", "deny treasury *\nend\n", WF_ERR_ENCODING},
        {"another version", "warifu-policy 1", "warifu-policy 2", WF_ERR_ENCODING},
        {"a comment before the header", "warifu-policy 1\n", "# policy\nwarifu-policy 1\n", WF_ERR_ENCODING},
        {"a client key that is too short", "end\n", "client other 00\nend\n", WF_ERR_ENCODING},
        {"a last line without LF", "end\n", "end", WF_ERR_ENCODING},
        {"two clients with one key", "end\n", dup_pk, WF_ERR_CONFLICT},
        {"allow before its client", "allow withdrawals ", "allow nobody ", WF_ERR_ENCODING},
        {"the same key twice", "end\n", "allow withdrawals *\nend\n", WF_ERR_CONFLICT},
        {"a key after *", "end\n",
         "allow treasury 0000000000000000000000000000000000000000000000000000000000000000\n"
         "end\n",
         WF_ERR_CONFLICT},
        {"uppercase key hex", key1_hex, upper, WF_ERR_ENCODING},
        {"a short key id", key1_hex, "00", WF_ERR_ENCODING},
        {"a daily limit of 0", "daily-limit 3", "daily-limit 0", WF_ERR_RANGE},
        {"a daily limit too large", "daily-limit 3", "daily-limit 1000000001", WF_ERR_RANGE},
        {"a daily limit that is no number", "daily-limit 3", "daily-limit three", WF_ERR_ENCODING},
        {"a daily limit with a leading zero", "daily-limit 3", "daily-limit 03", WF_ERR_ENCODING},
        {"an unknown option", "daily-limit 3", "hourly-limit 3", WF_ERR_ENCODING},
        {"a trailing space", "allow treasury *\n", "allow treasury * \n", WF_ERR_ENCODING},
        {"a doubled space", "allow treasury *", "allow  treasury *", WF_ERR_ENCODING},
        {"too many words", "allow treasury *", "allow treasury * *", WF_ERR_ENCODING},
        {"CRLF", "allow treasury *\n", "allow treasury *\r\n", WF_ERR_ENCODING},
        {"an invalid name", "client treasury", "client Treasury", WF_ERR_ENCODING},
        {"a client key that is no valid point", other_line,
         "client treasury 0100000000000000000000000000000000000000000000000000000000000000\n", WF_ERR_VERIFY},
        {"a client with no allow line", "allow treasury *\n", "", WF_ERR_ENCODING},
        {"no end", "end\n", "", WF_ERR_ENCODING},
        {"text after end", "end\n", "end\n# later\n", WF_ERR_ENCODING},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        wf_err err = parse_edit(edits[i].from, edits[i].to);
        if (err != edits[i].expect)
            fprintf(stderr, "%s: got '%s'\n", edits[i].what, wf_err_str(err));
        CHECK(err == edits[i].expect);
    }
    /* a name declared twice with different keys */
    char twice[256];
    snprintf(twice, sizeof twice, "client treasury %s\nallow treasury *\nend\n", stranger.hex);
    CHECK_ERR(parse_edit("end\n", twice), WF_ERR_CONFLICT);
    CHECK_OK(parse_edit("end\n", "# nothing more\n\nend\n"));
}

static void test_load(void)
{
    char path[256];
    const char *why = NULL;
    wf_policy *p = NULL;
    wf_cf_path(path, sizeof path, "policy.txt");
    wf_cf_write(path, policy_text, 0644);
    CHECK_OK(wf_policy_load(&p, path, &why));
    CHECK(p != NULL && p->n_clients == 2);
    wf_policy_free(p);
    CHECK(chmod(path, 0666) == 0);
    CHECK_ERR(wf_policy_load(&p, path, &why), WF_ERR_VERIFY);
    CHECK(p == NULL && why != NULL && strstr(why, "writable by group or others") != NULL);
    CHECK(chmod(path, 0620) == 0);
    CHECK_ERR(wf_policy_load(&p, path, &why), WF_ERR_VERIFY);
    wf_cf_path(path, sizeof path, "missing.txt");
    CHECK_ERR(wf_policy_load(&p, path, &why), WF_ERR_STORAGE);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_cf_root_make();
    set_up();
    test_parse();
    test_decisions();
    test_counters();
    test_malformed();
    test_load();
    wf_policy_free(policy);
    return wf_check_summary("test_policy");
}
