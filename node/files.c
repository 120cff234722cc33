#include "node/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/secmem.h"
#include "node/fail.h"
#include "node/text_format.h"

int wf_path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

static int read_all(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        got += (size_t)n;
    }
    return 1;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        p += n;
        len -= (size_t)n;
    }
    return fsync(fd) == 0;
}

/* fsync of the directory holding path, so a new or renamed name is durable. */
static int sync_parent(const char *path)
{
    char copy[4096];
    if (strlen(path) >= sizeof copy)
        return 0;
    strcpy(copy, path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

wf_err wf_file_read(const char *path, size_t max, wf_file_trust trust, char **out, size_t *len,
                    const char **why)
{
    wf_err err = WF_OK;
    struct stat st;
    char *buf = NULL;
    int fd = -1;

    if (path == NULL || out == NULL || len == NULL)
        FAIL(WF_ERR_ARG, "missing argument");
    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot open %s: %s", path, strerror(errno)));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        FAIL(WF_ERR_VERIFY, wf_why_fmt("%s is not a regular file", path));
    if (trust == WF_FILE_GUARDED && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("%s is writable by group or others (mode %03o): chmod go-w it", path,
                                       (unsigned)(st.st_mode & 0777)));
    if (trust == WF_FILE_GUARDED && st.st_uid != geteuid() && st.st_uid != 0)
        FAIL(WF_ERR_VERIFY, wf_why_fmt("%s belongs to another user", path));
    if (st.st_size <= 0 || (uintmax_t)st.st_size > max)
        FAIL(WF_ERR_ENCODING, wf_why_fmt("%s is empty or larger than %zu bytes", path, max));
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if (!read_all(fd, buf, (size_t)st.st_size))
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot read %s", path));
    buf[st.st_size] = '\0';
    if (memchr(buf, '\0', (size_t)st.st_size) != NULL)
        FAIL(WF_ERR_ENCODING, wf_why_fmt("%s holds a NUL byte", path));
    *out = buf;
    *len = (size_t)st.st_size;
    buf = NULL;
done:
    free(buf);
    if (fd >= 0)
        close(fd);
    return err;
}

/* Opens a secret file: a regular file (not a symlink) of ours with no
 * permission bits for group or others. Returns the descriptor, or -1. */
static int open_secret(const char *path, struct stat *st, wf_err *err, const char **why)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    const char *msg = NULL;
    *err = WF_ERR_VERIFY;
    if (fd < 0 && errno == ELOOP)
        msg = wf_why_fmt("%s is a symbolic link; a secret file must be a regular file", path);
    else if (fd < 0) {
        *err = WF_ERR_STORAGE;
        msg = wf_why_fmt("cannot open %s: %s", path, strerror(errno));
    } else if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))
        msg = wf_why_fmt("%s is not a regular file", path);
    else if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0)
        msg = wf_why_fmt("%s is accessible by group or others (mode %03o): it must be 0600", path,
                         (unsigned)(st->st_mode & 0777));
    else if (st->st_uid != geteuid())
        msg = wf_why_fmt("%s is not owned by this user", path);
    if (msg == NULL)
        return fd;
    if (fd >= 0)
        close(fd);
    if (why != NULL)
        *why = msg;
    return -1;
}

wf_err wf_file_read_secret(const char *path, uint8_t *out, size_t len, const char **why)
{
    wf_err err = WF_OK;
    struct stat st;
    int fd = -1;

    if (path == NULL || out == NULL)
        FAIL(WF_ERR_ARG, "missing argument");
    if ((fd = open_secret(path, &st, &err, why)) < 0)
        goto done;
    err = WF_OK;
    if (st.st_size < 0 || (uintmax_t)st.st_size != len)
        FAIL(WF_ERR_ENCODING, wf_why_fmt("%s must hold exactly %zu bytes", path, len));
    if (!read_all(fd, out, len))
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot read %s", path));
done:
    if (err != WF_OK && out != NULL)
        wf_memzero(out, len);
    if (fd >= 0)
        close(fd);
    return err;
}

wf_err wf_file_read_passphrase(const char *path, char **out, const char **why)
{
    wf_err err = WF_OK;
    struct stat st;
    int fd = -1;
    char *buf = NULL;
    size_t len = 0;

    if (path == NULL || out == NULL)
        FAIL(WF_ERR_ARG, "missing argument");
    *out = NULL;
    if ((fd = open_secret(path, &st, &err, why)) < 0)
        goto done;
    err = WF_OK;
    if (st.st_size <= 0 || (uintmax_t)st.st_size > WF_PASSPHRASE_MAX + 1)
        FAIL(WF_ERR_ENCODING,
             wf_why_fmt("%s must hold a passphrase of 1 to %d bytes", path, WF_PASSPHRASE_MAX));
    len = (size_t)st.st_size;
    if ((buf = wf_secure_alloc(len + 1)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of locked memory");
    if (!read_all(fd, buf, len))
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot read %s", path));
    if (buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (len == 0 || len > WF_PASSPHRASE_MAX || memchr(buf, '\0', len) != NULL)
        FAIL(WF_ERR_ENCODING,
             wf_why_fmt("%s must hold a passphrase of 1 to %d bytes and no NUL", path, WF_PASSPHRASE_MAX));
    *out = buf;
    buf = NULL;
done:
    wf_secure_free(buf);
    if (fd >= 0)
        close(fd);
    return err;
}

/* Writes data into the new file path (O_EXCL, exactly `mode`); removes it
 * again when anything fails. */
static wf_err write_fresh(const char *path, const void *data, size_t len, mode_t mode, const char **why)
{
    wf_err err = WF_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST)
        FAIL(WF_ERR_EXISTS, wf_why_fmt("%s exists; refusing to overwrite it", path));
    if (fd < 0)
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot create %s: %s", path, strerror(errno)));
    int ok = fchmod(fd, mode) == 0 && write_all(fd, data, len);
    ok = close(fd) == 0 && ok;
    if (!ok) {
        unlink(path);
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot write %s", path));
    }
done:
    return err;
}

wf_err wf_file_write_new(const char *path, const void *data, size_t len, mode_t mode, const char **why)
{
    wf_err err;
    if (path == NULL || (data == NULL && len > 0))
        return WF_ERR_ARG;
    if ((err = write_fresh(path, data, len, mode, why)) != WF_OK)
        return err;
    if (!sync_parent(path)) {
        unlink(path);
        if (why != NULL)
            *why = wf_why_fmt("cannot sync the directory of %s", path);
        return WF_ERR_STORAGE;
    }
    return WF_OK;
}

wf_err wf_file_replace(const char *path, const void *data, size_t len, mode_t mode, const char **why)
{
    char tmp[4096];
    uint8_t rnd[8];
    char rnd_hex[2 * sizeof rnd + 1];
    wf_err err;

    if (path == NULL || (data == NULL && len > 0))
        return WF_ERR_ARG;
    randombytes_buf(rnd, sizeof rnd);
    wf_hex_encode(rnd_hex, rnd, sizeof rnd);
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-%s", path, rnd_hex);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        if (why != NULL)
            *why = "path too long";
        return WF_ERR_ARG;
    }
    if ((err = write_fresh(tmp, data, len, mode, why)) != WF_OK)
        return err;
    if (rename(tmp, path) != 0) {
        if (why != NULL)
            *why = wf_why_fmt("cannot rename a new %s into place: %s", path, strerror(errno));
        unlink(tmp);
        return WF_ERR_STORAGE;
    }
    if (!sync_parent(path)) {
        if (why != NULL)
            *why = wf_why_fmt("cannot sync the directory of %s", path);
        return WF_ERR_STORAGE;
    }
    return WF_OK;
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int empty = d != NULL;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    if (d != NULL)
        closedir(d);
    return empty;
}

wf_err wf_dir_make_private(const char *dir, int *created, const char **why)
{
    wf_err err = WF_OK;
    struct stat st;
    *created = 0;
    if (mkdir(dir, 0700) == 0) {
        *created = 1;
        return WF_OK;
    }
    if (errno != EEXIST)
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot create %s: %s", dir, strerror(errno)));
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        FAIL(WF_ERR_EXISTS, wf_why_fmt("%s exists and is not a directory of ours", dir));
    if (!dir_is_empty(dir))
        FAIL(WF_ERR_EXISTS, wf_why_fmt("%s is not empty; refusing to initialise it", dir));
    if (chmod(dir, 0700) != 0)
        FAIL(WF_ERR_STORAGE, wf_why_fmt("cannot make %s mode 0700: %s", dir, strerror(errno)));
done:
    return err;
}
