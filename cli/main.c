/* main.c: hiveaudit's entry point and its table of verbs. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} verbs[] = {
        {"scan", cmd_scan, "audit folders of collected hives: store, CSV and HTML reports"},
        {"report", cmd_report, "write the reports again from an existing store"},
        {"explain", cmd_explain, "why TLS 1.2 would fail on one host, with the evidence"},
        {"remediate", cmd_remediate, "write .reg files that set what failing rules need"},
        {"rules", cmd_rules, "list the loaded rules, or check a rule file"},
        {"replay", cmd_replay, "replay a dirty hive's transaction logs into a recovered copy"},
        {"runs", cmd_runs, "list the runs a store holds"},
        {"diff", cmd_diff, "what changed between two runs: regressed, fixed, new, gone"},
        {"merge", cmd_merge, "one store and one set of reports from the stores of shards"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hiveaudit <verb> [options] [arguments]\n\n"
	           "Audits collected Windows SYSTEM and SOFTWARE hives, offline, for TLS 1.2\n"
	           "readiness towards Azure Backup.\n\nVerbs:\n");
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\n'hiveaudit <verb> --help' describes a verb.\n"
	           "Exit codes: 0 done, no FAIL; 1 done, some FAIL; 2 usage error; 3 could not "
	           "complete.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	/* Names compare in the C locale, whatever the user's locale is
	 * (hivex and strcasecmp follow LC_CTYPE). */
	setlocale(LC_ALL, "C");
	unsetenv("HIVEX_DEBUG");
	if (argc < 2) {
		usage(stderr);
		return HA_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
				if (!strcmp(argv[2], verbs[i].name)) {
					char *args[] = {argv[2], (char *)"--help", NULL};

					return verbs[i].fn(2, args);
				}
			}
		}
		usage(stdout);
		return HA_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hiveaudit %s\n", HA_VERSION);
		return HA_EXIT_OK;
	}
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	cli_error(NULL, "unknown verb '%s' (try 'hiveaudit --help')", argv[1]);
	return HA_EXIT_USAGE;
}
