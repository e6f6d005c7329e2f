/* cli.h: what the verbs of the command line share. */
#ifndef HA_CLI_H
#define HA_CLI_H

#include <stdio.h>

#include "ha_common.h"

/* Exit statuses (README.md "Exit codes"). */
enum {
	HA_EXIT_OK = 0,      /* completed; no finding is FAIL */
	HA_EXIT_FAIL = 1,    /* completed; at least one finding is FAIL */
	HA_EXIT_USAGE = 2,   /* bad option, missing path, invalid rule file */
	HA_EXIT_ERROR = 3,   /* could not complete (output not writable, store locked, ...) */
};

#define HA_DEFAULT_OUT "hiveaudit-out"

int cmd_scan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_remediate(int argc, char **argv);
int cmd_replay(int argc, char **argv);
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
