#include "runtime/run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/limits.h"
#include "lua/hooks.h"
#include "lua/policy.h"
#include "lua/strategy.h"
#include "lua/fields.h"
#include "lua/vm.h"
#include "lua/worker.h"
#include "metrics/metrics.h"
#include "metrics/series.h"
#include "monitor/history_cmd.h"
#include "monitor/status.h"
#include "pipeline/pipeline.h"
#include "runtime/config.h"
#include "runtime/controls.h"
#include "runtime/db_checks.h"
#include "runtime/monitor_feed.h"
#include "runtime/outputs.h"
#include "runtime/plan.h"
#include "runtime/report.h"
#include "runtime/checkpoint.h"
#include "runtime/resume.h"
#include "runtime/signals.h"
#include "scaler/controller.h"
#include "scaler/settings.h"
#include "sinks/sink.h"
#include "util/log.h"
#include "util/stdout_data.h"

#define PROGRESS_EVERY_S 5.0
#define PUBLISH_EVERY_MS 1000 /* the metrics endpoint's values */

/* Unix time in seconds, for the summary's started_at and ended_at. */
static double wall_clock_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Everything one run owns; torn down in reverse by run_close. */
typedef struct run {
  const asr_options_t *cli;
  asr_strategy_t *strategy;
  asr_config_t cfg;
  asr_source_t *source;
  asr_sink_t *sink;
  asr_ru_governor_t *governor; /* database targets: paces writes under the RU budget */
  asr_dead_letter_t *dead_letter; /* documents that fail for good; the sink borrows it */
  asr_strategy_transform_t transform; /* the strategy's transform, writing to dead_letter */
  asr_worker_env_factory_t worker_env; /* one Lua state per worker, when the strategy runs there */
  asr_pipeline_t *pipeline;

  uv_loop_t loop;
  uv_async_t done;
  uv_async_t signal; /* woken by runtime/signals.c */
  uv_timer_t tick;
  uint64_t started_ns, last_progress_ns, last_tick_ns, last_tick_docs;
  double started_at; /* wall clock (Unix seconds) at the start, for the summary */
  double last_rate;
  int interrupts;
  int tick_failed; /* on_tick went over its budget: not called again */
  uint64_t tick_raised;     /* on_tick raised this many times (the run went on) */
  char tick_first[256];     /* the first of those errors, for the end of the run */
  asr_run_controls_t controls; /* the one table the scaler and on_tick change the run through */

  /* the auto-scaler (scaler/controller.c), fed by the check timer */
  asr_controller_t *scaler;   /* NULL: auto-scaling off */
  uv_timer_t check;
  uint32_t start_workers, start_batch_size;
  int load_complete;        /* every document written (a later step may still fail) */
  int dead_letters_refused; /* the verdict on the dead letters failed the run */

  asr_resume_t *resume;    /* checkpoints; NULL: the run keeps none */
  uv_timer_t checkpoint;
  int checkpoint_warned;   /* a failing checkpoint write is reported once */
  int already_complete;    /* --resume of a run that completed: nothing to do */

  /* watching the run: the live status line, the snapshots, the progress and the endpoint */
  asr_status_t *status;       /* NULL: stderr is no terminal, -q, or JSON logs */
  asr_monitor_feed_t feed;
  uv_timer_t publish;         /* the endpoint's values, every PUBLISH_EVERY_MS */
} run_t;

static double seconds_since(uint64_t t0) { return (double)(uv_hrtime() - t0) / 1e9; }

/* ---- loop callbacks ---- */

static void close_handles(run_t *r) {
  asr_status_stop(r->status); /* erased: what follows starts on a clean line */
  r->status = NULL;
  uv_close((uv_handle_t *)&r->publish, NULL);
  uv_close((uv_handle_t *)&r->checkpoint, NULL);
  uv_close((uv_handle_t *)&r->check, NULL);
  uv_close((uv_handle_t *)&r->done, NULL);
  uv_close((uv_handle_t *)&r->tick, NULL);
}

/* The signal handle outlives the loop's run (unreferenced, it does not keep it running): a
 * second signal during pipeline_wait's final flush is answered (the abort) once the flush is
 * done, instead of the handler's _exit cutting it short. */
static void close_signal(run_t *r) {
  uv_run(&r->loop, UV_RUN_NOWAIT); /* a signal that came meanwhile */
  asr_signals_notify(NULL);
  uv_close((uv_handle_t *)&r->signal, NULL);
}

static void on_pipeline_done(void *ud) { uv_async_send(&((run_t *)ud)->done); }

static void on_done_async(uv_async_t *h) { close_handles(h->data); }

/* The second signal: the output cut back to its last whole batch, and exit 130. From the
 * loop, or from runtime/signals.c's thread when the loop is stuck in a hook. */
static void abort_run(run_t *r) {
  asr_log_error("run.abort", "second %s: aborting now; partial output is left as .partial, "
                "cut back to the last whole batch",
                asr_signals_last() == SIGINT ? "interrupt" : "termination signal");
  if (r->sink->vt->abandon) r->sink->vt->abandon(r->sink);
  asr_log_status_clear(); /* the shell's prompt on a clean line */
  _exit(ASR_EXIT_INTERRUPTED);
}

static void abort_stuck_run(void *ud) { abort_run(ud); }

/* The loop's side of SIGINT/SIGTERM: stop at the first, abort at the second. */
static void on_signal(uv_async_t *h) {
  run_t *r = h->data;
  int seen = asr_signals_count(), signum = asr_signals_last();
  if (seen <= r->interrupts) return;
  r->interrupts = seen;
  if (seen > 1) abort_run(r);
  asr_log_warn("run.stop", "%s: finishing the batches in progress, then stopping (again to abort)",
               signum == SIGINT ? "interrupted" : "terminated");
  asr_pipeline_stop(r->pipeline);
}

/* The strategy's on_tick, with the run's controls. A runaway hook fails the run; one that
 * raises is warned about, and the run goes on (execute reports it at the end). */
static void call_on_tick(run_t *r, const asr_pipeline_stats_t *st) {
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_hooks_on_tick(r->strategy, st, seconds_since(r->started_ns), r->last_rate,
                             &r->controls.table, &err);
  if (rc == ASR_ELIMIT) { /* a runaway hook: a warning would go on forever */
    r->tick_failed = 1;
    asr_pipeline_fail(r->pipeline, &err);
  }
  else if (rc) {
    if (r->tick_raised++ == 0) /* its first line: the message without the traceback */
      snprintf(r->tick_first, sizeof r->tick_first, "%.*s", (int)strcspn(err.msg, "\n"), err.msg);
    asr_log_warn("hook.on_tick", "%s (the run goes on, and ends with exit 1)", err.msg);
  }
}

static void on_tick(uv_timer_t *h) {
  run_t *r = h->data;
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  uint64_t now = uv_hrtime();
  double dt = (double)(now - r->last_tick_ns) / 1e9;
  if (dt > 0) r->last_rate = (double)(st.docs_out - r->last_tick_docs) / dt;
  r->last_tick_ns = now;
  r->last_tick_docs = st.docs_out;
  if ((double)(now - r->last_progress_ns) / 1e9 >= PROGRESS_EVERY_S) {
    r->last_progress_ns = now;
    if (!r->status) /* a terminal has the status line instead */
      asr_monitor_feed_log_progress(&r->feed, &st, r->last_rate);
  }
  if (r->strategy && r->strategy->has_on_tick && !r->interrupts && !r->tick_failed)
    call_on_tick(r, &st);
}

/* ---- checkpoints ---- */

static uint64_t checkpoint_delay_ms(const run_t *r, double cost_ms) {
  return asr_checkpoint_delay_ms(r->cli->checkpoint_every, cost_ms);
}

static void on_checkpoint(uv_timer_t *h) {
  run_t *r = h->data;
  asr_err_t err;
  asr_err_clear(&err);
  uint64_t t0 = uv_hrtime();
  if (asr_resume_save(r->resume, "running", &err) && !r->checkpoint_warned) {
    r->checkpoint_warned = 1;
    asr_log_warn("resume.save", "%s (the run goes on; a resume would start from the last "
                 "checkpoint written)", err.msg);
  }
  uv_timer_start(&r->checkpoint, on_checkpoint,
                 checkpoint_delay_ms(r, (double)(uv_hrtime() - t0) / 1e6), 0);
}

/* The run ended: a success retires the checkpoint, anything else records where to go on. */
static void checkpoint_at_end(run_t *r, int rc) {
  if (!r->resume || !r->pipeline) return;
  asr_err_t err;
  asr_err_clear(&err);
  /* refused dead letters: every document went through; the output and the checkpoint stay
   * (marked "refused"), so a resume with a larger budget publishes without redoing it */
  int crc = rc == 0 ? asr_resume_complete(r->resume, &err)
            : r->dead_letters_refused ? asr_resume_refused(r->resume, &err)
            : asr_resume_save(r->resume, rc == ASR_ECANCELED ? "stopped" : "failed", &err);
  if (crc) asr_log_error("resume.save", "%s", err.msg);
  else if (rc && !r->dead_letters_refused) /* a refusal's message says how already */
    asr_log_info("resume.hint", "Checkpoint saved to %s: run the same command with --resume%s "
                 "to go on", asr_resume_path(r->resume),
                 asr_dead_letter_stopped_run(r->dead_letter) ? " and a larger --max-errors" : "");
}

/* ---- dead letters ---- */

static uint64_t records_read(void *ud) { return asr_pipeline_records_read(ud); }

/* Every document is written: a run whose dead letters the budget does not allow is refused
 * before its output is published (pipeline's before_finish). */
static int judge_dead_letters(void *ud, asr_err_t *err) {
  run_t *r = ud;
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  int allowed;
  int rc = asr_dead_letter_verdict(r->dead_letter, st.docs_in, &allowed, err);
  r->dead_letters_refused = rc != 0;
  if (rc && r->resume) asr_report_refusal_hint(r->sink, asr_dead_letter_count(r->dead_letter),
                                               asr_resume_path(r->resume), err);
  return rc;
}

/* ---- metrics and the auto-scaler ---- */

static void record_write(void *ud, uint64_t us) { asr_hist_record(ud, us); }

static void publish(run_t *r) { asr_monitor_feed_publish(&r->feed, seconds_since(r->started_ns)); }

static void on_publish(uv_timer_t *h) { publish(h->data); }

static void on_check(uv_timer_t *h) {
  run_t *r = h->data;
  asr_metrics_snapshot_t snap;
  asr_monitor_feed_sample(&r->feed, seconds_since(r->started_ns), &snap);
  if (r->scaler) asr_run_controls_check(&r->controls, r->scaler, &snap);
  publish(r); /* the decision's time is the check's */
}

/* ---- setup ---- */

/* Every file of the run distinct (outputs.h): once before anything opens, and again once the
 * default dead letters are known. */
static int check_distinct_files(const run_t *r, asr_err_t *err) {
  return asr_outputs_check_distinct_files(&r->cfg, r->cli, r->strategy ? r->strategy->path : NULL,
                                          asr_resume_path(r->resume), err);
}

static int is_database_target(const char *uri) {
  return strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0 ||
         strncmp(uri, "sim:", 4) == 0;
}

/* The RU governor for a database target (unless ru_governor = 0 or a dry run). */
static int open_governor(run_t *r, asr_err_t *err) {
  const asr_scaling_settings_t *s = &r->cfg.scaling;
  if (r->cfg.dry_run || s->ru_governor == 0 || !is_database_target(r->cfg.target)) return 0;
  asr_ru_governor_config_t gc = {.target_ru_per_second = s->target_ru_per_second,
                                 .fraction = s->ru_budget_fraction};
  if (!(r->governor = asr_ru_governor_new(&gc)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory"); /* the settings were validated */
  return 0;
}

/* The strategy (if any) and the settings merged from it and the flags. */
static int load_settings(run_t *r, asr_err_t *err) {
  const asr_options_t *cli = r->cli;
  int rc = 0;
  /* The strategy's top level runs with the flag's budget; everything after it with the
   * merged one (flag > strategy > default), workers included. */
  asr_vm_set_default_budget(cli->instruction_budget >= 0 ? cli->instruction_budget
                                                        : ASR_VM_DEFAULT_BUDGET);
  /* Without --target the strategy may name stdout as its target: what its top level prints
   * is held until the target is known, so it reaches the documents neither. */
  int hold = cli->strategy && !cli->target && asr_stdout_hold() == 0;
  if (cli->strategy) rc = asr_strategy_load(cli->strategy, &r->strategy, err);
  if (rc == 0) rc = asr_config_build(cli, r->strategy, &r->cfg, err);
  if (hold) asr_stdout_settle(rc == 0 && asr_sink_target_is_stdout(r->cfg.target));
  return rc;
}

static int open_sink(run_t *r, asr_err_t *err) {
  asr_sink_options_t opt;
  asr_config_sink_options(&r->cfg, &opt);
  opt.governor = r->governor;
  opt.dead_letter = r->dead_letter;
  asr_resume_sink_options(r->resume, &opt);
  return asr_sink_open(r->cfg.target, &opt, &r->sink, err);
}

/* Where the documents come from and go: the source, the RU governor, the dead letters and the
 * sink, each file checked to be distinct from the others first. */
static int open_ends(run_t *r, asr_err_t *err) {
  int rc;
  if ((rc = check_distinct_files(r, err))) return rc;
  if ((rc = asr_source_open(&r->cfg.source, &r->source, err))) return rc;
  if (r->resume && (rc = asr_resume_attach_source(r->resume, r->source, err))) return rc;
  if ((rc = open_governor(r, err))) return rc;
  if ((rc = asr_dead_letter_open(NULL, &r->cfg.error_budget, &r->dead_letter, err))) return rc;
  if ((rc = open_sink(r, err))) return rc;
  if ((rc = asr_outputs_resolve_dead_letter(&r->cfg, r->sink, r->dead_letter, err))) return rc;
  if ((rc = check_distinct_files(r, err))) return rc; /* again, with the default dead letters */
  return asr_resume_dead_letters(r->resume, r->dead_letter, err);
}

static int open_run(run_t *r, asr_err_t *err) {
  const asr_options_t *cli = r->cli;
  int rc = load_settings(r, err);
  if (rc) return rc;
  if ((rc = asr_outputs_claim_stdout(r->cfg.target, err))) return rc; /* a strategy's target "-" */
  if ((rc = asr_db_checks_check_config(&r->cfg, err))) return rc;
  if ((rc = asr_config_start_from_history(&r->cfg, cli, r->strategy, err))) return rc;
  if ((rc = asr_resume_open(cli, &r->cfg, r->strategy, &r->resume, &r->already_complete, err)))
    return rc;
  if (r->already_complete) return 0;
  asr_vm_set_default_budget(r->cfg.instruction_budget);
  if (r->strategy) asr_vm_set_budget(r->strategy->L, r->cfg.instruction_budget);
  if ((rc = open_ends(r, err))) return rc;
  asr_strategy_transform_init(&r->transform, r->strategy, r->dead_letter);
  if (r->strategy && (r->strategy->has_lua_transform || r->cfg.source.ncustom))
    asr_lua_worker_factory(&r->worker_env, r->strategy->path);
  if ((rc = asr_outputs_check_dirs(&r->cfg, r->cli, err))) return rc;
  return asr_run_controls_open(&r->controls, &r->cfg, r->strategy, &r->scaler, err);
}

/* What the monitor feed reads, once the pipeline exists. */
static void start_feed(run_t *r) {
  asr_monitor_feed_parts_t parts = {
      .pipeline = r->pipeline,
      .sink = r->sink,
      .source = r->source,
      .dead_letter = r->dead_letter,
      .resume = r->resume,
      .scaler = r->scaler,
  };
  asr_monitor_feed_start(&r->feed, &parts);
}

/* The loop's handles; the timers of progress and on_tick, the check and the checkpoints. */
static void start_timers(run_t *r) {
  uv_loop_init(&r->loop);
  uv_async_init(&r->loop, &r->done, on_done_async);
  uv_async_init(&r->loop, &r->signal, on_signal);
  uv_unref((uv_handle_t *)&r->signal);
  uv_timer_init(&r->loop, &r->tick);
  uv_timer_init(&r->loop, &r->check);
  uv_timer_init(&r->loop, &r->checkpoint);
  uv_timer_init(&r->loop, &r->publish);
  r->done.data = r->signal.data = r->tick.data = r->check.data = r->checkpoint.data = r;
  r->publish.data = r;
  asr_signals_notify(&r->signal);
  asr_signals_on_stuck(abort_stuck_run, r);
  uint64_t tick_ms = (uint64_t)(r->cfg.tick_interval * 1000.0);
  if (tick_ms < 10) tick_ms = 10;
  uv_timer_start(&r->tick, on_tick, tick_ms, tick_ms);
  uint64_t check_ms = (uint64_t)(r->cfg.scaling.check_interval * 1000.0);
  uv_timer_start(&r->check, on_check, check_ms, check_ms);
  if (r->resume) {
    uv_timer_start(&r->checkpoint, on_checkpoint, checkpoint_delay_ms(r, 0), 0);
  }
}

static int create_pipeline(run_t *r, asr_err_t *err) {
  int rc = asr_monitor_feed_open(&r->feed, r->cfg.scaling.history, err);
  if (rc) return rc; /* before the pipeline: nothing to wait for */
  asr_pipeline_config_t pc = {
      .source = r->source,
      .sink = r->sink,
      .transform = r->strategy && r->strategy->has_transform ? &r->transform.factory : NULL,
      .worker_env = r->worker_env.open ? &r->worker_env : NULL,
      .workers = r->cfg.workers,
      .batch_size = r->cfg.batch_size,
      .queue_capacity = r->cfg.queue_capacity,
      .id_seed = r->cfg.seed,
      .on_done = on_pipeline_done,
      .ud = r,
      .on_write = record_write,
      .write_ud = &r->feed.latency,
      .before_finish = judge_dead_letters,
      .progress = asr_resume_start(r->resume, r->sink),
  };
  return asr_pipeline_create(&pc, &r->pipeline, err);
}

static int start_loop(run_t *r, asr_err_t *err) {
  start_timers(r);
  int rc = create_pipeline(r, err);
  if (rc) return rc;
  r->controls.pipeline = r->pipeline;
  asr_dead_letter_set_read_counter(r->dead_letter, records_read, r->pipeline);
  r->started_ns = r->last_progress_ns = r->last_tick_ns = uv_hrtime();
  r->started_at = wall_clock_now();
  r->start_workers = r->cfg.workers;
  r->start_batch_size = r->cfg.batch_size;
  start_feed(r);
  if (r->feed.endpoint) {
    publish(r);
    uv_timer_start(&r->publish, on_publish, PUBLISH_EVERY_MS, PUBLISH_EVERY_MS);
  }
  /* documents to standard output share the terminal: no status line among them */
  if (asr_status_wanted() && !asr_sink_target_is_stdout(r->cfg.target))
    r->status = asr_status_start(&r->loop, asr_monitor_feed_read_progress, &r->feed);
  rc = asr_pipeline_start(r->pipeline, err);
  if (asr_signals_count() > 0) uv_async_send(&r->signal); /* a signal during set-up: stop now */
  return rc;
}

static void run_close(run_t *r) {
  asr_monitor_feed_close(&r->feed); /* served the final values while the summary printed */
  if (r->loop.data == r) {
    uv_run(&r->loop, UV_RUN_DEFAULT); /* let closed handles finish */
    uv_loop_close(&r->loop);
  }
  asr_controller_close(r->scaler); /* its policy lives in the strategy's state */
  asr_pipeline_destroy(r->pipeline);
  asr_sink_destroy(r->sink);
  asr_ru_governor_free(r->governor); /* after the sink that borrowed it */
  asr_dead_letter_close(r->dead_letter); /* the same */
  asr_source_destroy(r->source);
  asr_resume_close(r->resume); /* after the sink and source: its positions borrow their keys */
  asr_config_free(&r->cfg);
  asr_strategy_free(r->strategy);
}

/* ---- the end ---- */

/* The dead letters on disk: a failing sync fails a run that had not failed. */
static int sync_dead_letters(run_t *r, int rc, asr_err_t *err) {
  asr_err_t sync_err;
  asr_err_clear(&sync_err);
  if (asr_dead_letter_sync(r->dead_letter, &sync_err) && rc == 0) {
    *err = sync_err;
    rc = sync_err.code;
  }
  return rc;
}

static int finish_run(run_t *r, int rc, asr_err_t *err) {
  rc = sync_dead_letters(r, rc, err);
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  double secs = seconds_since(r->started_ns);
  asr_metrics_snapshot_t last;
  asr_monitor_feed_sample(&r->feed, seconds_since(r->started_ns), &last); /* the tail too */
  publish(r);       /* the endpoint's final values */
  asr_metrics_totals_t totals;
  asr_metrics_totals(r->feed.metrics, &totals);
  asr_scaling_report_t scaling;
  if (r->scaler) asr_controller_report(r->scaler, &scaling);
  asr_report_input_t in = {
      .options = r->cli,
      .cfg = &r->cfg,
      .strategy = r->strategy,
      .sink = r->sink,
      .source = r->source,
      .pipeline = &st,
      .metrics = &totals,
      .scaling = r->scaler ? &scaling : NULL,
      .series = r->feed.series,
      .duration_s = secs,
      .started_at = r->started_at,
      .ended_at = wall_clock_now(),
      .start_workers = r->start_workers,
      .start_batch_size = r->start_batch_size,
      .ru_governor_rate = asr_ru_governor_rate(r->governor),
      .checkpoint = asr_resume_path(r->resume),
      .resumed = asr_resume_resumed(r->resume),
      .docs_written_before = asr_resume_docs_before(r->resume),
      .docs_read_before = asr_resume_docs_read_before(r->resume),
      .dead_letter = r->dead_letter,
      .load_complete = r->load_complete,
      .dead_letters_refused = r->dead_letters_refused,
  };
  return asr_report_end_of_run(&in, rc, err);
}

/* Starts the pipeline, runs the loop until every thread is done, then reports. */
static int execute(run_t *r, asr_err_t *err) {
  r->loop.data = r;
  int rc = start_loop(r, err);
  if (!r->pipeline) { /* nothing will fire the done async: close the handles ourselves */
    asr_signals_on_stuck(NULL, NULL);
    close_handles(r);
    close_signal(r);
    return rc;
  }
  uv_run(&r->loop, UV_RUN_DEFAULT); /* returns once on_done_async closed the handles */
  asr_signals_on_stuck(NULL, NULL); /* the final flush answers a second signal when done */
  int wrc = asr_pipeline_wait(r->pipeline, err);
  close_signal(r);
  rc = rc ? rc : wrc;
  if (rc == 0) {
    asr_pipeline_stats_t st;
    asr_pipeline_stats(r->pipeline, &st);
    r->load_complete = 1; /* reported as such also when a step after it fails */
    rc = asr_db_checks_after_load(&r->cfg, r->strategy, st.docs_out, r->cli->verbosity < 0, err);
  }
  if (rc == 0 && r->tick_raised) /* the documents are all written: the hook's bug is reported */
    rc = asr_err_set(err, ASR_ESCRIPT, "on_tick raised %llu time%s (the first: %s); every "
                     "document was written", (unsigned long long)r->tick_raised,
                     r->tick_raised == 1 ? "" : "s", r->tick_first);
  checkpoint_at_end(r, rc);
  return finish_run(r, rc, err);
}

/* A real run: the endpoint, the plan, on_start, --drop and --copy-indexes before, the load. */
static int load(run_t *r, asr_err_t *err) {
  int rc = asr_monitor_feed_open_endpoint(&r->feed, r->cli->metrics_listen, err);
  if (rc) return rc;
  if (asr_log_enabled(ASR_LOG_INFO)) asr_plan_log(&r->cfg, r->strategy, r->source, r->sink);
  asr_run_info_t info = {r->cfg.name, r->source->description, r->cfg.target, r->cfg.profile,
                         r->cfg.workers, r->cfg.batch_size, r->cfg.source.limit, r->cfg.seed,
                         r->cfg.auto_scaling};
  rc = asr_hooks_on_start(r->strategy, &info, err);
  int before = r->cfg.copy_indexes && strcmp(r->cfg.copy_indexes, "before") == 0;
  if (rc == 0)
    rc = asr_db_checks_before_load(&r->cfg, asr_resume_resumed(r->resume), r->source->id_depends,
                                   err);
  if (rc == 0 && before) rc = asr_db_checks_copy_indexes(&r->cfg, err);
  if (rc == 0) rc = execute(r, err);
  return rc;
}

int asr_run(const asr_options_t *cli, asr_err_t *err) {
  run_t r = {.cli = cli};
  asr_signals_install();
  /* before the strategy loads: its top-level print must not reach the documents either */
  int rc = asr_outputs_claim_stdout(cli->target, err);
  if (rc == 0) rc = open_run(&r, err);
  if (rc == 0 && r.already_complete) {
    asr_log_info("resume.complete", "Nothing to resume: the checkpoint of this run says it "
                 "completed");
  } else if (rc == 0 && r.cfg.dry_run) {
    asr_plan_print(stdout, &r.cfg, r.strategy, r.source, r.sink, 1);
  } else if (rc == 0 && cli->verify_only) {
    rc = asr_db_checks_verify(&r.cfg, r.strategy, -1, cli->verbosity < 0, err);
  } else if (rc == 0) {
    rc = load(&r, err);
  }
  run_close(&r);
  asr_stdout_release(); /* after the sink closed its copy */
  asr_signals_restore();
  return rc;
}
