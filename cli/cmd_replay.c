/* cmd_replay.c: `hiveaudit replay`, a dirty hive and its transaction logs
 * in, the recovered hive out as a file, for tools that cannot replay logs
 * themselves.  The evidence files are only read; the output is written to a
 * temporary name beside it and renamed, so it is either whole or absent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ha_ingest.h"

/* Exit statuses of this verb (its --help and README.md say the same). */
enum {
	REPLAY_WRITTEN = 0,
	REPLAY_CLEAN = 1,    /* the hive is clean: nothing to replay, nothing written */
	REPLAY_USAGE = HA_EXIT_USAGE,
	REPLAY_REFUSED = HA_EXIT_ERROR, /* no log applies, a log is hostile, OUT unwritable */
};

static void replay_usage(FILE *f)
{
	fprintf(f,
		"usage: hiveaudit replay [--help] HIVE [LOG...] -o OUT\n\n"
		"Replays the transaction logs of a dirty hive (old-format .LOG or new-format\n"
		".LOG1/.LOG2) into a copy of it and writes the recovered hive to OUT, with a\n"
		"fresh base block (sequence numbers equal, checksum recomputed).  HIVE and the\n"
		"logs are only read.  Without LOG arguments, HIVE.LOG, HIVE.LOG1 and HIVE.LOG2\n"
		"beside it are used, in any letter case.  The result is opened with the registry\n"
		"reader before it is written.\n\n"
		"Options:\n"
		"  -o, --out OUT   the file to write (replaced atomically; never HIVE or a log)\n"
		"  -h, --help      this help\n\n"
		"Exit codes: 0 written; 1 the hive is clean, nothing to replay (nothing written);\n"
		"2 usage error; 3 the logs were refused (the reason is printed) or OUT could not\n"
		"be written.\n");
}

/* The logs beside `hive`: its name plus .LOG, .LOG1 or .LOG2, any case,
 * sorted by name so messages are stable. */
static int find_logs(const char *hive, char ***out, size_t *n, struct ha_err *err)
{
	const char *slash = strrchr(hive, '/');
	const char *base = slash ? slash + 1 : hive;
	char *dir = slash ? ha_strndup(hive, slash == hive ? 1 : (size_t)(slash - hive))
			  : ha_strdup(".");
	size_t blen = strlen(base), i, j;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (!dir)
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	d = opendir(dir);
	if (!d) {
		int e = errno;

		free(dir);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot list the folder of '%s'", hive);
	}
	while ((de = readdir(d)) != NULL && *n < HA_REPLAY_MAX_LOGS) {
		const char *nm = de->d_name, *ext;
		char **v;

		if (strlen(nm) <= blen || ha_ascii_ncasecmp(nm, base, blen) != 0)
			continue;
		ext = nm + blen;
		if (!ha_ascii_caseeq(ext, ".LOG") && !ha_ascii_caseeq(ext, ".LOG1") &&
		    !ha_ascii_caseeq(ext, ".LOG2"))
			continue;
		v = realloc(*out, (*n + 1) * sizeof *v);
		if (!v)
			break;
		*out = v;
		v[*n] = ha_asprintf("%s/%s", dir, nm);
		if (!v[*n])
			break;
		(*n)++;
	}
	closedir(d);
	free(dir);
	if (de) {
		for (i = 0; i < *n; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	}
	for (i = 1; i < *n; i++)
		for (j = i; j > 0 && strcmp((*out)[j - 1], (*out)[j]) > 0; j--) {
			char *t = (*out)[j];

			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return HA_OK;
}

/* OUT must not be one of the evidence files. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int write_atomic(const char *out, const uint8_t *p, size_t n, struct ha_err *err)
{
	char *tmp = ha_asprintf("%s.tmp.XXXXXX", out);
	size_t done = 0;
	int fd, e;
	mode_t um;

	if (!tmp)
		return ha_err_set(err, HA_ERR_NOMEM, "out of memory");
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot write '%s'", out);
	}
	um = umask(0);
	umask(um);
	errno = 0;
	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	e = done < n ? (errno ? errno : ENOSPC) : 0;
	if (!e && (fchmod(fd, 0644 & ~um) != 0 || fsync(fd) != 0))
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, out) != 0)
		e = errno;
	if (e) {
		unlink(tmp);
		free(tmp);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot write '%s'", out);
	}
	free(tmp);
	return HA_OK;
}

/* A line on stdout; names come from the collection and are escaped. */
static void say(const char *fmt, ...) HA_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
	struct ha_buf b, clean;
	va_list ap;

	ha_buf_init(&b, 1 << 16);
	ha_buf_init(&clean, 1 << 17);
	va_start(ap, fmt);
	ha_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ha_escape_terminal(&clean, ha_buf_cstr(&b));
	printf("hiveaudit replay: %s\n", ha_buf_cstr(&clean));
	ha_buf_free(&b);
	ha_buf_free(&clean);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ha_replay_log logs[HA_REPLAY_MAX_LOGS];
	struct ha_replay_result res;
	const char *out = NULL, *hive;
	char **found = NULL, *hive_real = NULL;
	uint8_t *hdata = NULL, *ldata[HA_REPLAY_MAX_LOGS] = {NULL};
	size_t hsize = 0, nlogs = 0, nfound = 0, i;
	struct ha_err err;
	char why[512];
	int opt, rc, code = REPLAY_REFUSED;

	ha_err_clear(&err);
	memset(&res, 0, sizeof res);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'h': replay_usage(stdout); return HA_EXIT_OK;
		default: replay_usage(stderr); return REPLAY_USAGE;
		}
	}
	if (optind >= argc || !out) {
		cli_error("replay", "%s (try 'hiveaudit replay --help')",
			  optind >= argc ? "no HIVE given" : "no output file given (-o OUT)");
		return REPLAY_USAGE;
	}
	if ((size_t)(argc - optind - 1) > HA_REPLAY_MAX_LOGS) {
		cli_error("replay", "at most %d logs can be given", HA_REPLAY_MAX_LOGS);
		return REPLAY_USAGE;
	}
	hive = argv[optind];
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (same_file(out, argv[i])) {
			cli_error("replay",
				  "'%s' is an input; the evidence files are never written", out);
			return REPLAY_USAGE;
		}
	}

	/* The evidence may be reached through a link; its target is read. */
	hive_real = realpath(hive, NULL);
	if (!hive_real) {
		cli_error("replay", "cannot open '%s': %s", hive, strerror(errno));
		return REPLAY_USAGE;
	}
	rc = ha_replay_read_log(hive_real, HA_REPLAY_MAX_HIVE, &hdata, &hsize, &err);
	if (rc) {
		cli_error("replay", "'%s': %s", hive, err.msg);
		code = rc == HA_ERR_IO ? REPLAY_USAGE : REPLAY_REFUSED;
		goto done;
	}
	if (optind + 1 < argc) {
		for (i = (size_t)optind + 1; i < (size_t)argc; i++) {
			char *real = realpath(argv[i], NULL);

			rc = real ? ha_replay_read_log(real, 0, &ldata[nlogs], &logs[nlogs].size,
						       &err)
				  : ha_err_sys(&err, HA_ERR_IO, errno, "cannot open");
			free(real);
			if (rc) {
				cli_error("replay", "'%s': %s", argv[i], err.msg);
				code = rc == HA_ERR_LIMIT ? REPLAY_REFUSED : REPLAY_USAGE;
				goto done;
			}
			logs[nlogs].name = base_name(argv[i]);
			logs[nlogs].data = ldata[nlogs];
			nlogs++;
		}
	} else {
		rc = find_logs(hive_real, &found, &nfound, &err);
		if (rc) {
			cli_error("replay", "%s", err.msg);
			goto done;
		}
		for (i = 0; i < nfound; i++) {
			rc = ha_replay_read_log(found[i], 0, &ldata[nlogs], &logs[nlogs].size,
						&err);
			if (rc) {
				cli_error("replay", "'%s': %s", found[i], err.msg);
				goto done;
			}
			logs[nlogs].name = base_name(found[i]);
			logs[nlogs].data = ldata[nlogs];
			nlogs++;
		}
	}

	rc = ha_replay(hdata, hsize, logs, nlogs, NULL, &res, &err);
	if (rc == HA_ERR_NOTFOUND) {
		say("%s: %s; nothing written", hive, err.msg);
		code = REPLAY_CLEAN;
		goto done;
	}
	if (rc) {
		cli_error("replay", "'%s': cannot replay: %s", hive, err.msg);
		goto done;
	}
	rc = ha_replay_validate(res.image, res.size, why, sizeof why);
	if (rc) {
		cli_error("replay", "'%s': the replayed hive does not open: %s", hive, why);
		goto done;
	}
	rc = write_atomic(out, res.image, res.size, &err);
	if (rc) {
		cli_error("replay", "%s", err.msg);
		goto done;
	}
	say("wrote %s: %s", out, res.summary);
	code = REPLAY_WRITTEN;
done:
	ha_replay_result_free(&res);
	for (i = 0; i < nlogs; i++)
		free(ldata[i]);
	for (i = 0; i < nfound; i++)
		free(found[i]);
	free(found);
	free(hdata);
	free(hive_real);
	return code;
}
