/* test_html_layout.c: the data island's record layout is the same in C
 * (report/html_layout.h, which the writer uses) and in report.js (its
 * block between "BEGIN ISLAND LAYOUT" and "END ISLAND LAYOUT").  A field
 * added, removed, renamed or moved on one side only fails here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ha_common.h"
#include "html_layout.h"
#include "testutil.h"

#define NAME_OF(n) #n,

static const char *const rule_fields[] = {HA_ISLAND_RULE(NAME_OF)};
static const char *const evidence_fields[] = {HA_ISLAND_EVIDENCE(NAME_OF)};
static const char *const finding_fields[] = {HA_ISLAND_FINDING(NAME_OF)};
static const char *const host_fields[] = {HA_ISLAND_HOST(NAME_OF)};
static const char *const hive_fields[] = {HA_ISLAND_HIVE(NAME_OF)};

struct layout {
	const char *js;            /* report.js's object */
	const char *const *fields; /* in record order */
	int n;
};

#define LAYOUT(js, a)                                                                              \
	{                                                                                          \
		(js), (a), (int)(sizeof(a) / sizeof((a)[0]))                                       \
	}

static const struct layout layouts[] = {
        LAYOUT("R", rule_fields), LAYOUT("E", evidence_fields), LAYOUT("F", finding_fields),
        LAYOUT("H", host_fields), LAYOUT("HV", hive_fields),
};
#define NLAYOUTS (sizeof layouts / sizeof layouts[0])

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static size_t ident(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '_'))
		n++;
	return n;
}

/* Compares one object literal's entries "NAME: INDEX, ..." (p just after
 * its '{') with layout l.  The mismatches, each said on stderr. */
static int compare_object(const struct layout *l, const char *p, const char *end, int *errors)
{
	int i = 0, bad = 0;

	for (;;) {
		size_t n;
		long v = 0;
		const char *name;
		int digits = 0;

		p = skip_space(p, end);
		if (p < end && *p == '}')
			break;
		name = p;
		n = ident(p, end);
		p = skip_space(p + n, end);
		if (!n || p >= end || *p != ':') {
			fprintf(stderr, "report.js %s: cannot read entry %d\n", l->js, i);
			return ++*errors, -1;
		}
		p = skip_space(p + 1, end);
		while (p < end && *p >= '0' && *p <= '9' && v < 100000) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits) {
			fprintf(stderr, "report.js %s.%.*s: not a number\n", l->js, (int)n, name);
			return ++*errors, -1;
		}
		if (n == 1 && name[0] == 'N') { /* the tuple's size */
			if (v != l->n) {
				fprintf(stderr,
				        "report.js %s.N is %ld, html_layout.h has %d fields\n",
				        l->js, v, l->n);
				bad++;
			}
		} else if (i >= l->n) {
			fprintf(stderr, "report.js %s.%.*s: not in html_layout.h\n", l->js, (int)n,
			        name);
			bad++;
			i++;
		} else {
			if (strlen(l->fields[i]) != n || memcmp(l->fields[i], name, n) != 0 ||
			    v != i) {
				fprintf(stderr,
				        "report.js %s.%.*s: %ld, html_layout.h position %d is %s\n",
				        l->js, (int)n, name, v, i, l->fields[i]);
				bad++;
			}
			i++;
		}
		p = skip_space(p, end);
		if (p < end && *p == ',')
			p++;
	}
	for (; i < l->n; i++) {
		fprintf(stderr, "report.js %s: lacks %s (position %d)\n", l->js, l->fields[i], i);
		bad++;
	}
	*errors += bad;
	return bad;
}

/* The mismatches between report.js's layout block in js and the tables
 * ls[0..nls). */
static int compare_block(const char *js, const struct layout *ls, size_t nls)
{
	const char *begin = strstr(js, "BEGIN ISLAND LAYOUT"), *end, *p;
	int seen[16] = {0}, errors = 0;
	size_t k;

	end = begin ? strstr(begin, "END ISLAND LAYOUT") : NULL;
	if (!begin || !end) {
		fprintf(stderr, "report.js: no ISLAND LAYOUT block\n");
		return 1;
	}
	for (p = begin; (p = strstr(p, "var ")) && p < end;) {
		size_t n;

		p += 4;
		n = ident(p, end);
		for (k = 0; k < nls; k++)
			if (strlen(ls[k].js) == n && !memcmp(ls[k].js, p, n))
				break;
		if (k == nls) {
			fprintf(stderr, "report.js: layout %.*s is not in html_layout.h\n", (int)n,
			        p);
			errors++;
			continue;
		}
		p = skip_space(p + n, end);
		if (p >= end || *p != '=' || !(p = strchr(p, '{')) || p >= end) {
			fprintf(stderr, "report.js: cannot read layout %s\n", ls[k].js);
			errors++;
			continue;
		}
		seen[k]++;
		compare_object(&ls[k], p + 1, end, &errors);
	}
	for (k = 0; k < nls; k++)
		if (seen[k] != 1) {
			fprintf(stderr, "report.js: layout %s declared %d times\n", ls[k].js,
			        seen[k]);
			errors++;
		}
	return errors;
}

static char *read_js(void)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/report/assets/report.js", tu_source_dir());
	return tu_read(path, NULL);
}

static void test_layout_matches_report_js(void)
{
	char *js = read_js();

	CHECK(js != NULL);
	if (!js)
		return;
	CHECK_INT(compare_block(js, layouts, NLAYOUTS), 0);
	free(js);
}

/* The comparison itself finds drift on either side. */
static void test_drift_is_found(void)
{
	static const char *const ev_plus[] = {HA_ISLAND_EVIDENCE(NAME_OF) "EXTRA"};
	struct layout c_side[NLAYOUTS];
	char *js = read_js(), *doctored, *at;
	const char *key = "LINE: 9 };";
	size_t k;

	CHECK(js != NULL);
	if (!js)
		return;
	/* a field in report.js only */
	at = strstr(js, key);
	CHECK(at != NULL);
	if (at) {
		doctored = ha_asprintf("%.*sLINE: 9, EXTRA: 10 };%s", (int)(at - js), js,
		                       at + strlen(key));
		CHECK(doctored != NULL);
		CHECK_INT(compare_block(doctored, layouts, NLAYOUTS), 1);
		free(doctored);
	}
	/* a field in C only */
	for (k = 0; k < NLAYOUTS; k++)
		c_side[k] = layouts[k];
	c_side[1].fields = ev_plus;
	c_side[1].n = E_N + 1;
	CHECK_INT(compare_block(js, c_side, NLAYOUTS), 1);
	/* two fields swapped in report.js */
	doctored = ha_strdup(js);
	CHECK(doctored != NULL);
	if (doctored && (at = strstr(doctored, "KEY: 3, NAME: 4")) != NULL) {
		memcpy(at, "NAME: 3, KEY: 4", 15);
		CHECK_INT(compare_block(doctored, layouts, NLAYOUTS), 2);
	} else {
		CHECK(0);
	}
	free(doctored);
	free(js);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_layout_matches_report_js),
	        CHECK_CASE(test_drift_is_found),
	};

	return check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
}
