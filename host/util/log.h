/* Logging for humans (text) and machines (--log-format json: one JSON object a line).
 * Every line goes to stderr, so stdout stays free for the plan and summary. Thread-safe:
 * one short lock per line (logging is per event, never per document). On a terminal the
 * same lock keeps a run's status line (monitor/status.c) below the log lines. */
#ifndef ASR_UTIL_LOG_H
#define ASR_UTIL_LOG_H

#include <stddef.h>

typedef enum { ASR_LOG_ERROR = 0, ASR_LOG_WARN, ASR_LOG_INFO, ASR_LOG_DEBUG } asr_log_level_t;
typedef enum { ASR_LOG_TEXT = 0, ASR_LOG_JSON } asr_log_format_t;

void asr_log_configure(asr_log_level_t max_level, asr_log_format_t format);
int asr_log_enabled(asr_log_level_t level);
int asr_log_is_json(void); /* --log-format json */
/* event: a stable dotted name ("run.start") that the JSON form carries as "event". */
void asr_log(asr_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* asr_log with machine-readable fields for the JSON form: `fields` is a list of JSON members
 * without braces ("\"action\":\"scale_up\",\"workers\":9"), inserted beside "msg". The text
 * form prints the message only. */
void asr_log_fields(asr_log_level_t level, const char *event, const char *fields,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Whether the terminal takes UTF-8 (the locale variables say so). Otherwise the text log
 * lines are written in ASCII: the brief's emoji and arrows as "[ok]", "->", ...; stdout
 * output with non-ASCII text can ask here. */
int asr_log_utf8_terminal(void);
/* "→", or "->" for an ASCII terminal. */
const char *asr_log_arrow(void);

/* A status line kept at the bottom of the terminal (monitor/status.c draws it): every log line
 * first erases it, prints, and draws it again, under the log's lock, so worker threads'
 * lines never tear it. line NULL or "": nothing shown (the last one is erased). Only the
 * text format, and only for a terminal: the caller decides. */
void asr_log_status_show(const char *line);
/* Writes text to stdout in one write, flushed: Lua's print goes through here. While a status
 * line is shown, under the log's lock, the status line erased first and drawn again after. */
void asr_log_stdout(const char *text, size_t len);
/* Erases the status line and forgets it (the end of a run: the summary starts on a clean
 * line). */
void asr_log_status_clear(void);

/* Formats n with thousands separators ("15,000") as the brief's log lines do. */
const char *asr_log_thousands(long long n, char *buf, unsigned size);

#define asr_log_error(ev, ...) asr_log(ASR_LOG_ERROR, ev, __VA_ARGS__)
#define asr_log_warn(ev, ...) asr_log(ASR_LOG_WARN, ev, __VA_ARGS__)
#define asr_log_info(ev, ...) asr_log(ASR_LOG_INFO, ev, __VA_ARGS__)
#define asr_log_debug(ev, ...) asr_log(ASR_LOG_DEBUG, ev, __VA_ARGS__)

#endif
