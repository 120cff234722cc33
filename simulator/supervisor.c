/* The simulated cluster's supervisor (supervisor.h): warifud processes,
 * relays and the control socket on one libuv loop. Everything here runs on
 * the loop's thread. */
#include "simulator/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "node/text_format.h"
#include "simulator/regions.h"
#include "simulator/relay.h"

#define CMD_MAX        1024
#define OUT_LINE_MAX   512
#define DOWN_GRACE_MS  15000 /* SIGTERM lets sessions finish; then SIGKILL */
#define READY_TEXT     "warifud ready"

typedef struct sup sup;
typedef struct node_rt node_rt;

/* One control connection: a command line in, an answer out, closed. */
typedef struct conn {
    uv_pipe_t h;
    sup *s;
    struct conn *next; /* the supervisor's list of open connections */
    char in[CMD_MAX];
    size_t in_len;
    int dispatched;
    wf_buf out;
    uv_write_t wr;
    uv_buf_t wbuf;
} conn;

/* One warifud process. It outlives its node's interest in it: the process
 * handle and the stdout pipe are closed separately, and it is freed after
 * both. */
typedef struct proc {
    uv_process_t h;
    uv_pipe_t out;
    int open_handles;
    int log_fd;
    node_rt *node; /* NULL once the process has exited */
    char line[OUT_LINE_MAX];
    size_t line_len;
} proc;

typedef enum { WAIT_NONE, WAIT_READY, WAIT_EXIT } wait_kind;
typedef enum { N_DOWN, N_STARTING, N_UP, N_STOPPING } node_state;

struct node_rt {
    sup *s;
    size_t k;
    proc *p; /* the running process, or NULL */
    node_state st;
    int pid;
    char cheat[16]; /* "" when honest */
    int restart_after_exit;
    conn *waiter; /* the command waiting for this node, if any */
    wait_kind wait;
};

struct sup {
    uv_loop_t loop;
    const wf_sim_layout *l;
    const wf_sup_opts *o;
    node_rt nodes[WF_SIM_MAX_NODES];
    wf_relay *relay[WF_SIM_MAX_NODES][WF_SIM_MAX_NODES]; /* [i][j]: link i→j */
    wf_link_faults faults[WF_SIM_MAX_NODES][WF_SIM_MAX_NODES];
    double matrix_delay[WF_SIM_MAX_NODES][WF_SIM_MAX_NODES];
    int group[WF_SIM_MAX_NODES];
    int partitioned;
    uv_pipe_t server;
    uv_signal_t sigterm, sigint;
    uv_timer_t kill_timer;
    int starting_up;
    int shutting_down;
    int closed;
    conn *down_waiter;
    FILE *log;
    int ready_fd;
    int exit_code;
    conn *conns;
};

/* ---- logging ---- */

static void slog(sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slog(sup *s, const char *fmt, ...)
{
    if (s->log == NULL)
        return;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(s->log, "%s ", when);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->log, fmt, ap);
    va_end(ap);
    fputc('\n', s->log);
    fflush(s->log);
}

static const char *name_of(const node_rt *nd)
{
    return nd->s->l->nodes[nd->k].name;
}

/* ---- the ready pipe of `up` ---- */

static void report_ready(sup *s, const char *error)
{
    if (s->ready_fd < 0)
        return;
    char line[WF_WHY_MAX + 16];
    int n = error == NULL ? snprintf(line, sizeof line, "ready\n") : snprintf(line, sizeof line, "error: %s\n", error);
    if (n > 0 && write(s->ready_fd, line, (size_t)n) < 0)
        slog(s, "cannot report to up: %s", strerror(errno));
    close(s->ready_fd);
    s->ready_fd = -1;
}

/* ---- control connections ---- */

static void conn_closed(uv_handle_t *h)
{
    conn *c = h->data;
    for (conn **p = &c->s->conns; *p != NULL; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    wf_buf_clear(&c->out);
    free(c);
}

static void conn_written(uv_write_t *w, int status)
{
    (void)status; /* a client that went away does not matter */
    conn *c = w->data;
    uv_close((uv_handle_t *)&c->h, conn_closed);
}

static void conn_line(conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_line(conn *c, const char *fmt, ...)
{
    char line[OUT_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    wf_buf_printf(&c->out, "%s\n", line);
}

/* Ends the answer with "ok ..." or "error: ..." and closes after writing. */
static void conn_finish(conn *c, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void conn_finish(conn *c, int ok, const char *fmt, ...)
{
    char line[OUT_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    wf_buf_printf(&c->out, "%s%s\n", ok ? "ok " : "error: ", line);
    slog(c->s, "%s%s", ok ? "ok " : "error: ", line);
    size_t len = 0;
    char *text = wf_buf_take(&c->out, &len);
    c->out.p = text; /* freed with the connection */
    c->out.len = c->out.cap = len;
    c->wbuf = uv_buf_init(text != NULL ? text : "error: out of memory\n", text != NULL ? (unsigned)len : 21);
    c->wr.data = c;
    if (uv_write(&c->wr, (uv_stream_t *)&c->h, &c->wbuf, 1, conn_written) != 0)
        uv_close((uv_handle_t *)&c->h, conn_closed);
}

/* ---- nodes ---- */

static void proc_closed(uv_handle_t *h)
{
    proc *p = h->data;
    if (--p->open_handles > 0)
        return;
    if (p->log_fd >= 0)
        close(p->log_fd);
    free(p);
}

/* Answers the command waiting for nd (if any) with msg. */
static void node_answer(node_rt *nd, int ok, const char *msg)
{
    conn *c = nd->waiter;
    nd->waiter = NULL;
    nd->wait = WAIT_NONE;
    if (c != NULL)
        conn_finish(c, ok, "%s", msg);
}

static int all_down(const sup *s)
{
    for (size_t k = 0; k < s->l->n; k++)
        if (s->nodes[k].p != NULL)
            return 0;
    return 1;
}

static void finish_shutdown(sup *s);
static void begin_shutdown(sup *s, conn *c);

static void node_ready(node_rt *nd)
{
    sup *s = nd->s;
    if (nd->st != N_STARTING)
        return;
    nd->st = N_UP;
    slog(s, "%s ready (pid %d)", name_of(nd), nd->pid);
    if (nd->wait == WAIT_READY)
        node_answer(nd, 1, wf_why_fmt("%s up", name_of(nd)));
    if (s->starting_up) {
        for (size_t k = 0; k < s->l->n; k++)
            if (s->nodes[k].st != N_UP)
                return;
        s->starting_up = 0;
        report_ready(s, NULL);
    }
}

/* stdout of warifud: copied to its log, watched for the ready line. */
static void out_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(suggested);
    buf->len = buf->base != NULL ? suggested : 0;
}

static void out_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    proc *p = st->data;
    if (nread < 0) {
        uv_read_stop(st);
        uv_close((uv_handle_t *)st, proc_closed);
    }
    for (ssize_t i = 0; i < nread; i++) {
        char ch = buf->base[i];
        if (ch != '\n' && p->line_len + 1 < sizeof p->line) {
            p->line[p->line_len++] = ch;
            continue;
        }
        p->line[p->line_len] = '\0';
        if (p->node != NULL && strncmp(p->line, READY_TEXT, strlen(READY_TEXT)) == 0)
            node_ready(p->node);
        p->line_len = 0;
    }
    if (nread > 0 && p->log_fd >= 0 && write(p->log_fd, buf->base, (size_t)nread) != nread) {
        /* a full disk loses log lines, not the cluster */
    }
    free(buf->base);
}

static int spawn_node(node_rt *nd, const char **why);

static void proc_exited(uv_process_t *h, int64_t status, int signo)
{
    proc *p = h->data;
    node_rt *nd = p->node;
    p->node = NULL;
    uv_close((uv_handle_t *)h, proc_closed);
    if (nd == NULL)
        return;
    sup *s = nd->s;
    nd->p = NULL;
    node_state was = nd->st;
    nd->st = N_DOWN;
    char how[64];
    if (signo != 0)
        snprintf(how, sizeof how, "killed by signal %d", signo);
    else
        snprintf(how, sizeof how, "exited with status %lld", (long long)status);
    slog(s, "%s (pid %d) %s", name_of(nd), nd->pid, how);
    if (s->shutting_down) {
        if (all_down(s))
            finish_shutdown(s);
        return;
    }
    if (nd->restart_after_exit) {
        nd->restart_after_exit = 0;
        const char *why = NULL;
        if (spawn_node(nd, &why) != 0)
            node_answer(nd, 0, why);
        return;
    }
    if (nd->wait == WAIT_EXIT) {
        node_answer(nd, 1, wf_why_fmt("%s down", name_of(nd)));
    } else if (nd->wait == WAIT_READY || was == N_STARTING) {
        char msg[WF_SIM_PATH_MAX + 128];
        snprintf(msg, sizeof msg, "%s %s before it was ready (see %s)", name_of(nd), how, s->l->nodes[nd->k].log);
        if (nd->wait == WAIT_READY)
            node_answer(nd, 0, msg);
        if (s->starting_up) {
            report_ready(s, msg);
            begin_shutdown(s, NULL);
        }
    }
}

/* warifud's command line for node nd. */
static void node_args(const node_rt *nd, char bufs[8][32], const char **argv)
{
    const sup *s = nd->s;
    const wf_sim_layout *l = s->l;
    const wf_sim_node *n = &l->nodes[nd->k];
    size_t a = 0;
    argv[a++] = s->o->warifud;
    argv[a++] = "--stop-with-parent";
    const char *fixed[] = {"--node",          n->dir,       "--cluster",    l->cluster,         "--policy",
                           l->policy,         "--client-ca", l->client_ca,  "--client-listen",  n->client_url,
                           "--http",          n->http_url,  "--peer-listen", n->peer_listen_url, "--key-file",
                           n->key_file};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        argv[a++] = fixed[i];
    snprintf(bufs[0], 32, "%u", s->o->presig_low);
    snprintf(bufs[1], 32, "%u", s->o->presig_high);
    snprintf(bufs[2], 32, "%u", s->o->session_timeout_ms);
    argv[a++] = "--presig-low";
    argv[a++] = bufs[0];
    argv[a++] = "--presig-high";
    argv[a++] = bufs[1];
    argv[a++] = "--session-timeout-ms";
    argv[a++] = bufs[2];
    /* no background Paillier pool: n local nodes searching primes at once
     * would compete with the workloads the simulator runs and measures */
    argv[a++] = "--paillier-pool-high";
    argv[a++] = "0";
    if (s->o->keygen_timeout_ms != 0) {
        snprintf(bufs[4], 32, "%u", s->o->keygen_timeout_ms);
        argv[a++] = "--keygen-timeout-ms";
        argv[a++] = bufs[4];
    }
    if (s->o->paillier_bits != 0) {
        snprintf(bufs[3], 32, "%u", s->o->paillier_bits);
        argv[a++] = "--paillier-bits";
        argv[a++] = bufs[3];
    }
    if (nd->cheat[0] != '\0') {
        static const struct {
            const char *mode, *fault;
        } modes[] = {{"bad-proof", "presign:16"}, {"bad-delta", "presign:21"}, {"wrong-partial", "sign:16"}};
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (strcmp(nd->cheat, modes[i].mode) == 0) {
                argv[a++] = "--allow-test-faults";
                argv[a++] = "--fault";
                argv[a++] = modes[i].fault;
            }
    }
    argv[a] = NULL;
}

static int spawn_node(node_rt *nd, const char **why)
{
    sup *s = nd->s;
    const wf_sim_node *n = &s->l->nodes[nd->k];
    char bufs[8][32];
    const char *argv[48];
    node_args(nd, bufs, argv);

    proc *p = calloc(1, sizeof *p);
    if (p == NULL) {
        *why = "out of memory";
        return -1;
    }
    p->log_fd = open(n->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (p->log_fd < 0) {
        *why = wf_why_fmt("cannot open %s: %s", n->log, strerror(errno));
        free(p);
        return -1;
    }
    dprintf(p->log_fd, "--- warifu-sim: starting %s%s%s\n", n->name, nd->cheat[0] ? " as a cheater: " : "",
            nd->cheat);
    uv_pipe_init(&s->loop, &p->out, 0);
    p->out.data = p;
    p->h.data = p;
    uv_stdio_container_t io[3];
    io[0].flags = UV_IGNORE;
    io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[1].data.stream = (uv_stream_t *)&p->out;
    io[2].flags = UV_INHERIT_FD;
    io[2].data.fd = p->log_fd;
    uv_process_options_t opt;
    memset(&opt, 0, sizeof opt);
    opt.exit_cb = proc_exited;
    opt.file = s->o->warifud;
    opt.args = (char **)argv;
    opt.stdio_count = 3;
    opt.stdio = io;
    int rc = uv_spawn(&s->loop, &p->h, &opt);
    p->open_handles = 2;
    if (rc != 0) {
        *why = wf_why_fmt("cannot start %s: %s", s->o->warifud, uv_strerror(rc));
        uv_close((uv_handle_t *)&p->h, proc_closed);
        uv_close((uv_handle_t *)&p->out, proc_closed);
        return -1;
    }
    uv_read_start((uv_stream_t *)&p->out, out_alloc, out_read);
    p->node = nd;
    nd->p = p;
    nd->pid = p->h.pid;
    nd->st = N_STARTING;
    slog(s, "%s started (pid %d)%s%s", n->name, nd->pid, nd->cheat[0] ? " cheating: " : "", nd->cheat);
    return 0;
}

/* ---- links ---- */

static void apply_link(sup *s, size_t i, size_t j)
{
    wf_link_faults f = s->faults[i][j];
    f.cut = s->partitioned && s->group[i] != s->group[j];
    const char *why = NULL;
    if (wf_relay_set(s->relay[i][j], &f, &why) != WF_OK) /* the values were checked when parsed */
        slog(s, "link %zu>%zu: %s", i, j, why);
}

static void apply_all(sup *s)
{
    for (size_t i = 0; i < s->l->n; i++)
        for (size_t j = 0; j < s->l->n; j++)
            if (i != j)
                apply_link(s, i, j);
}

/* The default matrix with the cluster's overrides. */
static void rtt_matrix(const wf_sim_layout *l, wf_rtt_matrix *m)
{
    wf_rtt_matrix_default(m);
    for (size_t i = 0; i < l->n_rtt; i++) {
        size_t a = 0, b = 0;
        if (wf_region_index(l->rtt[i].a, &a) == WF_OK && wf_region_index(l->rtt[i].b, &b) == WF_OK)
            m->ms[a][b] = m->ms[b][a] = l->rtt[i].ms;
    }
}

static int start_relays(sup *s, const char **why)
{
    const wf_sim_layout *l = s->l;
    wf_rtt_matrix m;
    rtt_matrix(l, &m);
    for (size_t i = 0; i < l->n; i++)
        for (size_t j = 0; j < l->n; j++) {
            if (i == j)
                continue;
            uint32_t rtt = 0;
            if (wf_region_rtt_ms(&m, l->nodes[i].region, l->nodes[j].region, &rtt, why) != WF_OK)
                return -1;
            double d = s->o->no_latency ? 0 : rtt / 2.0;
            s->matrix_delay[i][j] = d;
            wf_link_faults f = {.delay_ms = d, .jitter_ms = d * s->o->jitter_frac};
            s->faults[i][j] = f;
            uint64_t seed;
            randombytes_buf(&seed, sizeof seed);
            /* i dials j at j's relay port for i */
            if (wf_relay_start(&s->relay[i][j], &s->loop, wf_sim_relay_port(l, j, i), wf_sim_peer_port(l, j, i), &f,
                               seed, why) != WF_OK)
                return -1;
        }
    return 0;
}

/* ---- commands ---- */

static node_rt *node_arg(conn *c, const char *name)
{
    int k = name != NULL ? wf_sim_node_find(c->s->l, name) : -1;
    if (k < 0) {
        conn_finish(c, 0, "no node \"%s\" (n1..n%zu)", name != NULL ? name : "", c->s->l->n);
        return NULL;
    }
    node_rt *nd = &c->s->nodes[k];
    if (nd->waiter != NULL) {
        conn_finish(c, 0, "%s is busy with another command", name_of(nd));
        return NULL;
    }
    return nd;
}

static const char *state_name(node_state st)
{
    static const char *const names[] = {"down", "starting", "up", "stopping"};
    return names[st];
}

static void cmd_status(conn *c)
{
    sup *s = c->s;
    for (size_t k = 0; k < s->l->n; k++) {
        const node_rt *nd = &s->nodes[k];
        const wf_sim_node *n = &s->l->nodes[k];
        conn_line(c, "%s %s pid=%d rank=%u region=%s client=%s http=%s%s%s", n->name, state_name(nd->st),
                  nd->p != NULL ? nd->pid : 0, (unsigned)n->rank, n->region, n->client_url, n->http_url,
                  nd->cheat[0] ? " cheat=" : "", nd->cheat);
    }
    conn_finish(c, 1, "%zu nodes%s", s->l->n, s->partitioned ? ", partitioned" : "");
}

static void cmd_signal(conn *c, const char *name, int signo)
{
    int k = name != NULL ? wf_sim_node_find(c->s->l, name) : -1;
    /* kill ends whatever the node was waiting for: a node hung in its start
     * or its graceful stop must still be killable */
    if (signo == SIGKILL && k >= 0 && c->s->nodes[k].waiter != NULL) {
        node_rt *busy = &c->s->nodes[k];
        busy->restart_after_exit = 0;
        node_answer(busy, 0, wf_why_fmt("%s was killed meanwhile", name_of(busy)));
    }
    node_rt *nd = node_arg(c, name);
    if (nd == NULL)
        return;
    if (nd->p == NULL) {
        conn_finish(c, 0, "%s is not running", name_of(nd));
        return;
    }
    nd->waiter = c;
    nd->wait = WAIT_EXIT;
    if (signo == SIGTERM)
        nd->st = N_STOPPING;
    uv_process_kill(&nd->p->h, signo);
}

static void cmd_start(conn *c, node_rt *nd, int restart)
{
    if (nd->p != NULL && !restart) {
        conn_finish(c, 0, "%s is running already", name_of(nd));
        return;
    }
    nd->waiter = c;
    nd->wait = WAIT_READY;
    if (nd->p != NULL) {
        nd->restart_after_exit = 1;
        nd->st = N_STOPPING;
        uv_process_kill(&nd->p->h, SIGTERM);
        return;
    }
    const char *why = NULL;
    if (spawn_node(nd, &why) != 0)
        node_answer(nd, 0, why);
}

static void cmd_cheat(conn *c, const char *name, const char *mode)
{
    static const char *const modes[] = {"none", "bad-proof", "bad-delta", "wrong-partial"};
    size_t m = 0;
    while (m < 4 && (mode == NULL || strcmp(mode, modes[m]) != 0))
        m++;
    if (m == 4) {
        conn_finish(c, 0, "cheat MODE: none, bad-proof, bad-delta or wrong-partial");
        return;
    }
    node_rt *nd = node_arg(c, name);
    if (nd == NULL)
        return;
    snprintf(nd->cheat, sizeof nd->cheat, "%s", m == 0 ? "" : modes[m]);
    cmd_start(c, nd, 1);
}

/* "A,B|C,D,E": group numbers; nodes not named get groups of their own. */
static void cmd_partition(conn *c, char *spec)
{
    sup *s = c->s;
    int group[WF_SIM_MAX_NODES];
    for (size_t k = 0; k < s->l->n; k++)
        group[k] = -1 - (int)k;
    char *save_g = NULL;
    int g = 0;
    for (char *part = spec != NULL ? strtok_r(spec, "|", &save_g) : NULL; part != NULL;
         part = strtok_r(NULL, "|", &save_g), g++) {
        char *save_n = NULL;
        for (char *name = strtok_r(part, ",", &save_n); name != NULL; name = strtok_r(NULL, ",", &save_n)) {
            int k = wf_sim_node_find(s->l, name);
            if (k < 0 || group[k] >= 0) {
                conn_finish(c, 0, "partition: \"%s\" is no node or named twice", name);
                return;
            }
            group[k] = g;
        }
    }
    if (g < 1) {
        conn_finish(c, 0, "partition A,B|C,D: groups of nodes separated by |");
        return;
    }
    memcpy(s->group, group, sizeof group);
    s->partitioned = 1;
    apply_all(s);
    conn_finish(c, 1, "partitioned into %d group%s (and every node not named alone)", g, g == 1 ? "" : "s");
}

static void cmd_heal(conn *c)
{
    c->s->partitioned = 0;
    apply_all(c->s);
    conn_finish(c, 1, "healed");
}

/* A number in [lo, hi]. */
static int number(const char *text, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v >= lo && v <= hi))
        return 0;
    *out = v;
    return 1;
}

/* Which links LINKS names: sel[i][j] = 1. */
static int select_links(const sup *s, char *spec, int sel[WF_SIM_MAX_NODES][WF_SIM_MAX_NODES])
{
    size_t n = s->l->n;
    memset(sel, 0, sizeof(int) * WF_SIM_MAX_NODES * WF_SIM_MAX_NODES);
    if (strcmp(spec, "all") == 0) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                sel[i][j] = i != j;
        return 1;
    }
    char *op = strpbrk(spec, ">-");
    if (op == NULL) {
        int k = wf_sim_node_find(s->l, spec);
        if (k < 0)
            return 0;
        for (size_t j = 0; j < n; j++)
            if (j != (size_t)k)
                sel[k][j] = sel[j][k] = 1;
        return 1;
    }
    char kind = *op;
    *op = '\0';
    int a = wf_sim_node_find(s->l, spec), b = wf_sim_node_find(s->l, op + 1);
    if (a < 0 || b < 0 || a == b)
        return 0;
    sel[a][b] = 1;
    if (kind == '-')
        sel[b][a] = 1;
    return 1;
}

static void cmd_faults(conn *c, char *links, char *save)
{
    sup *s = c->s;
    int sel[WF_SIM_MAX_NODES][WF_SIM_MAX_NODES];
    if (links == NULL || !select_links(s, links, sel)) {
        conn_finish(c, 0, "faults LINKS KEY=VALUE...: LINKS is all, A, A>B or A-B");
        return;
    }
    wf_link_faults next[WF_SIM_MAX_NODES][WF_SIM_MAX_NODES];
    memcpy(next, s->faults, sizeof next);
    int any = 0;
    for (char *kv = strtok_r(NULL, " ", &save); kv != NULL; kv = strtok_r(NULL, " ", &save), any = 1) {
        char *eq = strchr(kv, '=');
        if (eq == NULL) {
            conn_finish(c, 0, "faults: \"%s\" is not KEY=VALUE", kv);
            return;
        }
        *eq = '\0';
        const char *key = kv, *val = eq + 1;
        double v = 0;
        int matrix = strcmp(key, "delay") == 0 && strcmp(val, "matrix") == 0;
        int prob = strcmp(key, "loss") == 0 || strcmp(key, "bitflip") == 0;
        int ms = strcmp(key, "jitter") == 0 || strcmp(key, "delay") == 0;
        if (!matrix && !((prob && number(val, 0, 1, &v)) || (ms && number(val, 0, 60000, &v)))) {
            conn_finish(c, 0, "faults: %s=%s: loss and bitflip take 0..1, jitter and delay 0..60000 ms%s", key, val,
                        strcmp(key, "delay") == 0 ? " or matrix" : "");
            return;
        }
        for (size_t i = 0; i < s->l->n; i++)
            for (size_t j = 0; j < s->l->n; j++) {
                if (!sel[i][j])
                    continue;
                wf_link_faults *f = &next[i][j];
                if (strcmp(key, "loss") == 0)
                    f->loss = v;
                else if (strcmp(key, "bitflip") == 0)
                    f->bitflip = v;
                else if (strcmp(key, "jitter") == 0)
                    f->jitter_ms = v;
                else
                    f->delay_ms = matrix ? s->matrix_delay[i][j] : v;
            }
    }
    if (!any) {
        conn_finish(c, 0, "faults: nothing to set (loss=P bitflip=P jitter=MS delay=MS|matrix)");
        return;
    }
    memcpy(s->faults, next, sizeof next);
    apply_all(s);
    conn_finish(c, 1, "faults set");
}

static void cmd_counters(conn *c)
{
    sup *s = c->s;
    for (size_t i = 0; i < s->l->n; i++)
        for (size_t j = 0; j < s->l->n; j++) {
            if (i == j)
                continue;
            wf_relay_counters rc;
            wf_relay_counters_get(s->relay[i][j], &rc);
            conn_line(c,
                      "%s>%s accepted=%llu refused=%llu dropped=%llu open=%llu bytes=%llu back=%llu "
                      "delayed=%llu lost=%llu flips=%llu connect_failed=%llu",
                      s->l->nodes[i].name, s->l->nodes[j].name, (unsigned long long)rc.accepted,
                      (unsigned long long)rc.refused, (unsigned long long)rc.dropped, (unsigned long long)rc.open,
                      (unsigned long long)rc.bytes_to_target, (unsigned long long)rc.bytes_from_target,
                      (unsigned long long)rc.chunks_delayed, (unsigned long long)rc.chunks_lost,
                      (unsigned long long)rc.flips, (unsigned long long)rc.connect_failed);
        }
    conn_finish(c, 1, "%zu links", s->l->n * (s->l->n - 1));
}

static void dispatch(conn *c)
{
    sup *s = c->s;
    char *save = NULL;
    slog(s, "command: %s", c->in);
    char *cmd = strtok_r(c->in, " ", &save);
    char *a1 = strtok_r(NULL, " ", &save);
    if (s->shutting_down) {
        conn_finish(c, 0, "the cluster is going down");
        return;
    }
    if (cmd == NULL) {
        conn_finish(c, 0, "empty command");
    } else if (strcmp(cmd, "status") == 0) {
        cmd_status(c);
    } else if (strcmp(cmd, "kill") == 0) {
        cmd_signal(c, a1, SIGKILL);
    } else if (strcmp(cmd, "stop") == 0) {
        cmd_signal(c, a1, SIGTERM);
    } else if (strcmp(cmd, "start") == 0 || strcmp(cmd, "restart") == 0) {
        node_rt *nd = node_arg(c, a1);
        if (nd != NULL)
            cmd_start(c, nd, strcmp(cmd, "restart") == 0);
    } else if (strcmp(cmd, "cheat") == 0) {
        cmd_cheat(c, a1, strtok_r(NULL, " ", &save));
    } else if (strcmp(cmd, "partition") == 0) {
        cmd_partition(c, a1);
    } else if (strcmp(cmd, "heal") == 0) {
        cmd_heal(c);
    } else if (strcmp(cmd, "faults") == 0) {
        cmd_faults(c, a1, save);
    } else if (strcmp(cmd, "counters") == 0) {
        cmd_counters(c);
    } else if (strcmp(cmd, "down") == 0) {
        begin_shutdown(s, c);
    } else {
        conn_finish(c, 0, "unknown command \"%s\"", cmd);
    }
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    conn *c = h->data;
    buf->base = c->in + c->in_len;
    buf->len = sizeof c->in - 1 - c->in_len;
}

static void conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    conn *c = st->data;
    if (c->dispatched)
        return;
    if (nread < 0 && c->in_len == 0) {
        uv_read_stop(st);
        uv_close((uv_handle_t *)st, conn_closed);
        return;
    }
    if (nread > 0)
        c->in_len += (size_t)nread;
    char *nl = memchr(c->in, '\n', c->in_len);
    if (nl == NULL && nread >= 0 && c->in_len < sizeof c->in - 1)
        return;
    uv_read_stop(st);
    c->dispatched = 1;
    if (nl == NULL && nread >= 0) {
        conn_finish(c, 0, "command line too long");
        return;
    }
    c->in[nl != NULL ? (size_t)(nl - c->in) : c->in_len] = '\0'; /* a last line without LF counts too */
    dispatch(c);
}

static void on_connection(uv_stream_t *server, int status)
{
    sup *s = server->data;
    if (status != 0)
        return;
    conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return;
    c->s = s;
    c->next = s->conns;
    s->conns = c;
    uv_pipe_init(&s->loop, &c->h, 0);
    c->h.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->h) != 0 ||
        uv_read_start((uv_stream_t *)&c->h, conn_alloc, conn_read) != 0)
        uv_close((uv_handle_t *)&c->h, conn_closed);
}

/* ---- shutting down ---- */

static void kill_remaining(uv_timer_t *t)
{
    sup *s = t->data;
    for (size_t k = 0; k < s->l->n; k++)
        if (s->nodes[k].p != NULL) {
            slog(s, "%s did not stop within %d ms: SIGKILL", name_of(&s->nodes[k]), DOWN_GRACE_MS);
            uv_process_kill(&s->nodes[k].p->h, SIGKILL);
        }
}

static void finish_shutdown(sup *s)
{
    if (s->closed)
        return;
    s->closed = 1;
    for (size_t i = 0; i < s->l->n; i++)
        for (size_t j = 0; j < s->l->n; j++)
            if (s->relay[i][j] != NULL) {
                wf_relay_close(s->relay[i][j]);
                s->relay[i][j] = NULL;
            }
    uv_timer_stop(&s->kill_timer);
    uv_close((uv_handle_t *)&s->kill_timer, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->server, NULL);
    unlink(s->l->sock);
    /* connections that never sent their command would keep the loop alive */
    for (conn *c = s->conns; c != NULL; c = c->next)
        if (!c->dispatched && !uv_is_closing((uv_handle_t *)&c->h)) {
            uv_read_stop((uv_stream_t *)&c->h);
            uv_close((uv_handle_t *)&c->h, conn_closed);
        }
    slog(s, "down");
    if (s->down_waiter != NULL)
        conn_finish(s->down_waiter, 1, "down");
    s->down_waiter = NULL;
}

static void begin_shutdown(sup *s, conn *c)
{
    if (s->shutting_down) {
        if (c != NULL)
            conn_finish(c, 0, "the cluster is going down");
        return;
    }
    s->shutting_down = 1;
    s->down_waiter = c;
    slog(s, "going down");
    for (size_t k = 0; k < s->l->n; k++) {
        node_rt *nd = &s->nodes[k];
        nd->restart_after_exit = 0;
        if (nd->waiter != NULL)
            node_answer(nd, 0, "the cluster is going down");
        if (nd->p != NULL) {
            nd->st = N_STOPPING;
            uv_process_kill(&nd->p->h, SIGTERM);
        }
    }
    if (all_down(s))
        finish_shutdown(s);
    else
        uv_timer_start(&s->kill_timer, kill_remaining, DOWN_GRACE_MS, 0);
}

static void on_signal(uv_signal_t *h, int signo)
{
    sup *s = h->data;
    slog(s, "signal %d", signo);
    begin_shutdown(s, NULL);
}

/* ---- the loop ---- */

static int setup(sup *s, const char **why)
{
    const wf_sim_layout *l = s->l;
    int rc;
    uv_timer_init(&s->loop, &s->kill_timer);
    s->kill_timer.data = s;
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sigint);
    s->sigterm.data = s->sigint.data = s;
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_pipe_init(&s->loop, &s->server, 0);
    s->server.data = s;
    unlink(l->sock); /* a stale socket of a supervisor that died: sim.conf says the cluster is ours */
    if ((rc = uv_pipe_bind(&s->server, l->sock)) != 0 || (rc = uv_listen((uv_stream_t *)&s->server, 16, on_connection)) != 0) {
        *why = wf_why_fmt("cannot listen on %s: %s", l->sock, uv_strerror(rc));
        return -1;
    }
    if (start_relays(s, why) != 0)
        return -1;
    for (size_t k = 0; k < l->n; k++) {
        s->nodes[k].s = s;
        s->nodes[k].k = k;
        if (spawn_node(&s->nodes[k], why) != 0)
            return -1;
    }
    return 0;
}

int wf_supervisor_run(const wf_sim_layout *l, const wf_sup_opts *o)
{
    sup *s = calloc(1, sizeof *s);
    if (s == NULL)
        return 1;
    const char *why = NULL;
    s->l = l;
    s->o = o;
    s->ready_fd = o->ready_fd;
    s->starting_up = 1;
    s->log = fopen(l->sim_log, "ae");
    if (s->ready_fd >= 0)
        fcntl(s->ready_fd, F_SETFD, FD_CLOEXEC); /* ours, not the warifuds' */
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&s->loop);
    for (size_t k = 0; k < l->n; k++) {
        s->nodes[k].s = s;
        s->nodes[k].k = k;
    }
    slog(s, "supervisor of %zu nodes (pid %d), base port %u", l->n, (int)getpid(), (unsigned)l->base_port);
    if (setup(s, &why) != 0) {
        slog(s, "cannot start: %s", why);
        report_ready(s, why);
        s->exit_code = 1;
        begin_shutdown(s, NULL);
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    if (s->starting_up) {
        report_ready(s, "the cluster went down while starting");
        s->exit_code = 1;
    }
    int rc = uv_loop_close(&s->loop);
    if (rc != 0)
        slog(s, "loop closed with handles open: %s", uv_strerror(rc));
    slog(s, "supervisor exits");
    if (s->log != NULL)
        fclose(s->log);
    int code = s->exit_code;
    free(s);
    return code;
}
