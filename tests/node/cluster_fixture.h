/* Helpers for the node-directory, cluster-config and policy tests: a private
 * temporary tree removed with everything in it at exit (node directories
 * hold RocksDB stores), whole-file reads, writes and edits, initialised
 * nodes, and running the warifu CLI (WF_WARIFU_BIN) with its output
 * captured. */
#ifndef WF_TESTS_CLUSTER_FIXTURE_H
#define WF_TESTS_CLUSTER_FIXTURE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/node_identity.h"
#include "store/store.h"
#include "tests/check.h"

#define WF_CF_PATH 256

static char wf_cf_root[64];
static pid_t wf_cf_owner; /* children that exit must not remove the tree */

/* rm -r of a tree of ours (no symlinks are followed: lstat). */
static inline void wf_cf_rm(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char child[1024];
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) < (int)sizeof child)
                wf_cf_rm(child);
        }
        if (d != NULL)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static inline void wf_cf_root_remove(void)
{
    if (getpid() == wf_cf_owner)
        wf_cf_rm(wf_cf_root);
}

/* Creates the temporary tree (mode 0700), removed at exit. */
static inline void wf_cf_root_make(void)
{
    strcpy(wf_cf_root, "/tmp/wf_cluster_test_XXXXXX");
    REQUIRE(mkdtemp(wf_cf_root) != NULL);
    wf_cf_owner = getpid();
    atexit(wf_cf_root_remove);
}

/* out = <root>/<rel> */
static inline void wf_cf_path(char *out, size_t cap, const char *rel)
{
    int n = snprintf(out, cap, "%s/%s", wf_cf_root, rel);
    REQUIRE(n > 0 && (size_t)n < cap);
}

/* The whole file, NUL-terminated (malloc); NULL if it cannot be read. */
static inline char *wf_cf_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 + 1 > cap) {
            cap = cap == 0 ? 8192 : cap * 2;
            buf = realloc(buf, cap);
            REQUIRE(buf != NULL);
        }
        got = fread(buf + n, 1, 4096, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

static inline void wf_cf_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(text, 1, strlen(text), f) == strlen(text));
    REQUIRE(fclose(f) == 0);
    REQUIRE(chmod(path, mode) == 0);
}

/* text with the first occurrence of `from` (which must be there) replaced
 * by `to` (malloc). */
static inline char *wf_cf_replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    REQUIRE(at != NULL);
    size_t head = (size_t)(at - text), flen = strlen(from), tlen = strlen(to);
    char *out = malloc(strlen(text) - flen + tlen + 1);
    REQUIRE(out != NULL);
    memcpy(out, text, head);
    memcpy(out + head, to, tlen);
    strcpy(out + head + tlen, at + flen);
    return out;
}

/* Initialises node `name` in <root>/<name> (dir) with a new key file
 * <root>/<name>.keyfile (key_file); *out gets its member file. */
static inline void wf_cf_init_node(const char *name, const char *address, char dir[WF_CF_PATH],
                                   char key_file[WF_CF_PATH], wf_node_member *out)
{
    char rel[128];
    const char *why = NULL;
    wf_cf_path(dir, WF_CF_PATH, name);
    snprintf(rel, sizeof rel, "%s.keyfile", name);
    wf_cf_path(key_file, WF_CF_PATH, rel);
    REQUIRE(wf_store_key_file_create(key_file) == WF_OK);
    wf_store_unlock u = {.key_file = key_file};
    wf_err err = wf_node_init(dir, name, address, &u, out, &why);
    if (err != WF_OK)
        fprintf(stderr, "init %s: %s\n", name, why);
    REQUIRE(err == WF_OK);
}

static inline mode_t wf_cf_mode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (st.st_mode & 07777) : (mode_t)-1;
}

/* What a run of the CLI printed and how it ended. */
typedef struct wf_cf_run {
    int exit_code; /* -1 if it did not exit normally */
    char *out, *err;
} wf_cf_run;

static inline void wf_cf_run_clear(wf_cf_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Runs warifu with argv (NULL-terminated, argv[0] excluded) and captures its
 * stdout and stderr. */
static inline void wf_cf_warifu(wf_cf_run *r, const char *const *argv)
{
    char out[256], err[256];
    const char *args[64] = {WF_WARIFU_BIN};
    size_t n = 1;
    for (; argv[n - 1] != NULL; n++) {
        REQUIRE(n < 63);
        args[n] = argv[n - 1];
    }
    args[n] = NULL;
    wf_cf_path(out, sizeof out, "cli.out");
    wf_cf_path(err, sizeof err, "cli.err");
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(127);
        execv(WF_WARIFU_BIN, (char *const *)args);
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->out = wf_cf_read(out, NULL);
    r->err = wf_cf_read(err, NULL);
    REQUIRE(r->out != NULL && r->err != NULL);
}

/* 1 when s is exactly one non-empty line. */
static inline int wf_cf_one_line(const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;
    return len > 1 && s[len - 1] == '\n' && memchr(s, '\n', len - 1) == NULL;
}

#endif
