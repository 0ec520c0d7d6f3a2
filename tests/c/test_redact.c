/* asr_redact_uri: passwords and secret-looking values are hidden, everything else kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "util/redact.h"

static void expect(const char *in, const char *want) {
  char out[512];
  asr_redact_uri(in, out, sizeof out);
  assert_string_equal(out, want);
}

static void test_password_in_userinfo(void **state) {
  expect("mongodb://user:s3cret@h1:27017,h2/db.coll?ssl=true",
         "mongodb://user:****@h1:27017,h2/db.coll?ssl=true");
  expect("mongodb+srv://app:p%40ss@cluster0.example.net/db",
         "mongodb+srv://app:****@cluster0.example.net/db");
  expect("mongodb://user:s3cret@h", "mongodb://user:****@h");
}

static void test_cosmos_connection_string(void **state) {
  expect("mongodb://acct:AbC+dEf/gh==@acct.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet="
         "globaldb&retrywrites=false&maxIdleTimeMS=120000&appName=@acct@",
         "mongodb://acct:****@acct.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=globaldb&"
         "retrywrites=false&maxIdleTimeMS=120000&appName=@acct@");
  /* No credentials: the '@'s of appName are not a userinfo, the port stays. */
  expect("mongodb://acct.mongo.cosmos.azure.com:10255/?ssl=true&appName=@acct@",
         "mongodb://acct.mongo.cosmos.azure.com:10255/?ssl=true&appName=@acct@");
}

static void test_user_without_password_is_kept(void **state) {
  expect("mongodb://CN=client,OU=x@h/?authMechanism=MONGODB-X509",
         "mongodb://CN=client,OU=x@h/?authMechanism=MONGODB-X509");
  expect("mongodb://h1:27017/db", "mongodb://h1:27017/db");
}

static void test_secret_query_values(void **state) {
  expect("mongodb://h/?password=abc&sig=xyz&AccountKey=k%3D%3D&token=t&w=1",
         "mongodb://h/?password=****&sig=****&AccountKey=****&token=****&w=1");
  expect("mongodb://h/?tlsCertificateKeyFilePassword=pw&tlsCAFile=/ca.pem",
         "mongodb://h/?tlsCertificateKeyFilePassword=****&tlsCAFile=/ca.pem");
  expect("mongodb://u@h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:"
         "abc,SERVICE_NAME:x&w=1",
         "mongodb://u@h/?authMechanism=MONGODB-AWS&authMechanismProperties=****&w=1");
  /* Words that only look alike stay. */
  expect("signal=3 keyFile=/k monkey=1", "signal=3 keyFile=/k monkey=1");
}

static void test_azure_style_connection_string(void **state) {
  expect("AccountEndpoint=https://a.documents.azure.com:443/;AccountKey=abc/def+g==;",
         "AccountEndpoint=https://a.documents.azure.com:443/;AccountKey=****;");
  expect("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=zz",
         "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=****;SharedAccessKey=****");
  /* (the key's name is hidden too: redaction errs on the side of hiding) */
}

static void test_uri_inside_a_message(void **state) {
  expect("cannot reach mongodb://u:pw@h1/db (timeout), retry mongodb://v:pw2@h2/",
         "cannot reach mongodb://u:****@h1/db (timeout), retry mongodb://v:****@h2/");
  expect("target 'mongodb://u:pw@h/'", "target 'mongodb://u:****@h/'");
  expect("uri=mongodb://u:pw@h/x", "uri=mongodb://u:****@h/x");
  expect("no secrets here", "no secrets here");
}

static void test_malformed_passwords_are_still_hidden(void **state) {
  expect("mongodb://u:pa?ss@h/", "mongodb://u:****@h/");
  expect("mongodb://u:p@ss@h/?w=1", "mongodb://u:****@h/?w=1");
  expect("mongodb://u:pa/ss@h/db", "mongodb://u:****@h/db");
  /* the user info ends at the last '@' before the host, also after a '?' in the password */
  expect("mongodb://u:secret@99@127.0.0.1:1/db.c", "mongodb://u:****@127.0.0.1:1/db.c");
  expect("mongodb://u:sec?ret@99@127.0.0.1:1/db.c?w=1", "mongodb://u:****@127.0.0.1:1/db.c?w=1");
  expect("mongodb://u:p?w@h/?appName=@acct@", "mongodb://u:****@h/?appName=@acct@");
}

static void test_truncation_and_edges(void **state) {
  char out[10];
  asr_redact_uri("mongodb://u:pw@h/", out, sizeof out);
  assert_string_equal(out, "mongodb:/");
  asr_redact_uri("mongodb://u:secret@h/", out, 0); /* nothing written */
  out[0] = 'x';
  asr_redact_uri(NULL, out, sizeof out);
  assert_string_equal(out, "");
  char small[16];
  asr_redact_uri("mongodb://u:secretpassword@h/", small, sizeof small);
  assert_string_equal(small, "mongodb://u:***"); /* never a byte of the password */
}

static void expect_arg(const char *in, const char *want) {
  char out[512];
  asr_redact_arg(in, out, sizeof out);
  assert_string_equal(out, want);
}

static void test_argument_that_lost_its_scheme_separator(void **state) {
  expect_arg("mongodb//u:pw77@h/db.c", "****@h/db.c");
  expect_arg("u:p@ss@h:27017/db.c?password=x", "****@h:27017/db.c?password=****");
  expect_arg("MongoDB://u:pw77@h/db.c", "MongoDB://u:****@h/db.c");
  /* a file name with an '@' and no "user:" before it stays */
  expect_arg("out/run@2.jsonl", "out/run@2.jsonl");
  expect_arg("plain.jsonl", "plain.jsonl");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_password_in_userinfo),
      cmocka_unit_test(test_cosmos_connection_string),
      cmocka_unit_test(test_user_without_password_is_kept),
      cmocka_unit_test(test_secret_query_values),
      cmocka_unit_test(test_azure_style_connection_string),
      cmocka_unit_test(test_uri_inside_a_message),
      cmocka_unit_test(test_malformed_passwords_are_still_hidden),
      cmocka_unit_test(test_truncation_and_edges),
      cmocka_unit_test(test_argument_that_lost_its_scheme_separator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
