/* A client directory (node/client_identity.h) for the daemon fixture's
 * cluster, for tests of the client library (node/client.h): created as
 * `warifu client-init` does, allowed every key by the policy and admitted by
 * the nodes' client certificate bundle. Add it before the daemons start:
 * they read both files then. */
#ifndef WF_TESTS_CLIENT_FIXTURE_H
#define WF_TESTS_CLIENT_FIXTURE_H

#include "node/client.h"
#include "node/client_identity.h"
#include "tests/node/daemon_fixture.h"

/* Creates <root>/<name>, a client directory, into dir; *pk (may be NULL)
 * receives its request-signing public key. */
static inline void wf_df_add_client(wf_df *f, const char *name, char dir[WF_CF_PATH], uint8_t pk[32])
{
    wf_client_identity id;
    const char *why = NULL;
    char line[WF_CLIENT_POLICY_LINE_MAX], extra[WF_CLIENT_POLICY_LINE_MAX + 2 * WF_TLS_NAME_MAX + 32];
    wf_cf_path(dir, WF_CF_PATH, name);
    wf_err err = wf_client_identity_create(dir, name, &id, &why);
    if (err != WF_OK)
        fprintf(stderr, "client %s: %s\n", name, why != NULL ? why : wf_err_str(err));
    REQUIRE(err == WF_OK);
    if (pk != NULL)
        memcpy(pk, id.pk, 32);

    wf_client_identity_policy_line(&id, line);
    snprintf(extra, sizeof extra, "%s\nallow %s *\nend\n", line, name);
    char *policy = wf_cf_read(f->policy, NULL);
    REQUIRE(policy != NULL);
    char *edited = wf_cf_replace(policy, "end\n", extra);
    wf_cf_write(f->policy, edited, 0644);
    free(policy);
    free(edited);

    char *bundle = wf_cf_read(f->client_ca, NULL), *pem = wf_cf_read(id.tls_cert_path, NULL);
    REQUIRE(bundle != NULL && pem != NULL);
    char *joined = malloc(strlen(bundle) + strlen(pem) + 1);
    REQUIRE(joined != NULL);
    strcpy(joined, bundle);
    strcat(joined, pem);
    wf_cf_write(f->client_ca, joined, 0644);
    free(bundle);
    free(pem);
    free(joined);
    wf_client_identity_clear(&id);
}

/* Node i of the fixture as the client library names it: its client URL
 * and TLS certificate (cert holds the path). */
static inline wf_client_node wf_df_client_node(const wf_df *f, size_t i, char cert[WF_CF_PATH + 16])
{
    snprintf(cert, WF_CF_PATH + 16, "%s/tls.crt", f->dirs[i]);
    wf_client_node n = {f->client_url[i], cert, 0};
    return n;
}

#endif
