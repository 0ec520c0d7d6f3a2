#include "monitor/status.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"

struct asr_status {
  uv_timer_t timer;
  asr_progress_read_fn read;
  void *ud;
  uint64_t started_ns;
  asr_rate_window_t rate;
  asr_status_style_t style;
};

int asr_status_wanted(void) {
  const char *term = getenv("TERM");
  return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0) &&
         asr_log_enabled(ASR_LOG_INFO) && !asr_log_is_json();
}

static unsigned terminal_columns(void) {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0; /* the formatter's default */
}

static void redraw(uv_timer_t *h) {
  asr_status_t *s = h->data;
  asr_progress_input_t in;
  s->read(s->ud, &in);
  double now = (double)(uv_hrtime() - s->started_ns) / 1e9;
  asr_progress_values_t v;
  asr_progress_compute(&in, asr_rate_window_add(&s->rate, now, in.done), &v);
  s->style.columns = terminal_columns();
  char line[1024];
  asr_status_format(&v, &s->style, line, sizeof line);
  asr_log_status_show(line);
}

asr_status_t *asr_status_start(uv_loop_t *loop, asr_progress_read_fn read, void *ud) {
  asr_status_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->read = read;
  s->ud = ud;
  s->started_ns = uv_hrtime();
  asr_rate_window_init(&s->rate);
  const char *no_color = getenv("NO_COLOR");
  s->style = (asr_status_style_t){.utf8 = asr_log_utf8_terminal(),
                                  .color = !(no_color && *no_color)};
  uv_timer_init(loop, &s->timer);
  s->timer.data = s;
  uint64_t every_ms = 1000 / ASR_STATUS_REDRAWS_PER_S;
  uv_timer_start(&s->timer, redraw, every_ms, every_ms);
  return s;
}

static void free_on_close(uv_handle_t *h) { free(h->data); }

void asr_status_stop(asr_status_t *s) {
  if (!s) return;
  uv_timer_stop(&s->timer);
  asr_log_status_clear();
  uv_close((uv_handle_t *)&s->timer, free_on_close);
}
