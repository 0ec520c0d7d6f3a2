/* The one way asrun connects to MongoDB / Cosmos DB for MongoDB: URI parsing (the
 * "/database.collection" path, unknown options rejected by name), the server selection
 * timeout, the client pool and a first ping, with every message redacted. The source, the
 * sink, index copy and --verify all open their connections here.
 * Only MongoDB code includes this header (it includes mongoc.h). */
#ifndef ASR_MONGO_CONNECT_H
#define ASR_MONGO_CONNECT_H

#include <mongoc/mongoc.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define ASR_MONGO_DEFAULT_SELECTION_MS 10000

/* Owns everything it points to; asr_mongo_conn_close frees it all. */
typedef struct asr_mongo_conn {
  mongoc_uri_t *uri;          /* as parsed, with appname and the timeout set */
  mongoc_client_pool_t *pool; /* error API 2; callers set its max size and pop clients */
  char *db, *coll;            /* from the explicit names, else the URI path /db.collection
                               * (percent-decoded); coll is NULL when neither gives one */
  char *redacted;             /* the URI for messages (asr_redact_uri) */
  int32_t timeout_ms;         /* the server selection timeout in effect */
} asr_mongo_conn_t;

/* Parses `uri` (unknown options rejected by name; libmongoc's messages never quote
 * secrets), sets appname "asrun" unless the URI names one, and serverSelectionTimeoutMS
 * (timeout_ms > 0, else the URI's, else 10000), checks the names (a database is always
 * needed, a collection when need_coll), opens a pool (error API 2), pops a client and pings
 * it ("cannot reach HOSTS within N ms: ..."; authentication failures say so), and pushes
 * the client back. db/coll, when not NULL, override the URI path (an empty one counts as
 * missing). All errors are ASR_EINVAL (ASR_ENOMEM aside), with the URI redacted; on error
 * *out is left zeroed. */
int asr_mongo_connect(const char *uri, const char *db, const char *coll, int32_t timeout_ms,
                      int need_coll, asr_mongo_conn_t *out, asr_err_t *err);
/* The names in uri's path "/db.collection" (percent-decoded); NULL when the path lacks one.
 * The caller frees both. 0 or ASR_ENOMEM. */
int asr_mongo_uri_path(const char *uri, char **db, char **coll);
/* Frees what the connection owns (clients popped from the pool must be pushed back first).
 * Safe on a zeroed struct; leaves it zeroed. */
void asr_mongo_conn_close(asr_mongo_conn_t *c);

/* mongoc_init and the log handler (libmongoc's lines, redacted, into asr_log), once per
 * process (pthread_once). asr_mongo_connect calls it; call it before any other libmongoc
 * use. */
void asr_mongo_global_init(void);

/* asr_redact_uri, and for a URI without "://" (which it cannot read) the whole user info
 * masked: "mongodb//u:pw@h/db" becomes "****@h/db". For messages about a URI. */
void asr_mongo_redact(const char *uri, char *out, size_t n);

/* "h1:27017,h2:27017", or the SRV host name, for messages. */
void asr_mongo_hosts(const mongoc_uri_t *uri, char *out, size_t n);

#endif
