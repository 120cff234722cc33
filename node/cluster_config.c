#include "node/cluster_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/hash.h"
#include "node/fail.h"
#include "node/files.h"
#include "node/text_format.h"

#define CONFIG_HEADER "warifu-cluster 1"
#define MEMBER_TOKENS 7

/* ---- syntax: the lines, in order ---- */

static wf_err parse_header(wf_text *t, wf_cluster_config *c, const char **why)
{
    wf_err err = WF_OK;
    wf_span line, tok[2];
    if (wf_text_line(t, &line) != 1 || wf_span_split(line, tok, 2) != 2 ||
        !wf_span_eq(tok[0], "warifu-cluster"))
        FAIL(WF_ERR_ENCODING, "line 1: not a cluster config (expected '" CONFIG_HEADER "')");
    if (!wf_span_eq(tok[1], "1"))
        FAIL(WF_ERR_ENCODING, "line 1: unsupported cluster config version (this build reads version 1)");
    if (wf_text_line(t, &line) != 1 || wf_span_split(line, tok, 2) != 2 || !wf_span_eq(tok[0], "threshold") ||
        !wf_span_u32(tok[1], UINT32_MAX, &c->threshold))
        FAIL(WF_ERR_ENCODING, "line 2: expected 'threshold <t>'");
done:
    return err;
}

/* One `member` line (tok[0] is "member"); it must describe member c->n. */
static wf_err parse_member(wf_cluster_config *c, const wf_span *tok, unsigned lineno, const char **why)
{
    wf_err err = WF_OK;
    uint32_t index = 0;
    uint8_t fp[WF_TLS_FINGERPRINT_CHARS / 2];

    if (c->n == WF_MAX_MEMBERS)
        FAIL(WF_ERR_RANGE, wf_why_fmt("line %u: more than %d members", lineno, WF_MAX_MEMBERS));
    wf_cluster_member *m = &c->members[c->n];
    if (!wf_span_u32(tok[1], WF_MAX_MEMBERS - 1, &index))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad member index", lineno));
    if (index < c->n)
        FAIL(WF_ERR_CONFLICT, wf_why_fmt("line %u: duplicate member index %u", lineno, index));
    if (index != c->n)
        FAIL(WF_ERR_ENCODING,
             wf_why_fmt("line %u: member lines must come in index order: expected member %u", lineno, c->n));
    if (!wf_span_str(tok[2], m->pub.name, sizeof m->pub.name) || !wf_tls_name_valid(m->pub.name))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad member name", lineno));
    if (!wf_span_u32(tok[3], UINT32_MAX, &m->rank))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad rank", lineno));
    if (!wf_span_str(tok[4], m->pub.address, sizeof m->pub.address) ||
        !wf_node_address_parse(m->pub.address, NULL, NULL))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad address (expected tls+tcp://<host>:<port>)", lineno));
    if (!wf_span_hex(tok[5], m->pub.identity_pk, sizeof m->pub.identity_pk))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad identity key (64 lowercase hex digits)", lineno));
    if (!wf_node_identity_pk_valid(m->pub.identity_pk))
        FAIL(WF_ERR_VERIFY,
             wf_why_fmt("line %u: the identity key is not a valid Ed25519 public key", lineno));
    if (!wf_span_hex(tok[6], fp, sizeof fp) ||
        !wf_span_str(tok[6], m->pub.fingerprint, sizeof m->pub.fingerprint))
        FAIL(WF_ERR_ENCODING,
             wf_why_fmt("line %u: bad certificate fingerprint (64 lowercase hex digits)", lineno));
    c->n++;
done:
    return err;
}

/* The member lines; *next gets the first line after them. */
static wf_err parse_members(wf_text *t, wf_cluster_config *c, wf_span *next, const char **why)
{
    wf_err err = WF_OK;
    wf_span tok[MEMBER_TOKENS];
    for (;;) {
        int got = wf_text_line(t, next);
        if (got != 1)
            FAIL(WF_ERR_ENCODING,
                 wf_why_fmt("line %u: %s", t->line,
                            got == 0 ? "the config ends early" : "not printable ASCII ending in LF"));
        size_t k = wf_span_split(*next, tok, MEMBER_TOKENS);
        if (k == 0 || !wf_span_eq(tok[0], "member"))
            break;
        if (k != MEMBER_TOKENS)
            FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected 'member <index> <name> <rank> <address> "
                                             "<identity-pk> <tls-fingerprint>'",
                                             t->line));
        if ((err = parse_member(c, tok, t->line, why)) != WF_OK)
            goto done;
    }
    if (c->n == 0)
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected a 'member' line", t->line));
done:
    return err;
}

/* The certificate blocks; `line` is the first line after the members. */
static wf_err parse_certs(wf_text *t, wf_cluster_config *c, wf_span line, const char **why)
{
    wf_err err = WF_OK;
    wf_span tok[2], pem;
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t index = 0;
        if (i > 0 && wf_text_line(t, &line) != 1)
            FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected 'cert %u'", t->line, i));
        if (wf_span_split(line, tok, 2) != 2 || !wf_span_eq(tok[0], "cert") ||
            !wf_span_u32(tok[1], UINT32_MAX, &index) || index != i)
            FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected 'cert %u'%s", t->line, i,
                                             i == 0 ? " after the member lines" : ""));
        unsigned at = t->line + 1;
        if (!wf_text_pem(t, "CERTIFICATE", WF_TLS_CERT_FILE_MAX, &pem))
            FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected the PEM certificate of member %u", at, i));
        wf_node_member *m = &c->members[i].pub;
        if ((err = wf_node_member_attach_cert(m, pem.p, pem.len, why)) != WF_OK) {
            if (why != NULL)
                *why = wf_why_wrap(*why, "line %u: member %u (%s)", at, i, m->name);
            goto done;
        }
    }
    if (wf_text_line(t, &line) != 1 || !wf_span_eq(line, "end"))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected 'end'", t->line));
    if (!wf_text_done(t))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: text after 'end'", t->line + 1));
done:
    return err;
}

/* ---- meaning: what the lines say together ---- */

static wf_err check_unique(const wf_cluster_config *c, const char **why)
{
    wf_err err = WF_OK;
    for (uint32_t i = 0; i < c->n; i++) {
        for (uint32_t j = 0; j < i; j++) {
            const wf_node_member *a = &c->members[j].pub, *b = &c->members[i].pub;
            const char *what = strcmp(a->name, b->name) == 0 ? "name"
                               : memcmp(a->identity_pk, b->identity_pk, sizeof a->identity_pk) == 0
                                   ? "identity key"
                               : strcmp(a->fingerprint, b->fingerprint) == 0 ? "certificate"
                                                                             : NULL;
            if (what != NULL)
                FAIL(WF_ERR_CONFLICT, wf_why_fmt("members %u (%s) and %u (%s) have the same %s", j, a->name,
                                                 i, b->name, what));
        }
    }
done:
    return err;
}

static wf_err check_ranks(const wf_cluster_config *c, const char **why)
{
    wf_err err = WF_OK;
    wf_member members[WF_MAX_MEMBERS];
    for (uint32_t i = 0; i < c->n; i++) {
        const wf_cluster_member *m = &c->members[i];
        if (m->rank >= c->threshold)
            FAIL(WF_ERR_RANGE, wf_why_fmt("member %u (%s): rank %u is not below the threshold %u", i,
                                          m->pub.name, m->rank, c->threshold));
        if (i > 0 && m->rank < c->members[i - 1].rank)
            FAIL(WF_ERR_ENCODING,
                 wf_why_fmt("member %u (%s): rank %u is below the rank of member %u; ranks must "
                            "not decrease with the member index",
                            i, m->pub.name, m->rank, i - 1));
    }
    wf_cluster_config_members(c, members);
    err = wf_access_check(members, c->n, c->threshold);
    if (err == WF_ERR_UNAUTHORISED)
        FAIL(err,
             wf_why_fmt("no set of %u members is authorised (Tassa: the i-th smallest rank of a signing set "
                        "must be at most i)",
                        c->threshold));
    if (err != WF_OK)
        FAIL(WF_ERR_INTERNAL, "the access structure check failed");
done:
    return err;
}

static wf_err check_ports(const wf_cluster_config *c, const char **why)
{
    wf_err err = WF_OK;
    char hosts[WF_MAX_MEMBERS][WF_NODE_ADDRESS_MAX + 1];
    uint32_t ports[WF_MAX_MEMBERS];
    for (uint32_t i = 0; i < c->n; i++) {
        const char *name = c->members[i].pub.name;
        if (!wf_node_address_parse(c->members[i].pub.address, hosts[i], &ports[i]))
            FAIL(WF_ERR_ENCODING, wf_why_fmt("member %u (%s): bad address", i, name));
        if (ports[i] + c->n - 1 > 65535)
            FAIL(WF_ERR_RANGE, wf_why_fmt("member %u (%s): base port %u + %u members exceeds 65535", i, name,
                                          ports[i], c->n));
        for (uint32_t j = 0; j < i; j++) {
            uint32_t gap = ports[i] > ports[j] ? ports[i] - ports[j] : ports[j] - ports[i];
            if (strcmp(hosts[i], hosts[j]) == 0 && gap < c->n)
                FAIL(WF_ERR_CONFLICT,
                     wf_why_fmt("members %u (%s) and %u (%s) on host %s need %u ports each from "
                                "their base ports, and these ranges overlap",
                                j, c->members[j].pub.name, i, name, hosts[i], c->n));
        }
    }
done:
    return err;
}

static wf_err check_config(const wf_cluster_config *c, const char **why)
{
    wf_err err = WF_OK;
    if (c->n < WF_CLUSTER_MIN_MEMBERS)
        FAIL(WF_ERR_RANGE, wf_why_fmt("a cluster needs at least %d members", WF_CLUSTER_MIN_MEMBERS));
    if (c->threshold < WF_CLUSTER_MIN_THRESHOLD || c->threshold > c->n)
        FAIL(WF_ERR_RANGE, wf_why_fmt("threshold %u is not in %d..%u (the number of members)", c->threshold,
                                      WF_CLUSTER_MIN_THRESHOLD, c->n));
    if ((err = check_unique(c, why)) != WF_OK || (err = check_ranks(c, why)) != WF_OK)
        goto done;
    err = check_ports(c, why);
done:
    return err;
}

/* ---- parsing, building, writing ---- */

wf_err wf_cluster_config_parse(wf_cluster_config **out, const char *text, size_t len, const char **why)
{
    wf_err err = WF_OK;
    wf_cluster_config *c = NULL;
    wf_text t;
    wf_span next;

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (text == NULL)
        FAIL(WF_ERR_ARG, "missing text");
    if (len > WF_CLUSTER_CONFIG_MAX)
        FAIL(WF_ERR_RANGE, "the config is too large");
    if ((c = calloc(1, sizeof *c)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    wf_text_init(&t, text, len);
    if ((err = parse_header(&t, c, why)) != WF_OK || (err = parse_members(&t, c, &next, why)) != WF_OK ||
        (err = parse_certs(&t, c, next, why)) != WF_OK || (err = check_config(c, why)) != WF_OK)
        goto done;
    if ((c->text = malloc(len + 1)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    memcpy(c->text, text, len);
    c->text[len] = '\0';
    c->text_len = len;
    if (wf_sha256(c->cluster_id, (const uint8_t *)c->text, len) != WF_OK)
        FAIL(WF_ERR_INTERNAL, "cannot hash the config");
    *out = c;
    c = NULL;
done:
    wf_cluster_config_free(c);
    return err;
}

wf_err wf_cluster_config_load(wf_cluster_config **out, const char *path, const char **why)
{
    char *text = NULL;
    size_t len = 0;
    wf_err err;

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if ((err = wf_file_read(path, WF_CLUSTER_CONFIG_MAX, WF_FILE_GUARDED, &text, &len, why)) != WF_OK)
        return err;
    err = wf_cluster_config_parse(out, text, len, why);
    if (err != WF_OK && why != NULL)
        *why = wf_why_wrap(*why, "%s", path);
    free(text);
    return err;
}

wf_err wf_cluster_config_build(wf_cluster_config **out, uint32_t threshold, const wf_node_member *members,
                               const uint32_t *ranks, size_t n, const char **why)
{
    wf_err err = WF_OK;
    size_t order[WF_MAX_MEMBERS];
    char pk_hex[2 * WF_IDENTITY_PK_BYTES + 1];
    wf_buf b = {0};
    char *text = NULL;
    size_t len = 0;

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (members == NULL || ranks == NULL)
        FAIL(WF_ERR_ARG, "missing members");
    if (n < WF_CLUSTER_MIN_MEMBERS || n > WF_MAX_MEMBERS)
        FAIL(WF_ERR_RANGE,
             wf_why_fmt("a cluster has %d to %d members", WF_CLUSTER_MIN_MEMBERS, WF_MAX_MEMBERS));
    for (size_t i = 0; i < n; i++) {
        if (members[i].cert_pem == NULL)
            FAIL(WF_ERR_ARG, "a member has no certificate");
        size_t k = i; /* insertion sort by rank: stable, so equal ranks keep their order */
        for (; k > 0 && ranks[order[k - 1]] > ranks[i]; k--)
            order[k] = order[k - 1];
        order[k] = i;
    }
    wf_buf_printf(&b, CONFIG_HEADER "\nthreshold %u\n", threshold);
    for (size_t j = 0; j < n; j++) {
        const wf_node_member *m = &members[order[j]];
        wf_hex_encode(pk_hex, m->identity_pk, sizeof m->identity_pk);
        wf_buf_printf(&b, "member %zu %s %u %s %s %s\n", j, m->name, ranks[order[j]], m->address, pk_hex,
                      m->fingerprint);
    }
    for (size_t j = 0; j < n; j++) {
        wf_buf_printf(&b, "cert %zu\n", j);
        wf_buf_put(&b, members[order[j]].cert_pem, members[order[j]].cert_pem_len);
    }
    wf_buf_put(&b, "end\n", 4);
    if ((text = wf_buf_take(&b, &len)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    err = wf_cluster_config_parse(out, text, len, why);
done:
    free(text);
    return err;
}

wf_err wf_cluster_config_write(const wf_cluster_config *c, const char *path, const char **why)
{
    if (c == NULL || c->text == NULL || path == NULL)
        return WF_ERR_ARG;
    return wf_file_write_new(path, c->text, c->text_len, 0644, why);
}

void wf_cluster_config_free(wf_cluster_config *c)
{
    if (c == NULL)
        return;
    for (uint32_t i = 0; i < WF_MAX_MEMBERS; i++)
        wf_node_member_clear(&c->members[i].pub);
    free(c->text);
    free(c);
}

/* ---- using a config ---- */

wf_err wf_cluster_config_find_self(const wf_cluster_config *c, const wf_node_identity *id, uint32_t *index,
                                   const char **why)
{
    wf_err err = WF_OK;
    if (c == NULL || id == NULL || index == NULL)
        return WF_ERR_ARG;
    for (uint32_t i = 0; i < c->n; i++) {
        const wf_node_member *m = &c->members[i].pub;
        if (memcmp(m->identity_pk, id->pub.identity_pk, sizeof m->identity_pk) != 0)
            continue;
        if (strcmp(m->fingerprint, id->pub.fingerprint) != 0)
            FAIL(WF_ERR_VERIFY, wf_why_fmt("member %u (%s) has this node's identity key but another TLS "
                                           "certificate",
                                           i, m->name));
        *index = i;
        return WF_OK;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        const wf_node_member *m = &c->members[i].pub;
        if (strcmp(m->name, id->pub.name) == 0 || strcmp(m->fingerprint, id->pub.fingerprint) == 0)
            FAIL(WF_ERR_VERIFY, wf_why_fmt("member %u (%s) has this node's name or certificate but another "
                                           "identity key",
                                           i, m->name));
    }
    FAIL(WF_ERR_NOT_FOUND, wf_why_fmt("this node (%s) is not a member of the cluster", id->pub.name));
done:
    return err;
}

void wf_cluster_config_members(const wf_cluster_config *c, wf_member out[WF_MAX_MEMBERS])
{
    memset(out, 0, WF_MAX_MEMBERS * sizeof *out);
    for (uint32_t i = 0; i < c->n; i++) {
        wf_scalar_set_u64(&out[i].x, (uint64_t)i + 1);
        out[i].rank = c->members[i].rank;
    }
}

wf_err wf_cluster_config_machine_cfg(wf_machine_cfg *m, const wf_cluster_config *c, uint32_t self,
                                     const uint8_t *identity_sk)
{
    if (m == NULL || c == NULL || self >= c->n || identity_sk == NULL)
        return WF_ERR_ARG;
    memset(m, 0, sizeof *m);
    memcpy(m->cluster_id, c->cluster_id, sizeof m->cluster_id);
    m->self = self;
    m->identity_sk = identity_sk;
    for (uint32_t i = 0; i < c->n; i++)
        memcpy(m->identity_pk[i], c->members[i].pub.identity_pk, WF_IDENTITY_PK_BYTES);
    return WF_OK;
}

static wf_err peers_dir(char *out, size_t cap, const char *node_dir, const char **why)
{
    wf_err err = WF_OK;
    struct stat st;
    if (!wf_path_join(out, cap, node_dir, WF_NODE_PEERS_DIR))
        FAIL(WF_ERR_ARG, "node directory path too long");
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot create %s: %s", out, strerror(errno)));
    if (lstat(out, &st) != 0 || !S_ISDIR(st.st_mode))
        FAIL(WF_ERR_STORAGE, wf_why_fmt("%s is not a directory", out));
done:
    return err;
}

wf_err wf_cluster_net_prepare(wf_cluster_net **out, const wf_cluster_config *c, uint32_t self,
                              const char *node_dir, const char *listen_url, const char **why)
{
    wf_err err = WF_OK;
    wf_cluster_net *net = NULL;
    char dir[WF_NODE_PATH_MAX], file[32];

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (c == NULL || node_dir == NULL || self >= c->n)
        FAIL(WF_ERR_ARG, "missing config or directory, or own index out of range");
    const char *own = listen_url != NULL ? listen_url : c->members[self].pub.address;
    if (strlen(own) > WF_NODE_ADDRESS_MAX)
        FAIL(WF_ERR_ARG, "listen URL too long");
    if ((net = calloc(1, sizeof *net)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if ((err = peers_dir(dir, sizeof dir, node_dir, why)) != WF_OK)
        goto done;
    for (uint32_t i = 0; i < c->n; i++) {
        const wf_node_member *m = &c->members[i].pub;
        strcpy(net->names[i], m->name);
        strcpy(net->urls[i], m->address);
        if (i == self)
            continue;
        snprintf(file, sizeof file, "%u.crt", i);
        if (!wf_path_join(net->paths[i], sizeof net->paths[i], dir, file))
            FAIL(WF_ERR_ARG, "node directory path too long");
        if ((err = wf_file_replace(net->paths[i], m->cert_pem, m->cert_pem_len, 0644, why)) != WF_OK)
            goto done;
        net->peers[net->cfg.n_peers++] = (wf_peer_net_peer){
            .name = net->names[i], .member = i, .url = net->urls[i], .cert_path = net->paths[i]};
    }
    if (!wf_path_join(net->cert_path, sizeof net->cert_path, node_dir, WF_NODE_TLS_CERT) ||
        !wf_path_join(net->paths[WF_MAX_MEMBERS], sizeof net->paths[0], node_dir, WF_NODE_TLS_KEY))
        FAIL(WF_ERR_ARG, "node directory path too long");
    strcpy(net->listen_url, own);
    net->cfg.self_name = net->names[self];
    net->cfg.self_member = self;
    net->cfg.listen_url = net->listen_url;
    net->cfg.cert_path = net->cert_path;
    net->cfg.key_path = net->paths[WF_MAX_MEMBERS];
    net->cfg.peers = net->peers;
    *out = net;
    net = NULL;
done:
    wf_cluster_net_free(net);
    return err;
}

void wf_cluster_net_free(wf_cluster_net *net)
{
    free(net);
}
