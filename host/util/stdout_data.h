/* Standard output as a data channel (`--target -`). When documents go to standard output,
 * nothing else may: asr_stdout_claim moves the data aside to a private descriptor and points
 * descriptor 1 at standard error, so the plan, the summary, Lua's print and io.write and
 * anything else that writes to stdout lands on stderr without each of them knowing. The
 * stdout sink writes to asr_stdout_data_fd(). Process-wide, as stdout is. */
#ifndef ASR_UTIL_STDOUT_DATA_H
#define ASR_UTIL_STDOUT_DATA_H

/* 1 when path names standard output: "-", /dev/stdout, /dev/fd/1, /proc/self/fd/1. */
int asr_stdout_path(const char *path);
/* Moves the data channel aside (idempotent). Returns 0, or an errno value. */
int asr_stdout_claim(void);
/* Where standard output's data goes: the claimed descriptor, else STDOUT_FILENO. */
int asr_stdout_data_fd(void);
/* Until asr_stdout_settle: what is written to stdout is held aside (a memory file), for code
 * that runs before anyone knows whether stdout carries the documents (a strategy's top level,
 * which may name the target). Returns 0 or an errno value (nothing is held then). */
int asr_stdout_hold(void);
/* Ends the hold: claims stdout for the documents when to_data (what was held goes to
 * stderr), else puts stdout back (what was held goes there). No-op without a hold. */
int asr_stdout_settle(int to_data);
/* Puts the data channel back on descriptor 1 (after the sink closed its copy). */
void asr_stdout_release(void);

#endif
