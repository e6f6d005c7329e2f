/* cmd_replay.c: `hiveaudit replay`, a dirty hive and its transaction logs
 * in, the recovered hive out as a file, for tools that cannot replay logs
 * themselves.  The evidence files are only read: an OUT that is, or links
 * to, the hive or any of its logs is refused, and so is an OUT that would
 * replace another hive or log of the collection.  The output is written with
 * ha_atomic_write_file(), so it is either whole or absent. */
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
	REPLAY_CLEAN = 1, /* the hive is clean: nothing to replay, nothing written */
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
	        "  -o, --out OUT   the file to write (replaced atomically); refused when it is,\n"
	        "                  or links to, HIVE, a named log or a log beside HIVE, or is\n"
	        "                  named as one of HIVE's logs in its folder; refused too when\n"
	        "                  it already holds a hive or a log (by its signature), or is\n"
	        "                  named as a log of another hive beside it\n"
	        "  -h, --help      this help\n\n"
	        "Exit codes: 0 written; 1 the hive is clean, nothing to replay (nothing written);\n"
	        "2 usage error; 3 the logs were refused (the reason is printed) or OUT could not\n"
	        "be written.\n");
}

/* An input of this replay, for the check that OUT is none of them. */
struct input {
	const char *path;
	const char *what; /* "the hive", "a log found beside the hive", ... */
};

static int same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static char *dir_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? ha_strndup(p, s == p ? 1 : (size_t)(s - p)) : ha_strdup(".");
}

/* Whether OUT is, or links to, one of the evidence files: the same file
 * (OUT itself, or what a symbolic link at OUT points to, shares the device
 * and inode of an input: a hard link, a symlink, another path), or a name
 * in the hive's folder that is the hive's or one of its log names (writing
 * it would plant a log a later scan reads).  On a match *why says which
 * input. */
static int out_is_input(const char *out, const char *const *hives, size_t nhives,
                        const struct input *in, size_t nin, const char **why)
{
	struct stat so, lo, si, dout, dh;
	int have_so, have_lo;
	const char *obase = strrchr(out, '/');
	char *odir;
	size_t i;

	obase = obase && obase[1] ? obase + 1 : out;
	have_so = stat(out, &so) == 0;
	have_lo = lstat(out, &lo) == 0;
	for (i = 0; i < nin; i++) {
		if (stat(in[i].path, &si) != 0)
			continue;
		if ((have_so && same_inode(&so, &si)) || (have_lo && same_inode(&lo, &si))) {
			*why = in[i].what;
			return 1;
		}
	}
	odir = dir_of(out);
	if (!odir) {
		*why = "not checked (out of memory), so it is not written";
		return 1;
	}
	if (stat(odir, &dout) != 0) {
		free(odir);
		return 0; /* no such folder: the write fails and says so */
	}
	free(odir);
	for (i = 0; i < nhives; i++) {
		const char *hbase = strrchr(hives[i], '/');
		char *hdir = dir_of(hives[i]);
		int same_dir;

		if (!hdir) {
			*why = "not checked (out of memory), so it is not written";
			return 1;
		}
		same_dir = stat(hdir, &dh) == 0 && same_inode(&dh, &dout);
		free(hdir);
		hbase = hbase ? hbase + 1 : hives[i];
		if (!same_dir)
			continue;
		if (ha_ascii_caseeq(obase, hbase)) {
			*why = "the hive's own name";
			return 1;
		}
		if (ha_log_name_of(obase, hbase)) {
			*why = "a log name of the hive, in its folder";
			return 1;
		}
	}
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

/* Whether the file at `path` starts as a hive or a transaction log does:
 * "regf" at 0 (a hive, a log's base block), "HvLE" (a new-format log entry)
 * or "DIRT" (an old-format log's dirty vector) at 0 or 512.  Only regular
 * files are opened, so a FIFO at OUT cannot block the check. */
static int looks_like_hive_file(const char *path)
{
	unsigned char b[516];
	struct stat st;
	ssize_t n;
	int fd, hit;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	n = pread(fd, b, sizeof b, 0);
	close(fd);
	if (n < 4)
		return 0;
	hit = memcmp(b, "regf", 4) == 0 || memcmp(b, "HvLE", 4) == 0 || memcmp(b, "DIRT", 4) == 0;
	if (n >= 516)
		hit = hit || memcmp(b + 512, "HvLE", 4) == 0 || memcmp(b + 512, "DIRT", 4) == 0;
	return hit;
}

/* Whether writing OUT could replace a hive or a log that is not this
 * replay's (another hive of the collection, its logs): OUT holds a hive's
 * or a log's signature, or OUT is named as a log ("X.LOG", ".LOG1",
 * ".LOG2") of a hive file X beside it (a later scan would read it as X's
 * log).  On a match `what` (len bytes) says which. */
static int out_is_hive_file(const char *out, char *what, size_t len)
{
	const char *obase = base_name(out);
	size_t olen = ha_log_owner_len(obase);
	struct dirent *de;
	char *odir;
	DIR *d;
	int hit = 0;

	if (looks_like_hive_file(out)) {
		snprintf(what, len, "an existing hive or transaction log (by its signature)");
		return 1;
	}
	if (!olen)
		return 0;
	odir = dir_of(out);
	d = odir ? opendir(odir) : NULL;
	while (d && !hit && (de = readdir(d)) != NULL) {
		struct ha_buf p;

		if (strlen(de->d_name) != olen || ha_ascii_ncasecmp(de->d_name, obase, olen) != 0)
			continue;
		ha_buf_init(&p, PATH_MAX);
		ha_buf_printf(&p, "%s/%s", odir, de->d_name);
		if (ha_buf_status(&p) == HA_OK && looks_like_hive_file(ha_buf_cstr(&p))) {
			snprintf(what, len, "a log name of the hive '%s' beside it", de->d_name);
			hit = 1;
		}
		ha_buf_free(&p);
	}
	if (d)
		closedir(d);
	free(odir);
	return hit;
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

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"out", required_argument, NULL, 'o'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct ha_replay_log logs[HA_REPLAY_MAX_LOGS];
	struct ha_replay_result res;
	const char *out = NULL, *hive, *hives[2], *what = NULL;
	char **found = NULL, **found_given = NULL, *hive_real = NULL;
	uint8_t *hdata = NULL, *ldata[HA_REPLAY_MAX_LOGS] = {NULL};
	size_t hsize = 0, nlogs = 0, nfound = 0, nfound_given = 0, nin = 0, i;
	struct input *in = NULL;
	struct ha_err err;
	char taken[200]; /* what an OUT that is another hive's file is */
	int opt, rc, code = REPLAY_REFUSED, named;

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
	named = optind + 1 < argc;

	/* The evidence may be reached through a link; its target is read. */
	hive_real = realpath(hive, NULL);
	if (!hive_real) {
		cli_error("replay", "cannot open '%s': %s", hive, strerror(errno));
		return REPLAY_USAGE;
	}
	/* Every file this replay reads or would read is evidence: the hive,
	 * the named logs, and the logs beside the hive (read when none are
	 * named), beside the path given and beside its target. */
	rc = ha_logs_beside(hive_real, &found, &nfound, &err);
	if (!rc && strcmp(hive, hive_real) != 0)
		rc = ha_logs_beside(hive, &found_given, &nfound_given, &err);
	if (rc) {
		cli_error("replay", "%s", err.msg);
		code = rc == HA_ERR_NOMEM ? REPLAY_REFUSED : REPLAY_USAGE;
		goto done;
	}
	in = calloc(2 + (size_t)argc + nfound + nfound_given, sizeof *in);
	if (!in) {
		cli_error("replay", "out of memory");
		goto done;
	}
	in[nin++] = (struct input){hive, "the hive"};
	in[nin++] = (struct input){hive_real, "the hive"};
	for (i = (size_t)optind + 1; i < (size_t)argc; i++)
		in[nin++] = (struct input){argv[i], "a log named on the command line"};
	for (i = 0; i < nfound; i++)
		in[nin++] = (struct input){found[i], "a log found beside the hive"};
	for (i = 0; i < nfound_given; i++)
		in[nin++] = (struct input){found_given[i], "a log found beside the hive"};
	hives[0] = hive;
	hives[1] = hive_real;
	if (out_is_input(out, hives, 2, in, nin, &what)) {
		cli_error("replay", "'%s' is %s; the evidence files are never written", out, what);
		code = REPLAY_USAGE;
		goto done;
	}
	if (out_is_hive_file(out, taken, sizeof taken)) {
		cli_error("replay", "'%s' is %s; replay never writes over a hive or a log", out,
		          taken);
		code = REPLAY_USAGE;
		goto done;
	}

	rc = ha_replay_read_log(hive_real, HA_REPLAY_MAX_HIVE, &hdata, &hsize, &err);
	if (rc) {
		cli_error("replay", "'%s': %s", hive, err.msg);
		code = rc == HA_ERR_IO ? REPLAY_USAGE : REPLAY_REFUSED;
		goto done;
	}
	if (named) {
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
		if (nfound > HA_REPLAY_MAX_LOGS) {
			cli_error("replay", "'%s': %zu logs beside it, at most %d are read", hive,
			          nfound, HA_REPLAY_MAX_LOGS);
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
	rc = ha_replay_validate(res.image, res.size, &err);
	if (rc) {
		cli_error("replay", "'%s': the replayed hive does not open: %s", hive, err.msg);
		goto done;
	}
	rc = ha_atomic_write_file(out, res.image, res.size, 0644, &err);
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
	ha_logs_free(found, nfound);
	ha_logs_free(found_given, nfound_given);
	free(in);
	free(hdata);
	free(hive_real);
	return code;
}
