/* simulator/regions.c: the default RTT matrix is complete, symmetric and
 * plausible (same region 1 ms, neighbours closer than continents apart);
 * names resolve both ways and unknown ones are refused; the override parser
 * applies good lines to both directions of each pair and refuses every kind
 * of junk without touching the matrix, saying which item is wrong. */
#include <string.h>

#include "simulator/regions.h"
#include "tests/check.h"

static uint32_t rtt(const char *a, const char *b)
{
    uint32_t ms = 0;
    const char *why = NULL;
    wf_err err = wf_region_rtt_ms(NULL, a, b, &ms, &why);
    if (err != WF_OK)
        fprintf(stderr, "%s-%s: %s\n", a, b, why);
    REQUIRE(err == WF_OK);
    return ms;
}

static void test_names(void)
{
    size_t idx = 99;
    for (size_t i = 0; i < WF_REGION_COUNT; i++) {
        const char *name = wf_region_name(i);
        REQUIRE(name != NULL);
        CHECK(strlen(name) < WF_REGION_NAME_MAX);
        CHECK_OK(wf_region_index(name, &idx));
        CHECK(idx == i);
    }
    CHECK(wf_region_name(WF_REGION_COUNT) == NULL);
    const char *wanted[] = {"tokyo",    "singapore", "mumbai",   "frankfurt", "london",
                            "virginia", "oregon",    "saopaulo", "sydney"};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        CHECK_OK(wf_region_index(wanted[i], &idx));
    CHECK_ERR(wf_region_index("Tokyo", &idx), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_region_index("tokyo ", &idx), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_region_index("", &idx), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_region_index(NULL, &idx), WF_ERR_ARG);
    CHECK_ERR(wf_region_index("tokyo", NULL), WF_ERR_ARG);
}

static void test_default_matrix(void)
{
    wf_rtt_matrix m;
    wf_rtt_matrix_default(&m);
    int symmetric = 1, diagonal = 1, plausible = 1;
    for (size_t a = 0; a < WF_REGION_COUNT; a++)
        for (size_t b = 0; b < WF_REGION_COUNT; b++) {
            symmetric &= m.ms[a][b] == m.ms[b][a];
            if (a == b)
                diagonal &= m.ms[a][b] == WF_REGION_SAME_MS;
            else /* light in fibre needs ~10 ms per 1000 km of round trip; no pair is beyond 400 ms */
                plausible &= m.ms[a][b] >= 10 && m.ms[a][b] <= 400;
        }
    CHECK(symmetric);
    CHECK(diagonal);
    CHECK(plausible);

    CHECK(rtt("tokyo", "tokyo") == 1);
    CHECK(rtt("frankfurt", "london") == 15);
    CHECK(rtt("london", "frankfurt") == 15);
    CHECK(rtt("virginia", "oregon") == 65);
    CHECK(rtt("tokyo", "frankfurt") == 225);
    CHECK(rtt("singapore", "mumbai") == 60);
    CHECK(rtt("saopaulo", "sydney") == 310);
    /* Geography: neighbours are closer than the far side of the world. */
    CHECK(rtt("frankfurt", "london") < rtt("london", "virginia"));
    CHECK(rtt("london", "virginia") < rtt("london", "tokyo"));
    CHECK(rtt("singapore", "sydney") < rtt("singapore", "saopaulo"));

    uint32_t ms = 0;
    const char *why = NULL;
    CHECK_ERR(wf_region_rtt_ms(NULL, "tokyo", "mars", &ms, &why), WF_ERR_NOT_FOUND);
    CHECK(why != NULL && strstr(why, "'mars'") != NULL);
    CHECK_ERR(wf_region_rtt_ms(NULL, "atlantis", "tokyo", &ms, &why), WF_ERR_NOT_FOUND);
    CHECK(why != NULL && strstr(why, "'atlantis'") != NULL);
    CHECK_ERR(wf_region_rtt_ms(NULL, NULL, "tokyo", &ms, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_region_rtt_ms(NULL, "tokyo", "tokyo", NULL, NULL), WF_ERR_ARG);
}

static void test_override_good(void)
{
    wf_rtt_matrix m, def;
    uint32_t ms = 0;
    const char *why = NULL;
    wf_rtt_matrix_default(&m);
    wf_rtt_matrix_default(&def);

    CHECK_OK(wf_rtt_matrix_override(&m, "tokyo-frankfurt=230,virginia-oregon=70", &why));
    CHECK_OK(wf_region_rtt_ms(&m, "tokyo", "frankfurt", &ms, NULL));
    CHECK(ms == 230);
    CHECK_OK(wf_region_rtt_ms(&m, "frankfurt", "tokyo", &ms, NULL));
    CHECK(ms == 230);
    CHECK_OK(wf_region_rtt_ms(&m, "oregon", "virginia", &ms, NULL));
    CHECK(ms == 70);
    /* Nothing else moved. */
    size_t tk, fr, va, orr;
    CHECK_OK(wf_region_index("tokyo", &tk));
    CHECK_OK(wf_region_index("frankfurt", &fr));
    CHECK_OK(wf_region_index("virginia", &va));
    CHECK_OK(wf_region_index("oregon", &orr));
    int others_kept = 1;
    for (size_t a = 0; a < WF_REGION_COUNT; a++)
        for (size_t b = 0; b < WF_REGION_COUNT; b++) {
            int touched = (a == tk && b == fr) || (a == fr && b == tk) || (a == va && b == orr) ||
                          (a == orr && b == va);
            if (!touched)
                others_kept &= m.ms[a][b] == def.ms[a][b];
        }
    CHECK(others_kept);

    /* Same-region pairs, zero and the maximum are accepted. */
    CHECK_OK(wf_rtt_matrix_override(&m, "tokyo-tokyo=2", &why));
    CHECK_OK(wf_region_rtt_ms(&m, "tokyo", "tokyo", &ms, NULL));
    CHECK(ms == 2);
    CHECK_OK(wf_rtt_matrix_override(&m, "london-sydney=0,mumbai-saopaulo=60000", &why));
    CHECK(m.ms[4][8] == 0 && m.ms[8][4] == 0);
    CHECK_OK(wf_region_rtt_ms(&m, "saopaulo", "mumbai", &ms, NULL));
    CHECK(ms == WF_REGION_MAX_MS);
    /* A later line may set a pair an earlier one did. */
    CHECK_OK(wf_rtt_matrix_override(&m, "frankfurt-tokyo=240", &why));
    CHECK_OK(wf_region_rtt_ms(&m, "tokyo", "frankfurt", &ms, NULL));
    CHECK(ms == 240);
}

static void test_override_bad(void)
{
    static const struct {
        const char *line;
        wf_err err;
        const char *in_why; /* a piece of the message */
    } bad[] = {
        {"", WF_ERR_ENCODING, "empty"},
        {"tokyo-frankfurt", WF_ERR_ENCODING, "item 1"},
        {"tokyo=5", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=01", WF_ERR_ENCODING, "leading zeros"},
        {"tokyo-frankfurt=-5", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=+5", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=5ms", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=2.5", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=230=5", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=230\n", WF_ERR_ENCODING, "item 1"},
        {"tokyo-frankfurt=230,", WF_ERR_ENCODING, "item 2: empty"},
        {",tokyo-frankfurt=230", WF_ERR_ENCODING, "item 1: empty"},
        {"tokyo-frankfurt=230,,london-oregon=5", WF_ERR_ENCODING, "item 2: empty"},
        {"tokyo-mars=5", WF_ERR_NOT_FOUND, "'mars'"},
        {"Tokyo-frankfurt=5", WF_ERR_NOT_FOUND, "'Tokyo'"},
        {" tokyo-frankfurt=5", WF_ERR_NOT_FOUND, "' tokyo'"},
        {"tokyo-frankfurt=5, london-oregon=5", WF_ERR_NOT_FOUND, "item 2"},
        {"-frankfurt=5", WF_ERR_NOT_FOUND, "''"},
        {"tokyo-fr-ankfurt=5", WF_ERR_NOT_FOUND, "'fr-ankfurt'"},
        {"tokyo-frankfurt=60001", WF_ERR_RANGE, "above 60000"},
        {"tokyo-frankfurt=99999999999999999999", WF_ERR_RANGE, "item 1"},
        {"tokyo-frankfurt=5,frankfurt-tokyo=6", WF_ERR_CONFLICT, "item 2"},
        {"london-london=1,london-london=1", WF_ERR_CONFLICT, "london-london"},
    };
    wf_rtt_matrix m, before;
    wf_rtt_matrix_default(&m);
    CHECK_OK(wf_rtt_matrix_override(&m, "oregon-sydney=150", NULL));
    before = m;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        wf_err err = wf_rtt_matrix_override(&m, bad[i].line, &why);
        if (err != bad[i].err || why == NULL || strstr(why, bad[i].in_why) == NULL)
            fprintf(stderr, "line %zu \"%s\": %s (%s)\n", i, bad[i].line, wf_err_str(err),
                    why != NULL ? why : "no message");
        CHECK(err == bad[i].err);
        CHECK(why != NULL && strstr(why, bad[i].in_why) != NULL);
        CHECK(memcmp(&m, &before, sizeof m) == 0);
    }
    /* All or nothing: the good first item of a bad line is not applied. */
    CHECK_ERR(wf_rtt_matrix_override(&m, "tokyo-frankfurt=1,bad", NULL), WF_ERR_ENCODING);
    CHECK(memcmp(&m, &before, sizeof m) == 0);
    CHECK_ERR(wf_rtt_matrix_override(NULL, "tokyo-frankfurt=1", NULL), WF_ERR_ARG);
    CHECK_ERR(wf_rtt_matrix_override(&m, NULL, NULL), WF_ERR_ARG);
}

int main(void)
{
    test_names();
    test_default_matrix();
    test_override_good();
    test_override_bad();
    return wf_check_summary("test_regions");
}
