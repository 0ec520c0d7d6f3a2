/* mongo_ping URI: exits 0 when the server at URI answers {ping: 1}, 1 otherwise (message on
 * stderr). start.sh polls it until the test server is up; one quick attempt per call, since a
 * single-threaded client tries server selection once. */
#include <mongoc/mongoc.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: mongo_ping URI\n");
    return 2;
  }
  int rc = 1;
  bson_error_t error;
  mongoc_init();
  mongoc_uri_t *uri = mongoc_uri_new_with_error(argv[1], &error);
  mongoc_client_t *client = uri ? mongoc_client_new_from_uri(uri) : NULL;
  if (client) {
    bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
    if (mongoc_client_command_simple(client, "admin", cmd, NULL, NULL, &error)) rc = 0;
    bson_destroy(cmd);
  }
  if (rc) fprintf(stderr, "mongo_ping: %s\n", error.message);
  mongoc_client_destroy(client);
  mongoc_uri_destroy(uri);
  mongoc_cleanup();
  return rc;
}
