/* warifu: the operator's command line (DESIGN §5, §6), and a client's.
 *
 *   warifu init --dir D --name N --address URL (--passphrase-file F | --key-file K) [--kdf LEVEL]
 *   warifu cluster --threshold T --member FILE:RANK ... --out FILE
 *   warifu config-check --dir D --config FILE
 *   warifu client-init DIR --name N
 *   warifu backup keygen OUT_DIR
 *   warifu backup export NODE_DIR --to FILE --backup-key PUBFILE (--passphrase-file F | --key-file K)
 *   warifu backup verify FILE --backup-secret SECFILE
 *   warifu audit verify NODE_DIR (--passphrase-file F | --key-file K)
 *   warifu keygen|refresh|sign|pubkey|address|status --client DIR --node-url URL --node-cert FILE ...
 *          (cli_client.h: a client's requests to one node)
 *
 * The store commands open the node's store read-only, so they run while
 * warifud holds it. Every subcommand takes --json (one JSON object on stdout
 * instead of "key value" lines). A failure prints one line, "warifu
 * <command>: <what went wrong>", on stderr and exits 1 (a failed verify
 * with --json also prints its JSON report, "ok": false); a bad command line
 * exits 2; the client commands have exit codes of their own for the node's
 * answers (cli.h). Nothing secret is ever printed. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/cli.h"
#include "node/cli_client.h"
#include "node/client_identity.h"
#include "node/cluster_config.h"
#include "node/files.h"
#include "node/node_identity.h"
#include "node/text_format.h"
#include "store/audit.h"
#include "store/backup.h"
#include "store/store.h"

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
    "  client-init DIR --name N\n"
    "                create a client directory: Ed25519 request key, TLS key and certificate;\n"
    "                print the policy line that admits the client\n"
    "  backup keygen OUT_DIR\n"
    "                make an offline backup key pair: OUT_DIR/backup.key (secret, 0600), backup.pub\n"
    "  backup export NODE_DIR --to FILE --backup-key PUBFILE (--passphrase-file F | --key-file K)\n"
    "                write the node's key shares to FILE, sealed to the backup public key\n"
    "  backup verify FILE --backup-secret SECFILE\n"
    "                check a backup: every share opens and matches its key (writes nothing)\n"
    "  audit verify NODE_DIR (--passphrase-file F | --key-file K)\n"
    "                check the node's audit chain; print the records checked or the first bad one\n"
    "\n"
    "The store commands open the store read-only: they run while warifud holds it.\n"
    "\n"
    "client commands, asking one node's client API with a client directory's identity; each takes\n"
    "      --client DIR --node-url tls+tcp://HOST:PORT --node-cert FILE (the node's tls.crt)\n"
    "      [--timeout-ms MS]\n"
    "  keygen        create a key (every member runs DKG); print its id, public key and xpub\n"
    "      --request-id ID [--expiry-s S]\n"
    "  refresh KEY   proactive refresh: every member of the key's committee gets a new share of the\n"
    "                same key (and new Paillier keys); pooled presignatures are dropped; print the key\n"
    "                and its generation\n"
    "      --request-id ID [--expiry-s S]\n"
    "      [--cluster FILE --members NAME,NAME,... --threshold T --ranks R,R,...]\n"
    "                a key of its own committee: those members only (names from the cluster\n"
    "                config), its own threshold and ranks (one each, in the order given)\n"
    "  reshare KEY_ID  move the key to a new committee (same public key and xpub)\n"
    "      --request-id ID --cluster FILE --members NAME,... --threshold T --ranks R,... [--expiry-s S]\n"
    "  sign          sign a 32-byte digest with a key or its child; print r, s, v, der, public key\n"
    "      --key KEY_ID --digest HEX --request-id ID [--path m/0/7] [--expiry-s S]\n"
    "  pubkey        print a key's id, public key and xpub\n"
    "      --key KEY_ID\n"
    "  address       print a key's (or child's) public key, BTC P2WPKH and ETH addresses\n"
    "      --key KEY_ID [--path m/0/7]\n"
    "  status        print the node, its peers up and down, its keys and presignature pools\n"
    "\n"
    "A request id (1..64 printable characters) names a request: asking again with it is safe and\n"
    "returns the same signature or key. Requests are valid for --expiry-s seconds (1..600, 120).\n"
    "Paths have at most 8 non-hardened steps. Exit codes: 1 a local failure, 2 a bad command line,\n"
    "3 refused by the node, 4 no answer from the node, 5 the node could not do it now (retry).\n"
    "\n"
    "options:\n"
    "  --json        print one JSON object instead of lines of text\n"
    "  --help        print this text\n";

enum {
    CMD_INIT = 1,
    CMD_CLUSTER = 2,
    CMD_CHECK = 4,
    CMD_CLIENT_INIT = 8,
    CMD_BACKUP_KEYGEN = 16,
    CMD_BACKUP_EXPORT = 32,
    CMD_BACKUP_VERIFY = 64,
    CMD_AUDIT_VERIFY = 128,
    CMD_KEYGEN = 256,
    CMD_SIGN = 512,
    CMD_PUBKEY = 1024,
    CMD_ADDRESS = 2048,
    CMD_STATUS = 4096,
    CMD_REFRESH = 8192,
    CMD_RESHARE = 16384,
};
#define CMD_UNLOCK (CMD_INIT | CMD_BACKUP_EXPORT | CMD_AUDIT_VERIFY) /* open a store */
/* ask a node */
#define CMD_ASK       (CMD_KEYGEN | CMD_SIGN | CMD_PUBKEY | CMD_ADDRESS | CMD_STATUS | CMD_REFRESH | CMD_RESHARE)
#define CMD_SIGNED    (CMD_KEYGEN | CMD_SIGN | CMD_REFRESH | CMD_RESHARE) /* requests signed by the client */
#define CMD_COMMITTEE (CMD_KEYGEN | CMD_RESHARE)                         /* name a key's committee */
#define CMD_KEY       (CMD_SIGN | CMD_PUBKEY | CMD_ADDRESS)

#define BACKUP_SECRET_FILE "backup.key"
#define BACKUP_PUBLIC_FILE "backup.pub"

/* ---- the command line ---- */

static const struct option {
    const char *flag;
    size_t offset; /* of the const char * in wf_cli_args */
    unsigned commands;
} OPTIONS[] = {
    {"--dir", offsetof(wf_cli_args, dir), CMD_INIT | CMD_CHECK},
    {"--name", offsetof(wf_cli_args, name), CMD_INIT | CMD_CLIENT_INIT},
    {"--address", offsetof(wf_cli_args, address), CMD_INIT},
    {"--passphrase-file", offsetof(wf_cli_args, passphrase_file), CMD_UNLOCK},
    {"--key-file", offsetof(wf_cli_args, key_file), CMD_UNLOCK},
    {"--kdf", offsetof(wf_cli_args, kdf), CMD_INIT},
    {"--threshold", offsetof(wf_cli_args, threshold), CMD_CLUSTER | CMD_COMMITTEE},
    {"--members", offsetof(wf_cli_args, committee), CMD_COMMITTEE},
    {"--ranks", offsetof(wf_cli_args, ranks), CMD_COMMITTEE},
    {"--cluster", offsetof(wf_cli_args, cluster), CMD_COMMITTEE},
    {"--out", offsetof(wf_cli_args, out), CMD_CLUSTER},
    {"--config", offsetof(wf_cli_args, config), CMD_CHECK},
    {"--to", offsetof(wf_cli_args, to), CMD_BACKUP_EXPORT},
    {"--backup-key", offsetof(wf_cli_args, backup_key), CMD_BACKUP_EXPORT},
    {"--backup-secret", offsetof(wf_cli_args, backup_secret), CMD_BACKUP_VERIFY},
    {"--client", offsetof(wf_cli_args, client), CMD_ASK},
    {"--node-url", offsetof(wf_cli_args, node_url), CMD_ASK},
    {"--node-cert", offsetof(wf_cli_args, node_cert), CMD_ASK},
    {"--timeout-ms", offsetof(wf_cli_args, timeout_ms), CMD_ASK},
    {"--request-id", offsetof(wf_cli_args, request_id), CMD_SIGNED},
    {"--expiry-s", offsetof(wf_cli_args, expiry_s), CMD_SIGNED},
    {"--key", offsetof(wf_cli_args, key), CMD_KEY},
    {"--digest", offsetof(wf_cli_args, digest), CMD_SIGN},
    {"--path", offsetof(wf_cli_args, path), CMD_SIGN | CMD_ADDRESS},
};

/* Parses argv into a for command cmd, which takes n_pos positional
 * arguments (named pos_names in messages). */
static int parse_args(wf_cli_args *a, unsigned cmd, size_t n_pos, const char *pos_names, int argc,
                      char **argv)
{
    static char msg[128];
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0) {
            if (a->n_pos == n_pos) {
                snprintf(msg, sizeof msg, "unexpected argument '%.60s'", argv[i]);
                return wf_cli_usage_error(msg);
            }
            a->pos[a->n_pos++] = argv[i];
            continue;
        }
        int has_value = i + 1 < argc;
        if (strcmp(argv[i], "--member") == 0 && cmd == CMD_CLUSTER) {
            if (!has_value)
                return wf_cli_usage_error("--member needs FILE:RANK");
            if (a->n_members == WF_MAX_MEMBERS)
                return wf_cli_usage_error("too many members");
            a->members[a->n_members++] = argv[++i];
            continue;
        }
        size_t k = 0;
        while (k < sizeof OPTIONS / sizeof OPTIONS[0] &&
               !(strcmp(argv[i], OPTIONS[k].flag) == 0 && (OPTIONS[k].commands & cmd) != 0))
            k++;
        if (k == sizeof OPTIONS / sizeof OPTIONS[0]) {
            snprintf(msg, sizeof msg, "unknown option '%.60s'", argv[i]);
            return wf_cli_usage_error(msg);
        }
        const char **slot = (const char **)((char *)a + OPTIONS[k].offset);
        if (*slot != NULL || !has_value) {
            snprintf(msg, sizeof msg, "%s %s", OPTIONS[k].flag,
                     *slot != NULL ? "given twice" : "needs a value");
            return wf_cli_usage_error(msg);
        }
        *slot = argv[++i];
    }
    if (a->n_pos != n_pos) {
        snprintf(msg, sizeof msg, "%s is required", pos_names);
        return wf_cli_usage_error(msg);
    }
    return 0;
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

static int cmd_init(const wf_cli_args *a)
{
    wf_store_unlock unlock = {0};
    wf_node_member m;
    char *passphrase = NULL, member_path[WF_NODE_PATH_MAX], pk_hex[2 * WF_IDENTITY_PK_BYTES + 1];
    const char *why = NULL;
    int key_file_created = 0, rc;
    struct stat st;

    if ((rc = wf_cli_missing(a->dir, "--dir")) || (rc = wf_cli_missing(a->name, "--name")) ||
        (rc = wf_cli_missing(a->address, "--address")))
        return rc;
    if ((a->passphrase_file == NULL) == (a->key_file == NULL))
        return wf_cli_usage_error("give exactly one of --passphrase-file or --key-file");
    if (a->kdf != NULL && a->passphrase_file == NULL)
        return wf_cli_usage_error("--kdf applies to --passphrase-file only");
    if (!parse_kdf(a->kdf, &unlock.kdf))
        return wf_cli_usage_error("--kdf must be interactive, moderate or sensitive");
    if (a->passphrase_file != NULL) {
        if (wf_file_read_passphrase(a->passphrase_file, &passphrase, &why) != WF_OK)
            return wf_cli_fail("%s", why);
        unlock.passphrase = passphrase;
    } else {
        if (lstat(a->key_file, &st) != 0 && errno == ENOENT) {
            if (wf_store_key_file_create(a->key_file) != WF_OK)
                return wf_cli_fail("%s", wf_store_last_error());
            key_file_created = 1;
        }
        unlock.key_file = a->key_file;
    }
    wf_err err = wf_node_init(a->dir, a->name, a->address, &unlock, &m, &why);
    wf_secure_free(passphrase);
    if (err != WF_OK) {
        if (key_file_created)
            unlink(a->key_file);
        return wf_cli_fail("%s", why != NULL ? why : wf_err_str(err));
    }
    wf_path_join(member_path, sizeof member_path, a->dir, WF_NODE_MEMBER_FILE);
    wf_hex_encode(pk_hex, m.identity_pk, sizeof m.identity_pk);
    wf_cli_field(a, "dir", a->dir);
    wf_cli_field(a, "name", m.name);
    wf_cli_field(a, "address", m.address);
    wf_cli_field(a, "identity_pk", pk_hex);
    wf_cli_field(a, "tls_fingerprint", m.fingerprint);
    wf_cli_field(a, "member_file", member_path);
    if (key_file_created)
        wf_cli_field(a, "key_file_created", a->key_file);
    wf_node_member_clear(&m);
    return wf_cli_finish(a);
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

static void print_config(const wf_cli_args *a, const wf_cluster_config *c, const char *out_path)
{
    char id[2 * WF_ID_BYTES + 1];
    wf_hex_encode(id, c->cluster_id, sizeof c->cluster_id);
    wf_cli_field(a, "cluster_id", id);
    wf_cli_field_u64(a, "threshold", c->threshold);
    wf_cli_field(a, "out", out_path);
    wf_cli_json_key(a, "members");
    if (a->json)
        printf("[");
    for (uint32_t i = 0; i < c->n; i++) {
        const wf_cluster_member *m = &c->members[i];
        if (!a->json) {
            printf("member %u %s rank %u %s\n", i, m->pub.name, m->rank, m->pub.address);
            continue;
        }
        printf("%s{\"index\":%u,\"name\":", i > 0 ? "," : "", i);
        wf_cli_json_string(m->pub.name);
        printf(",\"rank\":%u,\"address\":", m->rank);
        wf_cli_json_string(m->pub.address);
        printf("}");
    }
    if (a->json)
        printf("]");
}

static int cmd_cluster(const wf_cli_args *a)
{
    wf_node_member *members = NULL;
    uint32_t ranks[WF_MAX_MEMBERS], threshold = 0;
    wf_cluster_config *c = NULL;
    const char *why = NULL;
    char path[WF_NODE_PATH_MAX];
    int rc;

    if ((rc = wf_cli_missing(a->threshold, "--threshold")) || (rc = wf_cli_missing(a->out, "--out")))
        return rc;
    wf_span t = {a->threshold, strlen(a->threshold)};
    if (!wf_span_u32(t, WF_MAX_MEMBERS, &threshold))
        return wf_cli_usage_error("--threshold must be a number of members");
    if (a->n_members < WF_CLUSTER_MIN_MEMBERS)
        return wf_cli_usage_error("give --member FILE:RANK for every member (at least two)");
    if ((members = calloc(a->n_members, sizeof *members)) == NULL)
        return wf_cli_fail("out of memory");
    for (size_t i = 0; i < a->n_members && rc == 0; i++) {
        if (!parse_member_arg(a->members[i], path, sizeof path, &ranks[i]))
            rc = wf_cli_usage_error("--member needs FILE:RANK with a rank below 64");
        else if (wf_node_member_load(&members[i], path, &why) != WF_OK)
            rc = wf_cli_fail("%s", why);
    }
    if (rc == 0 && wf_cluster_config_build(&c, threshold, members, ranks, a->n_members, &why) != WF_OK)
        rc = wf_cli_fail("%s", why);
    if (rc == 0 && wf_cluster_config_write(c, a->out, &why) != WF_OK)
        rc = wf_cli_fail("%s", why);
    if (rc == 0) {
        print_config(a, c, a->out);
        rc = wf_cli_finish(a);
    }
    for (size_t i = 0; i < a->n_members; i++)
        wf_node_member_clear(&members[i]);
    free(members);
    wf_cluster_config_free(c);
    return rc;
}

/* ---- config-check ---- */

static int cmd_check(const wf_cli_args *a)
{
    wf_node_identity id;
    wf_cluster_config *c = NULL;
    const char *why = NULL;
    uint32_t self = 0;
    int rc;

    if ((rc = wf_cli_missing(a->dir, "--dir")) || (rc = wf_cli_missing(a->config, "--config")))
        return rc;
    if (wf_node_identity_load(&id, a->dir, 1, &why) != WF_OK)
        return wf_cli_fail("%s", why);
    if (wf_cluster_config_load(&c, a->config, &why) != WF_OK ||
        wf_cluster_config_find_self(c, &id, &self, &why) != WF_OK)
        rc = wf_cli_fail("%s", why);
    if (rc == 0) {
        char hex[2 * WF_ID_BYTES + 1];
        wf_hex_encode(hex, c->cluster_id, sizeof c->cluster_id);
        wf_cli_field(a, "cluster_id", hex);
        wf_cli_field_u64(a, "index", self);
        wf_cli_field(a, "name", c->members[self].pub.name);
        wf_cli_field_u64(a, "rank", c->members[self].rank);
        wf_cli_field_u64(a, "threshold", c->threshold);
        wf_cli_field_u64(a, "members", c->n);
        rc = wf_cli_finish(a);
    }
    wf_cluster_config_free(c);
    wf_node_identity_clear(&id);
    return rc;
}

/* ---- client-init ---- */

static int cmd_client_init(const wf_cli_args *a)
{
    wf_client_identity id;
    char line[WF_CLIENT_POLICY_LINE_MAX], pk_hex[2 * WF_IDENTITY_PK_BYTES + 1];
    const char *why = NULL;
    int rc;

    if ((rc = wf_cli_missing(a->name, "--name")))
        return rc;
    if (wf_client_identity_create(a->pos[0], a->name, &id, &why) != WF_OK)
        return wf_cli_fail("%s", why);
    wf_hex_encode(pk_hex, id.pk, sizeof id.pk);
    wf_client_identity_policy_line(&id, line);
    wf_cli_field(a, "dir", a->pos[0]);
    wf_cli_field(a, "name", id.name);
    wf_cli_field(a, "client_pk", pk_hex);
    wf_cli_field(a, "tls_fingerprint", id.fingerprint);
    wf_cli_field(a, "tls_cert", id.tls_cert_path);
    wf_cli_field(a, "policy_line", line);
    wf_client_identity_clear(&id);
    return wf_cli_finish(a);
}

/* ---- the store commands ---- */

/* Opens NODE_DIR's store read-only with --passphrase-file or --key-file. */
static int open_store(const wf_cli_args *a, const char *node_dir, wf_store **s)
{
    wf_store_unlock unlock = {0};
    char *passphrase = NULL, path[WF_NODE_PATH_MAX];
    const char *why = NULL;

    *s = NULL;
    if ((a->passphrase_file == NULL) == (a->key_file == NULL))
        return wf_cli_usage_error("give exactly one of --passphrase-file or --key-file");
    if (!wf_path_join(path, sizeof path, node_dir, WF_NODE_STORE_DIR))
        return wf_cli_fail("the node directory's path is too long");
    if (a->passphrase_file != NULL) {
        if (wf_file_read_passphrase(a->passphrase_file, &passphrase, &why) != WF_OK)
            return wf_cli_fail("%s", why);
        unlock.passphrase = passphrase;
    } else {
        unlock.key_file = a->key_file;
    }
    wf_err err = wf_store_open_readonly(s, path, &unlock);
    wf_secure_free(passphrase);
    return err == WF_OK ? 0 : wf_cli_fail("%s", wf_store_last_error());
}

/* ms since the epoch as 2025-01-31T09:30:00.000Z */
static void iso8601(char out[64], uint64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}

static int cmd_backup_keygen(const wf_cli_args *a)
{
    char sec[WF_NODE_PATH_MAX], pub[WF_NODE_PATH_MAX];
    uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES];
    struct stat st;
    const char *dir = a->pos[0];

    if (!wf_path_join(sec, sizeof sec, dir, BACKUP_SECRET_FILE) ||
        !wf_path_join(pub, sizeof pub, dir, BACKUP_PUBLIC_FILE))
        return wf_cli_fail("the directory's path is too long");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return wf_cli_fail("cannot create %s: %s", dir, strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return wf_cli_fail("%s is not a directory", dir);
    if (wf_backup_key_files_create(sec, pub) != WF_OK || wf_backup_public_key_read(pub, pk) != WF_OK)
        return wf_cli_fail("%s", wf_store_last_error());
    wf_cli_field(a, "secret_key_file", sec);
    wf_cli_field(a, "public_key_file", pub);
    wf_cli_field_hex(a, "public_key", pk, sizeof pk);
    return wf_cli_finish(a);
}

static int cmd_backup_export(const wf_cli_args *a)
{
    uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES];
    wf_backup_summary sum;
    wf_store *s = NULL;
    char when[64];
    int rc;

    if ((rc = wf_cli_missing(a->to, "--to")) || (rc = wf_cli_missing(a->backup_key, "--backup-key")))
        return rc;
    if (wf_backup_public_key_read(a->backup_key, pk) != WF_OK)
        return wf_cli_fail("%s", wf_store_last_error());
    if ((rc = open_store(a, a->pos[0], &s)) != 0)
        return rc;
    wf_err err = wf_backup_export(s, a->to, pk, &sum);
    if (err != WF_OK)
        rc = wf_cli_fail("%s", wf_store_last_error());
    wf_store_close(s);
    if (rc != 0)
        return rc;
    iso8601(when, sum.created_ms);
    wf_cli_field(a, "file", a->to);
    wf_cli_field_hex(a, "backup_id", sum.backup_id, sizeof sum.backup_id);
    wf_cli_field(a, "created", when);
    wf_cli_field_u64(a, "keys", sum.keys);
    wf_cli_field_hex(a, "checksum", sum.checksum, sizeof sum.checksum);
    return wf_cli_finish(a);
}

/* A failed verify: the JSON report (with --json) on stdout, one line on
 * stderr, exit 1. */
static int verify_failed(const wf_cli_args *a, const char *what)
{
    if (a->json) {
        wf_cli_json_key(a, "ok");
        printf("false");
        wf_cli_field(a, "problem", what);
        wf_cli_finish(a);
    }
    return wf_cli_fail("%s", what);
}

static int cmd_backup_verify(const wf_cli_args *a)
{
    wf_backup_report r;
    char when[64];
    int rc;

    if ((rc = wf_cli_missing(a->backup_secret, "--backup-secret")))
        return rc;
    uint8_t *sk = wf_secure_alloc(WF_BACKUP_SECRET_KEY_BYTES);
    if (sk == NULL)
        return wf_cli_fail("out of locked memory");
    wf_err err = wf_backup_secret_key_read(a->backup_secret, sk);
    if (err != WF_OK) {
        wf_secure_free(sk);
        return wf_cli_fail("%s", wf_store_last_error());
    }
    err = wf_backup_verify(a->pos[0], sk, &r);
    wf_secure_free(sk);
    if (err != WF_OK && r.keys == 0 && !a->json) /* not a backup at all: nothing to report but why */
        return wf_cli_fail("%s", r.reason);
    wf_cli_field(a, "file", a->pos[0]);
    if (r.keys != 0) {
        iso8601(when, r.created_ms);
        wf_cli_field_hex(a, "backup_id", r.backup_id, sizeof r.backup_id);
        wf_cli_field(a, "created", when);
    }
    wf_cli_field_u64(a, "keys", r.keys);
    wf_cli_field_u64(a, "keys_checked", r.keys_checked);
    if (r.failed_key)
        wf_cli_field_hex(a, "failed_key_id", r.failed_key_id, sizeof r.failed_key_id);
    if (err != WF_OK)
        return verify_failed(a, r.reason);
    wf_cli_json_key(a, "ok");
    if (a->json)
        printf("true");
    return wf_cli_finish(a);
}

static int cmd_audit_verify(const wf_cli_args *a)
{
    wf_audit_report r;
    wf_store *s = NULL;
    int rc;

    if ((rc = open_store(a, a->pos[0], &s)) != 0)
        return rc;
    wf_err err = wf_store_audit_verify(s, &r);
    wf_store_close(s);
    if (err != WF_OK && r.problem[0] == '\0') /* not the chain: the store could not be read */
        return wf_cli_fail("%s", wf_store_last_error());
    wf_cli_field(a, "node", a->pos[0]);
    wf_cli_field_u64(a, "records_checked", r.records);
    if (err != WF_OK) {
        wf_cli_field_u64(a, "first_bad", r.first_bad);
        return verify_failed(a, r.first_bad != 0 ? wf_store_last_error() : r.problem);
    }
    wf_cli_json_key(a, "ok");
    if (a->json)
        printf("true");
    return wf_cli_finish(a);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    static const struct {
        const char *name, *sub; /* sub: the second word, or NULL */
        unsigned id;
        size_t n_pos; /* positional arguments */
        const char *pos_names;
        int (*run)(const wf_cli_args *a);
    } commands[] = {
        {"init", NULL, CMD_INIT, 0, "", cmd_init},
        {"cluster", NULL, CMD_CLUSTER, 0, "", cmd_cluster},
        {"config-check", NULL, CMD_CHECK, 0, "", cmd_check},
        {"client-init", NULL, CMD_CLIENT_INIT, 1, "DIR", cmd_client_init},
        {"backup", "keygen", CMD_BACKUP_KEYGEN, 1, "OUT_DIR", cmd_backup_keygen},
        {"backup", "export", CMD_BACKUP_EXPORT, 1, "NODE_DIR", cmd_backup_export},
        {"backup", "verify", CMD_BACKUP_VERIFY, 1, "FILE", cmd_backup_verify},
        {"audit", "verify", CMD_AUDIT_VERIFY, 1, "NODE_DIR", cmd_audit_verify},
        {"keygen", NULL, CMD_KEYGEN, 0, "", wf_cli_keygen},
        {"refresh", NULL, CMD_REFRESH, 1, "KEY", wf_cli_refresh},
        {"sign", NULL, CMD_SIGN, 0, "", wf_cli_sign},
        {"pubkey", NULL, CMD_PUBKEY, 0, "", wf_cli_pubkey},
        {"address", NULL, CMD_ADDRESS, 0, "", wf_cli_address},
        {"status", NULL, CMD_STATUS, 0, "", wf_cli_status},
        {"reshare", NULL, CMD_RESHARE, 1, "KEY_ID", wf_cli_reshare},
    };
    static char name[64];
    wf_cli_args a;

    if (argc < 2)
        return wf_cli_usage_error("no command given");
    int help = strcmp(argv[1], "help") == 0;
    for (int i = 1; i < argc; i++)
        help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
    if (help) {
        fputs(USAGE, stdout);
        return EXIT_SUCCESS;
    }
    int known = 0;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[1], commands[k].name) != 0)
            continue;
        known = 1;
        if (commands[k].sub != NULL && (argc < 3 || strcmp(argv[2], commands[k].sub) != 0))
            continue;
        int skip = commands[k].sub != NULL ? 3 : 2;
        snprintf(name, sizeof name, "%s%s%s", commands[k].name, commands[k].sub != NULL ? " " : "",
                 commands[k].sub != NULL ? commands[k].sub : "");
        wf_cli_command = name;
        int rc = parse_args(&a, commands[k].id, commands[k].n_pos, commands[k].pos_names, argc - skip,
                            argv + skip);
        if (rc != 0)
            return rc;
        if (wf_crypto_init() != WF_OK)
            return wf_cli_fail("cannot initialise the crypto libraries");
        return commands[k].run(&a);
    }
    if (known) {
        wf_cli_command = argv[1];
        return wf_cli_usage_error(strcmp(argv[1], "backup") == 0 ? "expected keygen, export or verify"
                                                                 : "expected verify");
    }
    return wf_cli_usage_error("unknown command (init, cluster, config-check, client-init, backup, audit, "
                              "keygen, refresh, reshare, sign, pubkey, address or status)");
}
