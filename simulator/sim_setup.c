/* Creating a simulated cluster's work directory (sim_setup.h). */
#include "simulator/sim_setup.h"

#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/client_identity.h"
#include "node/cluster_config.h"
#include "node/files.h"
#include "node/node_identity.h"
#include "node/fail.h"
#include "node/text_format.h"
#include "simulator/regions.h"
#include "store/store.h"


#define CLIENT_NAME "sim-client"

/* 1 if a TCP listener could bind 127.0.0.1:port now. */
static int port_free(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
             bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* The lowest port the kernel hands out as a connection's source port
 * (ip_local_port_range); 32768 when it cannot be read. */
static unsigned ephemeral_low(void)
{
    unsigned lo = 32768, hi = 0;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
    if (f != NULL) {
        if (fscanf(f, "%u %u", &lo, &hi) != 2 || lo < 2048)
            lo = 32768;
        fclose(f);
    }
    return lo;
}

/* The first of `count` free ports at a random place below the ephemeral
 * range (from 10000), so that several simulated clusters (parallel tests)
 * do not collide, and an outgoing connection made while a node is down
 * cannot take that node's port as its source port. */
static uint16_t free_port_range(unsigned count)
{
    unsigned low = 10000, high = ephemeral_low();
    if (high < low + count + 1)
        return 0;
    for (int attempt = 0; attempt < 200; attempt++) {
        unsigned p = low + randombytes_uniform(high - low - count);
        int ok = 1;
        for (unsigned k = 0; k < count && ok; k++)
            ok = port_free(p + k);
        if (ok)
            return (uint16_t)p;
    }
    return 0;
}

/* Nodes in rank order, equal ranks in the order given. */
static void order_nodes(const wf_sim_spec *s, size_t order[WF_SIM_MAX_NODES])
{
    size_t k = 0;
    for (uint32_t r = 0; k < s->n; r++)
        for (size_t i = 0; i < s->n; i++)
            if (s->ranks[i] == r)
                order[k++] = i;
}

static wf_err check_spec(const wf_sim_spec *s, const char **why)
{
    wf_err err = WF_OK;
    if (s->n < 2 || s->n > WF_SIM_MAX_NODES)
        FAIL(WF_ERR_RANGE, wf_why_fmt("--nodes must be 2..%d", WF_SIM_MAX_NODES));
    if (s->threshold < 2 || s->threshold > s->n)
        FAIL(WF_ERR_RANGE, "--threshold must be 2..nodes");
    for (size_t i = 0; i < s->n; i++) {
        size_t region = 0;
        if (s->ranks[i] >= s->threshold)
            FAIL(WF_ERR_RANGE, wf_why_fmt("rank %u of node %zu is not below the threshold", s->ranks[i], i + 1));
        if (strlen(s->regions[i]) > WF_SIM_REGION_MAX || wf_region_index(s->regions[i], &region) != WF_OK)
            FAIL(WF_ERR_ARG, wf_why_fmt("unknown region \"%s\" (known: tokyo, singapore, mumbai, frankfurt, "
                                        "london, virginia, oregon, saopaulo, sydney)",
                                        s->regions[i]));
    }
done:
    return err;
}

static wf_err write_client(const wf_sim_layout *l, const char **why)
{
    wf_err err;
    wf_client_identity id;
    char line[WF_CLIENT_POLICY_LINE_MAX], cert[WF_SIM_PATH_MAX], *pem = NULL;
    size_t len = 0;
    if ((err = wf_client_identity_create(l->client_dir, CLIENT_NAME, &id, why)) != WF_OK)
        return err;
    wf_client_identity_policy_line(&id, line);
    wf_client_identity_clear(&id);
    /* the client's own certificate is the whole client CA bundle */
    if (!wf_path_join(cert, sizeof cert, l->client_dir, WF_CLIENT_TLS_CERT))
        return WF_ERR_RANGE;
    if ((err = wf_file_read(cert, 1u << 16, WF_FILE_PUBLIC, &pem, &len, why)) == WF_OK)
        err = wf_file_write_new(l->client_ca, pem, len, 0644, why);
    free(pem);
    if (err != WF_OK)
        return err;
    wf_buf b = {0};
    wf_buf_printf(&b, "warifu-policy 1\n%s\nallow %s *\nend\n", line, CLIENT_NAME);
    char *text = wf_buf_take(&b, &len);
    if (text == NULL)
        return WF_ERR_NOMEM;
    err = wf_file_write_new(l->policy, text, len, 0644, why);
    free(text);
    return err;
}

static wf_err write_nodes(const wf_sim_layout *l, const char **why)
{
    wf_err err = WF_OK;
    wf_node_member members[WF_SIM_MAX_NODES];
    uint32_t ranks[WF_SIM_MAX_NODES] = {0};
    wf_cluster_config *c = NULL;
    size_t made = 0;
    memset(members, 0, sizeof members);
    for (; made < l->n; made++) {
        const wf_sim_node *nd = &l->nodes[made];
        ranks[made] = nd->rank;
        if (wf_store_key_file_create(nd->key_file) != WF_OK)
            FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot create %s", nd->key_file));
        wf_store_unlock u = {.key_file = nd->key_file};
        if ((err = wf_node_init(nd->dir, nd->name, nd->advertised_url, &u, &members[made], why)) != WF_OK)
            goto done;
    }
    if ((err = wf_cluster_config_build(&c, l->threshold, members, ranks, l->n, why)) == WF_OK)
        err = wf_cluster_config_write(c, l->cluster, why);
done:
    wf_cluster_config_free(c);
    for (size_t i = 0; i < made && i < l->n; i++)
        wf_node_member_clear(&members[i]);
    return err;
}

wf_err wf_sim_create(const wf_sim_spec *spec, const char *warifu_bin, wf_sim_layout *l, const char **why)
{
    wf_err err;
    size_t order[WF_SIM_MAX_NODES];
    int created = 0;
    memset(l, 0, sizeof *l);
    if ((err = check_spec(spec, why)) != WF_OK)
        return err;
    if (strlen(spec->dir) >= sizeof l->dir) {
        if (why != NULL)
            *why = "the work directory's path is too long";
        return WF_ERR_RANGE;
    }
    memcpy(l->dir, spec->dir, strlen(spec->dir) + 1);
    l->n = spec->n;
    l->threshold = spec->threshold;
    l->base_port = spec->base_port != 0 ? spec->base_port
                                        : free_port_range((unsigned)(WF_SIM_PORT_STRIDE * spec->n));
    if (l->base_port == 0) {
        if (why != NULL)
            *why = "no free range of loopback ports found";
        return WF_ERR_NOT_FOUND;
    }
    order_nodes(spec, order);
    for (size_t k = 0; k < spec->n; k++) {
        snprintf(l->nodes[k].name, sizeof l->nodes[k].name, "n%u", (unsigned)(k + 1) % 100u); /* n <= 12 */
        l->nodes[k].rank = spec->ranks[order[k]];
        snprintf(l->nodes[k].region, sizeof l->nodes[k].region, "%s", spec->regions[order[k]]);
    }
    l->n_rtt = spec->n_rtt;
    memcpy(l->rtt, spec->rtt, spec->n_rtt * sizeof spec->rtt[0]);
    if ((err = wf_sim_layout_derive(l, why)) != WF_OK)
        return err;
    if ((err = wf_dir_make_private(l->dir, &created, why)) != WF_OK)
        return err;
    if (mkdir(l->logs, 0700) != 0) {
        if (why != NULL)
            *why = wf_why_fmt("cannot create %s: %s", l->logs, strerror(errno));
        return WF_ERR_STORAGE;
    }
    if ((err = write_nodes(l, why)) != WF_OK || (err = write_client(l, why)) != WF_OK)
        return err;
    return wf_sim_layout_save(l, warifu_bin, why);
}
