/* The warifu CLI's shared failure messages and output (cli.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "node/cli.h"
#include "node/text_format.h"

const char *wf_cli_command = "";

static size_t fields; /* printed so far in this command's JSON object */

static void vline(const char *fmt, va_list ap)
{
    fprintf(stderr, "warifu %s: ", wf_cli_command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int wf_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
    return WF_CLI_EXIT_FAILURE;
}

int wf_cli_fail_with(int exit_code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
    return exit_code;
}

int wf_cli_usage_error(const char *what)
{
    fprintf(stderr, "warifu%s%s: %s (see warifu --help)\n", wf_cli_command[0] != '\0' ? " " : "",
            wf_cli_command, what);
    return WF_CLI_EXIT_USAGE;
}

int wf_cli_missing(const char *value, const char *flag)
{
    static char msg[64];
    if (value != NULL)
        return 0;
    snprintf(msg, sizeof msg, "%s is required", flag);
    return wf_cli_usage_error(msg);
}

void wf_cli_json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

void wf_cli_json_key(const wf_cli_args *a, const char *key)
{
    if (!a->json)
        return;
    printf("%s", fields++ == 0 ? "{" : ",");
    wf_cli_json_string(key);
    putchar(':');
}

void wf_cli_field(const wf_cli_args *a, const char *key, const char *value)
{
    if (!a->json) {
        printf("%s %s\n", key, value);
        return;
    }
    wf_cli_json_key(a, key);
    wf_cli_json_string(value);
}

void wf_cli_field_u64(const wf_cli_args *a, const char *key, uint64_t value)
{
    if (!a->json) {
        printf("%s %" PRIu64 "\n", key, value);
        return;
    }
    wf_cli_json_key(a, key);
    printf("%" PRIu64, value);
}

void wf_cli_field_hex(const wf_cli_args *a, const char *key, const uint8_t *bytes, size_t n)
{
    char hex[2 * WF_CLI_HEX_MAX + 1];
    wf_hex_encode(hex, bytes, n < WF_CLI_HEX_MAX ? n : WF_CLI_HEX_MAX);
    wf_cli_field(a, key, hex);
}

int wf_cli_finish(const wf_cli_args *a)
{
    if (a->json)
        printf("%s}\n", fields == 0 ? "{" : "");
    fields = 0;
    return fflush(stdout) == 0 ? 0 : wf_cli_fail("cannot write the output");
}
