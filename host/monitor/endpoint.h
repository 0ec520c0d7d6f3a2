/* The metrics endpoint (--metrics-listen ADDR:PORT): an HTTP server on its own thread
 * (libmicrohttpd's internal polling thread) that serves /metrics (Prometheus text format)
 * and /status (JSON) from the copy of the run's values the main thread last published.
 * The pipeline never waits for it: publishing is one copy under a mutex, once an interval;
 * a request copies the values under the same mutex and formats outside it. */
#ifndef ASR_MONITOR_ENDPOINT_H
#define ASR_MONITOR_ENDPOINT_H

#include <stddef.h>

#include "core/error.h"
#include "monitor/exposition.h"

#define ASR_ENDPOINT_DEFAULT_HOST "127.0.0.1"

typedef struct asr_endpoint asr_endpoint_t;

/* Splits ADDR:PORT ("127.0.0.1:9464", "[::1]:9464", "localhost:9464"; a bare port means
 * ASR_ENDPOINT_DEFAULT_HOST) into host and port. ASR_EINVAL naming the flag and the value. */
int asr_endpoint_parse_address(const char *listen, char *host, size_t host_cap, char *port,
                               size_t port_cap, asr_err_t *err);
/* Binds listen's address and starts serving (nothing until the first publish: 503). A bad
 * address or a bind that fails (the port in use) is ASR_EINVAL (exit 2) with the reason. */
int asr_endpoint_open(const char *listen, asr_endpoint_t **out, asr_err_t *err);
/* "http://HOST:PORT", the port the system gave for port 0 included. */
const char *asr_endpoint_url(const asr_endpoint_t *e);
/* Copies v for the next requests. */
void asr_endpoint_publish(asr_endpoint_t *e, const asr_monitor_values_t *v);
/* Stops the server (a request in progress finishes first). NULL: nothing. */
void asr_endpoint_close(asr_endpoint_t *e);

#endif
