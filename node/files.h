/* Whole-file reads and writes for node/'s own files: the node directory
 * (node_identity.h), cluster configs and policies.
 *
 * Writes never leave a half-written file behind: a new file is created with
 * O_EXCL (an existing one is never touched), written, fsync'ed and closed, and
 * removed again if anything failed; a replaced file is written under a
 * temporary name and renamed over the old one. In both cases the directory is
 * fsync'ed too, so the name survives a crash.
 *
 * Reads are of regular files only (no FIFOs or devices that could block or
 * never end), up to a size limit. Secret files must be owned by the effective
 * user and closed to group and others, as ssh demands of its keys, and are
 * read straight into locked memory. Files that decide what the node trusts (a
 * cluster config, a policy) may be read "guarded": refused when group or
 * others may write them or when they belong to someone other than us or root,
 * since whoever can edit them can add a member or a client.
 *
 * On failure *why (when not NULL) is a one-line message naming the path; it
 * lives in thread-local storage until the thread's next node/ call. */
#ifndef WF_NODE_FILES_H
#define WF_NODE_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "crypto/err.h"

/* How wf_file_read treats the file's owner and mode. */
typedef enum {
    WF_FILE_PUBLIC = 0, /* anyone's file, any mode */
    WF_FILE_GUARDED,    /* ours or root's, not writable by group or others */
} wf_file_trust;

/* Reads a regular file of 1..max bytes into a malloc'ed, NUL-terminated
 * buffer. WF_ERR_STORAGE when it cannot be opened or read, WF_ERR_VERIFY
 * when it is not a regular file or a guarded file is open to others,
 * WF_ERR_ENCODING when it is empty, too large or holds a NUL byte. */
wf_err wf_file_read(const char *path, size_t max, wf_file_trust trust, char **out, size_t *len,
                    const char **why);

/* Reads a secret file of exactly len bytes into out (locked memory the
 * caller owns). Refuses (WF_ERR_VERIFY) a symlink, anything but a regular
 * file, a file owned by another user or one with any permission bit for group
 * or others; WF_ERR_ENCODING for another size. out is wiped on failure. */
wf_err wf_file_read_secret(const char *path, uint8_t *out, size_t len, const char **why);

/* Reads a passphrase file (the same ownership and mode checks) into a new
 * NUL-terminated string in locked memory (*out, free with wf_secure_free):
 * 1..WF_PASSPHRASE_MAX bytes without NUL, one trailing LF dropped. */
#define WF_PASSPHRASE_MAX 1024
wf_err wf_file_read_passphrase(const char *path, char **out, const char **why);

/* Creates path with exactly `mode` and writes data. WF_ERR_EXISTS, leaving
 * the file alone, when path exists; WF_ERR_STORAGE for I/O failures. */
wf_err wf_file_write_new(const char *path, const void *data, size_t len, mode_t mode, const char **why);

/* Writes data to a temporary file beside path, then renames it over path:
 * readers see the old contents or the new, never a mix. */
wf_err wf_file_replace(const char *path, const void *data, size_t len, mode_t mode, const char **why);

/* Creates dir with mode 0700 (its parent must exist), or takes an existing
 * empty directory of ours and makes it 0700; *created = 1 when it made it,
 * so the caller removes it after a later failure. WF_ERR_EXISTS for a
 * directory that is not empty or not ours, or anything else by that name. */
wf_err wf_dir_make_private(const char *dir, int *created, const char **why);

/* out = dir "/" name; 0 when it does not fit in cap. */
int wf_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif
