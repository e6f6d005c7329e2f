/* cmd_remediate.c: `hiveaudit remediate`, .reg files from the evidence. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ha_report.h"
#include "ha_store.h"

static void remediate_usage(FILE *f)
{
	fprintf(f,
	        "usage: hiveaudit remediate [--db FILE] [--run N] [--quiet] --out DIR (HOST | "
	        "--all)\n\n"
	        "Writes DIR/<host>.reg for HOST (or every host with --all): the registry changes\n"
	        "its failing rules need, and nothing else.  Findings that are NOT_APPLICABLE or\n"
	        "UNKNOWN never produce changes.  Review the files before importing them.\n\n"
	        "Options:\n"
	        "      --db FILE   the store (default ./" HA_DEFAULT_OUT "/audit.db)\n"
	        "      --run N     which run (default the newest complete run; a failed or\n"
	        "                  interrupted run is used only when named)\n"
	        "  -o, --out DIR   where to write the .reg files (required)\n"
	        "      --all       every host that has something to remediate\n"
	        "  -q, --quiet     do not say which run is used\n"
	        "  -h, --help      this help\n\n"
	        "Each file names in a comment the host, its folder and computer name, the run,\n"
	        "and the SHA-256 of the hives its evidence was read from.\n\n"
	        "Exit codes: 0 written (or nothing to do); 2 usage error, no such host or run,\n"
	        "no complete run; 3 the store or an output could not be used.\n");
}

struct host_ref {
	int64_t id;
	char *label;
	char *dir;
};

struct rctx {
	struct host_ref *v;
	size_t n;
	int nomem;
};

static int collect(void *ctx, const struct ha_host_row *h)
{
	struct rctx *c = ctx;
	struct host_ref *v = realloc(c->v, (c->n + 1) * sizeof *v);

	if (!v) {
		c->nomem = 1;
		return HA_ERR_NOMEM;
	}
	c->v = v;
	v[c->n].id = h->host_id;
	v[c->n].label = ha_strdup(h->label);
	v[c->n].dir = ha_strdup(h->dir);
	if (!v[c->n].label || !v[c->n].dir)
		c->nomem = 1;
	c->n++;
	return c->nomem ? HA_ERR_NOMEM : 0;
}

/* A file name from a host label, which comes from a folder name and so
 * from the collection: keep it to a safe alphabet. */
static char *safe_name(const char *label, size_t i, int many)
{
	struct ha_buf b;
	const char *p;

	ha_buf_init(&b, 4096);
	for (p = label; *p; p++) {
		char ch = *p;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.')
			ha_buf_putc(&b, ch);
		else
			ha_buf_putc(&b, '_');
	}
	if (!b.len || b.data[0] == '.')
		ha_buf_puts(&b, "host");
	if (many)
		ha_buf_printf(&b, "-%zu", i + 1);
	return ha_buf_detach(&b, NULL);
}

int cmd_remediate(int argc, char **argv)
{
	static const struct option opts[] = {
	        CLI_SOURCE_OPTIONS,
	        {"out", required_argument, NULL, 'o'},
	        {"all", no_argument, NULL, 'A'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *out = NULL, *host = NULL;
	struct cli_source src;
	struct ha_store *st = NULL;
	struct ha_err err;
	struct rctx c = {0};
	int64_t run_id = 0;
	int opt, all = 0, rc, code = HA_EXIT_OK;
	size_t i, written = 0;

	ha_err_clear(&err);
	cli_source_init(&src);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		int mine = cli_source_option(&src, "remediate", opt, optarg);

		if (mine < 0)
			return HA_EXIT_USAGE;
		if (mine)
			continue;
		switch (opt) {
		case 'o': out = optarg; break;
		case 'A': all = 1; break;
		case 'h': remediate_usage(stdout); return HA_EXIT_OK;
		default: remediate_usage(stderr); return HA_EXIT_USAGE;
		}
	}
	if (optind < argc)
		host = argv[optind++];
	if (optind < argc || (!host && !all) || (host && all) || !out) {
		cli_error("remediate", "give --out DIR and either one HOST or --all");
		return HA_EXIT_USAGE;
	}
	rc = cli_source_open(&src, &err);
	st = src.st;
	run_id = src.run.id;
	if (!rc)
		rc = cli_mkdirs(out, &err);
	if (!rc)
		rc = ha_store_each_host(st, run_id, host, collect, &c, &err);
	if (!rc && c.nomem)
		rc = ha_err_nomem(&err);
	if (!rc && host && !c.n) {
		cli_error("remediate", "no host '%s' in run %lld of %s", host, (long long)run_id,
		          src.db);
		code = HA_EXIT_USAGE;
	}
	for (i = 0; !rc && i < c.n; i++) {
		struct ha_buf reg;
		struct ha_out o;
		char *name, *path;
		int same = 0;
		size_t j;

		for (j = 0; j < c.n; j++)
			same += strcmp(c.v[j].label, c.v[i].label) == 0;
		ha_buf_init(&reg, 1 << 20);
		rc = ha_report_remediation(st, run_id, c.v[i].id, &reg, &err);
		if (rc == HA_ERR_NOTFOUND) {
			rc = HA_OK;
			ha_err_clear(&err);
			if (host)
				printf("%s: nothing to remediate\n", c.v[i].label);
			ha_buf_free(&reg);
			continue;
		}
		name = safe_name(c.v[i].label, i, same > 1);
		path = name ? ha_asprintf("%s/%s.reg", out, name) : NULL;
		if (!rc && !path)
			rc = ha_err_nomem(&err);
		if (!rc)
			rc = ha_out_open(&o, path, &err);
		if (!rc) {
			rc = ha_out_write(&o, &reg, &err);
			if (!rc)
				rc = ha_out_commit(&o, &err);
			else
				ha_out_abort(&o);
		}
		if (!rc) {
			written++;
			printf("%s\n", path);
		}
		free(name);
		free(path);
		ha_buf_free(&reg);
	}
	if (rc) {
		code = cli_fail("remediate", &err);
	} else {
		if (all && !written)
			printf("nothing to remediate\n");
		if (code == HA_EXIT_OK) {
			fflush(stdout);
			cli_source_say(&src, "remediate");
		}
	}
	for (i = 0; i < c.n; i++) {
		free(c.v[i].label);
		free(c.v[i].dir);
	}
	free(c.v);
	cli_source_close(&src);
	return code;
}
