#include "monitor/endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define FLAG "--metrics-listen"
#define CONNECTION_LIMIT 16
#define CONNECTION_TIMEOUT_S 10
#define LISTEN_BACKLOG 16

struct asr_endpoint {
  struct MHD_Daemon *daemon;
  uv_mutex_t lock;
  int published;              /* values holds something */
  asr_monitor_values_t values; /* the last copy published */
  char url[96];
};

/* ---- the address ---- */

static int parse_port(const char *s, const char *spec, asr_err_t *err) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || errno || v < 0 || v > 65535)
    return asr_err_set(err, ASR_EINVAL, FLAG ": expected ADDR:PORT or PORT with a port in "
                       "0..65535 (e.g. 127.0.0.1:9464), got '%s'", spec);
  return 0;
}

int asr_endpoint_parse_address(const char *spec, char *host, size_t host_cap, char *port,
                               size_t port_cap, asr_err_t *err) {
  const char *colon = strrchr(spec, ':'), *p = spec, *h = ASR_ENDPOINT_DEFAULT_HOST;
  size_t hlen = strlen(h);
  if (spec[0] == '[') { /* [v6]:port */
    const char *bracket = strchr(spec, ']');
    if (!bracket || bracket[1] != ':')
      return asr_err_set(err, ASR_EINVAL, FLAG ": expected [IPV6]:PORT, got '%s'", spec);
    h = spec + 1, hlen = (size_t)(bracket - h), p = bracket + 2;
  } else if (colon) {
    if (strchr(spec, ':') != colon)
      return asr_err_set(err, ASR_EINVAL, FLAG ": an IPv6 address goes in brackets "
                         "([::1]:9464), got '%s'", spec);
    if (colon > spec) h = spec, hlen = (size_t)(colon - spec);
    p = colon + 1;
  }
  if (parse_port(p, spec, err)) return err->code;
  if (hlen == 0 || hlen >= host_cap || strlen(p) >= port_cap)
    return asr_err_set(err, ASR_EINVAL, FLAG ": bad address '%s'", spec);
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  snprintf(port, port_cap, "%s", p);
  return 0;
}

/* A listening socket on host:port, and its URL (the port the system chose for 0). */
static int bind_listen(const char *spec, char *url, size_t url_cap, int *fd_out,
                       asr_err_t *err) {
  char host[256], port[8];
  if (asr_endpoint_parse_address(spec, host, sizeof host, port, sizeof port, err))
    return err->code;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai = NULL;
  int gai = getaddrinfo(host, port, &hints, &ai);
  if (gai)
    return asr_err_set(err, ASR_EINVAL, FLAG " %s: cannot resolve '%s': %s", spec, host,
                       gai_strerror(gai));
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, LISTEN_BACKLOG);
  freeaddrinfo(ai);
  if (rc) {
    int e = errno;
    if (fd >= 0) close(fd);
    return asr_err_set(err, ASR_EINVAL, FLAG " %s: cannot listen there: %s", spec,
                       strerror(e));
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char addr[INET6_ADDRSTRLEN] = "?";
  unsigned bound = 0;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
    if (ss.ss_family == AF_INET6) {
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
      inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
      bound = ntohs(s6->sin6_port);
    } else {
      struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
      inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
      bound = ntohs(s4->sin_port);
    }
  }
  snprintf(url, url_cap, ss.ss_family == AF_INET6 ? "http://[%s]:%u" : "http://%s:%u", addr,
           bound);
  *fd_out = fd;
  return 0;
}

/* ---- requests ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
                               asr_buf_t *body) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
      body->len, body->data, body->data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r) {
    asr_buf_free(body);
    return MHD_NO;
  }
  body->data = NULL; /* the response owns it */
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  enum MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg) {
  asr_buf_t b;
  asr_buf_init(&b);
  asr_buf_append_str(&b, msg);
  return respond(c, status, "text/plain; charset=utf-8", &b);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
  asr_endpoint_t *e = cls;
  int is_metrics = strcmp(url, "/metrics") == 0, is_status = strcmp(url, "/status") == 0;
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
    return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "asrun: GET /metrics or /status\n");
  if (!is_metrics && !is_status)
    return text(c, MHD_HTTP_NOT_FOUND, "asrun: not found (try /metrics or /status)\n");
  asr_monitor_values_t *v = malloc(sizeof *v); /* a request, not a document: off the hot path */
  if (!v) return MHD_NO;
  uv_mutex_lock(&e->lock);
  int published = e->published;
  if (published) *v = e->values;
  uv_mutex_unlock(&e->lock);
  if (!published) {
    free(v);
    return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "asrun: the run has not started yet\n");
  }
  asr_buf_t b;
  asr_buf_init(&b);
  int rc = is_metrics ? asr_exposition_format(v, &b) : asr_exposition_status_json(v, &b);
  free(v);
  if (rc) {
    asr_buf_free(&b);
    return MHD_NO;
  }
  return respond(c, MHD_HTTP_OK, is_metrics ? ASR_EXPOSITION_CONTENT_TYPE
                                            : "application/json", &b);
}

int asr_endpoint_open(const char *spec, asr_endpoint_t **out, asr_err_t *err) {
  *out = NULL;
  asr_endpoint_t *e = calloc(1, sizeof *e);
  if (!e) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int fd = -1;
  if (bind_listen(spec, e->url, sizeof e->url, &fd, err)) {
    free(e);
    return err->code;
  }
  uv_mutex_init(&e->lock);
  e->daemon = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, e, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
  if (!e->daemon) {
    close(fd);
    uv_mutex_destroy(&e->lock);
    free(e);
    return asr_err_set(err, ASR_EINVAL, FLAG " %s: the HTTP server did not start", spec);
  }
  *out = e;
  return 0;
}

const char *asr_endpoint_url(const asr_endpoint_t *e) { return e->url; }

void asr_endpoint_publish(asr_endpoint_t *e, const asr_monitor_values_t *v) {
  uv_mutex_lock(&e->lock);
  e->values = *v;
  e->published = 1;
  uv_mutex_unlock(&e->lock);
}

void asr_endpoint_close(asr_endpoint_t *e) {
  if (!e) return;
  MHD_stop_daemon(e->daemon); /* closes the listening socket */
  uv_mutex_destroy(&e->lock);
  free(e);
}
