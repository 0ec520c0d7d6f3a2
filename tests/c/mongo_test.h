/* Shared by the cmocka tests that talk to the test server (ctest starts it and passes its
 * URI in ASRUN_TEST_MONGO_URI; without it these tests skip, saying why). Include after
 * cmocka.h. */
#ifndef ASR_TESTS_MONGO_TEST_H
#define ASR_TESTS_MONGO_TEST_H

#include <stdlib.h>

static inline const char *server_uri(void) {
  const char *u = getenv("ASRUN_TEST_MONGO_URI");
  return u && *u ? u : NULL;
}

#define NEED_SERVER()                                                              \
  do {                                                                             \
    if (!server_uri()) {                                                           \
      print_message("ASRUN_TEST_MONGO_URI is not set: no test server, skipped\n"); \
      skip();                                                                      \
    }                                                                              \
  } while (0)

#endif
