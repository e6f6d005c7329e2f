/* cli.h: what the verbs of the command line share. */
#ifndef HA_CLI_H
#define HA_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "ha_common.h"

/* Exit statuses (README.md "Exit codes"). */
enum {
	HA_EXIT_OK = 0,    /* completed; no finding is FAIL */
	HA_EXIT_FAIL = 1,  /* completed; at least one finding is FAIL */
	HA_EXIT_USAGE = 2, /* bad option, missing path, invalid rule file */
	HA_EXIT_ERROR = 3, /* could not complete (output not writable, store locked, ...) */
};

#define HA_DEFAULT_OUT "hiveaudit-out"

int cmd_scan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_remediate(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* One-line error on stderr: "hiveaudit <verb>: <message>". */
void cli_error(const char *verb, const char *fmt, ...) HA_PRINTF(2, 3);
/* Maps an error code to the exit status it deserves. */
int cli_exit_for(int code);
/* "hiveaudit <verb>: <err->msg>" and the matching exit status. */
int cli_fail(const char *verb, const struct ha_err *err);
/* Parses a positive integer option value; -1 when invalid. */
long cli_number(const char *s, long min, long max);
/* Creates a folder and its parents (mode 0755). */
int cli_mkdirs(const char *path, struct ha_err *err);

/* ------------------------------------------------ which store, which run
 *
 * The read-only verbs (report, explain, remediate; diff and runs build on
 * the same calls) read one run of one store.  These calls are the one
 * place that decides which: a verb parses --db, --run and --quiet with
 * cli_source_option, cli_source_open opens the store read-only and picks
 * the run, and once the verb has done its work, cli_source_say tells on
 * stderr which run it showed (after the work, so that a verb that fails
 * prints its one error line and nothing else). */

struct ha_store;

/* The run a verb shows, as cli_pick_run found it: plain copies, valid
 * after the store is closed. */
struct cli_run {
	int64_t id;
	int status; /* enum ha_run_state */
	char started_at[32];
	long hosts_total;   /* hosts the scan found (-1: not recorded) */
	long hosts_stored;  /* hosts stored in this run */
	int64_t skipped;    /* default choice only: the newest run, when it is
	                     * not complete and so was passed over (else 0) */
	int skipped_status; /* enum ha_run_state of the skipped run */
};

/* Opens `db` with HA_STORE_READONLY: nothing is written to the file or its
 * folder, so a store on read-only media can be read by any user.  *st is
 * the caller's (ha_store_close). */
HA_MUST_CHECK int cli_store_open_ro(const char *db, struct ha_store **st, struct ha_err *err);

/* Picks the run to show: `requested` (a run number), or with 0 the newest
 * run whose status is complete; a failed, interrupted or still running
 * run is shown only when asked for by number.  Fills *run.  Errors:
 * HA_ERR_USAGE when the requested run does not exist, or the store holds
 * no complete run (the message names the newest run and how to show it);
 * HA_ERR_STORE and others as ha_store.  `db` only names the store in
 * messages.  A verb that compares two runs (diff) calls it once per run on
 * the same store; one that lists runs needs only cli_store_open_ro. */
HA_MUST_CHECK int cli_pick_run(struct ha_store *st, const char *db, int64_t requested,
                               struct cli_run *run, struct ha_err *err);

/* Says on stderr which run is shown: "hiveaudit VERB: run 3 of DB
 * (complete, started ..., 44 hosts)", with a line for a newer run that was
 * passed over.  Nothing when `quiet`, except that a run which is not
 * complete is always pointed out: what it shows covers part of the fleet. */
void cli_say_run(const char *verb, const char *db, const struct cli_run *run, int quiet);

/* --db FILE, --run N and -q/--quiet, for a verb's getopt_long table. */
#define CLI_SOURCE_OPTIONS                                                                         \
	{"db", required_argument, NULL, 'd'}, {"run", required_argument, NULL, 'r'},               \
	{                                                                                          \
		"quiet", no_argument, NULL, 'q'                                                    \
	}

/* What a read-only verb reads.  Set `db` (default HA_DEFAULT_OUT/audit.db)
 * with cli_source_init; the rest is filled by the calls below. */
struct cli_source {
	const char *db;    /* borrowed: argv or the default */
	int64_t requested; /* --run N, 0: the newest complete run */
	int quiet;
	struct ha_store *st; /* owned; cli_source_close closes it */
	struct cli_run run;
};

void cli_source_init(struct cli_source *s);
/* Handles the options of CLI_SOURCE_OPTIONS ('d', 'r', 'q'): 1 when `opt`
 * was one of them, 0 when it is the verb's own, -1 when its value is
 * invalid (the message is printed: exit HA_EXIT_USAGE). */
int cli_source_option(struct cli_source *s, const char *verb, int opt, const char *arg);
/* cli_store_open_ro and cli_pick_run.  On error s->st is closed again;
 * the caller prints err (cli_fail). */
HA_MUST_CHECK int cli_source_open(struct cli_source *s, struct ha_err *err);
/* cli_say_run for the run cli_source_open picked. */
void cli_source_say(const struct cli_source *s, const char *verb);
void cli_source_close(struct cli_source *s);

/* Progress on stderr when it is a terminal: "[  12/400] 35.1 hosts/s, 11 s left". */
struct progress {
	int on;
	size_t total, done;
	double start, last;
};
void progress_init(struct progress *p, size_t total, int quiet);
void progress_step(struct progress *p);
void progress_end(struct progress *p);
double cli_now(void);

#endif
