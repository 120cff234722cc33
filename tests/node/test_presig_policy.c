/* node/presig_policy: per (key, signing set) presignature water-marks. The
 * most specific line wins, the default applies where none matches, and
 * every malformed file is refused with the number of the line at fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/presig_policy.h"
#include "tests/check.h"

#define KEY_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static wf_presig_policy *parse(const char *text, const char **why)
{
    wf_presig_policy *p = NULL;
    *why = NULL;
    wf_err err = wf_presig_policy_parse(&p, text, strlen(text), 5, 3, 2, 4, why);
    CHECK((err == WF_OK) == (p != NULL));
    return p;
}

static void marks(const wf_presig_policy *p, uint8_t key_byte, wf_member_set set, unsigned *low,
                  unsigned *high)
{
    uint8_t key[32];
    memset(key, key_byte, 32);
    wf_presig_policy_marks(p, key, set, low, high);
}

static void test_precedence(void)
{
    const char *why;
    wf_presig_policy *p = parse("warifu-presig 1\n"
                                "# a busy key\n"
                                "\n" KEY_A " * 10 20\n" KEY_A " 0,1,2 30 40\n"
                                "* 1,2,4 5 6\n"
                                "* * 1 1\n"
                                "end\n",
                                &why);
    REQUIRE(p != NULL);
    unsigned lo = 0, hi = 0;
    marks(p, 0xaa, 0x07, &lo, &hi); /* key and set */
    CHECK(lo == 30 && hi == 40);
    marks(p, 0xaa, 0x16, &lo, &hi); /* key beats set */
    CHECK(lo == 10 && hi == 20);
    marks(p, 0xbb, 0x16, &lo, &hi); /* set */
    CHECK(lo == 5 && hi == 6);
    marks(p, 0xbb, 0x07, &lo, &hi); /* * * */
    CHECK(lo == 1 && hi == 1);
    CHECK(wf_presig_policy_max_high(p) == 40);
    wf_presig_policy_free(p);

    /* without * *, the default (2, 4) applies where nothing matches */
    p = parse("warifu-presig 1\n" KEY_B " 0,3,4 0 0\nend\n", &why);
    REQUIRE(p != NULL);
    marks(p, 0xbb, 0x19, &lo, &hi);
    CHECK(lo == 0 && hi == 0);
    marks(p, 0xbb, 0x07, &lo, &hi);
    CHECK(lo == 2 && hi == 4);
    CHECK(wf_presig_policy_max_high(p) == 4);
    wf_presig_policy_free(p);

    CHECK_OK(wf_presig_policy_default(&p, 3, 3));
    marks(p, 0x01, 0x07, &lo, &hi);
    CHECK(lo == 3 && hi == 3);
    wf_presig_policy_free(p);
    CHECK_ERR(wf_presig_policy_default(&p, 4, 3), WF_ERR_ARG);
}

static void test_refused(void)
{
    static const struct {
        const char *text;
        const char *line; /* expected at the start of the message */
    } bad[] = {
        {"warifu-presig 2\nend\n", "line 1:"},
        {"warifu-presig 1\n* * 1 2\n", "line 2:"},                            /* no end (after line 2) */
        {"warifu-presig 1\n* * 1 2\nend\nextra\n", "line 4:"},                /* after end */
        {"warifu-presig 1\n\n* * 3 2\nend\n", "line 3:"},                     /* low above high */
        {"warifu-presig 1\n* * 1\nend\n", "line 2:"},                         /* too few words */
        {"warifu-presig 1\n* * 1 2 3\nend\n", "line 2:"},                     /* too many */
        {"warifu-presig 1\n*  * 1 2\nend\n", "line 2:"},                      /* doubled space */
        {"warifu-presig 1\nAAAA * 1 2\nend\n", "line 2:"},                    /* bad key id */
        {"warifu-presig 1\n* 0,1 1 2\nend\n", "line 2:"},                     /* two members, threshold 3 */
        {"warifu-presig 1\n* 0,1,2,3 1 2\nend\n", "line 2:"},                 /* four */
        {"warifu-presig 1\n* 2,1,0 1 2\nend\n", "line 2:"},                   /* not increasing */
        {"warifu-presig 1\n* 0,1,5 1 2\nend\n", "line 2:"},                   /* no member 5 of 5 */
        {"warifu-presig 1\n* 0,,1 1 2\nend\n", "line 2:"},                    /* empty index */
        {"warifu-presig 1\n* 0,1,01 1 2\nend\n", "line 2:"},                  /* leading zero */
        {"warifu-presig 1\n* * 1 100001\nend\n", "line 2:"},                  /* above the cap */
        {"warifu-presig 1\n* * -1 2\nend\n", "line 2:"},                      /* sign */
        {"warifu-presig 1\n* 0,1,2 1 2\n# c\n* 0,1,2 3 3\nend\n", "line 4:"}, /* same pattern twice */
        {"warifu-presig 1\n* * 1 2\r\nend\n", "line 2:"},                     /* CR */
        {"warifu-presig 1\nkey * 1 2\nend\n", "line 2:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        wf_presig_policy *p = parse(bad[i].text, &why);
        CHECK(p == NULL);
        int named = why != NULL && strncmp(why, bad[i].line, strlen(bad[i].line)) == 0;
        if (!named)
            fprintf(stderr, "case %zu: '%s'\n", i, why ? why : "(none)");
        CHECK(named);
        wf_presig_policy_free(p);
    }
}

static void test_load(void)
{
    char path[] = "/tmp/wf-presig-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const char text[] = "warifu-presig 1\n* * 1 1\n* 1,2,3 x 2\nend\n";
    REQUIRE(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    wf_presig_policy *p = NULL;
    const char *why = NULL;
    CHECK_ERR(wf_presig_policy_load(&p, path, 5, 3, 0, 0, &why), WF_ERR_RANGE);
    CHECK(p == NULL && why != NULL && strstr(why, path) != NULL && strstr(why, "line 3:") != NULL);
    remove(path);
    CHECK_ERR(wf_presig_policy_load(&p, path, 5, 3, 0, 0, &why), WF_ERR_STORAGE);
}

int main(void)
{
    test_precedence();
    test_refused();
    test_load();
    return wf_check_summary("test_presig_policy");
}
