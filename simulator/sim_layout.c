/* The simulated cluster's work directory (sim_layout.h). */
#include "simulator/sim_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/files.h"
#include "node/fail.h"
#include "node/text_format.h"

#define CONF_MAX (16u << 10)


static uint16_t block(const wf_sim_layout *l, size_t k)
{
    return (uint16_t)(l->base_port + WF_SIM_PORT_STRIDE * k);
}

uint16_t wf_sim_peer_port(const wf_sim_layout *l, size_t k, size_t j)
{
    return (uint16_t)(block(l, k) + 2 + j);
}

uint16_t wf_sim_relay_port(const wf_sim_layout *l, size_t k, size_t j)
{
    return (uint16_t)(block(l, k) + 16 + j);
}

/* out = dir "/" name suffix; 0 when it does not fit. */
static int path_of(char out[WF_SIM_PATH_MAX], const char *dir, const char *name, const char *suffix)
{
    char file[64];
    int n = snprintf(file, sizeof file, "%s%s", name, suffix);
    return n > 0 && (size_t)n < sizeof file && wf_path_join(out, WF_SIM_PATH_MAX, dir, file);
}

wf_err wf_sim_layout_derive(wf_sim_layout *l, const char **why)
{
    wf_err err = WF_OK;
    if (l->n < 2 || l->n > WF_SIM_MAX_NODES)
        FAIL(WF_ERR_RANGE, wf_why_fmt("a cluster has 2..%d nodes", WF_SIM_MAX_NODES));
    if (l->base_port < 1024 || (unsigned)l->base_port + WF_SIM_PORT_STRIDE * l->n > 65535)
        FAIL(WF_ERR_RANGE, "the base port leaves no room for the nodes' ports (1024..65535)");
    int ok = path_of(l->conf, l->dir, "sim.conf", "") && path_of(l->json, l->dir, "sim.json", "") &&
             path_of(l->cluster, l->dir, "cluster.conf", "") && path_of(l->policy, l->dir, "policy.conf", "") &&
             path_of(l->client_dir, l->dir, "client", "") && path_of(l->client_ca, l->dir, "clients.pem", "") &&
             path_of(l->logs, l->dir, "logs", "") && path_of(l->sock, l->dir, "sim.sock", "") &&
             path_of(l->sim_log, l->dir, "sim.log", "") && path_of(l->key, l->dir, "key", "");
    for (size_t k = 0; k < l->n && ok; k++) {
        wf_sim_node *nd = &l->nodes[k];
        uint16_t b = block(l, k);
        nd->client_port = b;
        nd->http_port = (uint16_t)(b + 1);
        snprintf(nd->client_url, sizeof nd->client_url, "tls+tcp://127.0.0.1:%u", (unsigned)b);
        snprintf(nd->http_url, sizeof nd->http_url, "http://127.0.0.1:%u", (unsigned)b + 1);
        snprintf(nd->peer_listen_url, sizeof nd->peer_listen_url, "tls+tcp://127.0.0.1:%u",
                 (unsigned)wf_sim_peer_port(l, k, 0));
        snprintf(nd->advertised_url, sizeof nd->advertised_url, "tls+tcp://127.0.0.1:%u",
                 (unsigned)wf_sim_relay_port(l, k, 0));
        ok = path_of(nd->dir, l->dir, nd->name, "") && path_of(nd->key_file, l->dir, nd->name, ".key") &&
             path_of(nd->log, l->logs, nd->name, ".log") && path_of(nd->cert, nd->dir, "tls.crt", "");
    }
    if (!ok)
        FAIL(WF_ERR_RANGE, "the work directory's path is too long");
    if (strlen(l->sock) > WF_SIM_SOCK_PATH_MAX)
        FAIL(WF_ERR_RANGE, wf_why_fmt("the control socket's path %s passes %d bytes: choose a shorter --dir",
                                      l->sock, WF_SIM_SOCK_PATH_MAX));
done:
    return err;
}

static char *conf_text(const wf_sim_layout *l, size_t *len)
{
    wf_buf b = {0};
    wf_buf_printf(&b, "warifu-sim 1\nthreshold %u\nbase-port %u\n", (unsigned)l->threshold, (unsigned)l->base_port);
    for (size_t k = 0; k < l->n; k++)
        wf_buf_printf(&b, "node %s %u %s\n", l->nodes[k].name, (unsigned)l->nodes[k].rank, l->nodes[k].region);
    for (size_t i = 0; i < l->n_rtt; i++)
        wf_buf_printf(&b, "rtt %s %s %u\n", l->rtt[i].a, l->rtt[i].b, (unsigned)l->rtt[i].ms);
    wf_buf_printf(&b, "end\n");
    return wf_buf_take(&b, len);
}

/* sim.json: every string in it is a path, URL, name or region of printable
 * ASCII without quotes or backslashes (the derive step and the parsers allow
 * no others), so no escaping is needed. */
static char *json_text(const wf_sim_layout *l, const char *warifu_bin, size_t *len)
{
    wf_buf b = {0};
    wf_buf_printf(&b, "{\n  \"version\": 1,\n  \"warifu\": \"%s\",\n  \"client_dir\": \"%s\",\n", warifu_bin,
                  l->client_dir);
    wf_buf_printf(&b, "  \"threshold\": %u,\n  \"nodes\": [\n", (unsigned)l->threshold);
    for (size_t k = 0; k < l->n; k++) {
        const wf_sim_node *nd = &l->nodes[k];
        wf_buf_printf(&b,
                      "    {\"name\": \"%s\", \"rank\": %u, \"region\": \"%s\", \"client_url\": \"%s\", "
                      "\"node_cert\": \"%s\", \"http_url\": \"%s\"}%s\n",
                      nd->name, (unsigned)nd->rank, nd->region, nd->client_url, nd->cert, nd->http_url,
                      k + 1 < l->n ? "," : "");
    }
    wf_buf_printf(&b, "  ]\n}\n");
    return wf_buf_take(&b, len);
}

static int json_safe(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
            return 0;
    return 1;
}

wf_err wf_sim_layout_save(const wf_sim_layout *l, const char *warifu_bin, const char **why)
{
    wf_err err = WF_OK;
    size_t len = 0;
    char *text = NULL;
    if (!json_safe(l->dir) || !json_safe(warifu_bin))
        FAIL(WF_ERR_ARG, "paths must be printable ASCII without quotes or backslashes");
    if ((text = conf_text(l, &len)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if ((err = wf_file_write_new(l->conf, text, len, 0644, why)) != WF_OK)
        goto done;
    free(text);
    if ((text = json_text(l, warifu_bin, &len)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    err = wf_file_write_new(l->json, text, len, 0644, why);
done:
    free(text);
    return err;
}

/* A node or region name: 1..max characters of [a-z0-9-]. */
static int name_ok(wf_span s, size_t max)
{
    if (s.len == 0 || s.len > max)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

static wf_err parse_conf(wf_sim_layout *l, const char *text, size_t len, const char **why)
{
    wf_err err = WF_OK;
    wf_text t;
    wf_span line, tok[5];
    uint32_t v = 0;
    wf_text_init(&t, text, len);
    if (wf_text_line(&t, &line) != 1 || !wf_span_eq(line, "warifu-sim 1"))
        FAIL(WF_ERR_ENCODING, "sim.conf: the first line is not \"warifu-sim 1\"");
    if (wf_text_line(&t, &line) != 1 || wf_span_split(line, tok, 2) != 2 || !wf_span_eq(tok[0], "threshold") ||
        !wf_span_u32(tok[1], WF_SIM_MAX_NODES, &l->threshold))
        FAIL(WF_ERR_ENCODING, "sim.conf line 2: expected \"threshold T\"");
    if (wf_text_line(&t, &line) != 1 || wf_span_split(line, tok, 2) != 2 || !wf_span_eq(tok[0], "base-port") ||
        !wf_span_u32(tok[1], 65535, &v))
        FAIL(WF_ERR_ENCODING, "sim.conf line 3: expected \"base-port B\"");
    l->base_port = (uint16_t)v;
    for (;;) {
        if (wf_text_line(&t, &line) != 1)
            FAIL(WF_ERR_ENCODING, wf_why_fmt("sim.conf line %u: unreadable or missing \"end\"", t.line));
        if (wf_span_eq(line, "end"))
            break;
        size_t k = wf_span_split(line, tok, 5);
        if (k == 4 && wf_span_eq(tok[0], "node") && l->n < WF_SIM_MAX_NODES && name_ok(tok[1], WF_SIM_NAME_MAX) &&
            wf_span_u32(tok[2], 255, &l->nodes[l->n].rank) && name_ok(tok[3], WF_SIM_REGION_MAX)) {
            wf_span_str(tok[1], l->nodes[l->n].name, sizeof l->nodes[l->n].name);
            wf_span_str(tok[3], l->nodes[l->n].region, sizeof l->nodes[l->n].region);
            l->n++;
        } else if (k == 4 && wf_span_eq(tok[0], "rtt") && l->n_rtt < WF_SIM_MAX_RTT_OVERRIDES &&
                   name_ok(tok[1], WF_SIM_REGION_MAX) && name_ok(tok[2], WF_SIM_REGION_MAX) &&
                   wf_span_u32(tok[3], 60000, &l->rtt[l->n_rtt].ms)) {
            wf_span_str(tok[1], l->rtt[l->n_rtt].a, sizeof l->rtt[l->n_rtt].a);
            wf_span_str(tok[2], l->rtt[l->n_rtt].b, sizeof l->rtt[l->n_rtt].b);
            l->n_rtt++;
        } else {
            FAIL(WF_ERR_ENCODING, wf_why_fmt("sim.conf line %u: expected \"node NAME RANK REGION\", "
                                             "\"rtt REGION REGION MS\" or \"end\"",
                                             t.line));
        }
    }
    if (!wf_text_done(&t))
        FAIL(WF_ERR_ENCODING, "sim.conf: text after \"end\"");
    if (l->threshold < 1 || l->threshold > l->n)
        FAIL(WF_ERR_ENCODING, "sim.conf: the threshold is not between 1 and the number of nodes");
done:
    return err;
}

wf_err wf_sim_layout_load(wf_sim_layout *l, const char *dir, const char **why)
{
    wf_err err = WF_OK;
    char path[WF_SIM_PATH_MAX], *text = NULL;
    size_t len = 0;
    memset(l, 0, sizeof *l);
    if (strlen(dir) >= sizeof l->dir || !wf_path_join(path, sizeof path, dir, "sim.conf"))
        FAIL(WF_ERR_RANGE, "the work directory's path is too long");
    memcpy(l->dir, dir, strlen(dir) + 1);
    if (wf_file_read(path, CONF_MAX, WF_FILE_PUBLIC, &text, &len, why) != WF_OK)
        FAIL(WF_ERR_NOT_FOUND, wf_why_fmt("no simulated cluster in %s (run warifu-sim up --dir %s)", dir, dir));
    if ((err = parse_conf(l, text, len, why)) == WF_OK)
        err = wf_sim_layout_derive(l, why);
done:
    free(text);
    return err;
}

int wf_sim_node_find(const wf_sim_layout *l, const char *name)
{
    for (size_t k = 0; k < l->n; k++)
        if (strcmp(l->nodes[k].name, name) == 0)
            return (int)k;
    char *end = NULL;
    long v = strtol(name, &end, 10);
    if (end != name && *end == '\0' && v >= 1 && (size_t)v <= l->n)
        return (int)v - 1;
    return -1;
}
