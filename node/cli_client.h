/* The warifu CLI's client commands: each asks one node's client API
 * (client_net.h, protocol/proto/client.proto) with the identity of a client
 * directory (client_identity.h), as the withdrawal service would.
 *
 *   keygen  --request-id ID               a new key (every member runs DKG)
 *   sign    --key K --digest D [--path P] --request-id ID
 *   pubkey  --key K                        the key id, public key and xpub
 *   address --key K [--path P]             the child key's BTC P2WPKH and ETH addresses
 *   status                                 the node, its peers, its keys and pools
 *
 * Each takes --client DIR --node-url tls+tcp://HOST:PORT --node-cert FILE
 * (the node's TLS certificate, the only one trusted), and --timeout-ms MS;
 * keygen and sign take --expiry-s S (the request is valid for S seconds,
 * 1..600, default 120). Every argument is checked before anything is read
 * or sent (exit 2). The node's answer is checked before it is printed, by
 * the client library (client.h): a signature must verify under the public
 * key it names, addresses must be those of the public key, an xpub must hold
 * the key.
 *
 * A failure is one line on stderr and an exit code of cli.h: 3 the node
 * refused ("refused by the node (CLIENT_NOT_FOUND): no key with this id"),
 * 4 no answer (the transport's reason), 5 the node could not do it now. */
#ifndef WF_NODE_CLI_CLIENT_H
#define WF_NODE_CLI_CLIENT_H

#include "node/cli.h"

int wf_cli_keygen(const wf_cli_args *a);
/* refresh KEY --request-id ID [--expiry-s S]: new shares of the same key */
int wf_cli_refresh(const wf_cli_args *a);
/* reshare KEY_ID: moves the key to the committee of --members/--threshold/--ranks. */
int wf_cli_reshare(const wf_cli_args *a);
int wf_cli_sign(const wf_cli_args *a);
int wf_cli_pubkey(const wf_cli_args *a);
int wf_cli_address(const wf_cli_args *a);
int wf_cli_status(const wf_cli_args *a);

#endif
