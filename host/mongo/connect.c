/* The shared MongoDB connection layer (see connect.h).
 *
 * Secrets: every message goes through asr_redact_uri, and libmongoc's own parse errors are
 * never shown for the URI the user gave, since they may quote its password ("Password
 * \"...\" must not have unescaped chars"): when it does not parse, a probe copy with every
 * secret replaced by a placeholder is parsed instead, and its error (or, when the probe
 * parses, "invalid credentials or secret option") is what the user sees.
 *
 * Unknown options: libmongoc accepts them with a warning only, so the log handler captures
 * the warnings of a parse running on this thread (tl_capture) and the option is refused by
 * the name the user wrote. Outside a parse, libmongoc's log lines go to asr_log, redacted.
 *
 * Ownership: asr_mongo_connect fills a caller-owned asr_mongo_conn_t that owns its URI,
 * pool and strings; everything temporary is freed on the one `done` path. */
#include "mongo/connect.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "util/log.h"
#include "util/redact.h"

/* ---- messages and libmongoc's log ----------------------------------------------------- */

/* Messages are put together from pieces redacted one by one (the URI once, libmongoc's
 * text through this): redacting a whole message again would take the ':' after a masked
 * option value ("...Password=****: ...") for part of the value. */
typedef struct redacted {
  char s[512];
} redacted_t;

static redacted_t red_text(const char *in) {
  redacted_t r;
  asr_redact_uri(in, r.s, sizeof r.s);
  return r;
}


/* What libmongoc logged while a URI was parsed on this thread. */
typedef struct uri_capture {
  char unknown[128]; /* the first unknown option, as libmongoc reports it (lower case) */
  char detail[512];  /* the first other line */
} uri_capture_t;
static _Thread_local uri_capture_t *tl_capture;

static void mongo_log_handler(mongoc_log_level_t level, const char *domain, const char *msg,
                              void *data) {
  static const char unsupported[] = "Unsupported URI option \"";
  uri_capture_t *cap = tl_capture;
  if (cap) {
    if (strncmp(msg, unsupported, sizeof unsupported - 1) == 0) {
      const char *name = msg + sizeof unsupported - 1;
      if (!cap->unknown[0])
        snprintf(cap->unknown, sizeof cap->unknown, "%.*s", (int)strcspn(name, "\""), name);
    } else if (!cap->detail[0]) {
      snprintf(cap->detail, sizeof cap->detail, "%.*s", (int)strcspn(msg, "\n"), msg);
    }
    return;
  }
  asr_log_level_t ours = level <= MONGOC_LOG_LEVEL_CRITICAL  ? ASR_LOG_ERROR
                         : level <= MONGOC_LOG_LEVEL_WARNING ? ASR_LOG_WARN
                                                             : ASR_LOG_DEBUG;
  asr_log_redacted(ours, "mongo.driver", "libmongoc %s: %s", domain, msg);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void) {
  mongoc_init();
  mongoc_log_set_handler(mongo_log_handler, NULL);
}

void asr_mongo_global_init(void) { pthread_once(&global_once, global_init_once); }

/* ---- the URI path: /database.collection ------------------------------------------------ */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes in place (names in a URI path may be escaped). */
static void percent_decode(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
      *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
}

/* The '@' that ends the user info of the authority starting at s, or NULL: the last one
 * before the options, as the drivers read it (asr_uri_userinfo_end, the rule of
 * asr_redact_uri, so the probe hides what redaction hides). */
static const char *userinfo_end(const char *s) { return asr_uri_userinfo_end(s, s + strlen(s)); }

static const char *authority(const char *uri) {
  const char *h = strstr(uri, "://");
  return h ? h + 3 : uri;
}

/* Splits "/db.collection" off the URI path. *kept is the URI for libmongoc with "/db" only
 * (the database is also the default authSource, as with mongosh) and always a '/' before
 * the options. *db and *coll are NULL when the path lacks them. The caller frees all three. */
static int split_uri(const char *uri, char **kept, char **db, char **coll) {
  *kept = *db = *coll = NULL;
  const char *h = authority(uri);
  const char *at = userinfo_end(h);
  const char *hosts = at ? at + 1 : h;
  const char *q = strchr(hosts, '?');
  const char *end = q ? q : hosts + strlen(hosts);
  const char *slash = memchr(hosts, '/', (size_t)(end - hosts));
  size_t dblen = 0;
  if (slash) {
    const char *path = slash + 1, *dot = memchr(path, '.', (size_t)(end - path));
    dblen = (size_t)((dot ? dot : end) - path);
    if (dblen && !(*db = strndup(path, dblen))) return ASR_ENOMEM;
    if (dot && dot + 1 < end && !(*coll = strndup(dot + 1, (size_t)(end - dot - 1))))
      return ASR_ENOMEM;
    if (*db) percent_decode(*db);
    if (*coll) percent_decode(*coll);
  }
  const char *cut = slash ? slash : end;
  if (asprintf(kept, "%.*s/%.*s%s", (int)(cut - uri), uri, (int)dblen, slash ? slash + 1 : "",
               q ? q : "") < 0) {
    *kept = NULL;
    return ASR_ENOMEM;
  }
  return 0;
}

int asr_mongo_uri_path(const char *uri, char **db, char **coll) {
  char *kept = NULL;
  int rc = split_uri(uri, &kept, db, coll);
  free(kept);
  if (rc) {
    free(*db);
    free(*coll);
    *db = *coll = NULL;
  }
  return rc;
}

void asr_mongo_redact(const char *uri, char *out, size_t n) {
  if (!uri || strstr(uri, "://")) {
    asr_redact_uri(uri, out, n);
    return;
  }
  /* No scheme separator, so asr_redact_uri cannot tell a user info: all of it goes. */
  const char *at = userinfo_end(uri);
  if (!at) {
    asr_redact_uri(uri, out, n);
    return;
  }
  char rest[2048];
  asr_redact_uri(at + 1, rest, sizeof rest);
  snprintf(out, n, "****@%s", rest);
}

/* ---- parsing --------------------------------------------------------------------------- */

static int secret_option(const char *key, size_t n) {
  static const char *const words[] = {"password", "pwd", "secret", "token",
                                      "authmechanismproperties"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    size_t w = strlen(words[i]);
    for (size_t k = 0; k + w <= n; k++)
      if (strncasecmp(key + k, words[i], w) == 0) return 1;
  }
  return 0;
}

/* A copy of uri with the user info replaced by "user" or "user:password" and the value of
 * every secret option by "x:x" (valid for authMechanismProperties too): parsing it gives
 * libmongoc's verdict on everything but the secrets, in words that cannot quote them. */
static char *probe_uri(const char *uri) {
  size_t n = strlen(uri);
  /* The user info grows by 13 bytes at most, a secret value by 3 ("x:x") for an option
   * of 5 bytes at least ("&pwd="). */
  char *out = malloc(2 * n + 32);
  if (!out) return NULL;
  const char *h = authority(uri), *at = userinfo_end(h), *p = uri;
  char *o = out;
  if (at) {
    int has_pw = memchr(h, ':', (size_t)(at - h)) != NULL;
    o += sprintf(o, "%.*s%s", (int)(h - uri), uri, has_pw ? "user:password" : "user");
    p = at;
  }
  const char *q = strchr(p, '?');
  size_t head = q ? (size_t)(q - p) : strlen(p);
  memcpy(o, p, head);
  o += head;
  for (p += head; *p;) { /* ?k=v&k=v;k=v */
    *o++ = *p++;
    size_t klen = strcspn(p, "=&;");
    memcpy(o, p, klen);
    o += klen;
    int secret = secret_option(p, klen);
    p += klen;
    if (*p != '=') continue;
    *o++ = *p++;
    size_t vlen = strcspn(p, "&;");
    memcpy(o, secret ? "x:x" : p, secret ? 3 : vlen);
    o += secret ? 3 : vlen;
    p += vlen;
  }
  *o = '\0';
  return out;
}

/* The option as the user spelled it (libmongoc reports it lower-cased). */
static void option_spelling(const char *uri, const char *lower, char *out, size_t n) {
  snprintf(out, n, "%s", lower);
  size_t len = strlen(lower);
  for (const char *p = strchr(uri, '?'); p && *p; p++) {
    if ((*p == '?' || *p == '&' || *p == ';') && strncasecmp(p + 1, lower, len) == 0 &&
        (p[1 + len] == '=' || p[1 + len] == '&' || p[1 + len] == ';' || p[1 + len] == '\0')) {
      snprintf(out, n, "%.*s", (int)len, p + 1);
      return;
    }
  }
}

static mongoc_uri_t *parse_captured(const char *uri, uri_capture_t *cap, bson_error_t *e) {
  memset(cap, 0, sizeof *cap);
  tl_capture = cap;
  mongoc_uri_t *u = mongoc_uri_new_with_error(uri, e);
  tl_capture = NULL;
  return u;
}

/* Why `kept` does not parse, from the probe's parse. */
static int parse_error(const char *kept, const char *red, asr_err_t *err) {
  uri_capture_t cap;
  bson_error_t e;
  char *probe = probe_uri(kept);
  if (!probe) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  mongoc_uri_t *u = parse_captured(probe, &cap, &e);
  free(probe);
  if (u) {
    mongoc_uri_destroy(u);
    return asr_err_set(err, ASR_EINVAL,
                "invalid MongoDB URI %s: invalid credentials or secret option (percent-encode "
                "user name and password as RFC 3986 says)", red);
  }
  if (cap.detail[0] && strcmp(cap.detail, e.message) != 0)
    return asr_err_set(err, ASR_EINVAL, "invalid MongoDB URI %s: %s (%s)", red,
                       red_text(e.message).s, red_text(cap.detail).s);
  return asr_err_set(err, ASR_EINVAL, "invalid MongoDB URI %s: %s", red, red_text(e.message).s);
}

/* The user info ends at the last '@' before the host (asr_uri_userinfo_end), as the drivers
 * read it; libmongoc ends it at the first and would take the password's tail for a host name
 * (and show it: "cannot reach secret99@host"). So an '@' inside the user info is escaped as
 * %40 before libmongoc sees it. Returns a new string, or NULL when there is none to escape
 * (or out of memory: then libmongoc gets the URI as it is, and refuses it). */
static char *escape_userinfo_at(const char *uri) {
  const char *h = authority(uri), *at = userinfo_end(h);
  if (!at || !memchr(h, '@', (size_t)(at - h))) return NULL;
  size_t n = strlen(uri);
  char *out = malloc(n * 3 + 1), *o = out;
  if (!out) return NULL;
  for (const char *p = uri; *p; p++) {
    if (*p == '@' && p >= h && p < at) {
      memcpy(o, "%40", 3);
      o += 3;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

static int parse_uri(const char *kept, const char *red, mongoc_uri_t **out, asr_err_t *err) {
  uri_capture_t cap;
  bson_error_t e;
  char *escaped = escape_userinfo_at(kept);
  if (escaped) kept = escaped;
  mongoc_uri_t *uri = parse_captured(kept, &cap, &e);
  if (!uri) {
    int rc = parse_error(kept, red, err);
    free(escaped);
    return rc;
  }
  if (cap.unknown[0]) {
    char name[128];
    option_spelling(kept, cap.unknown, name, sizeof name); /* an option name: no secret */
    free(escaped);
    mongoc_uri_destroy(uri);
    return asr_err_set(err, ASR_EINVAL,
                "invalid MongoDB URI %s: unknown option '%s' (see the connection string "
                "options of the MongoDB manual)", red, name);
  }
  free(escaped);
  if (cap.detail[0])
    asr_log_warn("mongo.uri", "MongoDB URI %s: %s", red, red_text(cap.detail).s);
  *out = uri;
  return 0;
}

/* ---- names ----------------------------------------------------------------------------- */

static int valid_db_name(const char *s) {
  return strlen(s) < 64 && !strpbrk(s, "/\\. \"$*<>:|?");
}

static int check_names(const char *red, const char *db, const char *coll, int need_coll,
                       asr_err_t *err) {
  if (!db || !*db)
    return asr_err_set(err, ASR_EINVAL,
                "MongoDB URI %s: no database name (put it in the URI path as "
                "/database.collection or set it in the strategy)", red);
  if (need_coll && (!coll || !*coll))
    return asr_err_set(err, ASR_EINVAL,
                "MongoDB URI %s: no collection name (put it in the URI path as "
                "/database.collection or set it in the strategy)", red);
  if (!valid_db_name(db))
    return asr_err_set(err, ASR_EINVAL, "MongoDB URI %s: invalid database name '%s'", red,
                       red_text(db).s);
  if (coll && (strchr(coll, '$') || strncmp(coll, "system.", 7) == 0))
    return asr_err_set(err, ASR_EINVAL, "MongoDB URI %s: invalid collection name '%s'", red,
                       red_text(coll).s);
  return 0;
}

/* ---- reaching the server --------------------------------------------------------------- */

void asr_mongo_hosts(const mongoc_uri_t *uri, char *out, size_t n) {
  if (!n) return;
  out[0] = '\0';
  const char *srv = mongoc_uri_get_srv_hostname(uri);
  if (srv) {
    snprintf(out, n, "%s", srv);
    return;
  }
  size_t len = 0;
  for (const mongoc_host_list_t *h = mongoc_uri_get_hosts(uri); h && len + 1 < n; h = h->next)
    len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", h->host_and_port);
}

static int ping_error(const asr_mongo_conn_t *c, const bson_error_t *e, asr_err_t *err) {
  char hosts[512];
  asr_mongo_hosts(c->uri, hosts, sizeof hosts);
  if (e->domain == MONGOC_ERROR_SERVER_SELECTION)
    return asr_err_set(err, ASR_EINVAL, "cannot reach %s within %d ms: %s", hosts,
                       (int)c->timeout_ms, red_text(e->message).s);
  if (e->domain == MONGOC_ERROR_CLIENT && e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE) {
    const char *user = mongoc_uri_get_username(c->uri);
    return asr_err_set(err, ASR_EINVAL,
                       "authentication failed on %s as user '%s' (authSource %s): %s", hosts,
                       user ? user : "", mongoc_uri_get_auth_source(c->uri),
                       red_text(e->message).s);
  }
  return asr_err_set(err, ASR_EINVAL, "server %s did not answer ping: %s", hosts,
                     red_text(e->message).s);
}

static void set_timeout(asr_mongo_conn_t *c, int32_t timeout_ms) {
  int32_t t = timeout_ms;
  if (t <= 0)
    t = mongoc_uri_get_option_as_int32(c->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0);
  if (t <= 0) t = ASR_MONGO_DEFAULT_SELECTION_MS;
  mongoc_uri_set_option_as_int32(c->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, t);
  c->timeout_ms = t;
}

#define PING_ATTEMPTS 3         /* a cut connection under the opening ping */
#define PING_RETRY_PAUSE_MS 100

static int open_and_ping(asr_mongo_conn_t *c, asr_err_t *err) {
  bson_error_t e;
  c->pool = mongoc_client_pool_new_with_error(c->uri, &e);
  if (!c->pool)
    return asr_err_set(err, ASR_EINVAL, "MongoDB URI %s: %s", c->redacted,
                       red_text(e.message).s);
  mongoc_client_pool_set_error_api(c->pool, MONGOC_ERROR_API_VERSION_2);
  mongoc_client_t *client = mongoc_client_pool_pop(c->pool);
  bson_t ping = BSON_INITIALIZER;
  BSON_APPEND_INT32(&ping, "ping", 1);
  int ok = 0;
  /* A connection cut under the ping (a stream error: the server was reached) is tried again
   * on a new one; an unreachable server or a refused login is a configuration error at once. */
  for (int attempt = 0; !ok && attempt < PING_ATTEMPTS; attempt++) {
    bson_t reply;
    if (attempt) usleep(PING_RETRY_PAUSE_MS * 1000);
    memset(&e, 0, sizeof e);
    ok = mongoc_client_command_simple(client, "admin", &ping, NULL, &reply, &e);
    bson_destroy(&reply);
    if (e.domain != MONGOC_ERROR_STREAM) break;
  }
  bson_destroy(&ping);
  mongoc_client_pool_push(c->pool, client);
  return ok ? 0 : ping_error(c, &e, err);
}

/* ---- the connection -------------------------------------------------------------------- */

static int take_names(asr_mongo_conn_t *c, const char *db, const char *coll, char **path_db,
                      char **path_coll) {
  if (db) {
    if (!(c->db = strdup(db))) return ASR_ENOMEM;
  } else {
    c->db = *path_db;
    *path_db = NULL;
  }
  if (coll) {
    if (!(c->coll = strdup(coll))) return ASR_ENOMEM;
  } else {
    c->coll = *path_coll;
    *path_coll = NULL;
  }
  return 0;
}

int asr_mongo_connect(const char *uri, const char *db, const char *coll, int32_t timeout_ms,
                      int need_coll, asr_mongo_conn_t *out, asr_err_t *err) {
  char *kept = NULL, *path_db = NULL, *path_coll = NULL;
  char red[2048];
  int rc = 0;
  memset(out, 0, sizeof *out);
  if (!uri || !*uri) return asr_err_set(err, ASR_EINVAL, "no MongoDB URI given");
  asr_mongo_global_init();
  asr_mongo_redact(uri, red, sizeof red);
  if (!(out->redacted = strdup(red)) || split_uri(uri, &kept, &path_db, &path_coll) ||
      take_names(out, db, coll, &path_db, &path_coll)) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = parse_uri(kept, red, &out->uri, err))) goto done;
  if ((rc = check_names(red, out->db, out->coll, need_coll, err))) goto done;
  if (out->coll && !*out->coll) { /* "" when optional: none */
    free(out->coll);
    out->coll = NULL;
  }
  if (!mongoc_uri_get_appname(out->uri)) mongoc_uri_set_appname(out->uri, "asrun");
  set_timeout(out, timeout_ms);
  rc = open_and_ping(out, err);
done:
  free(kept);
  free(path_db);
  free(path_coll);
  if (rc) asr_mongo_conn_close(out);
  return rc;
}

void asr_mongo_conn_close(asr_mongo_conn_t *c) {
  if (c->pool) mongoc_client_pool_destroy(c->pool);
  if (c->uri) mongoc_uri_destroy(c->uri);
  free(c->db);
  free(c->coll);
  free(c->redacted);
  memset(c, 0, sizeof *c);
}
