/* warifu: the operator's command line (DESIGN §6).
 *
 *   warifu init --dir D --name N --address URL (--passphrase-file F | --key-file K) [--kdf LEVEL]
 *   warifu cluster --threshold T --member FILE:RANK ... --out FILE
 *   warifu config-check --dir D --config FILE
 *
 * Every subcommand takes --json (one JSON object on stdout instead of
 * "key value" lines). A failure prints one line, "warifu <command>: <what
 * went wrong>", on stderr and exits 1; a bad command line exits 2. Nothing
 * secret is ever printed. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/cluster_config.h"
#include "node/files.h"
#include "node/node_identity.h"
#include "node/text_format.h"
#include "store/store.h"

#define EXIT_USAGE 2

static const char USAGE[] =
    "usage: warifu <command> [options] [--json]\n"
    "\n"
    "commands:\n"
    "  init          create a node directory: identity and TLS keys, store, member file\n"
    "      --dir D --name N --address tls+tcp://HOST:PORT\n"
    "      (--passphrase-file F [--kdf interactive|moderate|sensitive] | --key-file K)\n"
    "      a key file that does not exist yet is created (32 random bytes, mode 0600)\n"
    "  cluster       assemble a cluster config from the members' member.pub files\n"
    "      --threshold T --member FILE:RANK (once per member) --out FILE\n"
    "      members are numbered in rank order (most senior first); FILE is never overwritten\n"
    "  config-check  check a cluster config against a node directory; print the cluster id\n"
    "      --dir D --config FILE\n"
    "\n"
    "options:\n"
    "  --json        print one JSON object instead of lines of text\n"
    "  --help        print this text\n";

enum { CMD_INIT = 1, CMD_CLUSTER = 2, CMD_CHECK = 4 };

typedef struct args {
    const char *dir, *name, *address, *passphrase_file, *key_file, *kdf, *threshold, *out, *config;
    const char *members[WF_MAX_MEMBERS];
    size_t n_members;
    int json;
} args;

static const char *command = "";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "warifu %s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_FAILURE;
}

static int usage_error(const char *what)
{
    fprintf(stderr, "warifu%s%s: %s (see warifu --help)\n", command[0] != '\0' ? " " : "", command, what);
    return EXIT_USAGE;
}

/* ---- the command line ---- */

static const struct option {
    const char *flag;
    size_t offset; /* of the const char * in args */
    unsigned commands;
} OPTIONS[] = {
    {"--dir", offsetof(args, dir), CMD_INIT | CMD_CHECK},
    {"--name", offsetof(args, name), CMD_INIT},
    {"--address", offsetof(args, address), CMD_INIT},
    {"--passphrase-file", offsetof(args, passphrase_file), CMD_INIT},
    {"--key-file", offsetof(args, key_file), CMD_INIT},
    {"--kdf", offsetof(args, kdf), CMD_INIT},
    {"--threshold", offsetof(args, threshold), CMD_CLUSTER},
    {"--out", offsetof(args, out), CMD_CLUSTER},
    {"--config", offsetof(args, config), CMD_CHECK},
};

static int parse_args(args *a, unsigned cmd, int argc, char **argv)
{
    static char msg[128];
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
            continue;
        }
        int has_value = i + 1 < argc;
        if (strcmp(argv[i], "--member") == 0 && cmd == CMD_CLUSTER) {
            if (!has_value)
                return usage_error("--member needs FILE:RANK");
            if (a->n_members == WF_MAX_MEMBERS)
                return usage_error("too many members");
            a->members[a->n_members++] = argv[++i];
            continue;
        }
        size_t k = 0;
        while (k < sizeof OPTIONS / sizeof OPTIONS[0] &&
               !(strcmp(argv[i], OPTIONS[k].flag) == 0 && (OPTIONS[k].commands & cmd) != 0))
            k++;
        if (k == sizeof OPTIONS / sizeof OPTIONS[0]) {
            snprintf(msg, sizeof msg, "unknown option '%.60s'", argv[i]);
            return usage_error(msg);
        }
        const char **slot = (const char **)((char *)a + OPTIONS[k].offset);
        if (*slot != NULL || !has_value) {
            snprintf(msg, sizeof msg, "%s %s", OPTIONS[k].flag,
                     *slot != NULL ? "given twice" : "needs a value");
            return usage_error(msg);
        }
        *slot = argv[++i];
    }
    return 0;
}

static int missing(const char *value, const char *flag)
{
    static char msg[64];
    if (value != NULL)
        return 0;
    snprintf(msg, sizeof msg, "%s is required", flag);
    return usage_error(msg);
}

/* ---- output ---- */

static void json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* One field: "key value" as text, or "key": "value" in the JSON object. */
static void field(const args *a, int first, const char *key, const char *value)
{
    if (!a->json) {
        printf("%s %s\n", key, value);
        return;
    }
    printf("%s", first ? "{" : ",");
    json_string(key);
    putchar(':');
    json_string(value);
}

static void field_u32(const args *a, int first, const char *key, uint32_t value)
{
    if (!a->json)
        printf("%s %u\n", key, value);
    else
        printf("%s\"%s\":%u", first ? "{" : ",", key, value);
}

static int finish(const args *a)
{
    if (a->json)
        printf("}\n");
    return fflush(stdout) == 0 ? EXIT_SUCCESS : fail("cannot write the output");
}

/* ---- init ---- */

static int parse_kdf(const char *s, wf_store_kdf *kdf)
{
    if (s == NULL || strcmp(s, "moderate") == 0)
        *kdf = WF_STORE_KDF_MODERATE;
    else if (strcmp(s, "interactive") == 0)
        *kdf = WF_STORE_KDF_INTERACTIVE;
    else if (strcmp(s, "sensitive") == 0)
        *kdf = WF_STORE_KDF_SENSITIVE;
    else
        return 0;
    return 1;
}

static int cmd_init(const args *a)
{
    wf_store_unlock unlock = {0};
    wf_node_member m;
    char *passphrase = NULL, member_path[WF_NODE_PATH_MAX], pk_hex[2 * WF_IDENTITY_PK_BYTES + 1];
    const char *why = NULL;
    int key_file_created = 0, rc;
    struct stat st;

    if ((rc = missing(a->dir, "--dir")) || (rc = missing(a->name, "--name")) ||
        (rc = missing(a->address, "--address")))
        return rc;
    if ((a->passphrase_file == NULL) == (a->key_file == NULL))
        return usage_error("give exactly one of --passphrase-file or --key-file");
    if (a->kdf != NULL && a->passphrase_file == NULL)
        return usage_error("--kdf applies to --passphrase-file only");
    if (!parse_kdf(a->kdf, &unlock.kdf))
        return usage_error("--kdf must be interactive, moderate or sensitive");
    if (a->passphrase_file != NULL) {
        if (wf_file_read_passphrase(a->passphrase_file, &passphrase, &why) != WF_OK)
            return fail("%s", why);
        unlock.passphrase = passphrase;
    } else {
        if (lstat(a->key_file, &st) != 0 && errno == ENOENT) {
            if (wf_store_key_file_create(a->key_file) != WF_OK)
                return fail("%s", wf_store_last_error());
            key_file_created = 1;
        }
        unlock.key_file = a->key_file;
    }
    wf_err err = wf_node_init(a->dir, a->name, a->address, &unlock, &m, &why);
    wf_secure_free(passphrase);
    if (err != WF_OK) {
        if (key_file_created)
            unlink(a->key_file);
        return fail("%s", why != NULL ? why : wf_err_str(err));
    }
    wf_path_join(member_path, sizeof member_path, a->dir, WF_NODE_MEMBER_FILE);
    wf_hex_encode(pk_hex, m.identity_pk, sizeof m.identity_pk);
    field(a, 1, "dir", a->dir);
    field(a, 0, "name", m.name);
    field(a, 0, "address", m.address);
    field(a, 0, "identity_pk", pk_hex);
    field(a, 0, "tls_fingerprint", m.fingerprint);
    field(a, 0, "member_file", member_path);
    if (key_file_created)
        field(a, 0, "key_file_created", a->key_file);
    wf_node_member_clear(&m);
    return finish(a);
}

/* ---- cluster ---- */

/* FILE:RANK, split at the last ':' (a path may hold ':', a rank does not). */
static int parse_member_arg(const char *arg, char *path, size_t cap, uint32_t *rank)
{
    const char *colon = strrchr(arg, ':');
    if (colon == NULL || colon == arg || (size_t)(colon - arg) >= cap)
        return 0;
    wf_span r = {colon + 1, strlen(colon + 1)};
    if (!wf_span_u32(r, WF_MAX_MEMBERS - 1, rank))
        return 0;
    memcpy(path, arg, (size_t)(colon - arg));
    path[colon - arg] = '\0';
    return 1;
}

static void print_config(const args *a, const wf_cluster_config *c, const char *out_path)
{
    char id[2 * WF_ID_BYTES + 1];
    wf_hex_encode(id, c->cluster_id, sizeof c->cluster_id);
    field(a, 1, "cluster_id", id);
    field_u32(a, 0, "threshold", c->threshold);
    field(a, 0, "out", out_path);
    if (a->json)
        printf(",\"members\":[");
    for (uint32_t i = 0; i < c->n; i++) {
        const wf_cluster_member *m = &c->members[i];
        if (!a->json) {
            printf("member %u %s rank %u %s\n", i, m->pub.name, m->rank, m->pub.address);
            continue;
        }
        printf("%s{\"index\":%u,\"name\":", i > 0 ? "," : "", i);
        json_string(m->pub.name);
        printf(",\"rank\":%u,\"address\":", m->rank);
        json_string(m->pub.address);
        printf("}");
    }
    if (a->json)
        printf("]");
}

static int cmd_cluster(const args *a)
{
    wf_node_member *members = NULL;
    uint32_t ranks[WF_MAX_MEMBERS], threshold = 0;
    wf_cluster_config *c = NULL;
    const char *why = NULL;
    char path[WF_NODE_PATH_MAX];
    int rc;

    if ((rc = missing(a->threshold, "--threshold")) || (rc = missing(a->out, "--out")))
        return rc;
    wf_span t = {a->threshold, strlen(a->threshold)};
    if (!wf_span_u32(t, WF_MAX_MEMBERS, &threshold))
        return usage_error("--threshold must be a number of members");
    if (a->n_members < WF_CLUSTER_MIN_MEMBERS)
        return usage_error("give --member FILE:RANK for every member (at least two)");
    if ((members = calloc(a->n_members, sizeof *members)) == NULL)
        return fail("out of memory");
    for (size_t i = 0; i < a->n_members && rc == 0; i++) {
        if (!parse_member_arg(a->members[i], path, sizeof path, &ranks[i]))
            rc = usage_error("--member needs FILE:RANK with a rank below 64");
        else if (wf_node_member_load(&members[i], path, &why) != WF_OK)
            rc = fail("%s", why);
    }
    if (rc == 0 && wf_cluster_config_build(&c, threshold, members, ranks, a->n_members, &why) != WF_OK)
        rc = fail("%s", why);
    if (rc == 0 && wf_cluster_config_write(c, a->out, &why) != WF_OK)
        rc = fail("%s", why);
    if (rc == 0) {
        print_config(a, c, a->out);
        rc = finish(a);
    }
    for (size_t i = 0; i < a->n_members; i++)
        wf_node_member_clear(&members[i]);
    free(members);
    wf_cluster_config_free(c);
    return rc;
}

/* ---- config-check ---- */

static int cmd_check(const args *a)
{
    wf_node_identity id;
    wf_cluster_config *c = NULL;
    const char *why = NULL;
    uint32_t self = 0;
    int rc;

    if ((rc = missing(a->dir, "--dir")) || (rc = missing(a->config, "--config")))
        return rc;
    if (wf_node_identity_load(&id, a->dir, 1, &why) != WF_OK)
        return fail("%s", why);
    if (wf_cluster_config_load(&c, a->config, &why) != WF_OK ||
        wf_cluster_config_find_self(c, &id, &self, &why) != WF_OK)
        rc = fail("%s", why);
    if (rc == 0) {
        char hex[2 * WF_ID_BYTES + 1];
        wf_hex_encode(hex, c->cluster_id, sizeof c->cluster_id);
        field(a, 1, "cluster_id", hex);
        field_u32(a, 0, "index", self);
        field(a, 0, "name", c->members[self].pub.name);
        field_u32(a, 0, "rank", c->members[self].rank);
        field_u32(a, 0, "threshold", c->threshold);
        field_u32(a, 0, "members", c->n);
        rc = finish(a);
    }
    wf_cluster_config_free(c);
    wf_node_identity_clear(&id);
    return rc;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        unsigned id;
        int (*run)(const args *a);
    } commands[] = {
        {"init", CMD_INIT, cmd_init},
        {"cluster", CMD_CLUSTER, cmd_cluster},
        {"config-check", CMD_CHECK, cmd_check},
    };
    args a;

    if (argc < 2)
        return usage_error("no command given");
    int help = strcmp(argv[1], "help") == 0;
    for (int i = 1; i < argc; i++)
        help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
    if (help) {
        fputs(USAGE, stdout);
        return EXIT_SUCCESS;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[1], commands[k].name) != 0)
            continue;
        command = commands[k].name;
        int rc = parse_args(&a, commands[k].id, argc - 2, argv + 2);
        if (rc != 0)
            return rc;
        if (wf_crypto_init() != WF_OK)
            return fail("cannot initialise the crypto libraries");
        return commands[k].run(&a);
    }
    return usage_error("unknown command (init, cluster or config-check)");
}
