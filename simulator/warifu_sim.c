/* warifu-sim: a simulated geo-distributed warifu cluster on one machine.
 *
 *   warifu-sim up --dir D [options]     create (first time) and start the cluster
 *   warifu-sim down --dir D             stop it
 *   warifu-sim status|kill|stop|start|restart|cheat|partition|heal|faults|counters --dir D ...
 *                                       commands for the running supervisor (supervisor.h)
 *   warifu-sim keygen|sign|load --dir D ...   a client of the cluster (sim_client.h)
 *   warifu-sim refresh|reshare --dir D ...    a key refresh or reshare, optionally with a kill (sim_lifecycle.h)
 *   warifu-sim demo [--dir D]           the README's main job
 *
 * Exit codes: 0 done, 1 failed, 2 usage. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/text_format.h"
#include "simulator/regions.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"
#include "simulator/sim_demo.h"
#include "simulator/sim_lifecycle.h"
#include "simulator/sim_up.h"

#define USAGE                                                                                                 \
    "usage: warifu-sim COMMAND --dir D [...]\n"                                                               \
    "  up        [--nodes N] [--threshold T] [--ranks R,R,...] [--regions A,B,...] [--rtt A-B=MS,...]\n"     \
    "            [--base-port P] [--no-latency] [--jitter FRACTION] [--presig-low N] [--presig-high N]\n"    \
    "            [--session-timeout-ms MS] [--keygen-timeout-ms MS] [--paillier-bits BITS]\n"              \
    "            [--warifud PATH] [--warifu PATH]\n"                                                           \
    "            defaults: 5 nodes, threshold 3, ranks 0,0,1,1,1, regions tokyo,frankfurt,virginia,\n"       \
    "            oregon,singapore (each node's links are delayed by half the regions' RTT)\n"                \
    "  down\n"                                                                                                \
    "  status | counters | heal\n"                                                                            \
    "  kill NODE | stop NODE | start NODE | restart NODE\n"                                                   \
    "  cheat NODE none|bad-proof|bad-delta|wrong-partial\n"                                                   \
    "  partition A,B|C,D,E\n"                                                                                 \
    "  faults all|A|A>B|A-B [loss=P] [bitflip=P] [jitter=MS] [delay=MS|matrix]\n"                             \
    "  keygen [--request-id ID] [--node NODE] [--members NODE,NODE,... --threshold T --ranks R,R,...]\n"      \
    "            make a key (held by the committee --members if given); its id is kept in D/key\n"         \
    "  sign --digest HEX [--request-id ID] [--path m/0/7] [--node NODE] [--key KEY]\n"                        \
    "  load [--rate R] [--duration S] [--key KEY] [--path m/0/7] [--json]\n"                                  \
    "  refresh [--request-id ID] [--node NODE] [--key KEY] [--kill NODE --after-ms N]\n"                      \
    "            new shares of the key among its committee; --kill: SIGKILL NODE N ms into it; prints\n"   \
    "            each node's view of the key afterwards (run load beside it to refresh under load)\n"      \
    "  reshare --members NODE,NODE,... --threshold T --ranks R,R,... [--request-id ID] [--node NODE]\n"     \
    "          [--key KEY] [--kill NODE --after-ms N]\n"                                                      \
    "            the same key held by a new committee; prints each node's view (generation, committee\n"  \
    "            size or \"no share\") and whether the public key and xpub are unchanged\n"                  \
    "  demo [--dir D] [--keep]                     up, keygen, sign and verify, addresses, down\n"            \
    "NODE is a name (n1..nN) or a number.\n"

static const char *const DEFAULT_REGIONS[] = {"tokyo",    "frankfurt", "virginia", "oregon",
                                              "singapore", "london",    "saopaulo", "sydney",
                                              "mumbai"};

static int usage(const char *what)
{
    if (what != NULL)
        fprintf(stderr, "warifu-sim: %s\n", what);
    fputs(USAGE, stderr);
    return 2;
}

static int fail(const char *what)
{
    fprintf(stderr, "warifu-sim: %s\n", what);
    return 1;
}

static int parse_u(const char *s, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v > max)
        return 0;
    *out = v;
    return 1;
}

/* A binary next to this one (build tree: ../node/NAME, installed: ./NAME). */
static void sibling(char *out, size_t cap, const char *self, const char *name)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", self);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    if (snprintf(out, cap, "%s/../node/%s", dir, name) >= (int)cap || access(out, X_OK) != 0)
        if (snprintf(out, cap, "%s/%s", dir, name) >= (int)cap)
            out[0] = '\0';
    char real[PATH_MAX];
    if (realpath(out, real) != NULL)
        snprintf(out, cap, "%s", real);
}

static int self_path(char out[PATH_MAX])
{
    ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
    if (n <= 0)
        return 0;
    out[n] = '\0';
    return 1;
}

/* ---- up ---- */

static int split_list(char *s, char **items, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return -1;
        items[n++] = t;
    }
    return (int)n;
}

/* "a-b=ms,c-d=ms" */
static int parse_rtt(char *s, wf_sim_spec *spec)
{
    char *items[WF_SIM_MAX_RTT_OVERRIDES];
    int n = split_list(s, items, WF_SIM_MAX_RTT_OVERRIDES);
    for (int i = 0; i < n; i++) {
        char *dash = strchr(items[i], '-'), *eq = strchr(items[i], '=');
        unsigned long ms = 0;
        size_t known = 0;
        if (dash == NULL || eq == NULL || eq < dash || !parse_u(eq + 1, 60000, &ms) ||
            spec->n_rtt == WF_SIM_MAX_RTT_OVERRIDES)
            return 0;
        *dash = *eq = '\0';
        wf_sim_rtt_override *r = &spec->rtt[spec->n_rtt++];
        if (strlen(items[i]) > WF_SIM_REGION_MAX || strlen(dash + 1) > WF_SIM_REGION_MAX ||
            wf_region_index(items[i], &known) != WF_OK || wf_region_index(dash + 1, &known) != WF_OK)
            return 0;
        snprintf(r->a, sizeof r->a, "%s", items[i]);
        snprintf(r->b, sizeof r->b, "%s", dash + 1);
        r->ms = (uint32_t)ms;
    }
    return n >= 0;
}

enum { O_DIR = 1, O_NODES, O_T, O_RANKS, O_REGIONS, O_RTT, O_BASE, O_NOLAT, O_JITTER, O_LOW, O_HIGH, O_STO,
       O_BITS, O_WARIFUD, O_WARIFU, O_READY, O_KTO };

static const struct option UP_OPTS[] = {
    {"dir", required_argument, 0, O_DIR},         {"nodes", required_argument, 0, O_NODES},
    {"threshold", required_argument, 0, O_T},      {"ranks", required_argument, 0, O_RANKS},
    {"regions", required_argument, 0, O_REGIONS},  {"rtt", required_argument, 0, O_RTT},
    {"base-port", required_argument, 0, O_BASE},   {"no-latency", no_argument, 0, O_NOLAT},
    {"jitter", required_argument, 0, O_JITTER},    {"presig-low", required_argument, 0, O_LOW},
    {"presig-high", required_argument, 0, O_HIGH}, {"session-timeout-ms", required_argument, 0, O_STO},
    {"paillier-bits", required_argument, 0, O_BITS}, {"warifud", required_argument, 0, O_WARIFUD},
    {"warifu", required_argument, 0, O_WARIFU},    {"ready-fd", required_argument, 0, O_READY},
    {"keygen-timeout-ms", required_argument, 0, O_KTO}, {0, 0, 0, 0}};

typedef struct up_args {
    wf_sim_up_opts o;
    char *ranks, *regions;
    char warifud[PATH_MAX], warifu[PATH_MAX], self[PATH_MAX], dir[PATH_MAX];
} up_args;

/* dir made absolute (sim.json's paths are read from other directories); its
 * parent must exist. 0 when it cannot be resolved. */
static int absolute_dir(const char *dir, char out[PATH_MAX])
{
    if (realpath(dir, out) != NULL)
        return 1;
    char parent[PATH_MAX], real[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    size_t len = strlen(parent);
    while (len > 1 && parent[len - 1] == '/')
        parent[--len] = '\0';
    char *slash = strrchr(parent, '/');
    const char *base = slash != NULL ? slash + 1 : parent;
    if (slash == parent)
        snprintf(real, sizeof real, "/");
    else if (realpath(slash != NULL ? (*slash = '\0', parent) : ".", real) == NULL)
        return 0;
    return snprintf(out, PATH_MAX, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base) < PATH_MAX;
}

/* Options of up (and of the supervisor, which up passes on). */
static int parse_up(int argc, char **argv, up_args *u)
{
    unsigned long v = 0;
    char *end = NULL;
    memset(u, 0, sizeof *u);
    u->o.spec.n = 5;
    u->o.spec.threshold = 3;
    u->o.sup.jitter_frac = 0.1;
    u->o.sup.presig_low = 2;
    u->o.sup.presig_high = 6;
    u->o.sup.session_timeout_ms = 20000;
    u->o.sup.ready_fd = -1;
    u->o.ready_timeout_ms = 60000;
    if (!self_path(u->self))
        return usage("cannot find this program's path (/proc/self/exe)");
    sibling(u->warifud, sizeof u->warifud, u->self, "warifud");
    sibling(u->warifu, sizeof u->warifu, u->self, "warifu");
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", UP_OPTS, NULL)) != -1) {
        switch (c) {
        case O_DIR: u->o.dir = optarg; break;
        case O_NODES:
            if (!parse_u(optarg, WF_SIM_MAX_NODES, &v) || v < 2) return usage("--nodes needs 2..12");
            u->o.spec.n = v;
            break;
        case O_T:
            if (!parse_u(optarg, WF_SIM_MAX_NODES, &v) || v < 2) return usage("--threshold needs 2..nodes");
            u->o.spec.threshold = (uint32_t)v;
            break;
        case O_RANKS: u->ranks = optarg; break;
        case O_REGIONS: u->regions = optarg; break;
        case O_RTT:
            if (!parse_rtt(optarg, &u->o.spec)) return usage("--rtt needs REGION-REGION=MS,... of known regions");
            break;
        case O_BASE:
            if (!parse_u(optarg, 65535, &v) || v < 1024) return usage("--base-port needs 1024..65535");
            u->o.spec.base_port = (uint16_t)v;
            break;
        case O_NOLAT: u->o.sup.no_latency = 1; break;
        case O_JITTER:
            u->o.sup.jitter_frac = strtod(optarg, &end);
            if (*end != '\0' || !(u->o.sup.jitter_frac >= 0 && u->o.sup.jitter_frac <= 1))
                return usage("--jitter needs a fraction 0..1 of each link's delay");
            break;
        case O_LOW:
            if (!parse_u(optarg, 100000, &v)) return usage("--presig-low needs a number");
            u->o.sup.presig_low = (unsigned)v;
            break;
        case O_HIGH:
            if (!parse_u(optarg, 100000, &v)) return usage("--presig-high needs a number");
            u->o.sup.presig_high = (unsigned)v;
            break;
        case O_STO:
            if (!parse_u(optarg, 600000, &v) || v < 100) return usage("--session-timeout-ms needs 100..600000");
            u->o.sup.session_timeout_ms = (unsigned)v;
            break;
        case O_KTO:
            if (!parse_u(optarg, 3600000, &v) || (v != 0 && v < 1000))
                return usage("--keygen-timeout-ms needs 1000..3600000 (0: warifud's default)");
            u->o.sup.keygen_timeout_ms = (unsigned)v;
            break;
        case O_BITS:
            if (!parse_u(optarg, 8192, &v)) return usage("--paillier-bits needs a number");
            u->o.sup.paillier_bits = (unsigned)v;
            break;
        case O_WARIFUD: snprintf(u->warifud, sizeof u->warifud, "%s", optarg); break;
        case O_WARIFU: snprintf(u->warifu, sizeof u->warifu, "%s", optarg); break;
        case O_READY:
            if (!parse_u(optarg, 65535, &v)) return usage("--ready-fd needs a descriptor");
            u->o.sup.ready_fd = (int)v;
            break;
        default: return usage(NULL);
        }
    }
    if (u->o.dir == NULL)
        return usage("--dir is required");
    if (optind != argc)
        return usage("unexpected arguments");
    if (!absolute_dir(u->o.dir, u->dir))
        return usage("--dir: its parent directory does not exist");
    u->o.dir = u->dir;
    u->o.sup.warifud = u->warifud;
    u->o.warifu = u->warifu;
    char *items[WF_SIM_MAX_NODES + 1];
    size_t n = u->o.spec.n;
    if (u->ranks != NULL) {
        if (split_list(u->ranks, items, WF_SIM_MAX_NODES) != (int)n)
            return usage("--ranks needs one rank per node");
        for (size_t i = 0; i < n; i++) {
            if (!parse_u(items[i], 255, &v)) return usage("--ranks needs numbers");
            u->o.spec.ranks[i] = (uint32_t)v;
        }
    } else if (n == 5 && u->o.spec.threshold == 3) {
        const uint32_t officers[5] = {0, 0, 1, 1, 1}; /* every quorum needs an officer */
        memcpy(u->o.spec.ranks, officers, sizeof officers);
    }
    if (u->regions != NULL) {
        if (split_list(u->regions, items, WF_SIM_MAX_NODES) != (int)n)
            return usage("--regions needs one region per node");
        for (size_t i = 0; i < n; i++)
            u->o.spec.regions[i] = items[i];
    } else {
        for (size_t i = 0; i < n; i++)
            u->o.spec.regions[i] = DEFAULT_REGIONS[i % (sizeof DEFAULT_REGIONS / sizeof DEFAULT_REGIONS[0])];
    }
    u->o.spec.dir = u->o.dir;
    return 0;
}

static int cmd_up(int argc, char **argv)
{
    up_args u;
    int rc = parse_up(argc, argv, &u);
    if (rc != 0)
        return rc;
    wf_sim_layout *l = malloc(sizeof *l);
    if (l == NULL)
        return fail("out of memory");
    const char *why = NULL;
    int created = 0;
    wf_err err = wf_sim_up(&u.o, u.self, l, &created, &why);
    if (err != WF_OK) {
        fprintf(stderr, "warifu-sim: up: %s\n", why != NULL ? why : wf_err_str(err));
        free(l);
        return 1;
    }
    printf("cluster %s in %s: %zu nodes, threshold %u\n", created ? "created" : "restarted", l->dir, l->n,
           (unsigned)l->threshold);
    for (size_t k = 0; k < l->n; k++)
        printf("  %s rank %u %-10s client %s\n", l->nodes[k].name, (unsigned)l->nodes[k].rank,
               l->nodes[k].region, l->nodes[k].client_url);
    printf("logs in %s; stop with: warifu-sim down --dir %s\n", l->logs, l->dir);
    free(l);
    return 0;
}

static int cmd_supervise(int argc, char **argv)
{
    up_args u;
    int rc = parse_up(argc, argv, &u);
    if (rc != 0)
        return rc;
    wf_sim_layout *l = malloc(sizeof *l);
    const char *why = NULL;
    if (l == NULL)
        return fail("out of memory");
    if (wf_sim_layout_load(l, u.o.dir, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim: supervise: %s\n", why);
        free(l);
        return 1;
    }
    rc = wf_supervisor_run(l, &u.o.sup);
    free(l);
    return rc;
}

/* ---- demo ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* demo [--keep] [up's options]: without --dir, in a new directory under
 * /tmp that is removed again after a successful run. */
static int cmd_demo(int argc, char **argv)
{
    char *args[64], tmp[64] = "";
    int n = 0, keep = 0, has_dir = 0;
    for (int i = 0; i < argc && n < 60; i++) {
        if (strcmp(argv[i], "--keep") == 0) {
            keep = 1;
            continue;
        }
        has_dir |= strcmp(argv[i], "--dir") == 0 || strncmp(argv[i], "--dir=", 6) == 0;
        args[n++] = argv[i];
    }
    if (!has_dir) {
        snprintf(tmp, sizeof tmp, "/tmp/warifu-demo-XXXXXX");
        if (mkdtemp(tmp) == NULL)
            return fail("cannot create a directory under /tmp");
        args[n++] = "--dir";
        args[n++] = tmp;
    }
    args[n] = NULL;
    up_args u;
    int rc = parse_up(n, args, &u);
    if (rc != 0)
        return rc;
    rc = wf_sim_demo_run(&u.o, u.self, keep);
    if (rc == 0 && !keep && tmp[0] != '\0')
        nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

/* ---- commands for the supervisor ---- */

/* The --dir option, then the remaining words joined into one command line. */
static int cmd_control(const char *cmd, int argc, char **argv)
{
    const char *dir = NULL;
    char line[1024];
    size_t len = (size_t)snprintf(line, sizeof line, "%s", cmd);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--dir=", 6) == 0) {
            dir = argv[i] + 6;
            continue;
        }
        if (strchr(argv[i], '\n') != NULL || len + 1 + strlen(argv[i]) >= sizeof line)
            return usage("arguments too long");
        len += (size_t)snprintf(line + len, sizeof line - len, " %s", argv[i]);
    }
    if (dir == NULL)
        return usage("--dir is required");
    wf_sim_layout *l = malloc(sizeof *l);
    const char *why = NULL;
    if (l == NULL)
        return fail("out of memory");
    wf_err err = wf_sim_layout_load(l, dir, &why);
    char *reply = NULL;
    if (err == WF_OK)
        err = wf_sim_control(l, line, 120000, &reply, &why);
    free(l);
    if (reply != NULL)
        fputs(reply, err == WF_OK ? stdout : stderr);
    /* an answer that ends in its own error line has said why; any other failure has not */
    if (err != WF_OK && (reply == NULL || err != WF_ERR_VERIFY || strstr(reply, "error: ") == NULL))
        fprintf(stderr, "warifu-sim: %s: %s\n", cmd, why);
    free(reply);
    return err == WF_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return argc < 2 ? usage(NULL) : (fputs(USAGE, stdout), 0);
    if (wf_crypto_init() != WF_OK)
        return fail("cannot initialise libsodium");
    const char *cmd = argv[1];
    argv[1] = argv[0];
    argc--;
    argv++;
    static const char *const control[] = {"down",    "status", "kill",      "stop", "start",  "restart",
                                          "cheat",   "heal",   "partition", "faults", "counters"};
    for (size_t i = 0; i < sizeof control / sizeof control[0]; i++)
        if (strcmp(cmd, control[i]) == 0)
            return cmd_control(cmd, argc, argv);
    if (strcmp(cmd, "up") == 0)
        return cmd_up(argc, argv);
    if (strcmp(cmd, "__supervise") == 0)
        return cmd_supervise(argc, argv);
    if (strcmp(cmd, "keygen") == 0 || strcmp(cmd, "sign") == 0 || strcmp(cmd, "load") == 0)
        return wf_sim_client_main(cmd, argc, argv);
    if (strcmp(cmd, "refresh") == 0 || strcmp(cmd, "reshare") == 0)
        return wf_sim_lifecycle_main(cmd, argc, argv);
    if (strcmp(cmd, "demo") == 0)
        return cmd_demo(argc, argv);
    return usage("unknown command");
}
