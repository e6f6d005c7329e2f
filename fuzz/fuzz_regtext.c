/* fuzz_regtext.c: the .reg text export parser (ingest/regtext.c), then the
 * same bytes as a host's export read through the reader's second backend
 * (ha_read_host on the two entries discovery makes for an export), followed
 * by what the parent does with the result (encode, decode, facts, rules).
 *
 * Checks: a refusal has a message in valid UTF-8, a code of format,
 * limit or memory, and no tree; an accepted export has a format and an
 * encoding, its description is valid UTF-8, lookups answer; the reader
 * never fails on content, each part has a status and a reason in valid
 * UTF-8, present keys have a physical path and no key time, and the
 * snapshot survives its encoding. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "ha_ingest.h"
#include "ha_rules.h"

static char dir[4096], path[4200];
static struct ha_ruleset *rules;
static struct ha_reqset req;

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	struct ha_err err;

	snprintf(dir, sizeof dir, "%s/ha-fuzz-regtext-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		fz_fail("cannot create a temporary folder");
	snprintf(path, sizeof path, "%s/FUZZHOST.reg", dir);
	atexit(cleanup);
	ha_reqset_init(&req);
	if (ha_rules_new(&rules, &err) || ha_rules_load_builtin(rules, &err) ||
	    ha_rules_requests(rules, &req, &err))
		fz_fail(err.msg);
}

static void write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fz_fail("cannot write the export file");
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			fz_fail("cannot write the export file");
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

static void parse_alone(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"", "ControlSet001\\Control", "Select",
	                                    "Microsoft\\Windows NT\\CurrentVersion", "A\\B"};
	struct ha_regtext_limits lim = {.max_file = 1 << 20,
	                                .max_line = 1 << 16,
	                                .max_depth = 64,
	                                .max_key_values = 4096,
	                                .max_keys = 1 << 16,
	                                .max_values = 1 << 16};
	struct ha_regtext *rt = NULL;
	struct ha_err err;
	size_t i;
	int r;

	ha_err_clear(&err);
	if (ha_regtext_parse(data, size, &lim, &rt, &err) != HA_OK) {
		FZ_CHECK(rt == NULL);
		FZ_CHECK(err.msg[0] && ha_utf8_valid(err.msg, strlen(err.msg)));
		FZ_CHECK(err.code == HA_ERR_FORMAT || err.code == HA_ERR_LIMIT ||
		         err.code == HA_ERR_NOMEM);
		return;
	}
	FZ_CHECK(ha_regtext_info(rt)->format == 4 || ha_regtext_info(rt)->format == 5);
	FZ_CHECK(ha_regtext_info(rt)->encoding[0]);
	for (r = 0; r < HA_NROLES; r++) {
		char *d = ha_regtext_describe(rt, r);
		struct ha_err cerr;

		FZ_CHECK(d && ha_utf8_valid(d, strlen(d)));
		free(d);
		for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
			uint32_t t, l;
			const uint8_t *v;
			int got = ha_regtext_get(rt, r, paths[i], "", &t, &v, &l);

			FZ_CHECK(got == HA_OK || got == HA_ERR_NOTFOUND);
			FZ_CHECK(got != HA_OK || !l || v);
			(void)ha_rt_path_covered(rt, r, paths[i], &cerr);
		}
	}
	ha_regtext_free(rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_job_file jf[2];
	struct ha_host_job job;
	struct ha_snapshot s;
	struct ha_err err;
	size_t i;

	if (!rules)
		setup();
	parse_alone(data, size);

	write_input(data, size);
	memset(jf, 0, sizeof jf);
	for (i = 0; i < 2; i++) {
		jf[i].path = path;
		jf[i].is_export = 1;
		jf[i].hint = i ? HA_FK_SOFTWARE : HA_FK_SYSTEM;
	}
	memset(&job, 0, sizeof job);
	job.label = (char *)"FUZZHOST";
	job.dir = path;
	job.nfiles = 2;
	job.files = jf;
	ha_err_clear(&err);
	ha_snapshot_init(&s);
	if (ha_read_host(&job, &req, NULL, NULL, NULL, &s, &err) != HA_OK)
		fz_fail(err.msg);
	FZ_CHECK(s.nfiles == 2);
	for (i = 0; i < 2; i++) {
		FZ_CHECK(s.files[i].status >= 0 && s.files[i].status < HA_HS_COUNT);
		FZ_CHECK(s.files[i].reason && s.files[i].reason[0]);
		FZ_CHECK(ha_utf8_valid(s.files[i].reason, strlen(s.files[i].reason)));
	}
	for (i = 0; i < s.nkeys; i++) {
		FZ_CHECK(s.keys[i].state != HA_KEY_PRESENT || s.keys[i].ppath);
		FZ_CHECK(s.keys[i].state != HA_KEY_PRESENT ||
		         s.keys[i].last_write == HA_FT_NOT_RECORDED);
	}
	fz_parent_side(rules, &s);
	ha_snapshot_free(&s);
	return 0;
}
