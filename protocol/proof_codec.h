/* Wire encoding of the CGGMP21 proofs (protocol/proto/proofs.proto).
 *
 * crypto/proofs/ knows no wire format; this file maps each proof struct to
 * its protobuf message. Decoding refuses anything malformed (see codec.h);
 * the decoded proof must still be verified against its statement before any
 * of its values is used. */
#ifndef WF_PROTOCOL_PROOF_CODEC_H
#define WF_PROTOCOL_PROOF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"

typedef enum {
    WF_PROOF_SCH,
    WF_PROOF_ENC,
    WF_PROOF_LOG_STAR,
    WF_PROOF_AFF_G,
    WF_PROOF_MOD,
    WF_PROOF_PRM,
    WF_PROOF_FAC,
    WF_PROOF_DEC,
    WF_PROOF_MUL,
    WF_PROOF_MUL_STAR,
    WF_PROOF_KIND_COUNT
} wf_proof_kind;

/* "sch", "enc", …: for logs and audit records. */
const char *wf_proof_kind_name(wf_proof_kind kind);

/* proof points to the struct of that kind (wf_proof_enc for WF_PROOF_ENC, …).
 * *out is malloc'ed; the caller frees it. */
wf_err wf_proof_encode(wf_proof_kind kind, const void *proof, uint8_t **out, size_t *out_len);
/* proof must have been _init'ed; on error it may be partly written and the
 * caller clears it as usual. */
wf_err wf_proof_decode(wf_proof_kind kind, void *proof, const uint8_t *in, size_t in_len);

#endif
