/* Error codes shared by every warifu module. WF_OK is zero; every other value
 * names a class of failure. Messages for humans come from wf_err_str() and
 * never contain secret values. */
#ifndef WF_ERR_H
#define WF_ERR_H

typedef enum {
    WF_OK = 0,
    WF_ERR_ARG,          /* caller passed NULL or a size that makes no sense */
    WF_ERR_NOMEM,        /* allocation (or locked allocation) failed */
    WF_ERR_ENCODING,     /* input bytes are malformed: wrong length, bad prefix */
    WF_ERR_RANGE,        /* a number is outside its allowed range (e.g. scalar >= q) */
    WF_ERR_NOT_ON_CURVE, /* point bytes do not describe a point of secp256k1 */
    WF_ERR_INFINITY,     /* the point at infinity where it is not allowed */
    WF_ERR_NOT_UNIT,     /* value shares a factor with the modulus */
    WF_ERR_UNAUTHORISED, /* the set of members does not satisfy the access structure */
    WF_ERR_VERIFY,       /* a signature, share or proof does not check */
    WF_ERR_CANCELLED,    /* a long computation was cancelled by its caller */
    WF_ERR_INTERNAL,     /* a library call failed unexpectedly */
    WF_ERR_STORAGE,      /* the database or a file could not be read or written */
    WF_ERR_NOT_FOUND,    /* no record under that name */
    WF_ERR_EXISTS,       /* a record or file of that name already exists */
    WF_ERR_CONFLICT,     /* the name exists with other contents, or was already used */
} wf_err;

/* A short, constant English description of err. */
const char *wf_err_str(wf_err err);

#endif
