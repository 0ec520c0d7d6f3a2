/* mongo_command URI DB JSON: runs one command (relaxed Extended JSON) on database DB and
 * prints the reply; exits 0 when the server answered ok, 1 otherwise (message on stderr).
 * For end-to-end specs that need the server in a state asrun does not make (an index). */
#include <mongoc/mongoc.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: mongo_command URI DB JSON\n");
    return 2;
  }
  int rc = 1;
  bson_error_t error;
  mongoc_init();
  bson_t *cmd = bson_new_from_json((const uint8_t *)argv[3], -1, &error);
  mongoc_uri_t *uri = cmd ? mongoc_uri_new_with_error(argv[1], &error) : NULL;
  mongoc_client_t *client = uri ? mongoc_client_new_from_uri(uri) : NULL;
  if (client) {
    bson_t reply;
    if (mongoc_client_command_simple(client, argv[2], cmd, NULL, &reply, &error)) rc = 0;
    char *json = bson_as_relaxed_extended_json(&reply, NULL);
    if (json) printf("%s\n", json);
    bson_free(json);
    bson_destroy(&reply);
  }
  if (rc) fprintf(stderr, "mongo_command: %s\n", error.message);
  mongoc_client_destroy(client);
  mongoc_uri_destroy(uri);
  if (cmd) bson_destroy(cmd);
  mongoc_cleanup();
  return rc;
}
