/* passwords.c: the passwords `scan` tries on encrypted containers.
 *
 * From --password PW (repeatable), --password-file FILE (one password per
 * line; CR LF or LF; blank lines ignored) and the environment variable
 * HIVEAUDIT_PASSWORD, in that order.  A password on the command line is
 * visible to other users of the machine (ps); the file or the environment
 * is the way for real cases.  The file is read whole, at most 1 MiB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_passwords.h"
#include "ha_ingest.h"

#define MAX_FILE ((size_t)1 << 20)

static int add(struct cli_passwords *p, const char *s, size_t n)
{
	char **v = realloc(p->v, (p->n + 1) * sizeof *v);

	if (!v)
		return HA_ERR_NOMEM;
	p->v = v;
	v[p->n] = ha_strndup(s, n);
	if (!v[p->n])
		return HA_ERR_NOMEM;
	p->n++;
	return HA_OK;
}

int cli_passwords_add(struct cli_passwords *p, const char *pw, struct ha_err *err)
{
	return add(p, pw, strlen(pw)) ? ha_err_nomem(err) : HA_OK;
}

int cli_passwords_file(struct cli_passwords *p, const char *path, struct ha_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n, i, start;

	if (!f)
		return ha_err_sys(err, HA_ERR_USAGE, errno, "--password-file %s", path);
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return ha_err_nomem(err);
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f) || n > MAX_FILE) {
		int e = ferror(f);

		fclose(f);
		free(buf);
		return e ? ha_err_set(err, HA_ERR_USAGE, "--password-file %s: read error", path)
		         : ha_err_set(err, HA_ERR_USAGE, "--password-file %s: larger than 1 MiB",
		                      path);
	}
	fclose(f);
	for (start = i = 0; i <= n; i++) {
		if (i < n && buf[i] != '\n')
			continue;
		{
			size_t len = i - start;

			if (len && buf[start + len - 1] == '\r')
				len--;
			if (len && add(p, buf + start, len)) {
				free(buf);
				return ha_err_nomem(err);
			}
		}
		start = i + 1;
	}
	memset(buf, 0, n);
	free(buf);
	return HA_OK;
}

int cli_passwords_env(struct cli_passwords *p, struct ha_err *err)
{
	const char *env = getenv("HIVEAUDIT_PASSWORD");

	if (env && *env && add(p, env, strlen(env)))
		return ha_err_nomem(err);
	return HA_OK;
}

void cli_passwords_free(struct cli_passwords *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		memset(p->v[i], 0, strlen(p->v[i]));
		free(p->v[i]);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
