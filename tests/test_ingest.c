/* test_ingest.c: discovery, hive recognition, per-hive statuses, control
 * set resolution and the worker pool, on hives generated for each case.
 *
 * (Over 1,000 lines: discovery, recognition, statuses and the pool each need hives generated for
 * their case.)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ha_ingest.h"
#include "hivebuild.h"
#include "testutil.h"

#define T0 133536528000000000LL

#if defined(__SANITIZE_ADDRESS__)
#define HA_TEST_UNDER_ASAN 1
#endif
#define CCS1   "ControlSet001"
#define CN_KEY "\\Control\\ComputerName\\ComputerName"

static char *tmp;

/* a/b, kept until the end of the run (freed by pjoin_free). */
static char **arena;
static size_t narena;

static char *pjoin(const char *a, const char *b)
{
	char **v = realloc(arena, (narena + 1) * sizeof *v);
	size_t n = strlen(a) + strlen(b) + 2;

	if (!v)
		abort();
	arena = v;
	v[narena] = malloc(n);
	if (!v[narena])
		abort();
	snprintf(v[narena], n, "%s/%s", a, b);
	return v[narena++];
}

static void pjoin_free(void)
{
	size_t i;

	for (i = 0; i < narena; i++)
		free(arena[i]);
	free(arena);
}

/* A SYSTEM hive with the usual layout and `computer` as its name. */
static struct hb_tree *system_tree(const char *computer)
{
	struct hb_tree *t = hb_new();

	hb_set_dword(t, "Select", "Current", 1);
	hb_set_dword(t, "Select", "Default", 1);
	hb_set_dword(t, "Select", "LastKnownGood", 1);
	hb_set_sz(t, CCS1 CN_KEY, "ComputerName", computer);
	hb_set_sz(t, CCS1 "\\Control\\ProductOptions", "ProductType", "ServerNT");
	hb_set_sz(t, CCS1 "\\Control\\Session Manager\\Environment", "PROCESSOR_ARCHITECTURE",
	          "AMD64");
	return t;
}

static struct hb_tree *software_tree(void)
{
	struct hb_tree *t = hb_new();

	hb_set_sz(t, "Microsoft\\Windows NT\\CurrentVersion", "CurrentVersion", "6.3");
	hb_set_sz(t, "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuildNumber", "9600");
	hb_set_sz(t, "Microsoft\\Windows NT\\CurrentVersion", "ProductName",
	          "Windows Server 2012 R2");
	hb_key(t, "Classes\\.txt");
	return t;
}

static void write_tree(struct hb_tree *t, const char *path, const char *embedded)
{
	char err[256], dir[4096];
	char *slash;

	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		tu_write(pjoin(dir, ".keep"), "", 0);
		unlink(pjoin(dir, ".keep"));
	}
	if (hb_write(t, path, embedded, T0, err, sizeof err))
		check_fail(__FILE__, __LINE__, "cannot write %s: %s", path, err);
	hb_free(t);
}

static void write_host(const char *dir, const char *computer)
{
	write_tree(system_tree(computer), pjoin(dir, "SYSTEM"), "emRoot\\System32\\Config\\SYSTEM");
	write_tree(software_tree(), pjoin(dir, "SOFTWARE"), "emRoot\\System32\\Config\\SOFTWARE");
}

static const struct ha_host_job *find_host(const struct ha_fleet *f, const char *label)
{
	size_t i;

	for (i = 0; i < f->nhosts; i++)
		if (!strcmp(f->hosts[i].label, label))
			return &f->hosts[i];
	return NULL;
}

static int discover1(const char *path, struct ha_fleet *f)
{
	struct ha_err err;
	const char *paths[1] = {path};
	int rc = ha_discover(paths, 1, f, &err);

	if (rc)
		fprintf(stderr, "discover: %s\n", err.msg);
	return rc;
}

static const char *notes_text(const struct ha_fleet *f)
{
	static char buf[16384];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < f->nnotes && n < sizeof buf - 1; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\n", f->notes[i]);
	return buf;
}

/* Reads one host in this process (no worker) with the given requests. */
static int read_one(const struct ha_host_job *job, struct ha_reqset *req, struct ha_snapshot *s)
{
	struct ha_read_opts ro;
	struct ha_err err;

	memset(&ro, 0, sizeof ro);
	ro.no_replay = 1;
	ha_snapshot_init(s);
	return ha_read_host(job, req, &ro, NULL, NULL, s, &err);
}

static const struct ha_hivefile *file_named(const struct ha_snapshot *s, const char *base)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		const char *b = strrchr(s->files[i].path, '/');

		if (!strcmp(b ? b + 1 : s->files[i].path, base))
			return &s->files[i];
	}
	return NULL;
}

/* -------------------------------------------------------------- base block */

static void test_baseblock(void)
{
	uint8_t h[4096];
	struct ha_baseblock bb;
	uint32_t x = 0;
	size_t i;

	memset(h, 0, sizeof h);
	CHECK_INT(ha_baseblock_parse(h, sizeof h, &bb), HA_ERR_FORMAT);
	memcpy(h, "regf", 4);
	CHECK_INT(ha_baseblock_parse(h, 100, &bb), HA_ERR_FORMAT);
	/* Sequence 5/5, a name, and a checksum whose raw XOR is 0: Windows
	 * stores 1 for it, and so must our check. */
	h[4] = 5;
	h[8] = 5;
	h[0x30] = 'S';
	for (i = 0; i < 0x1FC; i += 4)
		x ^= (uint32_t)h[i] | (uint32_t)h[i + 1] << 8 | (uint32_t)h[i + 2] << 16 |
		     (uint32_t)h[i + 3] << 24;
	/* Make the raw XOR zero by compensating in an unused dword. */
	h[0x100] = (uint8_t)x;
	h[0x101] = (uint8_t)(x >> 8);
	h[0x102] = (uint8_t)(x >> 16);
	h[0x103] = (uint8_t)(x >> 24);
	h[0x1FC] = 1;
	CHECK_INT(ha_baseblock_parse(h, sizeof h, &bb), HA_OK);
	CHECK_INT(bb.checksum_computed, 1);
	CHECK(bb.checksum_ok);
	CHECK(!ha_baseblock_dirty(&bb));
	CHECK_STR(bb.name, "S");
	h[0x1FC] = 0; /* the raw value is not what Windows stores */
	CHECK_INT(ha_baseblock_parse(h, sizeof h, &bb), HA_OK);
	CHECK(!bb.checksum_ok);
	CHECK(ha_baseblock_dirty(&bb));
	h[0x1FC] = 1;
	h[4] = 6; /* primary != secondary */
	h[0x100] ^= 6 ^ 5;
	CHECK_INT(ha_baseblock_parse(h, sizeof h, &bb), HA_OK);
	CHECK(bb.checksum_ok);
	CHECK(ha_baseblock_dirty(&bb));
	CHECK_INT(bb.seq1, 6);
	CHECK_INT(bb.seq2, 5);
}

/* --------------------------------------------------------------- layouts */

static void test_layout_flat_and_logs(void)
{
	char *root = pjoin(tmp, "flat");
	struct ha_fleet f;
	const struct ha_host_job *h;
	size_t i, logs = 0;

	write_host(pjoin(root, "WEB01"), "WEB01");
	tu_write(pjoin(pjoin(root, "WEB01"), "SYSTEM.log1"), "", 0);
	tu_write(pjoin(pjoin(root, "WEB01"), "SYSTEM.LOG2"), "", 0);
	tu_write(pjoin(pjoin(root, "WEB01"), "SOFTWARE.LOG"), "", 0);
	tu_write(pjoin(pjoin(root, "WEB01"), "notes.txt"), "collected 2024-05-01\n", 21);
	CHECK_INT(discover1(root, &f), 0);
	CHECK_INT(f.nhosts, 1);
	h = find_host(&f, "WEB01");
	CHECK(h != NULL);
	if (h) {
		CHECK_INT(h->nfiles, 2);
		for (i = 0; i < h->nfiles; i++)
			logs += h->files[i].nlogs;
		CHECK_INT(logs, 3);
		CHECK_HAS(h->dir, "/flat/WEB01");
	}
	ha_fleet_free(&f);
}

static void test_layout_disk(void)
{
	char *root = pjoin(tmp, "disk");
	struct ha_fleet f;
	const struct ha_host_job *h;

	write_host(pjoin(root, "SRV1/C/Windows/System32/config"), "SRV1");
	write_host(pjoin(root, "SRV2/WINNT/system32/config"), "SRV2");
	write_host(pjoin(root, "SRV3/d_/Windows/System32/Config"), "SRV3");
	/* RegBack and .sav copies: recorded, never read as live hives. */
	write_tree(system_tree("OLD"), pjoin(root, "SRV1/C/Windows/System32/config/RegBack/SYSTEM"),
	           "SYSTEM");
	write_tree(system_tree("OLD"), pjoin(root, "SRV1/C/Windows/System32/config/SYSTEM.SAV"),
	           "SYSTEM");
	/* A user profile: a hive of another kind, not a host. */
	{
		struct hb_tree *u = hb_new();

		hb_key(u, "Control Panel\\Desktop");
		hb_key(u, "Software\\Microsoft");
		write_tree(u, pjoin(root, "SRV1/C/Users/bob/NTUSER.DAT"),
		           "\\??\\C:\\Users\\bob\\ntuser.dat");
	}
	CHECK_INT(discover1(root, &f), 0);
	CHECK_INT(f.nhosts, 3);
	CHECK(find_host(&f, "SRV1") && find_host(&f, "SRV2") && find_host(&f, "SRV3"));
	h = find_host(&f, "SRV1");
	if (h) {
		size_t i, skipped = 0;

		CHECK_INT(h->nfiles, 4);
		for (i = 0; i < h->nfiles; i++)
			if (h->files[i].skip_status == HA_HS_SKIPPED)
				skipped++;
		CHECK_INT(skipped, 2);
	}
	CHECK_HAS(notes_text(&f), "NTUSER.DAT hive outside any host folder");
	ha_fleet_free(&f);
}

static void test_layout_renamed_by_content(void)
{
	char *root = pjoin(tmp, "renamed");
	struct ha_fleet f;
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_err err;
	const struct ha_host_job *h;

	write_tree(system_tree("WEB09"), pjoin(root, "WEB09/web09-system.hiv"),
	           "\\??\\C:\\Temp\\a.tmp");
	write_tree(software_tree(), pjoin(root, "WEB09/blob.dat"), "");
	CHECK_INT(discover1(root, &f), 0);
	h = find_host(&f, "WEB09");
	CHECK(h != NULL);
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	if (h) {
		CHECK_INT(read_one(h, &req, &s), 0);
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_OK);
		CHECK_HAS(s.files[s.role[HA_SYSTEM].file].kind_why, "Select");
		CHECK_HAS(s.files[s.role[HA_SOFTWARE].file].kind_why, "Microsoft");
		ha_snapshot_free(&s);
	}
	ha_reqset_free(&req);
	ha_fleet_free(&f);
}

static void test_layout_symlinks_and_specials(void)
{
	char *root = pjoin(tmp, "links");
	char *outside = pjoin(tmp, "outside");
	struct ha_fleet f;

	write_host(pjoin(outside, "EVIL"), "EVIL");
	write_host(pjoin(root, "REAL"), "REAL");
	CHECK_INT(symlink(pjoin(outside, "EVIL"), pjoin(root, "evil-link")), 0);
	CHECK_INT(symlink(pjoin(root, "REAL"), pjoin(root, "again")), 0);
	CHECK_INT(symlink(root, pjoin(pjoin(root, "REAL"), "loop")), 0);
	CHECK_INT(mkfifo(pjoin(root, "SYSTEM"), 0644), 0);
	CHECK_INT(discover1(root, &f), 0);
	/* The link out is not followed; the link in is not read twice; the
	 * loop ends; the FIFO named SYSTEM is never opened. */
	CHECK_INT(f.nhosts, 1);
	CHECK(find_host(&f, "REAL") != NULL);
	CHECK_HAS(notes_text(&f), "outside the scanned folders; not followed");
	CHECK_HAS(notes_text(&f), "special file");
	ha_fleet_free(&f);
}

static void test_layout_hard_links(void)
{
	char *root = pjoin(tmp, "hardlinks");
	struct ha_fleet f;
	const struct ha_host_job *b;

	/* cp -al copies: the same inodes in two host folders are two hosts. */
	write_host(pjoin(root, "A"), "A");
	tu_write(pjoin(pjoin(root, "B"), ".keep"), "", 0);
	CHECK_INT(link(pjoin(pjoin(root, "A"), "SYSTEM"), pjoin(pjoin(root, "B"), "SYSTEM")), 0);
	CHECK_INT(link(pjoin(pjoin(root, "A"), "SOFTWARE"), pjoin(pjoin(root, "B"), "SOFTWARE")),
	          0);
	/* A link to a file of the same folder is that file, read once; the
	 * link is recorded as skipped, saying so. */
	CHECK_INT(symlink("SOFTWARE", pjoin(pjoin(root, "B"), "software-link")), 0);
	CHECK_INT(discover1(root, &f), 0);
	CHECK_INT(f.nhosts, 2);
	b = find_host(&f, "B");
	CHECK(b && b->nfiles == 3);
	if (b && b->nfiles == 3) {
		char want[4096];

		snprintf(want, sizeof want, "same file as %s/B/SOFTWARE (a symbolic link to it)",
		         root);
		CHECK_STR(b->files[2].path, pjoin(pjoin(root, "B"), "software-link"));
		CHECK_INT(b->files[2].skip_status, HA_HS_SKIPPED);
		CHECK_STR(b->files[2].skip_reason, want);
	}
	ha_fleet_free(&f);
}

/* Issue 12 item 5: nothing in the fleet is dropped without a word.  A
 * host folder whose hives are links to another host's is a host, its
 * files skipped as "same file as ..."; a link to a host folder gets a
 * note; a tree cut at the depth limit is counted in its host's note and
 * the fleet. */
static void test_i12_5_links_and_deep_trees(void)
{
	char *root = pjoin(tmp, "i12-5"), *deep, want[4096];
	const struct ha_host_job *h;
	struct ha_fleet f;
	int i;

	write_host(pjoin(root, "A"), "A");
	write_host(pjoin(root, "E"), "E");
	CHECK_INT(tu_write(pjoin(pjoin(root, "B"), ".keep"), "", 0), 0);
	CHECK_INT(symlink("../A/SYSTEM", pjoin(pjoin(root, "B"), "SYSTEM")), 0);
	CHECK_INT(symlink("A", pjoin(root, "C")), 0);
	deep = pjoin(root, "E");
	for (i = 0; i < 45; i++)
		deep = pjoin(deep, "x");
	CHECK_INT(tu_write(pjoin(deep, "SYSTEM"), "", 0), 0);
	CHECK_INT(discover1(root, &f), 0);
	CHECK_INT(f.nhosts, 3);
	CHECK_INT(f.deep_dirs, 1);
	CHECK_INT(f.unreadable_dirs, 0);
	h = find_host(&f, "B");
	CHECK(h && h->nfiles == 1);
	if (h && h->nfiles == 1) {
		snprintf(want, sizeof want, "same file as %s/A/SYSTEM (a symbolic link to it)",
		         root);
		CHECK_INT(h->files[0].skip_status, HA_HS_SKIPPED);
		CHECK_STR(h->files[0].skip_reason, want);
		CHECK_INT(h->files[0].hint, HA_FK_SYSTEM);
	}
	snprintf(want, sizeof want,
	         "%s/C: symbolic link to the folder %s/A, walked once under that name", root, root);
	CHECK_HAS(notes_text(&f), want);
	h = find_host(&f, "E");
	CHECK(h != NULL);
	if (h) {
		snprintf(want, sizeof want, "1 folder deeper than 40 levels not entered (%s/E",
		         root);
		CHECK(h->note && !strncmp(h->note, want, strlen(want)));
	}
	CHECK(find_host(&f, "A") && !find_host(&f, "A")->note);
	ha_fleet_free(&f);
}

/* Issue 12 item 5: a folder that cannot be read is counted in its host's
 * note, or is a host of its own (no files) when it is in none; the fleet
 * counts them.  Run as an unprivileged user (root reads any folder). */
static void test_i12_5_unreadable_folders(void)
{
	char *root = pjoin(tmp, "i12-5-unreadable");
	pid_t pid;
	int st = 0;

	write_host(pjoin(root, "F"), "F");
	CHECK_INT(tu_write(pjoin(pjoin(pjoin(root, "F"), "sub"), ".keep"), "", 0), 0);
	CHECK_INT(tu_write(pjoin(pjoin(root, "D"), "SYSTEM"), "", 0), 0);
	CHECK_INT(chmod(tmp, 0755), 0);
	CHECK_INT(chmod(pjoin(pjoin(root, "F"), "sub"), 0), 0);
	CHECK_INT(chmod(pjoin(root, "D"), 0), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct ha_fleet f;
		const struct ha_host_job *h;
		char want[4096];

		if (getuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(77);
		if (discover1(root, &f))
			_exit(1);
		CHECK_INT(f.nhosts, 2);
		CHECK_INT(f.unreadable_dirs, 2);
		h = find_host(&f, "D");
		CHECK(h && h->nfiles == 0);
		snprintf(want, sizeof want, "1 folder could not be read (%s/D: Permission denied)",
		         root);
		CHECK(h && h->note && !strcmp(h->note, want));
		h = find_host(&f, "F");
		CHECK(h && h->nfiles == 2);
		snprintf(want, sizeof want,
		         "1 folder could not be read (%s/F/sub: Permission denied)", root);
		CHECK(h && h->note && !strcmp(h->note, want));
		CHECK(f.nhosts == 2 && strcmp(f.hosts[0].dir, f.hosts[1].dir) < 0);
		ha_fleet_free(&f);
		_exit(check_failures ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		check_skip("cannot become an unprivileged user");
	else
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	chmod(pjoin(pjoin(root, "F"), "sub"), 0755);
	chmod(pjoin(root, "D"), 0755);
	chmod(tmp, 0700);
}

/* Issue 12 item 4: discovery looks at the stop flag before each folder
 * and file, so a signal during a long walk is honoured. */
static void test_i12_4_discovery_stops(void)
{
	char *root = pjoin(tmp, "stopping");
	const char *paths[1] = {root};
	volatile sig_atomic_t stop = 0;
	struct ha_fleet f;
	struct ha_err err;

	write_host(pjoin(root, "A"), "A");
	CHECK_INT(ha_discover_until(paths, 1, &stop, &f, &err), HA_OK);
	CHECK_INT(f.nhosts, 1);
	ha_fleet_free(&f);
	stop = SIGTERM;
	CHECK_INT(ha_discover_until(paths, 1, &stop, &f, &err), HA_ERR_INTERRUPTED);
	CHECK_STR(err.msg, "interrupted while looking for hives");
	CHECK_INT(f.nhosts, 0);
	CHECK_INT(f.nnotes, 0);
}

static void test_layout_errors(void)
{
	struct ha_fleet f;
	struct ha_err err;
	const char *missing[1] = {"/nonexistent/fleet/path"};
	char *one = pjoin(tmp, "single/HOSTX");

	CHECK_INT(ha_discover(missing, 1, &f, &err), HA_ERR_USAGE);
	CHECK_HAS(err.msg, "/nonexistent/fleet/path");
	/* A hive file given directly: its folder is the host. */
	write_host(one, "HOSTX");
	CHECK_INT(discover1(pjoin(one, "SYSTEM"), &f), 0);
	CHECK_INT(f.nhosts, 1);
	CHECK(find_host(&f, "HOSTX") != NULL);
	if (f.nhosts)
		CHECK_INT(f.hosts[0].nfiles, 1);
	ha_fleet_free(&f);
}

/* ---------------------------------------------------------- hive statuses */

struct collected {
	struct ha_snapshot *snap[8];
	int unchanged[8];
};
static int collect(void *ctx, size_t host, struct ha_snapshot *snap, struct ha_err *err);

/* Appends 4 KiB of junk counted in the header's hive-bins size: hivex then
 * refuses the hive with flags 0 and opens it in recovery mode. */
static void make_degraded(const char *path)
{
	size_t n;
	uint8_t *d = (uint8_t *)tu_read(path, &n), *nd;
	uint32_t bins, x = 0;
	size_t i;

	if (!d)
		return;
	nd = realloc(d, n + 4096);
	if (!nd) {
		free(d);
		return;
	}
	d = nd;
	memset(d + n, 0x41, 4096);
	bins = (uint32_t)d[0x28] | (uint32_t)d[0x29] << 8 | (uint32_t)d[0x2A] << 16 |
	       (uint32_t)d[0x2B] << 24;
	bins += 4096;
	d[0x28] = (uint8_t)bins;
	d[0x29] = (uint8_t)(bins >> 8);
	d[0x2A] = (uint8_t)(bins >> 16);
	d[0x2B] = (uint8_t)(bins >> 24);
	for (i = 0; i < 0x1FC; i += 4)
		x ^= (uint32_t)d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 |
		     (uint32_t)d[i + 3] << 24;
	x = x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x;
	d[0x1FC] = (uint8_t)x;
	d[0x1FD] = (uint8_t)(x >> 8);
	d[0x1FE] = (uint8_t)(x >> 16);
	d[0x1FF] = (uint8_t)(x >> 24);
	tu_write(path, d, n + 4096);
	free(d);
}

static void test_hive_statuses(void)
{
	char *root = pjoin(tmp, "statuses");
	struct ha_fleet f;
	struct ha_reqset req;
	struct ha_err err;
	struct ha_snapshot s;
	const struct ha_host_job *h;

	write_host(pjoin(root, "OK"), "OK");
	write_host(pjoin(root, "DEGRADED"), "DEGRADED");
	make_degraded(pjoin(pjoin(root, "DEGRADED"), "SYSTEM"));
	write_host(pjoin(root, "DIRTY"), "DIRTY");
	CHECK_INT(hb_make_dirty(pjoin(pjoin(root, "DIRTY"), "SYSTEM")), 0);
	write_host(pjoin(root, "CHECKSUM"), "CHECKSUM");
	CHECK_INT(hb_corrupt_checksum(pjoin(pjoin(root, "CHECKSUM"), "SYSTEM")), 0);
	write_host(pjoin(root, "SHORT"), "SHORT");
	CHECK_INT(truncate(pjoin(pjoin(root, "SHORT"), "SYSTEM"), 1000), 0);
	write_host(pjoin(root, "EMPTY"), "EMPTY");
	CHECK_INT(truncate(pjoin(pjoin(root, "EMPTY"), "SYSTEM"), 0), 0);
	write_host(pjoin(root, "TEXT"), "TEXT");
	tu_write(pjoin(pjoin(root, "TEXT"), "SYSTEM"), "not a hive\n", 11);
	write_host(pjoin(root, "TRUNC"), "TRUNC");
	CHECK_INT(hb_truncate(pjoin(pjoin(root, "TRUNC"), "SOFTWARE"), 2048), 0);
	/* A user hive saved under the name SYSTEM. */
	{
		struct hb_tree *u = hb_new();

		hb_key(u, "Control Panel\\Desktop");
		hb_key(u, "Environment");
		write_tree(u, pjoin(pjoin(root, "WRONG"), "SYSTEM"), "ntuser.dat");
		write_tree(software_tree(), pjoin(pjoin(root, "WRONG"), "SOFTWARE"), "SOFTWARE");
	}
	/* Only one hive. */
	write_tree(system_tree("HALF"), pjoin(pjoin(root, "HALF"), "SYSTEM"), "SYSTEM");
	/* Names swapped by a careless collector: the content decides. */
	write_tree(system_tree("SWAP"), pjoin(pjoin(root, "SWAP"), "SOFTWARE"), "SOFTWARE");
	write_tree(software_tree(), pjoin(pjoin(root, "SWAP"), "SYSTEM"), "SYSTEM");
	/* Cut at a hive-bin boundary: hivex may open what is left. */
	write_host(pjoin(root, "CUT"), "CUT");
	CHECK_INT(hb_truncate(pjoin(pjoin(root, "CUT"), "SYSTEM"), 4096), 0);
	/* Two SYSTEM hives: a conflict, neither used. */
	write_host(pjoin(root, "TWO"), "TWO");
	write_tree(system_tree("TWO-B"), pjoin(pjoin(root, "TWO"), "system-copy.hiv"), "x");
	/* A SAM hive beside the others: skipped. */
	write_host(pjoin(root, "SAMHOST"), "SAMHOST");
	{
		struct hb_tree *t = hb_new();

		hb_key(t, "SAM\\Domains");
		write_tree(t, pjoin(pjoin(root, "SAMHOST"), "SAM"), "SAM");
	}

	CHECK_INT(discover1(root, &f), 0);
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);

#define READ(label) ((h = find_host(&f, label)) != NULL && read_one(h, &req, &s) == 0)
	if (READ("OK")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
		CHECK_STR(s.role[HA_SYSTEM].reason, "clean");
		CHECK_INT(strlen(s.files[0].sha256), 64);
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("DEGRADED")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DEGRADED);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "opened in recovery mode");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("DIRTY")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_DIRTY);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "no transaction logs beside it");
		CHECK(file_named(&s, "SYSTEM") && file_named(&s, "SYSTEM")->dirty);
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("CHECKSUM")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_UNREADABLE);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "header checksum wrong");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("SHORT")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_UNREADABLE);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "shorter than the 4096-byte base block");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("EMPTY")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_NOT_HIVE);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "empty file");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("TEXT")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_NOT_HIVE);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "no regf signature");
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_OK);
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("TRUNC")) {
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_UNREADABLE);
		CHECK_HAS(s.role[HA_SOFTWARE].reason, "hivex refused the hive");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("WRONG")) {
		const struct ha_hivefile *w = file_named(&s, "SYSTEM");

		CHECK(w && w->status == HA_HS_WRONG_KIND);
		CHECK_HAS(w ? w->reason : NULL, "its content is a NTUSER.DAT hive");
		CHECK(s.role[HA_SYSTEM].file == -1);
		/* The role says why there is no usable SYSTEM hive. */
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_WRONG_KIND);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "NTUSER.DAT");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("HALF")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_MISSING);
		CHECK_HAS(s.role[HA_SOFTWARE].reason, "no SOFTWARE hive");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("SWAP")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
		CHECK_INT(s.role[HA_SOFTWARE].status, HA_HS_OK);
		CHECK(s.role[HA_SYSTEM].file >= 0 &&
		      strstr(s.files[s.role[HA_SYSTEM].file].path, "/SOFTWARE") != NULL);
		CHECK_HAS(s.role[HA_SYSTEM].file >= 0 ? s.files[s.role[HA_SYSTEM].file].kind_why
		                                      : NULL,
		          "file name \"SOFTWARE\" is wrong");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("CUT")) {
		CHECK(s.role[HA_SYSTEM].status == HA_HS_DEGRADED ||
		      s.role[HA_SYSTEM].status == HA_HS_UNREADABLE);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "truncated: the header declares");
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("TWO")) {
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_CONFLICT);
		CHECK_INT(s.role[HA_SYSTEM].file, -1);
		CHECK_HAS(s.role[HA_SYSTEM].reason, "2 SYSTEM hives in one host folder");
		CHECK_HAS(s.role[HA_SYSTEM].reason, "system-copy.hiv");
		/* Nothing is read from either. */
		CHECK(ha_snapshot_key(&s, HA_SYSTEM, "Select") != NULL);
		CHECK_INT(ha_snapshot_key(&s, HA_SYSTEM, "Select")->state, HA_KEY_UNAVAILABLE);
		ha_snapshot_free(&s);
	} else
		CHECK(0);
	if (READ("SAMHOST")) {
		const struct ha_hivefile *sam = file_named(&s, "SAM");

		CHECK(sam != NULL);
		if (sam) {
			CHECK_INT(sam->status, HA_HS_SKIPPED);
			CHECK_INT(sam->kind, HA_FK_SAM);
		}
		CHECK_INT(s.role[HA_SYSTEM].status, HA_HS_OK);
		ha_snapshot_free(&s);
	} else
		CHECK(0);
#undef READ
	ha_reqset_free(&req);
	ha_fleet_free(&f);
}

/* In a worker, hivex's own diagnostic becomes the reason. */
static void test_hive_reasons_from_workers(void)
{
	char *root = pjoin(tmp, "reasons");
	struct ha_fleet f;
	struct ha_reqset req;
	struct ha_read_opts ro;
	struct ha_pool_opts po;
	struct ha_err err;
	struct reasons {
		struct ha_snapshot *s[2];
	} r = {{NULL, NULL}};
	size_t todo[2] = {0, 1};
	int i;

	write_host(pjoin(root, "A-DEGRADED"), "A");
	make_degraded(pjoin(pjoin(root, "A-DEGRADED"), "SYSTEM"));
	write_host(pjoin(root, "B-TRUNC"), "B");
	CHECK_INT(hb_truncate(pjoin(pjoin(root, "B-TRUNC"), "SOFTWARE"), 2048), 0);
	CHECK_INT(discover1(root, &f), 0);
	CHECK_INT(f.nhosts, 2);
	memset(&ro, 0, sizeof ro);
	memset(&po, 0, sizeof po);
	ro.no_replay = 1;
	po.jobs = 2;
	po.timeout_sec = 60;
	po.read = &ro;
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	{
		struct collected c;

		memset(&c, 0, sizeof c);
		CHECK_INT(ha_pool_run(&f, todo, 2, &req, &po, collect, &c, &err), 0);
		r.s[0] = c.snap[0];
		r.s[1] = c.snap[1];
	}
	if (r.s[0]) {
		CHECK_INT(r.s[0]->role[HA_SYSTEM].status, HA_HS_DEGRADED);
		CHECK_HAS(r.s[0]->role[HA_SYSTEM].reason, "trailing garbage at end of file");
	} else
		CHECK(0);
	if (r.s[1]) {
		CHECK_INT(r.s[1]->role[HA_SOFTWARE].status, HA_HS_UNREADABLE);
		CHECK_HAS(r.s[1]->role[HA_SOFTWARE].reason, "extends beyond end of file");
		CHECK_LACKS(r.s[1]->role[HA_SOFTWARE].reason, "/proc/self/fd");
	} else
		CHECK(0);
	for (i = 0; i < 2; i++) {
		ha_snapshot_free(r.s[i]);
		free(r.s[i]);
	}
	ha_reqset_free(&req);
	ha_fleet_free(&f);
}

/* ------------------------------------------------------------ control sets */

static int ccs_of(const char *label, struct hb_tree *t, char *source, size_t len)
{
	char *dir = pjoin(pjoin(tmp, "ccs"), label);
	struct ha_fleet f;
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_err err;
	int ccs = -1;

	write_tree(t, pjoin(dir, "SYSTEM"), "SYSTEM");
	write_tree(software_tree(), pjoin(dir, "SOFTWARE"), "SOFTWARE");
	ha_reqset_init(&req);
	if (discover1(dir, &f) == 0 && f.nhosts == 1 && ha_facts_requests(&req, &err) == 0 &&
	    read_one(&f.hosts[0], &req, &s) == 0) {
		ccs = s.ccs;
		snprintf(source, len, "%s", s.ccs_source ? s.ccs_source : "");
		ha_snapshot_free(&s);
	}
	ha_reqset_free(&req);
	ha_fleet_free(&f);
	return ccs;
}

static void test_control_set_fallbacks(void)
{
	char src[512];
	struct hb_tree *t;

	t = system_tree("A");
	CHECK_INT(ccs_of("current", t, src, sizeof src), 1);
	CHECK_STR(src, "Select\\Current = 1");

	/* Current points at a control set that does not exist: Default. */
	t = system_tree("B");
	hb_set_dword(t, "Select", "Current", 3);
	hb_set_sz(t, "ControlSet002" CN_KEY, "ComputerName", "B2");
	hb_set_dword(t, "Select", "Default", 2);
	CHECK_INT(ccs_of("default", t, src, sizeof src), 2);
	CHECK_HAS(src, "Select\\Current = 3 but ControlSet003 does not exist");
	CHECK_HAS(src, "fell back to Select\\Default = 2");

	/* Current of the wrong type, Default out of range: LastKnownGood. */
	t = system_tree("C");
	hb_set_sz(t, "Select", "Current", "1");
	hb_set_dword(t, "Select", "Default", 1000);
	hb_set_dword(t, "Select", "LastKnownGood", 1);
	CHECK_INT(ccs_of("lkg", t, src, sizeof src), 1);
	CHECK_HAS(src, "Select\\Current unusable");
	CHECK_HAS(src, "Select\\Default = 1000 out of range");
	CHECK_HAS(src, "fell back to Select\\LastKnownGood = 1");

	/* No Select, one control set: that one, and the note says so. */
	t = system_tree("D");
	hb_delete(t, "Select", NULL);
	CHECK_INT(ccs_of("only", t, src, sizeof src), 1);
	CHECK_HAS(src, "no Select key; the only control set, ControlSet001, was used");

	/* No Select, two control sets: the lowest, flagged as unproven. */
	t = system_tree("E");
	hb_delete(t, "Select", NULL);
	hb_set_sz(t, "ControlSet047" CN_KEY, "ComputerName", "E47");
	CHECK_INT(ccs_of("two", t, src, sizeof src), 1);
	CHECK_HAS(src, "2 control sets exist");
	CHECK_HAS(src, "cannot be proven");

	/* No control set at all: none chosen, and requests under
	 * CurrentControlSet are unavailable. */
	t = hb_new();
	hb_set_dword(t, "Select", "Current", 1);
	hb_key(t, "MountedDevices");
	CHECK_INT(ccs_of("none", t, src, sizeof src), 0);
	CHECK_HAS(src, "no ControlSetNNN key exists");
}

/* ---------------------------------------------------- names and lookups */

/* Replaces the first occurrence of `from` in a file with `to` (same length). */
static int patch_bytes(const char *path, const void *from, const void *to, size_t n)
{
	size_t len, i;
	char *d = tu_read(path, &len);
	int rc = -1;

	if (!d)
		return -1;
	for (i = 0; i + n <= len; i++) {
		if (!memcmp(d + i, from, n)) {
			memcpy(d + i, to, n);
			rc = tu_write(path, d, len);
			break;
		}
	}
	free(d);
	return rc;
}

static void test_name_traps(void)
{
	char *dir = pjoin(tmp, "names/H");
	struct hb_tree *t = system_tree("H");
	struct ha_fleet f;
	struct ha_reqset req;
	struct ha_snapshot s;
	struct ha_err err;
	const struct ha_key *k;

	/* "zeroXkey" becomes "zero\0key" on disk: a lookup of "zero" must
	 * not match it (hivex's strcasecmp would). */
	hb_set_dword(t, "Trap\\zeroXkey", "v", 7);
	/* A sibling whose UTF-16 name holds a lone surrogate, listed before
	 * the key we want: it must not poison the lookup. */
	hb_set_dword(t,
	             "Trap\\A\xe2\x82\xac"
	             "bad",
	             "v", 8);
	hb_set_dword(t, "Trap\\Good", "v", 9);
	write_tree(t, pjoin(dir, "SYSTEM"), "SYSTEM");
	write_tree(software_tree(), pjoin(dir, "SOFTWARE"), "SOFTWARE");
	CHECK_INT(patch_bytes(pjoin(dir, "SYSTEM"), "zeroXkey", "zero\0key", 8), 0);
	/* U+20AC (0x20AC, bytes AC 20) -> a lone high surrogate D800. */
	CHECK_INT(patch_bytes(pjoin(dir, "SYSTEM"), "A\0\xac\x20", "A\0\x00\xd8", 4), 0);

	ha_reqset_init(&req);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "Trap\\zero", NULL, "v", &err), 0);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "trap\\GOOD", NULL, "V", &err), 0);
	CHECK_INT(ha_reqset_add(&req, HA_SYSTEM, "Trap", "*bad", NULL, &err), 0);
	CHECK_INT(discover1(dir, &f), 0);
	CHECK_INT(f.nhosts, 1);
	if (f.nhosts && read_one(&f.hosts[0], &req, &s) == 0) {
		k = ha_snapshot_key(&s, HA_SYSTEM, "Trap\\zero");
		CHECK(k && k->state == HA_KEY_ABSENT);
		k = ha_snapshot_key(&s, HA_SYSTEM, "Trap\\Good");
		CHECK(k && k->state == HA_KEY_PRESENT);
		CHECK(k && ha_key_value(k, "v") && ha_key_value(k, "v")->len == 4);
		CHECK(k && k->ppath && !strcmp(k->ppath, "Trap\\Good"));
		/* The bad name is decoded with a replacement character, not
		 * dropped and not fatal. */
		k = ha_snapshot_enum(&s, HA_SYSTEM, "Trap", "*bad");
		CHECK(k && k->nsub == 1);
		if (k && k->nsub)
			CHECK_STR(k->sub[0], "A\xef\xbf\xbd"
			                     "bad");
		ha_snapshot_free(&s);
	} else {
		CHECK(0);
	}
	ha_reqset_free(&req);
	ha_fleet_free(&f);
}

/* ---------------------------------------------------------- worker pool */

static int collect(void *ctx, size_t host, struct ha_snapshot *snap, struct ha_err *err)
{
	struct collected *c = ctx;

	(void)err;
	if (host < 8) {
		c->snap[host] = snap;
		c->unchanged[host] = snap == NULL;
	} else if (snap) {
		ha_snapshot_free(snap);
		free(snap);
	}
	return 0;
}

static void run_pool(struct ha_fleet *f, const char *fault, unsigned timeout, struct collected *c)
{
	struct ha_reqset req;
	struct ha_read_opts ro;
	struct ha_pool_opts po;
	struct ha_err err;
	size_t todo[8], i;

	memset(c, 0, sizeof *c);
	memset(&ro, 0, sizeof ro);
	memset(&po, 0, sizeof po);
	ro.no_replay = 1;
	po.jobs = 2;
	po.timeout_sec = timeout;
	po.read = &ro;
	po.fault = fault;
	ha_reqset_init(&req);
	CHECK_INT(ha_facts_requests(&req, &err), 0);
	for (i = 0; i < f->nhosts && i < 8; i++)
		todo[i] = i;
	CHECK_INT(ha_pool_run(f, todo, i, &req, &po, collect, c, &err), 0);
	ha_reqset_free(&req);
}

static void free_collected(struct collected *c)
{
	int i;

	for (i = 0; i < 8; i++) {
		ha_snapshot_free(c->snap[i]);
		free(c->snap[i]);
	}
}

static void test_pool_crash_and_hang(void)
{
	char *root = pjoin(tmp, "pool");
	struct ha_fleet f;
	struct collected c;
	time_t t0;
	size_t i;

	write_host(pjoin(root, "ALPHA"), "ALPHA");
	write_host(pjoin(root, "BRAVO"), "BRAVO");
	write_host(pjoin(root, "CHARLIE"), "CHARLIE");
	CHECK_INT(discover1(root, &f), 0);
	CHECK_INT(f.nhosts, 3);

	/* A real SIGSEGV while BRAVO's SOFTWARE is read: that hive becomes
	 * unreadable with the reason, BRAVO's SYSTEM is still read (the host
	 * is retried without the hive), the others are untouched. */
	run_pool(&f, "crash:BRAVO:SOFTWARE", 30, &c);
	for (i = 0; i < 3; i++)
		CHECK(c.snap[i] != NULL);
	if (c.snap[1]) {
		const struct ha_snapshot *s = c.snap[1];

		CHECK_STR(s->label, "BRAVO");
		CHECK_INT(s->role[HA_SOFTWARE].status, HA_HS_UNREADABLE);
#ifdef HA_TEST_UNDER_ASAN
		/* AddressSanitizer catches the fault and exits with status 1. */
		CHECK_HAS(s->role[HA_SOFTWARE].reason, "worker exited with status 1");
#else
		CHECK_HAS(s->role[HA_SOFTWARE].reason, "worker killed by signal 11");
#endif
		CHECK_HAS(s->role[HA_SOFTWARE].reason, "while reading SOFTWARE");
		CHECK_INT(s->role[HA_SYSTEM].status, HA_HS_OK);
		CHECK(ha_snapshot_key(s, HA_SYSTEM, "Select") &&
		      ha_snapshot_key(s, HA_SYSTEM, "Select")->state == HA_KEY_PRESENT);
	}
	if (c.snap[0])
		CHECK_INT(c.snap[0]->role[HA_SOFTWARE].status, HA_HS_OK);
	if (c.snap[2])
		CHECK_INT(c.snap[2]->role[HA_SOFTWARE].status, HA_HS_OK);
	free_collected(&c);

	/* A hang is cut by the wall-clock limit. */
	t0 = time(NULL);
	run_pool(&f, "hang:CHARLIE:SYSTEM", 2, &c);
	CHECK(time(NULL) - t0 < 20);
	if (c.snap[2]) {
		CHECK_INT(c.snap[2]->role[HA_SYSTEM].status, HA_HS_UNREADABLE);
		CHECK_HAS(c.snap[2]->role[HA_SYSTEM].reason, "worker timed out after 2 s");
		CHECK_INT(c.snap[2]->role[HA_SOFTWARE].status, HA_HS_OK);
	} else {
		CHECK(0);
	}
	CHECK(c.snap[0] && c.snap[0]->role[HA_SYSTEM].status == HA_HS_OK);
	free_collected(&c);

	/* A crash on every file: each is blamed in turn, then the host is
	 * reported with both hives unreadable. */
	run_pool(&f, "crash:ALPHA", 30, &c);
	if (c.snap[0]) {
		CHECK_INT(c.snap[0]->role[HA_SYSTEM].status, HA_HS_UNREADABLE);
		CHECK_INT(c.snap[0]->role[HA_SOFTWARE].status, HA_HS_UNREADABLE);
	} else {
		CHECK(0);
	}
	free_collected(&c);
	ha_fleet_free(&f);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_baseblock),
	        CHECK_CASE(test_layout_flat_and_logs),
	        CHECK_CASE(test_layout_disk),
	        CHECK_CASE(test_layout_renamed_by_content),
	        CHECK_CASE(test_layout_symlinks_and_specials),
	        CHECK_CASE(test_layout_hard_links),
	        CHECK_CASE(test_layout_errors),
	        CHECK_CASE(test_i12_4_discovery_stops),
	        CHECK_CASE(test_i12_5_links_and_deep_trees),
	        CHECK_CASE(test_i12_5_unreadable_folders),
	        CHECK_CASE(test_hive_statuses),
	        CHECK_CASE(test_hive_reasons_from_workers),
	        CHECK_CASE(test_control_set_fallbacks),
	        CHECK_CASE(test_name_traps),
	        CHECK_CASE(test_pool_crash_and_hang),
	};
	int rc;

	tmp = tu_tempdir("ingest");
	if (!tmp)
		return 1;
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	if (!rc)
		tu_rmtree(tmp);
	free(tmp);
	pjoin_free();
	return rc;
}
