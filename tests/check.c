/* check.c: see check.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

int check_failures;
static const char *current;
static int skipped;

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: [%s] ", file, line, current ? current : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	check_failures++;
}

void check_skip(const char *why)
{
	fprintf(stderr, "  skipped %s: %s\n", current ? current : "?", why);
	skipped++;
}

int check_run(const struct check_case *cases, size_t n, int argc, char **argv)
{
	size_t i;
	int ran = 0, j;

	for (i = 0; i < n; i++) {
		int wanted = argc < 2;

		for (j = 1; j < argc; j++)
			if (!strcmp(argv[j], cases[i].name))
				wanted = 1;
		if (!wanted)
			continue;
		current = cases[i].name;
		{
			int before = check_failures;

			cases[i].fn();
			fprintf(stderr, "%s %s\n", check_failures == before ? "ok  " : "FAIL",
			        current);
		}
		ran++;
	}
	fprintf(stderr, "%d case(s), %d failure(s), %d skipped\n", ran, check_failures, skipped);
	if (!ran)
		return 1;
	return check_failures ? 1 : 0;
}
