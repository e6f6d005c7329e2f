/* testutil.c: see testutil.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

char *tu_tempdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&p, "%s/ha-%s-XXXXXX", base, tag) < 0)
		return NULL;
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		chmod(path, 0755), rmdir(path);
	else
		unlink(path);
	return 0;
}

void tu_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS);
}

static int mkparents(const char *path)
{
	char *p = strdup(path), *q;

	if (!p)
		return -1;
	for (q = p + 1; *q; q++) {
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0755) && errno != EEXIST) {
				free(p);
				return -1;
			}
			*q = '/';
		}
	}
	free(p);
	return 0;
}

int tu_write(const char *path, const void *data, size_t len)
{
	FILE *f;
	int rc;

	if (mkparents(path))
		return -1;
	f = fopen(path, "wb");
	if (!f)
		return -1;
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	if (fclose(f))
		rc = -1;
	return rc;
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536 * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int tu_copy(const char *from, const char *to)
{
	size_t n;
	char *d = tu_read(from, &n);
	int rc;

	if (!d)
		return -1;
	rc = tu_write(to, d, n);
	free(d);
	return rc;
}

int tu_run(char *const argv[], const char *const *env, char **out, char **err)
{
	char *dir = tu_tempdir("run"), opath[4096], epath[4096];
	int status = -1;
	pid_t pid;

	if (!dir)
		return -1;
	snprintf(opath, sizeof opath, "%s/out", dir);
	snprintf(epath, sizeof epath, "%s/err", dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		for (; env && *env; env++)
			putenv((char *)*env);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (out)
		*out = tu_read(opath, NULL);
	if (err)
		*err = tu_read(epath, NULL);
	tu_rmtree(dir);
	free(dir);
	return status;
}

int tu_csv_parse(const char *s, struct tu_csv *c)
{
	size_t cap = 0;
	char *field = NULL;
	size_t flen = 0, fcap = 0;

	memset(c, 0, sizeof *c);
	while (*s) {
		char **row = NULL;
		size_t nf = 0;

		for (;;) {
			flen = 0;
			if (*s == '"') {
				s++;
				for (;;) {
					if (!*s) {
						free(field);
						tu_csv_free(c);
						return -1;
					}
					if (*s == '"' && s[1] == '"')
						s++;
					else if (*s == '"') {
						s++;
						break;
					}
					if (flen + 2 > fcap)
						field = realloc(field,
						                fcap = fcap ? fcap * 2 : 256);
					field[flen++] = *s++;
				}
			} else {
				while (*s && *s != ',' && *s != '\r' && *s != '\n') {
					if (flen + 2 > fcap)
						field = realloc(field,
						                fcap = fcap ? fcap * 2 : 256);
					field[flen++] = *s++;
				}
			}
			if (flen + 1 > fcap)
				field = realloc(field, fcap = fcap ? fcap * 2 : 256);
			field[flen] = '\0';
			row = realloc(row, (nf + 1) * sizeof *row);
			row[nf++] = strdup(field);
			if (*s == ',') {
				s++;
				continue;
			}
			break;
		}
		if (*s == '\r')
			s++;
		if (*s == '\n')
			s++;
		if (c->nrows == cap) {
			cap = cap ? cap * 2 : 64;
			c->rows = realloc(c->rows, cap * sizeof *c->rows);
			c->nfields = realloc(c->nfields, cap * sizeof *c->nfields);
		}
		c->rows[c->nrows] = row;
		c->nfields[c->nrows++] = nf;
	}
	free(field);
	return 0;
}

void tu_csv_free(struct tu_csv *c)
{
	size_t i, j;

	for (i = 0; i < c->nrows; i++) {
		for (j = 0; j < c->nfields[i]; j++)
			free(c->rows[i][j]);
		free(c->rows[i]);
	}
	free(c->rows);
	free(c->nfields);
	memset(c, 0, sizeof *c);
}

int tu_csv_col(const struct tu_csv *c, const char *name)
{
	size_t j;

	if (!c->nrows)
		return -1;
	for (j = 0; j < c->nfields[0]; j++)
		if (!strcmp(c->rows[0][j], name))
			return (int)j;
	return -1;
}

const char *tu_source_dir(void)
{
	return HA_TEST_SOURCE_DIR;
}
const char *tu_binary_dir(void)
{
	return HA_TEST_BINARY_DIR;
}
const char *tu_hiveaudit(void)
{
	return HA_TEST_BINARY_DIR "/hiveaudit";
}

const char *tu_corpus_dir(void)
{
	static char path[4096];
	struct stat st;
	const char *env = getenv("HIVEAUDIT_CORPUS");

	snprintf(path, sizeof path, "%s", env && *env ? env : HA_TEST_CORPUS_DIR);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return path;
}

char *tu_corpus_file(const char *rel, const char *dir)
{
	const char *c = tu_corpus_dir();
	char *out, *cmd;
	int rc;

	if (!c)
		return NULL;
	if (asprintf(&out, "%s/%s", dir, rel) < 0)
		return NULL;
	if (mkparents(out) ||
	    asprintf(&cmd, "xz -dc '%s/%s.xz' > '%s' 2>/dev/null", c, rel, out) < 0) {
		free(out);
		return NULL;
	}
	rc = system(cmd);
	free(cmd);
	if (rc != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int tu_run_in_samples(char **out, char **err, ...)
{
	char *argv[32], cwd[4096], samples[4096];
	va_list ap;
	int n = 0, rc;

	argv[n++] = (char *)tu_hiveaudit();
	va_start(ap, err);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (!getcwd(cwd, sizeof cwd))
		return -1;
	snprintf(samples, sizeof samples, "%s/samples", tu_source_dir());
	if (chdir(samples) != 0)
		return -1;
	rc = tu_run(argv, NULL, out, err);
	if (chdir(cwd) != 0)
		return -1;
	return rc;
}

const char tu_store_undo_to_v1[] =
        /* 6: the container a hive was read from */
        "ALTER TABLE hives DROP COLUMN container;"
        "ALTER TABLE hives DROP COLUMN container_sha256;"
        "ALTER TABLE hives DROP COLUMN inner_path;"
        "ALTER TABLE hives DROP COLUMN container_dev;"
        "ALTER TABLE hives DROP COLUMN container_ino;"
        "ALTER TABLE hives DROP COLUMN container_size;"
        "ALTER TABLE hives DROP COLUMN container_mtime_ns;"
        "ALTER TABLE hives DROP COLUMN container_ctime_ns;"
        /* 5: waivers */
        "DROP VIEW v_waived_findings; DROP VIEW v_waivers;"
        "DROP TABLE waived_findings; DROP TABLE waivers;"
        "ALTER TABLE hosts DROP COLUMN waived_reason;"
        "ALTER TABLE hosts DROP COLUMN waived_verdict;"
        /* 4: the shard of a run */
        "ALTER TABLE runs DROP COLUMN shard;"
        /* 3: hive file identity */
        "ALTER TABLE hives DROP COLUMN dev;"
        "ALTER TABLE hives DROP COLUMN ino;"
        "ALTER TABLE hives DROP COLUMN ctime_ns;"
        /* 2: the view of the newest run, whatever its status */
        "DROP VIEW v_latest_findings;"
        "CREATE VIEW v_latest_findings AS"
        "  SELECT * FROM v_findings WHERE run_id = (SELECT max(run_id) FROM runs);"
        "PRAGMA user_version = 1;";
