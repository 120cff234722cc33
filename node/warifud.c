/* warifud: the cluster node daemon (node/daemon.h). Parses its options,
 * starts the daemon and waits for SIGTERM or SIGINT, then stops it
 * gracefully (running sessions get the grace period). Errors at start-up are
 * one line on stderr and exit status 1. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/daemon.h"
#include "node/files.h"

static const char USAGE[] =
    "usage: warifud --node DIR --cluster FILE --policy FILE --client-ca FILE --client-listen URL\n"
    "               (--passphrase-file FILE | --key-file FILE) [--http URL] [--peer-listen URL]\n"
    "               [--paillier-bits 2048|3072] [--presig-low N] [--presig-high N]\n"
    "               [--paillier-pool-low N (2)] [--paillier-pool-high N (4; 0: no pool)]\n"
    "               [--presig-ttl SECONDS (86400; 0: never)] [--presig-policy FILE]\n"
    "               [--session-timeout-ms MS] [--keygen-timeout-ms MS] [--grace-ms MS] [--quiet]\n"
    "               [--stop-with-parent]  (SIGTERM when the parent exits: for supervisors such as warifu-sim)\n"
    "  test only:   [--allow-test-faults --fault PROTOCOL:KIND[:ROUND[:VICTIM]]] [--allow-plaintext-for-tests]\n";

static int die(const char *msg)
{
    fprintf(stderr, "warifud: %s\n", msg);
    return 1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0' || *s == '-')
        return 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v > max)
        return 0;
    *out = v;
    return 1;
}

/* PROTOCOL:KIND[:ROUND[:VICTIM]] */
static int parse_fault(char *spec, wf_daemon_cfg *cfg)
{
    char *save = NULL;
    char *proto = strtok_r(spec, ":", &save);
    char *kind = strtok_r(NULL, ":", &save);
    char *round = strtok_r(NULL, ":", &save);
    char *victim = strtok_r(NULL, ":", &save);
    unsigned long v = 0;
    if (proto == NULL || kind == NULL || !parse_uint(kind, 1000, &v) || v == 0)
        return 0;
    cfg->fault_protocol = proto;
    cfg->fault.kind = (uint32_t)v;
    cfg->fault.victim = UINT32_MAX;
    if (round != NULL) {
        if (!parse_uint(round, 64, &v))
            return 0;
        cfg->fault.round = (uint32_t)v;
    }
    if (victim != NULL) {
        if (!parse_uint(victim, 63, &v))
            return 0;
        cfg->fault.victim = (uint32_t)v;
    }
    return 1;
}

int main(int argc, char **argv)
{
    enum { O_NODE = 256, O_CLUSTER, O_POLICY, O_CA, O_CLIENT, O_HTTP, O_PEER, O_PASS, O_KEYFILE, O_BITS, O_LOW,
           O_HIGH, O_STO, O_KTO, O_GRACE, O_QUIET, O_ALLOWF, O_FAULT, O_PLAIN, O_HELP, O_PARENT,
           O_PPLOW, O_PPHIGH, O_TTL, O_PPOLICY };
    static const struct option opts[] = {
        {"node", required_argument, 0, O_NODE},         {"cluster", required_argument, 0, O_CLUSTER},
        {"policy", required_argument, 0, O_POLICY},     {"client-ca", required_argument, 0, O_CA},
        {"client-listen", required_argument, 0, O_CLIENT}, {"http", required_argument, 0, O_HTTP},
        {"peer-listen", required_argument, 0, O_PEER},  {"passphrase-file", required_argument, 0, O_PASS},
        {"key-file", required_argument, 0, O_KEYFILE},  {"paillier-bits", required_argument, 0, O_BITS},
        {"presig-low", required_argument, 0, O_LOW},    {"presig-high", required_argument, 0, O_HIGH},
        {"session-timeout-ms", required_argument, 0, O_STO}, {"keygen-timeout-ms", required_argument, 0, O_KTO},
        {"grace-ms", required_argument, 0, O_GRACE},    {"quiet", no_argument, 0, O_QUIET},
        {"allow-test-faults", no_argument, 0, O_ALLOWF}, {"fault", required_argument, 0, O_FAULT},
        {"allow-plaintext-for-tests", no_argument, 0, O_PLAIN}, {"help", no_argument, 0, O_HELP},
        {"stop-with-parent", no_argument, 0, O_PARENT},
        {"paillier-pool-low", required_argument, 0, O_PPLOW}, {"paillier-pool-high", required_argument, 0, O_PPHIGH},
        {"presig-ttl", required_argument, 0, O_TTL}, {"presig-policy", required_argument, 0, O_PPOLICY},
        {0, 0, 0, 0}};
    wf_daemon_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.paillier_pool_low = 2;
    cfg.paillier_pool_high = 4;
    cfg.presig_ttl_ms = 86400ull * 1000u;
    const char *pass_file = NULL;
    char *passphrase = NULL;
    unsigned long v = 0;
    int c, stop_with_parent = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_NODE: cfg.node_dir = optarg; break;
        case O_CLUSTER: cfg.cluster_path = optarg; break;
        case O_POLICY: cfg.policy_path = optarg; break;
        case O_CA: cfg.client_ca_path = optarg; break;
        case O_CLIENT: cfg.client_listen_url = optarg; break;
        case O_HTTP: cfg.http_url = optarg; break;
        case O_PEER: cfg.peer_listen_url = optarg; break;
        case O_PASS: pass_file = optarg; break;
        case O_KEYFILE: cfg.unlock.key_file = optarg; break;
        case O_BITS:
            if (!parse_uint(optarg, 8192, &v)) return die("--paillier-bits needs a number");
            cfg.paillier_bits = (unsigned)v;
            break;
        case O_LOW:
            if (!parse_uint(optarg, 100000, &v)) return die("--presig-low needs a number up to 100000");
            cfg.presig_low = (unsigned)v;
            break;
        case O_HIGH:
            if (!parse_uint(optarg, 100000, &v)) return die("--presig-high needs a number up to 100000");
            cfg.presig_high = (unsigned)v;
            break;
        case O_PPLOW:
            if (!parse_uint(optarg, 64, &v)) return die("--paillier-pool-low needs a number up to 64");
            cfg.paillier_pool_low = (unsigned)v;
            break;
        case O_PPHIGH:
            if (!parse_uint(optarg, 64, &v)) return die("--paillier-pool-high needs a number up to 64");
            cfg.paillier_pool_high = (unsigned)v;
            break;
        case O_TTL:
            if (!parse_uint(optarg, 365ul * 86400ul, &v)) return die("--presig-ttl needs seconds, up to a year");
            cfg.presig_ttl_ms = (uint64_t)v * 1000u;
            break;
        case O_PPOLICY: cfg.presig_policy_path = optarg; break;
        case O_STO:
            if (!parse_uint(optarg, 3600000, &v) || v == 0) return die("--session-timeout-ms needs 1..3600000");
            cfg.session_timeout_ms = (int)v;
            break;
        case O_KTO:
            if (!parse_uint(optarg, 86400000, &v) || v == 0) return die("--keygen-timeout-ms needs 1..86400000");
            cfg.keygen_timeout_ms = (int)v;
            break;
        case O_GRACE:
            if (!parse_uint(optarg, 600000, &v) || v == 0) return die("--grace-ms needs 1..600000");
            cfg.grace_ms = (int)v;
            break;
        case O_QUIET: cfg.quiet = 1; break;
        case O_PARENT: stop_with_parent = 1; break;
        case O_ALLOWF: cfg.allow_test_faults = 1; break;
        case O_FAULT:
            if (!parse_fault(optarg, &cfg)) return die("--fault needs PROTOCOL:KIND[:ROUND[:VICTIM]]");
            break;
        case O_PLAIN: cfg.allow_plaintext_for_tests = 1; break;
        case O_HELP: fputs(USAGE, stdout); return 0;
        default: fputs(USAGE, stderr); return 2;
        }
    }
    if (optind != argc)
        return die("unexpected argument (see warifud --help)");
    if (cfg.node_dir == NULL || cfg.cluster_path == NULL || cfg.policy_path == NULL ||
        cfg.client_ca_path == NULL || cfg.client_listen_url == NULL)
        return die("--node, --cluster, --policy, --client-ca and --client-listen are required");
    if ((pass_file == NULL) == (cfg.unlock.key_file == NULL))
        return die("give exactly one of --passphrase-file and --key-file");
    if (cfg.fault.kind != 0 && !cfg.allow_test_faults)
        return die("--fault is for tests only and needs --allow-test-faults");
    if (cfg.presig_high == 0 && cfg.presig_low != 0)
        return die("--presig-low needs --presig-high");
    if (cfg.paillier_pool_high == 0)
        cfg.paillier_pool_low = 0; /* no pool */
    else if (cfg.paillier_pool_high < cfg.paillier_pool_low)
        return die("--paillier-pool-low is above --paillier-pool-high");
    /* a supervisor that dies must not leave us holding the store and ports:
     * the kernel sends SIGTERM (a clean stop) when the parent goes */
    if (stop_with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1))
        return die("--stop-with-parent: the parent is gone already");
    const char *why = NULL;
    if (pass_file != NULL) {
        if (wf_file_read_passphrase(pass_file, &passphrase, &why) != WF_OK) {
            fprintf(stderr, "warifud: %s\n", why ? why : "cannot read the passphrase file");
            return 1;
        }
        cfg.unlock.passphrase = passphrase;
    }

    /* signals go to sigwait in this thread only */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    wf_daemon *d = NULL;
    wf_err err = wf_daemon_start(&d, &cfg, &why);
    if (passphrase != NULL)
        wf_secure_free(passphrase);
    if (err != WF_OK) {
        fprintf(stderr, "warifud: %s\n", why ? why : wf_err_str(err));
        return 1;
    }
    printf("warifud ready http_port=%u\n", wf_daemon_http_port(d));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "warifud: %s received, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    wf_daemon_stop(d);
    return 0;
}
