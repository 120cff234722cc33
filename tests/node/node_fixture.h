/* Helpers for the node tests: a private temporary directory whose files are
 * removed at exit, and TLS identities generated into it. */
#ifndef WF_TESTS_NODE_FIXTURE_H
#define WF_TESTS_NODE_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/tls_identity.h"
#include "tests/check.h"

static char wf_test_dir[64];

static inline void wf_test_dir_remove(void)
{
    DIR *d = opendir(wf_test_dir);
    struct dirent *e;
    char path[512];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", wf_test_dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(wf_test_dir);
}

/* Creates the directory (mode 0700) and removes it with its files at exit. */
static inline void wf_test_dir_make(void)
{
    strcpy(wf_test_dir, "/tmp/wf_node_test_XXXXXX");
    REQUIRE(mkdtemp(wf_test_dir) != NULL);
    atexit(wf_test_dir_remove);
}

/* out = <dir>/<name>.<ext> */
static inline void wf_test_path(char *out, size_t cap, const char *name, const char *ext)
{
    int n = snprintf(out, cap, "%s/%s.%s", wf_test_dir, name, ext);
    REQUIRE(n > 0 && (size_t)n < cap);
}

/* Generates <dir>/<file>.key and <dir>/<file>.crt for member `name`. */
static inline void wf_test_identity(const char *file, const char *name)
{
    char key[256], crt[256];
    const char *why = NULL;
    wf_test_path(key, sizeof key, file, "key");
    wf_test_path(crt, sizeof crt, file, "crt");
    wf_err err = wf_tls_identity_generate(name, key, crt, NULL, &why);
    if (err != WF_OK)
        fprintf(stderr, "generate %s: %s\n", name, why != NULL ? why : wf_err_str(err));
    REQUIRE(err == WF_OK);
}

#endif
