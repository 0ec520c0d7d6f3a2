/* `asrun report RUN-ID` (history_cmd.h): a past run's stored summary, rendered by the HTML
 * report's writer (report_html.h) as the run's own --report would have been. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "monitor/history_cmd.h"
#include "monitor/report_html.h"

int asr_history_cmd_report(const char *history, int64_t id, const char *html, asr_err_t *err) {
  char path[1024];
  if (asr_history_resolve_path(history, path, sizeof path, err)) return ASR_EINVAL;
  asr_history_t *h;
  asr_history_open_options_t opt = {.create = 0};
  int rc = asr_history_open(path, &opt, &h, err);
  if (rc) return rc;
  char *text = NULL;
  rc = asr_history_summary(h, id, &text, err);
  asr_history_close(h);
  if (rc) return rc;
  cJSON *summary = cJSON_Parse(text);
  free(text);
  if (!summary)
    return asr_err_set(err, ASR_EDATA, "run history %s: run %lld's summary is not valid JSON",
                       path, (long long)id);
  rc = asr_html_report_write(summary, html, err);
  cJSON_Delete(summary);
  if (rc == 0) printf("Wrote the report of run %lld to %s\n", (long long)id, html);
  return rc;
}
