/* Error exits for node/ functions that report a message: sets `err` and, when
 * `why` is not NULL, *why, then jumps to the function's `done` label. The
 * function declares `wf_err err` and takes `const char **why`. */
#ifndef WF_NODE_FAIL_H
#define WF_NODE_FAIL_H

#define FAIL(code, msg)                                                                                      \
    do {                                                                                                     \
        err = (code);                                                                                        \
        if (why != NULL)                                                                                     \
            *why = (msg);                                                                                    \
        goto done;                                                                                           \
    } while (0)

#endif
