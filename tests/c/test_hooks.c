/* The strategy's hooks see what the logs see: on_start(ctx).target without the password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lua/hooks.h"

#define STRATEGY ASR_TEST_TMP "/hooks_target.lua"

static void test_on_start_target_is_redacted(void **state) {
  FILE *f = fopen(STRATEGY, "w");
  assert_non_null(f);
  fputs("return { on_start = function(ctx) error('target=' .. ctx.target, 0) end }\n", f);
  fclose(f);
  asr_strategy_t *s = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_strategy_load(STRATEGY, &s, &err)) fail_msg("%s", err.msg);
  asr_run_info_t info = {.name = "t", .source = "template",
                         .target = "mongodb://ann:T0p@Secret@db.example:27017/shop.orders?"
                                   "tlsCertificateKeyFilePassword=pw2&w=1"};
  assert_int_equal(asr_hooks_on_start(s, &info, &err), ASR_ESCRIPT);
  assert_null(strstr(err.msg, "T0p"));
  assert_null(strstr(err.msg, "Secret"));
  assert_null(strstr(err.msg, "pw2"));
  assert_non_null(strstr(err.msg, "target=mongodb://ann:****@db.example:27017/shop.orders?"
                                   "tlsCertificateKeyFilePassword=****&w=1"));
  asr_strategy_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_on_start_target_is_redacted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
