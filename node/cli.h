/* The parts of the warifu CLI (node/warifu.c) its commands share: the parsed
 * command line, failure messages with their exit codes, and the output —
 * "key value" lines, or with --json one JSON object with the same keys in the
 * same order.
 *
 * Exit codes: 0 done; 1 a local failure (a file, the store, a client
 * directory); 2 a bad command line (nothing was done); and for the commands
 * that ask a node (cli_client.h): 3 the node refused the request (asking
 * again will not help), 4 no answer from the node (not listening, the TLS
 * handshake failed, timed out), 5 the node could not do it now (no quorum,
 * aborted, stopping, a local failure of the node: retry, the same request id
 * is safe). */
#ifndef WF_NODE_CLI_H
#define WF_NODE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "node/cluster_config.h"

#define WF_CLI_EXIT_FAILURE     1
#define WF_CLI_EXIT_USAGE       2
#define WF_CLI_EXIT_REFUSED     3
#define WF_CLI_EXIT_UNREACHABLE 4
#define WF_CLI_EXIT_RETRY       5

#define WF_CLI_MAX_POSITIONAL 1
#define WF_CLI_HEX_MAX        128 /* bytes in one hex field */

/* Every option's value as given (NULL when absent); checked by the command. */
typedef struct wf_cli_args {
    /* operator commands */
    const char *dir, *name, *address, *passphrase_file, *key_file, *kdf, *threshold, *out, *config;
    const char *to, *backup_key, *backup_secret;
    const char *members[WF_MAX_MEMBERS];
    size_t n_members;
    /* client commands */
    const char *client, *node_url, *node_cert, *request_id, *timeout_ms, *key, *digest, *path, *expiry_s;
    const char *committee, *ranks, *cluster; /* keygen, reshare: --members NAMES, --ranks, --cluster FILE */
    const char *pos[WF_CLI_MAX_POSITIONAL];  /* the command's positional arguments */
    size_t n_pos;
    int json;
} wf_cli_args;

/* The command being run ("sign", "backup export"), named in messages. */
extern const char *wf_cli_command;

/* "warifu <command>: <message>" on stderr; returns WF_CLI_EXIT_FAILURE. */
int wf_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same line; returns exit_code. */
int wf_cli_fail_with(int exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "warifu <command>: <what> (see warifu --help)"; returns WF_CLI_EXIT_USAGE. */
int wf_cli_usage_error(const char *what);
/* 0 when value is set, else the usage error "<flag> is required". */
int wf_cli_missing(const char *value, const char *flag);

/* The output. The first field opens the JSON object, wf_cli_finish closes it. */
void wf_cli_field(const wf_cli_args *a, const char *key, const char *value);
void wf_cli_field_u64(const wf_cli_args *a, const char *key, uint64_t value);
/* bytes[0..n) in lowercase hex; n at most WF_CLI_HEX_MAX (more is cut there). */
void wf_cli_field_hex(const wf_cli_args *a, const char *key, const uint8_t *bytes, size_t n);
/* With --json, starts a member whose value the caller prints as raw JSON
 * (",\"key\":"); prints nothing without --json. */
void wf_cli_json_key(const wf_cli_args *a, const char *key);
/* s as a JSON string, quoted and escaped, on stdout. */
void wf_cli_json_string(const char *s);
/* Closes the JSON object, flushes stdout: 0, or the failure exit code when
 * stdout cannot be written. */
int wf_cli_finish(const wf_cli_args *a);

#endif
