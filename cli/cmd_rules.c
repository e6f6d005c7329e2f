/* cmd_rules.c: `hiveaudit rules`, and the rule options every verb shares. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_rules.h"

int cli_rules_add_file(struct cli_rules_opts *o, const char *path)
{
	char **v = realloc(o->files, (o->nfiles + 1) * sizeof *v);

	if (!v)
		return HA_ERR_NOMEM;
	o->files = v;
	v[o->nfiles] = ha_strdup(path);
	if (!v[o->nfiles])
		return HA_ERR_NOMEM;
	o->nfiles++;
	return HA_OK;
}

void cli_rules_free(struct cli_rules_opts *o)
{
	size_t i;

	for (i = 0; i < o->nfiles; i++)
		free(o->files[i]);
	free(o->files);
	memset(o, 0, sizeof *o);
}

int cli_rules_load(const struct cli_rules_opts *o, struct ha_ruleset **out, struct ha_err *err)
{
	struct ha_ruleset *rs;
	size_t i;
	int rc = ha_rules_new(&rs, err);

	*out = NULL;
	if (rc)
		return rc;
	if (!o->no_builtin)
		rc = ha_rules_load_builtin(rs, err);
	for (i = 0; !rc && i < o->nfiles; i++)
		rc = ha_rules_load_file(rs, o->files[i], HA_RULES_ADD, err);
	if (!rc && ha_rules_count(rs) == 0)
		rc = ha_err_set(err, HA_ERR_USAGE, "no rules loaded");
	if (rc) {
		ha_rules_free(rs);
		return rc;
	}
	*out = rs;
	return HA_OK;
}

static void rules_usage(FILE *f)
{
	fprintf(f,
	        "usage: hiveaudit rules [--rules FILE]... [--no-builtin] [--long]\n"
	        "       hiveaudit rules --check FILE\n\n"
	        "Lists the rules a scan would apply: the built-in TLS 1.2 pack and any rule files\n"
	        "given with --rules (a rule whose id is already loaded replaces it).  --check\n"
	        "validates one rule file without scanning anything.\n\n"
	        "Options:\n"
	        "      --rules FILE   load a rule file too (may be repeated)\n"
	        "      --no-builtin   leave out the built-in pack\n"
	        "      --check FILE   only validate FILE (on top of the built-in pack unless\n"
	        "                     --no-builtin) and report the number of rules it holds\n"
	        "  -l, --long         also print source, applicability and remediation\n"
	        "  -h, --help         this help\n\n"
	        "Exit codes: 0 the rules loaded; 2 usage error or invalid rule file.\n");
}

int cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"rules", required_argument, NULL, 'r'}, {"no-builtin", no_argument, NULL, 'B'},
	        {"check", required_argument, NULL, 'c'}, {"long", no_argument, NULL, 'l'},
	        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	struct cli_rules_opts ro = {0};
	struct ha_ruleset *rs = NULL;
	const char *check = NULL;
	struct ha_err err;
	int opt, lng = 0, code = HA_EXIT_OK;
	size_t i;

	ha_err_clear(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (cli_rules_add_file(&ro, optarg)) {
				cli_error("rules", "out of memory");
				code = HA_EXIT_ERROR;
				goto done;
			}
			break;
		case 'B': ro.no_builtin = 1; break;
		case 'c': check = optarg; break;
		case 'l': lng = 1; break;
		case 'h': rules_usage(stdout); goto done;
		default:
			rules_usage(stderr);
			code = HA_EXIT_USAGE;
			goto done;
		}
	}
	if (optind < argc) {
		cli_error("rules", "unexpected argument '%s'", argv[optind]);
		code = HA_EXIT_USAGE;
		goto done;
	}
	if (check) {
		/* Validated as a scan would load it: on top of the built-in pack
		 * (whose tables and certificate stores it may use) unless
		 * --no-builtin. */
		size_t mine = 0;

		if (ha_rules_new(&rs, &err) ||
		    (!ro.no_builtin && ha_rules_load_builtin(rs, &err)) ||
		    ha_rules_load_file(rs, check, HA_RULES_ADD, &err)) {
			code = cli_fail("rules", &err);
			goto done;
		}
		for (i = 0; i < ha_rules_count(rs); i++)
			mine += strcmp(ha_rules_info(rs, i)->origin, check) == 0;
		printf("%s: valid, %zu rule%s\n", check, mine, mine == 1 ? "" : "s");
		goto done;
	}
	if (cli_rules_load(&ro, &rs, &err)) {
		code = cli_fail("rules", &err);
		goto done;
	}
	for (i = 0; i < ha_rules_count(rs); i++) {
		const struct ha_rule_info *r = ha_rules_info(rs, i);

		printf("%-28s %-8s %-9s %s\n", r->id, r->severity, r->category, r->title);
		if (lng) {
			printf("    applies:     %s\n    source:      %s\n    remediation: %s\n"
			       "    from:        %s\n",
			       r->applies, r->source, r->remedy, r->origin);
			if (*r->reg) {
				const char *p = r->reg;

				printf("    .reg:\n");
				while (*p) {
					size_t n = strcspn(p, "\n");

					printf("        %.*s\n", (int)n, p);
					p += n;
					if (*p == '\n')
						p++;
				}
			}
			printf("\n");
		}
	}
done:
	ha_rules_free(rs);
	cli_rules_free(&ro);
	return code;
}
