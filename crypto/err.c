#include "err.h"

const char *wf_err_str(wf_err err)
{
    switch (err) {
    case WF_OK: return "ok";
    case WF_ERR_ARG: return "invalid argument";
    case WF_ERR_NOMEM: return "out of memory";
    case WF_ERR_ENCODING: return "malformed encoding";
    case WF_ERR_RANGE: return "value out of range";
    case WF_ERR_NOT_ON_CURVE: return "point is not on secp256k1";
    case WF_ERR_INFINITY: return "point at infinity not allowed";
    case WF_ERR_NOT_UNIT: return "value is not a unit modulo the modulus";
    case WF_ERR_UNAUTHORISED: return "set of members is not authorised";
    case WF_ERR_VERIFY: return "verification failed";
    case WF_ERR_CANCELLED: return "cancelled";
    case WF_ERR_INTERNAL: return "internal library error";
    case WF_ERR_STORAGE: return "storage error";
    case WF_ERR_NOT_FOUND: return "not found";
    case WF_ERR_EXISTS: return "already exists";
    case WF_ERR_CONFLICT: return "conflicts with an earlier record";
    }
    return "unknown error";
}
