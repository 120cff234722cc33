/* Talking to a simulated cluster's supervisor (supervisor.h) over its
 * control socket: one command line, one answer. */
#ifndef WF_SIMULATOR_SIM_CONTROL_H
#define WF_SIMULATOR_SIM_CONTROL_H

#include "simulator/sim_layout.h"

/* Sends cmd (one line, without LF) and waits up to timeout_ms for the whole
 * answer; *reply (may be NULL) gets it, malloc'ed, NUL-terminated. WF_OK
 * when the answer's last line starts with "ok", WF_ERR_VERIFY when it is an
 * "error: " line (the answer says why), WF_ERR_NOT_FOUND when no supervisor
 * listens (the cluster is down), WF_ERR_CANCELLED on timeout, WF_ERR_STORAGE
 * for other socket errors. */
wf_err wf_sim_control(const wf_sim_layout *l, const char *cmd, int timeout_ms, char **reply, const char **why);

/* 1 when a supervisor answers on the socket. */
int wf_sim_is_up(const wf_sim_layout *l);

#endif
