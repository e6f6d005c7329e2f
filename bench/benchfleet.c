/* benchfleet.c: builds the benchmark fleet, N hosts with hives of realistic
 * size and shape.
 *
 * (Over 1,000 lines: it lays out every key family of a realistic SYSTEM and
 * SOFTWARE hive and the sixteen host profiles; benchmark code only.)
 *
 * Each host gets a SYSTEM hive of about 12 MiB (two control sets, hundreds of
 * services, the device tree, the driver database) and a SOFTWARE hive of
 * about 60 MiB (COM classes, 5 000 update packages under Component Based
 * Servicing, 300 root certificates with real-size blobs, tens of thousands of
 * Installer components, uninstall entries, time zones, ...), sizes varied by
 * +-10 % per host.  --small makes hives of about 1 MiB with the same shape,
 * for scaling runs with many hosts.
 *
 * Into that noise each host gets the keys the TLS 1.2 rules read, from one of
 * the profiles below.  A profile mirrors the rule-relevant content of a host
 * of the sample fleet (samples/mkfleet.c) and carries the statuses a scan
 * with --as-of 2026-01-01 must give; they are written to expected.csv, which
 * the bench's self-test compares with a scan.  The noise stays away from every
 * key a rule reads, so it never changes a status.
 *
 * usage: benchfleet [--hosts N] [--small] [--seed S] [-j N] --certs DIR OUTDIR
 *
 * Output: OUTDIR/hostNNNNN/{SYSTEM,SOFTWARE}, OUTDIR/expected.csv (host,
 * profile, rule_id, status) and OUTDIR/fleet.tsv (one line per hive: host,
 * profile, hive, bytes, keys, values).  The same seed gives the same bytes;
 * hosts are independent of each other, so -j only changes the speed.
 *
 * Hives are written by regfw.c, not hivex: hivex's writer is quadratic for
 * wide keys (reference/hivex.md section 6). */
#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "regfw.h"

#define MIB ((uint64_t)1 << 20)
/* 2024-03-01T12:00:00Z, as in the sample fleet; key times go back 3 years. */
#define BASE_TIME 133536528000000000LL
#define YEAR_FT   (365LL * 24 * 3600 * 10000000LL)

/* ---------------------------------------------------------------- random */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed * 0x100000001B3ull ^ stream;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, and the same sequence on every machine. */
static uint64_t next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static unsigned below(struct rng *r, unsigned n)
{
	return n ? (unsigned)(next(r) % n) : 0;
}
static unsigned between(struct rng *r, unsigned lo, unsigned hi)
{
	return lo + below(r, hi - lo + 1);
}
static double unit(struct rng *r)
{
	return (double)(next(r) >> 11) / 9007199254740992.0;
}
static int chance(struct rng *r, unsigned pct)
{
	return below(r, 100) < pct;
}

/* ------------------------------------------------------------ the builder */

struct gen {
	struct rw_hive *h;
	struct rng r;
	double scale; /* 1 for a realistic hive, less for --small */
	int failed;   /* sticky: any failed call below sets it */
	char why[256];
};

static void fail(struct gen *g, const char *what)
{
	if (!g->failed)
		snprintf(g->why, sizeof g->why, "%s", what);
	g->failed = 1;
}

/* The key at a printf-style path below `from`, created as needed. */
static struct rw_key *P(struct gen *g, struct rw_key *from, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static struct rw_key *P(struct gen *g, struct rw_key *from, const char *fmt, ...)
{
	char path[1024];
	struct rw_key *k;
	va_list ap;
	int n;

	if (!from)
		return NULL;
	va_start(ap, fmt);
	n = vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof path) {
		fail(g, "path too long");
		return NULL;
	}
	k = rw_path(g->h, from, path);
	if (!k)
		fail(g, "cannot create a key");
	return k;
}

/* A new child (no duplicate check: callers make names unique). */
static struct rw_key *K(struct gen *g, struct rw_key *parent, const char *name)
{
	struct rw_key *k;

	if (!parent)
		return NULL;
	k = rw_add(g->h, parent, name);
	if (!k) {
		fail(g, "cannot add a key");
		return NULL;
	}
	rw_set_time(k, BASE_TIME - (int64_t)(unit(&g->r) * 3 * YEAR_FT));
	return k;
}

static void vraw(struct gen *g, struct rw_key *k, const char *name, uint32_t type, const void *d,
                 size_t n)
{
	if (k && rw_add_value(g->h, k, name, type, d, n))
		fail(g, "cannot add a value");
}

/* REG_SZ / REG_EXPAND_SZ from ASCII text. */
static void vsz_t(struct gen *g, struct rw_key *k, const char *name, uint32_t type, const char *s)
{
	uint8_t u[2 * 1024 + 2];
	size_t n = strlen(s), i;

	if (n > 1024)
		n = 1024;
	for (i = 0; i < n; i++) {
		u[2 * i] = (uint8_t)s[i];
		u[2 * i + 1] = 0;
	}
	u[2 * n] = u[2 * n + 1] = 0;
	vraw(g, k, name, type, u, 2 * n + 2);
}

static void vsz(struct gen *g, struct rw_key *k, const char *name, const char *s)
{
	vsz_t(g, k, name, RW_SZ, s);
}

static void vdw(struct gen *g, struct rw_key *k, const char *name, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	vraw(g, k, name, RW_DWORD, b, 4);
}

static void vqw(struct gen *g, struct rw_key *k, const char *name, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	vraw(g, k, name, RW_QWORD, b, 8);
}

static void vbin(struct gen *g, struct rw_key *k, const char *name, size_t n)
{
	uint8_t b[RW_MAX_DATA];
	size_t i;

	if (n > sizeof b)
		n = sizeof b;
	for (i = 0; i < n; i += 8) {
		uint64_t x = next(&g->r);

		memcpy(b + i, &x, n - i < 8 ? n - i : 8);
	}
	vraw(g, k, name, RW_BINARY, b, n);
}

/* REG_MULTI_SZ of `n` strings made by `make`. */
static void vmulti(struct gen *g, struct rw_key *k, const char *name, const char *const *s,
                   size_t n)
{
	if (k && rw_set_multi(g->h, k, name, s, n))
		fail(g, "cannot add a multi-string value");
}

/* A count for this hive: `real` at full size, scaled, varied by +-15 %. */
static unsigned cnt(struct gen *g, unsigned real, unsigned min)
{
	double v = real * g->scale * (0.85 + 0.3 * unit(&g->r));

	return v < min ? min : (unsigned)(v + 0.5);
}

/* ------------------------------------------------------------ word salad */

static const char *const words[] = {
        "Audio",     "Video",    "Storage",   "Security",  "Client",    "Server",    "Manager",
        "Provider",  "Runtime",  "Framework", "Component", "Shell",     "Data",      "Remote",
        "Desktop",   "Print",    "Spooler",   "Sync",      "Cloud",     "Backup",    "Search",
        "Index",     "Power",    "Policy",    "Event",     "Log",       "Time",      "Zone",
        "Cache",     "Store",    "Crypto",    "Key",       "Trust",     "Media",     "Player",
        "Graphics",  "Display",  "Input",     "Touch",     "Sensor",    "Location",  "Bluetooth",
        "Wireless",  "Ethernet", "Adapter",   "Virtual",   "Hyper",     "Container", "Diagnostics",
        "Telemetry", "Error",    "Report",    "Task",      "Scheduler", "Session",   "User",
        "Profile",   "Account",  "Group",     "Domain",    "Directory", "Name",      "Resolver",
        "Cluster",   "File",     "Share",     "Volume",    "Shadow",    "Copy",      "Disk",
        "Partition", "Boot",     "Config",    "Setup",     "Install",   "Package",   "Feature",
        "Module",    "Plugin",   "Extension", "Helper",    "Agent",     "Monitor",   "Performance",
        "Counter",   "Library",  "Loader",    "Proxy",     "Stub",      "Interface", "Object",
        "Factory",   "Broker",   "Host",      "Network",   "Device",    "Driver",    "Update",
        "Service",   "System",   "Core",      "Edge",      "Mobile",    "Smart",     "Card",
        "Reader",    "Bridge",   "Router",    "Gateway",   "Filter",    "Stack",     "Queue",
        "Channel",
};
#define NWORDS (sizeof words / sizeof words[0])

static const char *word(struct gen *g)
{
	return words[below(&g->r, NWORDS)];
}

/* "WordWord...": `n` words run together into buf. */
static char *pascal(struct gen *g, char *buf, size_t len, int n)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s", word(g));
	return buf;
}

static char *guid(struct gen *g, char buf[39])
{
	uint64_t a = next(&g->r), b = next(&g->r);

	snprintf(buf, 39, "{%08X-%04X-%04X-%04X-%012llX}", (unsigned)(a >> 32),
	         (unsigned)(a >> 16) & 0xFFFF, (unsigned)a & 0xFFFF, (unsigned)(b >> 48),
	         (unsigned long long)(b & 0xFFFFFFFFFFFFull));
	return buf;
}

/* 32 upper-case hex digits, as Installer's packed GUIDs. */
static char *packed(struct gen *g, char buf[33])
{
	snprintf(buf, 33, "%016llX%016llX", (unsigned long long)next(&g->r),
	         (unsigned long long)next(&g->r));
	return buf;
}

static char *dll_path(struct gen *g, char *buf, size_t len)
{
	static const char *const dirs[] = {"%SystemRoot%\\System32", "%SystemRoot%\\SysWOW64",
	                                   "C:\\Program Files\\Common Files\\microsoft shared",
	                                   "%ProgramFiles%\\Windows Defender",
	                                   "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319"};
	char w[64];

	snprintf(buf, len, "%s\\%s.dll", dirs[below(&g->r, 5)], pascal(g, w, sizeof w, 2));
	return buf;
}

/* --------------------------------------------------------- certificates */

/* The real certificates named by the profiles, loaded once per process. */
struct pem {
	const char *name;
	unsigned char *der;
	int len;
	char thumb[41];
};

static const char *certdir;
static struct pem pems[16];
static size_t npems;

static const struct pem *load_pem(const char *name)
{
	char path[4096];
	unsigned char md[20];
	unsigned int mdlen = 0, i;
	struct pem *p;
	X509 *x;
	FILE *f;

	for (i = 0; i < npems; i++)
		if (!strcmp(pems[i].name, name))
			return &pems[i];
	if (npems == sizeof pems / sizeof pems[0])
		return NULL;
	snprintf(path, sizeof path, "%s/%s.pem", certdir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return NULL;
	p = &pems[npems];
	p->der = NULL;
	p->len = i2d_X509(x, &p->der);
	X509_free(x);
	if (p->len <= 0 || EVP_Digest(p->der, (size_t)p->len, md, &mdlen, EVP_sha1(), NULL) != 1)
		return NULL;
	for (i = 0; i < 20; i++)
		snprintf(p->thumb + 2 * i, 3, "%02X", md[i]);
	p->name = name;
	npems++;
	return p;
}

static size_t prop(uint8_t *b, uint32_t id, const void *data, uint32_t n)
{
	uint32_t h[3] = {id, 1, n};
	size_t i;

	for (i = 0; i < 3; i++) {
		b[4 * i] = (uint8_t)h[i];
		b[4 * i + 1] = (uint8_t)(h[i] >> 8);
		b[4 * i + 2] = (uint8_t)(h[i] >> 16);
		b[4 * i + 3] = (uint8_t)(h[i] >> 24);
	}
	memcpy(b + 12, data, n);
	return 12 + n;
}

/* A store entry: key <SHA-1 of the DER> with a Blob of serialized
 * properties, the DER last, as Windows writes them. */
static void cert_entry(struct gen *g, struct rw_key *store, const uint8_t *der, size_t len,
                       const char *friendly)
{
	uint8_t blob[RW_MAX_DATA], md[20], kid[20], fn[200];
	unsigned int mdlen = 0, i;
	char thumb[41];
	size_t n = 0, fl = strlen(friendly);
	struct rw_key *k;

	if (!store || len > 8000 || fl > 90 ||
	    EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL) != 1) {
		fail(g, "cannot make a certificate entry");
		return;
	}
	for (i = 0; i < 20; i++) {
		snprintf(thumb + 2 * i, 3, "%02X", md[i]);
		kid[i] = (uint8_t)next(&g->r);
	}
	for (i = 0; i <= fl; i++) {
		fn[2 * i] = i < fl ? (uint8_t)friendly[i] : 0;
		fn[2 * i + 1] = 0;
	}
	n += prop(blob + n, 3, md, 20);                      /* SHA-1 */
	n += prop(blob + n, 0x14, kid, 20);                  /* key identifier */
	n += prop(blob + n, 0x0B, fn, 2 * (uint32_t)fl + 2); /* friendly name */
	n += prop(blob + n, 0x20, der, (uint32_t)len);       /* the certificate */
	k = K(g, store, thumb);
	vraw(g, k, "Blob", RW_BINARY, blob, n);
}

/* A certificate-shaped DER of real size (600-1900 bytes) that is no real
 * certificate: no rule asks for its thumbprint, so nothing parses it. */
static void fake_cert(struct gen *g, struct rw_key *store)
{
	uint8_t der[2000];
	size_t len = between(&g->r, 600, 1900), i;
	char fn[64];

	der[0] = 0x30;
	der[1] = 0x82;
	der[2] = (uint8_t)((len - 4) >> 8);
	der[3] = (uint8_t)(len - 4);
	for (i = 4; i < len; i++)
		der[i] = (uint8_t)next(&g->r);
	snprintf(fn, sizeof fn, "%s %s Root CA %u", word(g), word(g), between(&g->r, 1, 9));
	cert_entry(g, store, der, len, fn);
}

static void real_cert(struct gen *g, struct rw_key *store, const char *name)
{
	const struct pem *p = load_pem(name);

	if (!p) {
		fail(g, "cannot read a certificate PEM (check --certs)");
		return;
	}
	cert_entry(g, store, p->der, (size_t)p->len, name);
}

/* ------------------------------------------------------------- profiles */

#include "hostparts.h"

/* What every host has (as the sample fleet's base layer). */
static const struct op base[] = {
        S(SYS, "CCS\\Services\\Tcpip\\Parameters", "Domain", "corp.contoso.com"),
        S(SYS, "CCS\\Services\\Tcpip\\Parameters", "NV Domain", "corp.contoso.com"),
        D(SYS, PROTO "\\SSL 2.0\\Client", "DisabledByDefault", 1),
        D(SYS, "CCS\\Control\\Lsa", "LimitBlankPasswordUse", 1),
        S(SYS, "CCS\\Control\\TimeZoneInformation", "TimeZoneKeyName", "W. Europe Standard Time"),
        S(SW, "Microsoft\\Windows\\CurrentVersion", "ProgramFilesDir", "C:\\Program Files"),
        S(SW, "Microsoft\\Windows\\CurrentVersion", "CommonFilesDir",
          "C:\\Program Files\\Common Files"),
        PK("KB2533552", 0x70),
        PK("KB2999226", 0x70),
        PK("KB3020369", 0x70),
        PK("KB3125574", 0x70),
        PK("KB3172605", 0x70),
        PK("KB4474419", 0x70),
        PK("KB4490628", 0x70),
        PK("KB4516115", 0x50),
        PK("KB4534310", 0x70),
        PK("KB4538483", 0x70),
        PK("KB4556836", 0x50),
        PK("KB4565524", 0x70),
        PK("KB4592471", 0x70),
        PK("KB5000851", 0x70),
        PK("KB5001335", 0x70),
        PK("KB5006743", 0x70),
        PK("KB5012626", 0x70),
        PK("KB5017361", 0x70),
        PK("KB5022338", 0x70),
        PK("KB5034169", 0x70),
        C(AUTHROOT, "isrg-root-x1"),
        C(AUTHROOT, "globalsign-root-ca"),
        C(AUTHROOT, "amazon-root-ca-1"),
        C(AUTHROOT, "go-daddy-root-g2"),
        C(AUTHROOT, "usertrust-rsa"),
        DONE,
};

static const struct op kb3140245[] = {PK("KB3140245", 0x70), DONE};

/* Everything the Azure Backup article asks of 2008 R2 SP1 but the roots. */
static const struct op r2_noroots[] = {
        INC(os_2008r2_sp1), INC(schannel_on), INC(netfx_native), INC(netfx_wow),
        INC(netfx48),       INC(winhttp_on),  INC(kb3140245),    DONE,
};

static const struct op good_2008r2[] = {INC(r2_noroots), INC(roots), DONE};

#define OPS(...) ((const struct op[]){__VA_ARGS__, DONE})

/* The rules of the built-in pack, in the order of samples/expected.csv. */
static const char *const rule_ids[] = {
        "OS-TLS12-CAPABLE",
        "KB-TLS12-PREREQ",
        "WINHTTP-TLS12",
        "WINHTTP-TLS12-WOW64",
        "SCHANNEL-TLS12-CLIENT",
        "SCHANNEL-CIPHER-SUITES",
        "FIPS-MODE",
        "SCHANNEL-TLS13-CLIENT",
        "NETFX35-TLS12",
        "NETFX-TLS12",
        "NETFX-TLS12-WOW64",
        "NETFX-VERSION",
        "ROOTCA-DIGICERT-GLOBAL-G2",
        "ROOTCA-DIGICERT-GLOBAL-CA",
        "ROOTCA-BALTIMORE",
        "ROOTCA-DTRUST-CLASS3-2009",
        "ROOTCA-MS-RSA-2017",
        "ROOTCA-MS-ECC-2017",
        "ROOTCA-AUTOUPDATE",
        "HIVE-INTEGRITY",
        "SCHANNEL-LEGACY-PROTOCOLS",
        "BACKUP-AGENT",
};
#define NRULES (sizeof rule_ids / sizeof rule_ids[0])

/* Status letters, in rule_ids order: P PASS, F FAIL, W WARN,
 * N NOT_APPLICABLE, U UNKNOWN.  Each is the sample host's row in
 * samples/expected.csv (as of 2026-01-01), named in `mirrors`. */
struct profile {
	const char *name;
	const char *mirrors;
	unsigned weight; /* share of the fleet, out of the sum of weights */
	int x86;
	int dirty_software;
	const struct op *ops;
	const char *expect;
};

static const struct profile profiles[] = {
        {"r2-ready", "srv2008r2-sp1", 20, 0, 0, good_2008r2, "PPPPPWPNPPPPPPWPPPPPWW"},
        {"2016-mars", "srv2016", 14, 0, 0,
         OPS(INC(os_2016), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(mars)),
         "PNNNPPPNPPPPPPWPPPPPWP"},
        {"2019-hardened", "srv2019", 10, 0, 0,
         OPS(INC(os_2019), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             INC(legacy_off), INC(mars)),
         "PNNNPPPNPPPPPPWPPPPPPP"},
        {"2022-dpm", "srv2022", 8, 0, 0,
         OPS(INC(os_2022), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(dpm)),
         "PNNNPPPPPPPPPPWPPPPPWP"},
        {"2012r2-mars", "srv2012r2", 10, 0, 0,
         OPS(INC(os_2012r2), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             INC(mars)),
         "PNNNPWPNPPPPPPWPPPPPWP"},
        {"2012-ready", "srv2012", 5, 0, 0,
         OPS(INC(os_2012), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(winhttp_on),
             INC(kb3140245), INC(roots)),
         "PPPPPWPNPPPPPPWPPPPPWW"},
        {"2003", "srv2003", 2, 1, 0, OPS(INC(os_2003_sp2)), "FNNNNNNNNNNNNNNNNNNPNN"},
        {"2008-nokb", "srv2008-sp2-nokb", 3, 0, 0,
         OPS(INC(os_2008_sp2), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx46),
             INC(roots)),
         "PFNNPNPNPPPPPPWPPPPPWW"},
        {"r2-kb-staged", "mis-kb-staged", 4, 0, 0, OPS(INC(good_2008r2), PK("KB3140245", 0x40)),
         "PFPPPWPNPPPPPPWPPPPPWW"},
        {"r2-schannel-off", "mis-schannel-zero", 5, 0, 0,
         OPS(INC(good_2008r2), D(SYS, T12C, "Enabled", 0)), "PPPPFWPNPPPPPPWPPPPPWW"},
        {"r2-netfx-wow-missing", "mis-netfx-wow-missing", 4, 0, 0,
         OPS(INC(os_2008r2_sp1), INC(schannel_on), INC(netfx_native), INC(netfx48), INC(winhttp_on),
             INC(kb3140245), INC(roots)),
         "PPPPPWPNPPFPPPWPPPPPWW"},
        {"r2-roots-missing", "mis-roots-missing", 4, 0, 0, r2_noroots, "PPPPPWPNPPPPWWWWWWPPWW"},
        {"r2-winhttp-no800", "mis-winhttp-no800", 3, 0, 0,
         OPS(INC(good_2008r2), D(SW, WINHTTP, "DefaultSecureProtocols", 0xA0)),
         "PPFPPWPNPPPPPPWPPPPPWW"},
        {"win7-x86", "win7-sp1-x86", 3, 1, 0,
         OPS(INC(os_win7_sp1_x86), INC(schannel_on), INC(netfx_native), INC(netfx48),
             D(SW, WINHTTP, "DefaultSecureProtocols", 0xA80), INC(kb3140245), INC(roots)),
         "PPPNPWPNPPNPPPWPPPPPWW"},
        {"r2-dirty", "dmg-dirty", 2, 0, 1, good_2008r2, "UUUUPUPNUUUUUUUUUUUWWU"},
        {"r2-roots-noautoupdate", "mis-roots-noautoupdate", 2, 0, 0,
         OPS(INC(r2_noroots), D(SW, AUPOL, "DisableRootAutoUpdate", 1)), "PPPPPWPNPPPPFFWFFFFPWW"},
};
#define NPROFILES (sizeof profiles / sizeof profiles[0])

/* ----------------------------------------------------------- applying ops */

struct hives {
	struct gen *g[2];
	int ncs;
};

static void apply(struct hives *hv, const struct op *o)
{
	struct gen *g = hv->g[o->hive];
	char path[1024];
	int cs, ncs;

	if (o->k == INCLUDE) {
		const struct op *p;

		for (p = o->inc; p->k != END; p++)
			apply(hv, p);
		return;
	}
	if (o->k == CERT) {
		real_cert(hv->g[SW], P(hv->g[SW], rw_root(hv->g[SW]->h), "%s", o->path), o->name);
		return;
	}
	if (o->k == PKG) {
		struct rw_key *k =
		        P(g, rw_root(g->h), CBS "\\Package_for_%s~31bf3856ad364e35~amd64~~6.1.1.0",
		          o->name);

		if (k && (rw_set_dword(g->h, k, "CurrentState", (uint32_t)o->num) ||
		          rw_set_dword(g->h, k, "InstallClient", 1) ||
		          rw_set_sz(g->h, k, "InstallLocation", RW_SZ,
		                    "\\\\?\\C:\\Windows\\SoftwareDistribution\\Download")))
			fail(g, "cannot add a package");
		return;
	}
	if (o->k != SZ && o->k != DW) { /* the sample fleet's other kinds are not used here */
		fail(g, "a profile uses an operation this generator does not write");
		return;
	}
	ncs = strncmp(o->path, "CCS", 3) ? 1 : hv->ncs;
	for (cs = 1; cs <= ncs; cs++) {
		struct rw_key *k;
		int rc;

		if (!strncmp(o->path, "CCS", 3))
			snprintf(path, sizeof path, "ControlSet%03d%s", cs, o->path + 3);
		else
			snprintf(path, sizeof path, "%s", o->path);
		k = P(g, rw_root(g->h), "%s", path);
		if (!k)
			return;
		rc = o->k == SZ ? rw_set_sz(g->h, k, o->name, RW_SZ, o->str)
		                : rw_set_dword(g->h, k, o->name, (uint32_t)o->num);
		if (rc)
			fail(g, "cannot set a value");
	}
}

/* ------------------------------------------------------- SOFTWARE noise */

/* A small vendor-style subtree: a few keys with a few values each. */
static void tree(struct gen *g, struct rw_key *parent, int depth, unsigned maxkids)
{
	unsigned n = between(&g->r, 1, maxkids), i, j;
	char b[128], w[96];

	for (i = 0; i < n; i++) {
		struct rw_key *k;
		unsigned nv = between(&g->r, 0, 6);

		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 1 + (int)below(&g->r, 2)), i);
		k = K(g, parent, b);
		for (j = 0; j < nv; j++) {
			snprintf(b, sizeof b, "%s%u",
			         pascal(g, w, sizeof w, 1 + (int)below(&g->r, 2)), j);
			switch (below(&g->r, 5)) {
			case 0: vdw(g, k, b, (uint32_t)next(&g->r)); break;
			case 1: vbin(g, k, b, between(&g->r, 8, 120)); break;
			case 2: vsz(g, k, b, dll_path(g, w, sizeof w)); break;
			default:
				vsz(g, k, b, pascal(g, w, sizeof w, 1 + (int)below(&g->r, 3)));
				break;
			}
		}
		if (depth > 0 && chance(&g->r, 35))
			tree(g, k, depth - 1, maxkids);
	}
}

static void classes(struct gen *g, struct rw_key *cls, int wow)
{
	char b[256], gd[39], gd2[39], w[96], p[300];
	unsigned i, n;
	struct rw_key *k, *c;

	if (!wow) {
		n = cnt(g, 1200, 20);
		for (i = 0; i < n; i++) {
			snprintf(b, sizeof b, ".%c%c%u", 'a' + below(&g->r, 26),
			         'a' + below(&g->r, 26), i);
			k = K(g, cls, b);
			snprintf(p, sizeof p, "%s.%s.%u", word(g), word(g), i);
			vsz(g, k, "", p);
			if (chance(&g->r, 40)) {
				snprintf(p, sizeof p, "application/x-%s", word(g));
				vsz(g, k, "Content Type", p);
			}
			if (chance(&g->r, 50))
				vraw(g, K(g, k, "OpenWithProgids"), b + 1, 0, NULL, 0);
		}
		n = cnt(g, 2500, 20);
		for (i = 0; i < n; i++) {
			snprintf(b, sizeof b, "%s.%s.%u", word(g), word(g), i);
			k = K(g, cls, b);
			vsz(g, k, "", pascal(g, w, sizeof w, 3));
			vsz(g, K(g, k, "CLSID"), "", guid(g, gd));
			if (chance(&g->r, 30)) {
				snprintf(p, sizeof p, "%s.1", b);
				vsz(g, K(g, k, "CurVer"), "", p);
			}
		}
	}
	c = P(g, cls, "CLSID");
	n = cnt(g, wow ? 3000 : 18000, 30);
	for (i = 0; i < n; i++) {
		k = K(g, c, guid(g, gd));
		vsz(g, k, "", pascal(g, w, sizeof w, 3));
		{
			struct rw_key *ip = K(g, k, "InprocServer32");

			vsz_t(g, ip, "", RW_EXPAND_SZ, dll_path(g, p, sizeof p));
			vsz(g, ip, "ThreadingModel", chance(&g->r, 70) ? "Both" : "Apartment");
		}
		if (chance(&g->r, 30)) {
			snprintf(p, sizeof p, "%s.%s.1", word(g), word(g));
			vsz(g, K(g, k, "ProgID"), "", p);
		}
		if (chance(&g->r, 20))
			K(g, K(g, k, "Implemented Categories"), guid(g, gd2));
	}
	if (wow)
		return;
	c = P(g, cls, "Interface");
	n = cnt(g, 9000, 20);
	for (i = 0; i < n; i++) {
		k = K(g, c, guid(g, gd));
		snprintf(p, sizeof p, "I%s", pascal(g, w, sizeof w, 2));
		vsz(g, k, "", p);
		vsz(g, K(g, k, "ProxyStubClsid32"), "", guid(g, gd2));
		if (chance(&g->r, 50)) {
			snprintf(p, sizeof p, "%u", between(&g->r, 3, 60));
			vsz(g, K(g, k, "NumMethods"), "", p);
		}
	}
	c = P(g, cls, "TypeLib");
	n = cnt(g, 800, 5);
	for (i = 0; i < n; i++) {
		struct rw_key *v;

		k = K(g, c, guid(g, gd));
		v = K(g, k, "1.0");
		vsz(g, v, "", pascal(g, w, sizeof w, 3));
		vsz(g, K(g, v, "FLAGS"), "", "0");
		vsz(g, K(g, v, "HELPDIR"), "", "%SystemRoot%\\system32");
		vsz(g, K(g, K(g, v, "0"), "win32"), "", dll_path(g, p, sizeof p));
	}
	c = P(g, cls, "AppID");
	n = cnt(g, 1000, 5);
	for (i = 0; i < n; i++) {
		k = K(g, c, guid(g, gd));
		vsz(g, k, "", pascal(g, w, sizeof w, 2));
		vsz(g, k, "AppID", gd);
		if (chance(&g->r, 30))
			vbin(g, k, "AccessPermission", between(&g->r, 60, 120));
	}
	c = P(g, cls, "Installer\\Products");
	n = cnt(g, 150, 3);
	for (i = 0; i < n; i++) {
		k = K(g, c, packed(g, b));
		vsz(g, k, "ProductName", pascal(g, w, sizeof w, 3));
		vsz(g, k, "PackageCode", packed(g, b));
		vdw(g, k, "Language", 1033);
		vdw(g, k, "Version", (uint32_t)next(&g->r));
		vdw(g, k, "Assignment", 1);
		vdw(g, k, "AdvertiseFlags", 388);
		vsz(g, K(g, K(g, k, "SourceList"), "Media"), "1", ";1");
	}
}

static void cbs(struct gen *g, struct rw_key *sw)
{
	static const char *const clients[] = {"WindowsUpdateAgent", "DISM Package Manager Provider",
	                                      "CbsTask", "UpdateAgentLCU"};
	static const uint32_t states[] = {0x70, 0x70, 0x70, 0x70, 0x70, 0x50, 0x50, 0x20, 0x80};
	struct rw_key *pk = P(g, sw, CBS), *k, *o;
	unsigned n = cnt(g, 5000, 80), i, kb;
	char name[256], w[96], p[300], h[33];

	for (i = 0; i < n; i++) {
		/* Never the two KBs the rules look for: those come from the profile. */
		do
			kb = between(&g->r, 2000000, 5099999);
		while (kb == 3140245 || kb == 4019276);
		switch (below(&g->r, 4)) {
		case 0:
			snprintf(name, sizeof name,
			         "Package_for_KB%u~31bf3856ad364e35~amd64~~6.1.%u.%u", kb,
			         between(&g->r, 1, 9), i + 1);
			break;
		case 1:
			snprintf(name, sizeof name,
			         "Package_%u_for_KB%u~31bf3856ad364e35~amd64~~6.1.%u.%u",
			         between(&g->r, 1, 90), kb, between(&g->r, 1, 9), i + 1);
			break;
		default:
			snprintf(name, sizeof name,
			         "Microsoft-Windows-%s-Package~31bf3856ad364e35~amd64~~10.0.%u.%u",
			         pascal(g, w, sizeof w, 2), between(&g->r, 14393, 20348), i + 1);
			break;
		}
		k = K(g, pk, name);
		vdw(g, k, "CurrentState", states[below(&g->r, 9)]);
		vsz(g, k, "InstallClient", clients[below(&g->r, 4)]);
		snprintf(p, sizeof p, "\\\\?\\C:\\Windows\\SoftwareDistribution\\Download\\%s",
		         packed(g, h));
		vsz(g, k, "InstallLocation", p);
		snprintf(p, sizeof p, "%s.mum", name);
		vsz(g, k, "InstallName", p);
		vdw(g, k, "InstallTimeHigh", 0x01D00000u + below(&g->r, 0x80000));
		vdw(g, k, "InstallTimeLow", (uint32_t)next(&g->r));
		vsz(g, k, "InstallUser", "S-1-5-18");
		vdw(g, k, "SelfUpdate", 0);
		vdw(g, k, "Visibility", chance(&g->r, 80) ? 2 : 1);
		if (chance(&g->r, 20))
			vdw(g, k, "LastError", 0x800F0922u);
		o = K(g, k, "Owners");
		vdw(g, o, name, 0x20070);
		if (chance(&g->r, 30)) {
			snprintf(p, sizeof p, "Package_for_RollupFix~31bf3856ad364e35~amd64~~%u.%u",
			         between(&g->r, 14393, 20348), i);
			vdw(g, o, p, 0x20070);
		}
	}
}

static void certs(struct gen *g, struct rw_key *sw)
{
	static const struct {
		const char *store;
		unsigned n, min;
	} stores[] = {{"ROOT", 24, 3},
	              {"AuthRoot", 265, 8},
	              {"CA", 20, 2},
	              {"Disallowed", 10, 1},
	              {"TrustedPublisher", 4, 1}};
	size_t s;
	unsigned i, n;
	struct rw_key *au;

	for (s = 0; s < sizeof stores / sizeof stores[0]; s++) {
		struct rw_key *c = P(g, sw, "Microsoft\\SystemCertificates\\%s\\Certificates",
		                     stores[s].store);

		n = cnt(g, stores[s].n, stores[s].min);
		for (i = 0; i < n; i++)
			fake_cert(g, c);
	}
	au = P(g, sw, "Microsoft\\SystemCertificates\\AuthRoot\\AutoUpdate");
	vbin(g, au, "EncodedCtl", g->scale < 0.5 ? 2000 : 16000);
	vbin(g, au, "LastSyncTime", 8);
	vsz(g, au, "RootDirUrl",
	    "http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en");
}

static void nt_currentversion(struct gen *g, struct rw_key *cv)
{
	char b[256], w[96], gd[39], p[300];
	unsigned i, n, j;
	struct rw_key *k, *c;

	/* Never a value a fact is read from: those come from the profile. */
	vsz(g, cv, "RegisteredOwner", "IT");
	vsz(g, cv, "RegisteredOrganization", "Contoso");
	vsz(g, cv, "SystemRoot", "C:\\Windows");
	vsz(g, cv, "PathName", "C:\\Windows");
	vsz(g, cv, "SoftwareType", "System");
	vdw(g, cv, "InstallDate", (uint32_t)(1500000000u + below(&g->r, 200000000)));
	vqw(g, cv, "InstallTime", (uint64_t)BASE_TIME - next(&g->r) % (uint64_t)(5 * YEAR_FT));
	vbin(g, cv, "DigitalProductId", 164);
	vbin(g, cv, "DigitalProductId4", 1272);
	vsz(g, cv, "ProductId",
	    "00377-60000-00000-AA"
	    "123");
	vsz(g, cv, "BuildLab", "7601.win7sp1_ldr.190612-0600");
	vsz(g, cv, "BuildGUID", guid(g, gd));

	c = P(g, cv, "Fonts");
	n = cnt(g, 400, 10);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s %u (TrueType)", pascal(g, w, sizeof w, 2), i);
		snprintf(p, sizeof p, "%.12s%u.ttf", w, i);
		vsz(g, c, b, p);
	}
	c = P(g, cv, "Image File Execution Options");
	n = cnt(g, 350, 5);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%u.exe", pascal(g, w, sizeof w, 1), i);
		k = K(g, c, b);
		if (chance(&g->r, 50))
			vdw(g, k, "DisableExceptionChainValidation", 0);
		if (chance(&g->r, 20))
			vdw(g, k, "MitigationOptions", (uint32_t)next(&g->r));
	}
	c = P(g, cv, "Time Zones");
	n = cnt(g, 140, 4);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s Standard Time %u", word(g), i);
		k = K(g, c, b);
		snprintf(p, sizeof p, "(UTC+%02u:00) %s, %s", below(&g->r, 13), word(g), word(g));
		vsz(g, k, "Display", p);
		vsz(g, k, "Dlt", b);
		vsz(g, k, "Std", b);
		vsz(g, k, "MUI_Display", "@tzres.dll,-110");
		vsz(g, k, "MUI_Dlt", "@tzres.dll,-111");
		vsz(g, k, "MUI_Std", "@tzres.dll,-112");
		vbin(g, k, "TZI", 44);
		if (chance(&g->r, 40)) {
			struct rw_key *d = K(g, k, "Dynamic DST");

			vdw(g, d, "FirstEntry", 2006);
			vdw(g, d, "LastEntry", 2006 + below(&g->r, 15));
			for (j = 0; j < 1 + below(&g->r, 12); j++) {
				snprintf(p, sizeof p, "%u", 2006 + j);
				vbin(g, d, p, 44);
			}
		}
	}
	c = P(g, cv, "ProfileList");
	for (i = 0; i < 8; i++) {
		snprintf(b, sizeof b, "S-1-5-21-%u-%u-%u-%u", (unsigned)(next(&g->r) >> 34),
		         (unsigned)(next(&g->r) >> 34), (unsigned)(next(&g->r) >> 34), 1000 + i);
		k = K(g, c, b);
		snprintf(p, sizeof p, "C:\\Users\\%s%u", word(g), i);
		vsz_t(g, k, "ProfileImagePath", RW_EXPAND_SZ, p);
		vdw(g, k, "Flags", 0);
		vdw(g, k, "State", 0);
		vbin(g, k, "Sid", 28);
		vdw(g, k, "RefCount", 0);
	}
	c = P(g, cv, "Schedule\\TaskCache\\Tasks");
	n = cnt(g, 250, 4);
	for (i = 0; i < n; i++) {
		k = K(g, c, guid(g, gd));
		snprintf(p, sizeof p, "\\Microsoft\\Windows\\%s\\%s", word(g),
		         pascal(g, w, sizeof w, 2));
		vsz(g, k, "Path", p);
		vbin(g, k, "Hash", 32);
		vbin(g, k, "Triggers", between(&g->r, 100, 400));
		vbin(g, k, "Actions", between(&g->r, 100, 300));
		vbin(g, k, "DynamicInfo", 28);
	}
	c = P(g, cv, "Winlogon");
	for (i = 0; i < 30; i++) {
		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), i);
		vsz(g, c, b, word(g));
	}
}

static void currentversion(struct gen *g, struct rw_key *sw, struct rw_key *cv, int wow)
{
	char b[256], w[96], gd[39], p[300], h[33];
	unsigned i, n, j;
	struct rw_key *k, *c;

	c = P(g, cv, "Uninstall");
	n = cnt(g, wow ? 120 : 250, 4);
	for (i = 0; i < n; i++) {
		k = K(g, c, guid(g, gd));
		vsz(g, k, "DisplayName", pascal(g, w, sizeof w, 3));
		snprintf(p, sizeof p, "%u.%u.%u", below(&g->r, 20), below(&g->r, 100),
		         below(&g->r, 9999));
		vsz(g, k, "DisplayVersion", p);
		vsz(g, k, "Publisher", word(g));
		snprintf(p, sizeof p, "2020%02u%02u", between(&g->r, 1, 12), between(&g->r, 1, 28));
		vsz(g, k, "InstallDate", p);
		snprintf(p, sizeof p, "C:\\Program Files\\%s\\", w);
		vsz(g, k, "InstallLocation", p);
		snprintf(p, sizeof p, "MsiExec.exe /X%s", gd);
		vsz_t(g, k, "UninstallString", RW_EXPAND_SZ, p);
		vsz_t(g, k, "ModifyPath", RW_EXPAND_SZ, p);
		vdw(g, k, "EstimatedSize", below(&g->r, 500000));
		vdw(g, k, "NoModify", 1);
		vdw(g, k, "NoRepair", 1);
		vdw(g, k, "VersionMajor", below(&g->r, 20));
		vdw(g, k, "VersionMinor", below(&g->r, 100));
		vdw(g, k, "Language", 1033);
	}
	if (wow)
		return;
	c = P(g, cv, "App Paths");
	n = cnt(g, 150, 3);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%u.exe", pascal(g, w, sizeof w, 1), i);
		k = K(g, c, b);
		snprintf(p, sizeof p, "C:\\Program Files\\%s\\%s", word(g), b);
		vsz(g, k, "", p);
		vsz(g, k, "Path", "C:\\Program Files\\Common Files");
	}
	c = P(g, cv, "Installer\\UserData\\S-1-5-18\\Products");
	n = cnt(g, 200, 3);
	for (i = 0; i < n; i++) {
		struct rw_key *ip = K(g, K(g, c, packed(g, h)), "InstallProperties");
		static const char *const names[] = {"AuthorizedCDFPrefix",
		                                    "Comments",
		                                    "Contact",
		                                    "DisplayVersion",
		                                    "HelpLink",
		                                    "HelpTelephone",
		                                    "InstallDate",
		                                    "InstallLocation",
		                                    "InstallSource",
		                                    "ModifyPath",
		                                    "Publisher",
		                                    "Readme",
		                                    "Size",
		                                    "URLInfoAbout",
		                                    "URLUpdateInfo",
		                                    "LocalPackage"};

		for (j = 0; j < sizeof names / sizeof names[0]; j++)
			vsz(g, ip, names[j], j % 3 ? word(g) : dll_path(g, p, sizeof p));
	}
	c = P(g, cv, "SideBySide\\Winners");
	n = cnt(g, 6000, 20);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "amd64_microsoft-windows-%s_31bf3856ad364e35_none_%016llx",
		         pascal(g, w, sizeof w, 2), (unsigned long long)next(&g->r));
		k = K(g, K(g, c, b), "10.0");
		snprintf(p, sizeof p, "10.0.%u.%u", between(&g->r, 14393, 20348),
		         below(&g->r, 3000));
		vsz(g, k, "", p);
		vbin(g, k, p, 1);
	}
	c = P(g, cv, "Component Based Servicing\\PackageDetect");
	n = cnt(g, 800, 5);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b,
		         "Microsoft-Windows-%s-Package~31bf3856ad364e35~amd64~~0.0.0.%u",
		         pascal(g, w, sizeof w, 2), i);
		k = K(g, c, b);
		for (j = 0; j < 1 + below(&g->r, 3); j++) {
			snprintf(p, sizeof p,
			         "Package_%u_for_KB%u~31bf3856ad364e35~amd64~~6.1.1.%u", j,
			         between(&g->r, 2000000, 3000000), i);
			vraw(g, k, p, 0, NULL, 0);
		}
	}
	tree(g, P(g, cv, "Explorer"), 2, 12);
	tree(g, P(g, cv, "Policies"), 1, 6);
	c = P(g, cv, "Run");
	for (i = 0; i < 6; i++) {
		snprintf(b, sizeof b, "%s%u", word(g), i);
		vsz(g, c, b, dll_path(g, p, sizeof p));
	}
	c = P(g, cv, "Internet Settings\\ZoneMap\\Domains");
	n = cnt(g, 50, 2);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%u.contoso.com", word(g), i);
		vdw(g, K(g, c, b), "https", 2);
	}
	(void)sw;
}

/* The rest of SOFTWARE's usual top level. */
static void software_misc(struct gen *g, struct rw_key *sw, int no_wow)
{
	char b[256], w[96], gd[39];
	unsigned i, n;
	struct rw_key *ms = P(g, sw, "Microsoft"), *c;

	n = cnt(g, 250, 10);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), i);
		tree(g, K(g, ms, b), 2, 6);
	}
	c = P(g, ms, ".NETFramework");
	vsz(g, c, "InstallRoot", "C:\\Windows\\Microsoft.NET\\Framework64\\");
	tree(g, P(g, c, "v2.0.50727"), 1, 4);
	c = P(g, ms, "NET Framework Setup\\NDP");
	/* Not NDP\v3.5: NETFX35-TLS12 reads it. */
	vdw(g, P(g, c, "v2.0.50727"), "Install", 1);
	vsz(g, P(g, ms, "Cryptography"), "MachineGuid", guid(g, gd));
	n = cnt(g, 12, 2);
	for (i = 0; i < n; i++) {
		struct rw_key *k;

		snprintf(b, sizeof b, "Microsoft %s Cryptographic Provider %u",
		         pascal(g, w, sizeof w, 2), i);
		k = K(g, P(g, ms, "Cryptography\\Defaults\\Provider"), b);
		vsz(g, k, "Image Path", "rsaenh.dll");
		vdw(g, k, "Type", 1);
		vbin(g, k, "SigInFile", 4);
	}
	tree(g, P(g, sw, "Policies\\Microsoft\\Windows"), 2, 8);
	tree(g, P(g, sw, "Clients"), 2, 10);
	tree(g, P(g, sw, "ODBC\\ODBCINST.INI"), 1, 20);
	tree(g, P(g, sw, "Intel"), 2, 6);
	tree(g, P(g, sw, "VMware, Inc."), 2, 6);
	P(g, sw, "OEM");
	P(g, sw, "Partner");
	P(g, sw, "Setup");
	P(g, sw, "DefaultUserEnvironment");
	c = P(g, sw, "RegisteredApplications");
	for (i = 0; i < 40; i++) {
		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), i);
		vsz(g, c, b, "Software\\Clients\\StartMenuInternet\\Capabilities");
	}
	if (!no_wow) {
		struct rw_key *wm = P(g, sw, "Wow6432Node\\Microsoft");

		classes(g, P(g, sw, "Wow6432Node\\Classes"), 1);
		currentversion(g, sw, P(g, wm, "Windows\\CurrentVersion"), 1);
		n = cnt(g, 60, 3);
		for (i = 0; i < n; i++) {
			snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), i);
			tree(g, K(g, wm, b), 1, 5);
		}
	}
}

/* Fills SOFTWARE up to `target` bytes with Windows Installer component
 * registrations, the bulk of a real SOFTWARE hive: two in three under
 * UserData, one in three under Classes, each key kept to 60 000 subkeys
 * (hivex refuses to list more than 70 000). */
static void software_topup(struct gen *g, struct rw_key *sw, uint64_t target)
{
	struct rw_key *ud = P(g, sw,
	                      "Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\"
	                      "S-1-5-18\\Components");
	struct rw_key *ci = P(g, sw, "Classes\\Installer\\Components");
	char h[33], h2[33], w[96], p[300];
	unsigned i = 0, j, nud = 0, nci = 0;

	while (!g->failed && rw_estimate(g->h) < target && (nud < 60000 || nci < 60000)) {
		struct rw_key *k;

		if ((i++ % 3 != 2 && nud < 60000) || nci >= 60000) {
			k = K(g, ud, packed(g, h));
			nud++;
			for (j = 0; j < 1 + below(&g->r, 3); j++) {
				snprintf(p, sizeof p, "C:\\Program Files\\%s\\%s\\%s.dll", word(g),
				         word(g), pascal(g, w, sizeof w, 2));
				vsz(g, k, packed(g, h2), p);
			}
		} else {
			const char *s[1];

			k = K(g, ci, packed(g, h));
			nci++;
			snprintf(p, sizeof p, "%s>%s", packed(g, h2), pascal(g, w, sizeof w, 2));
			s[0] = p;
			vmulti(g, k, packed(g, h2), s, 1);
		}
	}
}

static void build_software(struct gen *g, uint64_t target, int no_wow)
{
	struct rw_key *sw = rw_root(g->h);

	classes(g, P(g, sw, "Classes"), 0);
	cbs(g, sw);
	certs(g, sw);
	nt_currentversion(g, P(g, sw, "Microsoft\\Windows NT\\CurrentVersion"));
	currentversion(g, sw, P(g, sw, "Microsoft\\Windows\\CurrentVersion"), 0);
	software_misc(g, sw, no_wow);
	software_topup(g, sw, target);
}

/* --------------------------------------------------------- SYSTEM noise */

static char *b36(unsigned v, char *buf)
{
	static const char d[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char t[16];
	int n = 0, i;

	do {
		t[n++] = d[v % 36];
		v /= 36;
	} while (v && n < 15);
	for (i = 0; i < n; i++)
		buf[i] = t[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

static void services(struct gen *g, struct rw_key *cs)
{
	static const char *const objs[] = {"LocalSystem", "NT AUTHORITY\\LocalService",
	                                   "NT AUTHORITY\\NetworkService"};
	struct rw_key *sv = P(g, cs, "Services"), *k;
	unsigned n = cnt(g, 620, 40), i, j;
	char b[128], w[96], p[300], id[16];

	for (i = 0; i < n; i++) {
		int driver = chance(&g->r, 55);

		snprintf(b, sizeof b, "%s%s", pascal(g, w, sizeof w, 1 + (int)below(&g->r, 2)),
		         b36(i, id));
		k = K(g, sv, b);
		vdw(g, k, "Type", driver ? 1 : (chance(&g->r, 50) ? 0x20 : 0x10));
		vdw(g, k, "Start", below(&g->r, 5));
		vdw(g, k, "ErrorControl", below(&g->r, 2));
		if (driver)
			snprintf(p, sizeof p, "\\SystemRoot\\System32\\drivers\\%s.sys", b);
		else
			snprintf(p, sizeof p, "%%SystemRoot%%\\system32\\svchost.exe -k %s",
			         word(g));
		vsz_t(g, k, "ImagePath", RW_EXPAND_SZ, p);
		snprintf(p, sizeof p, "@%%SystemRoot%%\\system32\\%s.dll,-%u", b,
		         between(&g->r, 100, 999));
		vsz(g, k, "DisplayName", p);
		vsz(g, k, "Description", p);
		if (!driver)
			vsz(g, k, "ObjectName", objs[below(&g->r, 3)]);
		if (chance(&g->r, 30))
			vsz(g, k, "Group", pascal(g, w, sizeof w, 2));
		if (chance(&g->r, 30)) {
			const char *dep[3] = {"RpcSs", "Tcpip", "Afd"};

			vmulti(g, k, "DependOnService", dep, 1 + below(&g->r, 3));
		}
		if (!driver && chance(&g->r, 50))
			vdw(g, k, "ServiceSidType", 1);
		if (!driver && chance(&g->r, 25)) {
			const char *priv[6] = {
			        "SeChangeNotifyPrivilege", "SeCreateGlobalPrivilege",
			        "SeImpersonatePrivilege",  "SeAuditPrivilege",
			        "SeTcbPrivilege",          "SeIncreaseQuotaPrivilege"};

			vmulti(g, k, "RequiredPrivileges", priv, 2 + below(&g->r, 5));
		}
		if (!driver && chance(&g->r, 30))
			vbin(g, k, "FailureActions", between(&g->r, 20, 44));
		if (chance(&g->r, 50))
			vbin(g, K(g, k, "Security"), "Security", between(&g->r, 130, 210));
		if (chance(&g->r, 40)) {
			struct rw_key *pa = K(g, k, "Parameters");

			vsz_t(g, pa, "ServiceDll", RW_EXPAND_SZ, dll_path(g, p, sizeof p));
			for (j = 0; j < between(&g->r, 1, 4); j++) {
				snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), j);
				vdw(g, pa, b, (uint32_t)next(&g->r));
			}
		}
		if (chance(&g->r, 20)) {
			struct rw_key *en = K(g, k, "Enum");

			vdw(g, en, "Count", 1);
			vdw(g, en, "NextInstance", 1);
			vsz(g, en, "0", "ROOT\\LEGACY\\0000");
		}
	}
}

/* One Enum device instance with the values Plug and Play keeps. */
static void device(struct gen *g, struct rw_key *bus, const char *bname, unsigned i)
{
	char id[64], inst[64], p[300], gd[39], w[96];
	const char *hw[4];
	char hw0[160], hw1[160], hw2[160], hw3[160];
	struct rw_key *d, *k;
	unsigned j, m;

	snprintf(id, sizeof id, "VEN_%04X&DEV_%04X&SUBSYS_%08X&REV_%02X", below(&g->r, 0x10000),
	         below(&g->r, 0x10000), (unsigned)next(&g->r), below(&g->r, 256));
	snprintf(inst, sizeof inst, "%u&%08x&0&%02X", below(&g->r, 8), (unsigned)next(&g->r),
	         i & 0xFF);
	d = K(g, bus, id);
	m = 1 + (chance(&g->r, 20) ? 1 : 0);
	for (j = 0; j < m; j++) {
		if (j)
			inst[0] = (char)('a' + j);
		k = K(g, d, inst);
		snprintf(p, sizeof p, "@%s.inf,%%%s%%;%s", word(g), word(g),
		         pascal(g, w, sizeof w, 3));
		vsz(g, k, "DeviceDesc", p);
		snprintf(p, sizeof p, "%s bus %u, device %u, function %u", bname, below(&g->r, 8),
		         below(&g->r, 32), below(&g->r, 8));
		vsz(g, k, "LocationInformation", p);
		vdw(g, k, "Capabilities", below(&g->r, 0x100));
		vdw(g, k, "UINumber", below(&g->r, 64));
		vdw(g, k, "Address", (uint32_t)next(&g->r));
		snprintf(hw0, sizeof hw0, "%s\\%s", bname, id);
		snprintf(hw1, sizeof hw1, "%s\\%.30s", bname, id);
		snprintf(hw2, sizeof hw2, "%s\\%.17s", bname, id);
		snprintf(hw3, sizeof hw3, "%s\\CC_%06X", bname, below(&g->r, 0x1000000));
		hw[0] = hw0;
		hw[1] = hw1;
		hw[2] = hw2;
		hw[3] = hw3;
		vmulti(g, k, "HardwareID", hw, 4);
		vmulti(g, k, "CompatibleIDs", hw + 2, 2);
		vsz(g, k, "ContainerID", guid(g, gd));
		vdw(g, k, "ConfigFlags", 0);
		vsz(g, k, "ClassGUID", guid(g, gd));
		snprintf(p, sizeof p, "%s\\%04u", gd, below(&g->r, 20));
		vsz(g, k, "Driver", p);
		vsz(g, k, "Mfg", word(g));
		vsz(g, k, "Service", word(g));
		if (chance(&g->r, 70)) {
			struct rw_key *dp = K(g, k, "Device Parameters");
			unsigned q, nq = between(&g->r, 1, 5);

			for (q = 0; q < nq; q++) {
				snprintf(p, sizeof p, "%s%u", pascal(g, w, sizeof w, 2), q);
				vdw(g, dp, p, (uint32_t)next(&g->r));
			}
		}
		if (chance(&g->r, 40))
			vbin(g, K(g, k, "LogConf"), "BootConfig", between(&g->r, 60, 300));
		if (chance(&g->r, 60)) {
			struct rw_key *pr = K(g, k, "Properties");
			unsigned q, nq = between(&g->r, 3, 9);

			for (q = 0; q < nq; q++) {
				struct rw_key *pg = K(g, pr, guid(g, gd));
				unsigned r, nr = between(&g->r, 1, 3);

				for (r = 0; r < nr; r++) {
					snprintf(p, sizeof p, "%04u", r + 2);
					vbin(g, K(g, pg, p), "", between(&g->r, 8, 40));
				}
			}
		}
	}
}

static void control(struct gen *g, struct rw_key *cs)
{
	struct rw_key *ctl = P(g, cs, "Control"), *k, *c, *e;
	char b[256], w[96], gd[39], gd2[39], p[600];
	unsigned i, n, j, m;

	c = P(g, ctl, "Class");
	n = cnt(g, 70, 6);
	for (i = 0; i < n; i++) {
		k = K(g, c, guid(g, gd));
		vsz(g, k, "Class", word(g));
		vsz(g, k, "ClassDesc", pascal(g, w, sizeof w, 2));
		vsz(g, k, "Icon", "-5");
		m = below(&g->r, 10);
		for (j = 0; j < m; j++) {
			struct rw_key *in;

			snprintf(b, sizeof b, "%04u", j);
			in = K(g, k, b);
			vsz(g, in, "DriverDesc", pascal(g, w, sizeof w, 3));
			vsz(g, in, "ProviderName", word(g));
			vbin(g, in, "DriverDateData", 8);
			vsz(g, in, "DriverDate", "6-21-2006");
			vsz(g, in, "DriverVersion", "10.0.17763.1");
			snprintf(p, sizeof p, "oem%u.inf", below(&g->r, 200));
			vsz(g, in, "InfPath", p);
			vsz(g, in, "InfSection", word(g));
			vsz(g, in, "MatchingDeviceId", "pci\\ven_8086&dev_1237");
		}
	}
	c = P(g, ctl, "DeviceClasses");
	n = cnt(g, 150, 8);
	for (i = 0; i < n; i++) {
		k = K(g, c, guid(g, gd));
		m = between(&g->r, 1, 10);
		for (j = 0; j < m; j++) {
			struct rw_key *s;

			snprintf(b, sizeof b, "##?#PCI#VEN_%04X&DEV_%04X#%u&%08x&0&%02X#%s",
			         below(&g->r, 0x10000), below(&g->r, 0x10000), j,
			         (unsigned)next(&g->r), j, gd);
			s = K(g, k, b);
			snprintf(p, sizeof p, "PCI\\VEN_%04X\\%u", below(&g->r, 0x10000), j);
			vsz(g, s, "DeviceInstance", p);
			e = K(g, s, "#");
			vsz(g, e, "SymbolicLink", b);
			vdw(g, K(g, e, "Control"), "Linked", 1);
		}
	}
	c = P(g, ctl, "Nls\\CodePage");
	n = cnt(g, 150, 5);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%u", 37 + i * 7);
		snprintf(p, sizeof p, "c_%u.nls", 37 + i * 7);
		vsz(g, c, b, p);
	}
	c = P(g, ctl, "Nls\\Locale");
	n = cnt(g, 220, 5);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%08x", 0x400 + i);
		vsz(g, c, b, "1");
	}
	c = P(g, ctl, "Keyboard Layouts");
	n = cnt(g, 200, 4);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%08X", 0x409 + i * 0x10000);
		k = K(g, c, b);
		snprintf(p, sizeof p, "KBD%.5s.DLL", word(g));
		vsz(g, k, "Layout File", p);
		vsz(g, k, "Layout Text", pascal(g, w, sizeof w, 1));
		vsz(g, k, "Layout Display Name", "@%SystemRoot%\\system32\\input.dll,-5000");
	}
	c = P(g, ctl, "CriticalDeviceDatabase");
	n = cnt(g, 400, 5);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "pci#ven_%04x&dev_%04x&%u", below(&g->r, 0x10000),
		         below(&g->r, 0x10000), i);
		k = K(g, c, b);
		vsz(g, k, "Service", word(g));
		vsz(g, k, "ClassGUID", guid(g, gd));
	}
	c = P(g, ctl, "WMI\\Autologger");
	n = cnt(g, 50, 3);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), i);
		k = K(g, c, b);
		vsz(g, k, "Guid", guid(g, gd));
		vdw(g, k, "Start", below(&g->r, 2));
		vdw(g, k, "BufferSize", 64);
		vdw(g, k, "MaximumBuffers", 32);
		vdw(g, k, "LogFileMode", 0x10000180);
		snprintf(p, sizeof p, "%%SystemRoot%%\\System32\\LogFiles\\WMI\\%s.etl", b);
		vsz_t(g, k, "FileName", RW_EXPAND_SZ, p);
		m = below(&g->r, 8);
		for (j = 0; j < m; j++) {
			struct rw_key *pv = K(g, k, guid(g, gd2));

			vdw(g, pv, "Enabled", 1);
			vdw(g, pv, "EnableLevel", 4);
			vqw(g, pv, "MatchAnyKeyword", next(&g->r));
		}
	}
	c = P(g, ctl, "Print\\Environments\\Windows x64\\Drivers\\Version-3");
	n = cnt(g, 40, 2);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s Printer Driver %u", pascal(g, w, sizeof w, 2), i);
		k = K(g, c, b);
		vsz(g, k, "Configuration File", "PS5UI.DLL");
		vsz(g, k, "Data File", "unidrv.gpd");
		vsz(g, k, "Driver", "UNIDRV.DLL");
		vsz(g, k, "Help File", "UNIDRV.HLP");
		vsz(g, k, "Manufacturer", word(g));
		vsz(g, k, "Provider", "Microsoft");
		vsz(g, k, "InfPath",
		    "C:\\Windows\\System32\\DriverStore\\FileRepository\\prnms003.inf");
		vqw(g, k, "DriverVersion", next(&g->r));
		vdw(g, k, "Version", 3);
	}
	c = P(g, ctl, "Print\\Printers");
	for (i = 0; i < 4; i++) {
		snprintf(b, sizeof b, "%s %u", pascal(g, w, sizeof w, 2), i);
		k = K(g, c, b);
		vsz(g, k, "Name", b);
		vsz(g, k, "Port", "PORTPROMPT:");
		vbin(g, k, "Default DevMode", between(&g->r, 700, 2200));
	}
	e = P(g, ctl, "Session Manager\\Environment");
	vsz_t(g, e, "ComSpec", RW_EXPAND_SZ, "%SystemRoot%\\system32\\cmd.exe");
	vsz(g, e, "NUMBER_OF_PROCESSORS", "2");
	vsz(g, e, "OS", "Windows_NT");
	snprintf(p, sizeof p,
	         "%%SystemRoot%%\\system32;%%SystemRoot%%;%%SystemRoot%%\\System32\\Wbem;"
	         "%%SYSTEMROOT%%\\System32\\WindowsPowerShell\\v1.0\\;C:\\Program Files\\%s\\;"
	         "C:\\Program Files\\%s\\bin",
	         word(g), word(g));
	vsz_t(g, e, "Path", RW_EXPAND_SZ, p);
	vsz(g, e, "PATHEXT", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC");
	vsz(g, e, "PROCESSOR_IDENTIFIER", "AMD64 Family 23 Model 49 Stepping 0, AuthenticAMD");
	vsz(g, e, "PROCESSOR_LEVEL", "23");
	vsz(g, e, "PROCESSOR_REVISION", "3100");
	vsz_t(g, e, "TEMP", RW_EXPAND_SZ, "%SystemRoot%\\TEMP");
	vsz_t(g, e, "TMP", RW_EXPAND_SZ, "%SystemRoot%\\TEMP");
	vsz(g, e, "windir", "%SystemRoot%");
	c = P(g, ctl, "Session Manager\\KnownDLLs");
	for (i = 0; i < 40; i++) {
		snprintf(b, sizeof b, "%s%u", word(g), i);
		snprintf(p, sizeof p, "%s.dll", b);
		vsz(g, c, b, p);
	}
	c = P(g, ctl, "Session Manager\\Memory Management");
	for (i = 0; i < 20; i++) {
		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), i);
		vdw(g, c, b, (uint32_t)next(&g->r));
	}
	c = P(g, ctl, "SecurityProviders\\SCHANNEL");
	for (i = 0; i < 8; i++) {
		static const char *const ciphers[] = {"AES 128/128", "AES 256/256",   "DES 56/56",
		                                      "NULL",        "RC2 40/128",    "RC4 128/128",
		                                      "RC4 40/128",  "Triple DES 168"};

		snprintf(b, sizeof b, "Ciphers\\%s", ciphers[i]);
		P(g, c, "%s", b);
	}
	P(g, c, "Hashes\\SHA256");
	P(g, c, "KeyExchangeAlgorithms\\PKCS");
	vdw(g, c, "EventLogging", 1);
	c = P(g, ctl, "Lsa");
	vmulti(g, c, "Authentication Packages", (const char *const[]){"msv1_0"}, 1);
	vmulti(g, c, "Security Packages",
	       (const char *const[]){"kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u"},
	       6);
	vdw(g, c, "crashonauditfail", 0);
	vdw(g, c, "LsaPid", 600 + below(&g->r, 200));
	tree(g, P(g, c, "Kerberos"), 1, 4);
	c = P(g, ctl, "Terminal Server\\WinStations\\RDP-Tcp");
	for (i = 0; i < 60; i++) {
		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 2), i);
		if (i % 3)
			vdw(g, c, b, (uint32_t)next(&g->r));
		else
			vsz(g, c, b, word(g));
	}
	c = P(g, ctl, "Video");
	n = cnt(g, 8, 1);
	for (i = 0; i < n; i++) {
		k = K(g, K(g, c, guid(g, gd)), "0000");
		for (j = 0; j < 30; j++) {
			snprintf(b, sizeof b, "%s.%s%u", word(g), word(g), j);
			if (j % 4 == 0)
				vbin(g, k, b, between(&g->r, 8, 256));
			else
				vdw(g, k, b, (uint32_t)next(&g->r));
		}
	}
	n = cnt(g, 60, 3);
	c = P(g, ctl, "DeviceContainers");
	for (i = 0; i < n; i++)
		vraw(g, P(g, K(g, c, guid(g, gd)), "BaseContainers\\%s", gd), guid(g, gd2), 0, NULL,
		     0);
	tree(g, P(g, ctl, "CrashControl"), 0, 3);
	tree(g, P(g, ctl, "GraphicsDrivers"), 1, 5);
	tree(g, P(g, ctl, "FileSystem"), 0, 3);
	tree(g, P(g, ctl, "Power"), 2, 6);
	tree(g, P(g, ctl, "MUI"), 1, 4);
	n = cnt(g, 60, 4);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%u", pascal(g, w, sizeof w, 1), i);
		tree(g, K(g, ctl, b), 1, 4);
	}
}

static void enum_tree(struct gen *g, struct rw_key *cs)
{
	static const struct {
		const char *bus;
		unsigned n;
	} buses[] = {{"ACPI", 70},    {"DISPLAY", 5}, {"HDAUDIO", 5}, {"HID", 30},
	             {"MONITOR", 4},  {"PCI", 90},    {"ROOT", 60},   {"SCSI", 10},
	             {"STORAGE", 20}, {"SWD", 150},   {"UMB", 20},    {"USB", 40}};
	struct rw_key *en = P(g, cs, "Enum");
	size_t b;
	unsigned i, n;

	for (b = 0; b < sizeof buses / sizeof buses[0]; b++) {
		struct rw_key *bus = P(g, en, "%s", buses[b].bus);

		n = cnt(g, buses[b].n, 1);
		for (i = 0; i < n; i++)
			device(g, bus, buses[b].bus, i);
	}
}

static void controlset(struct gen *g, struct rw_key *cs)
{
	services(g, cs);
	control(g, cs);
	enum_tree(g, cs);
	tree(g, P(g, cs, "Hardware Profiles\\0001"), 2, 3);
	tree(g, P(g, cs, "Policies"), 1, 3);
}

static void driver_id(struct gen *g, struct rw_key *ids, unsigned i)
{
	static const char *const buses[] = {"ACPI", "HID", "PCI", "USB", "SWD", "HDAUDIO", "ROOT"};
	char b[160], p[64];
	struct rw_key *bus = P(g, ids, "%s", buses[i % 7]);

	snprintf(b, sizeof b, "VEN_%04X&DEV_%04X&SUBSYS_%08X&%u", below(&g->r, 0x10000),
	         below(&g->r, 0x10000), (unsigned)next(&g->r), i);
	snprintf(p, sizeof p, "oem%u.inf", below(&g->r, 400));
	vbin(g, K(g, bus, b), p, 4);
}

static void driverdb(struct gen *g, struct rw_key *sys)
{
	struct rw_key *db = P(g, sys, "DriverDatabase"), *ids = P(g, db, "DeviceIds"), *c, *k, *s;
	char b[256], w[96], p[300];
	unsigned i, n, j;

	n = cnt(g, 2500, 30);
	for (i = 0; i < n; i++)
		driver_id(g, ids, i);
	c = P(g, db, "DriverInfFiles");
	n = cnt(g, 600, 10);
	for (i = 0; i < n; i++) {
		const char *s1[1];

		snprintf(b, sizeof b, "oem%u.inf", i);
		k = K(g, c, b);
		snprintf(p, sizeof p, "%s.inf_amd64_%016llx", word(g),
		         (unsigned long long)next(&g->r));
		s1[0] = p;
		vmulti(g, k, "", s1, 1);
		vsz(g, k, "Active", p);
	}
	c = P(g, db, "DriverPackages");
	n = cnt(g, 600, 10);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%u.inf_amd64_%016llx", pascal(g, w, sizeof w, 1), i,
		         (unsigned long long)next(&g->r));
		k = K(g, c, b);
		vbin(g, k, "Version", 48);
		vsz(g, k, "Provider", word(g));
		vsz(g, k, "SignerName", "Microsoft Windows Hardware Compatibility Publisher");
		vdw(g, k, "SignerScore", 0x0D000005);
		vqw(g, k, "FileSize", below(&g->r, 1000000));
		vbin(g, k, "ImportDate", 8);
		vsz(g, k, "InfName", b);
		s = K(g, K(g, k, "Configurations"), "Install");
		for (j = 0; j < 6; j++) {
			snprintf(p, sizeof p, "%s%u", pascal(g, w, sizeof w, 2), j);
			vdw(g, s, p, (uint32_t)next(&g->r));
		}
		s = K(g, k, "Descriptors");
		for (j = 0; j < between(&g->r, 1, 5); j++) {
			struct rw_key *d;

			snprintf(p, sizeof p, "PCI\\VEN_%04X&DEV_%04X", below(&g->r, 0x10000), j);
			d = K(g, s, p + 4);
			vsz(g, d, "Configuration", "Install");
			vsz(g, d, "Manufacturer", "%Mfg%");
			vsz(g, d, "Description", "%DeviceDesc%");
		}
		s = K(g, k, "Strings");
		for (j = 0; j < between(&g->r, 2, 8); j++) {
			snprintf(p, sizeof p, "%s%u", word(g), j);
			vsz(g, s, p, pascal(g, w, sizeof w, 3));
		}
	}
}

static void build_system(struct gen *g, uint64_t target, int ncs, const char *computer)
{
	struct rw_key *sys = rw_root(g->h), *k;
	char b[256], gd[39];
	unsigned i, n;
	int cs;

	for (cs = 1; cs <= ncs; cs++) {
		struct rw_key *c = P(g, sys, "ControlSet%03d", cs);

		rw_set_sz(g->h, P(g, c, "Control\\ComputerName\\ComputerName"), "ComputerName",
		          RW_SZ, computer);
		rw_set_sz(g->h, P(g, c, "Control\\ComputerName\\ActiveComputerName"),
		          "ComputerName", RW_SZ, computer);
		rw_set_sz(g->h, P(g, c, "Services\\Tcpip\\Parameters"), "Hostname", RW_SZ,
		          computer);
		controlset(g, c);
	}
	k = P(g, sys, "Select");
	if (rw_set_dword(g->h, k, "Current", 1) || rw_set_dword(g->h, k, "Default", 1) ||
	    rw_set_dword(g->h, k, "Failed", 0) || rw_set_dword(g->h, k, "LastKnownGood", 2))
		fail(g, "cannot write Select");
	driverdb(g, sys);
	k = P(g, sys, "MountedDevices");
	n = cnt(g, 30, 3);
	for (i = 0; i < n; i++) {
		snprintf(b, sizeof b, "\\??\\Volume%s", guid(g, gd));
		vbin(g, k, b, between(&g->r, 12, 80));
	}
	k = P(g, sys, "Setup");
	vsz(g, k, "SystemPartition", "\\Device\\HarddiskVolume1");
	vdw(g, k, "SetupType", 0);
	vdw(g, k, "OOBEInProgress", 0);
	tree(g, k, 1, 6);
	k = P(g, sys, "WPA");
	n = cnt(g, 20, 2);
	for (i = 0; i < n; i++)
		vbin(g, K(g, k, guid(g, gd)), "", between(&g->r, 50, 400));
	vbin(g, P(g, sys, "RNG"), "Seed", 76);
	tree(g, P(g, sys, "HardwareConfig"), 1, 3);
	/* Up to the target with more driver-store device ids. */
	k = P(g, sys, "DriverDatabase\\DeviceIds");
	for (i = 100000; !g->failed && rw_estimate(g->h) < target && i < 200000; i++)
		driver_id(g, k, i);
}

/* ---------------------------------------------------------------- hosts */

struct opts {
	unsigned hosts, jobs;
	int small;
	uint64_t seed;
	const char *out;
};

/* Hosts 0..NPROFILES-1 take every profile once, so that even a tiny fleet
 * covers them all; the others draw one by weight. */
static const struct profile *pick_profile(const struct opts *o, unsigned host)
{
	struct rng r;
	unsigned total = 0, x;
	size_t i;

	if (host < NPROFILES)
		return &profiles[host];
	for (i = 0; i < NPROFILES; i++)
		total += profiles[i].weight;
	rng_seed(&r, o->seed, 0x70000000u + host);
	x = below(&r, total);
	for (i = 0; i < NPROFILES; i++) {
		if (x < profiles[i].weight)
			return &profiles[i];
		x -= profiles[i].weight;
	}
	return &profiles[0];
}

static int mkdirs(const char *path)
{
	char tmp[4096], *p;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s", path) >= sizeof tmp)
		return -1;
	for (p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return (mkdir(tmp, 0755) && errno != EEXIST) ? -1 : 0;
}

static int build_host(const struct opts *o, unsigned host, FILE *stats)
{
	const struct profile *pr = pick_profile(o, host);
	struct gen gs, gw;
	struct hives hv;
	struct rw_stats st[2];
	struct rw_header hdr;
	char dir[4096], path[4200], computer[32], err[700];
	uint64_t target[2];
	const struct op *op;
	int rc = -1, i;

	memset(&gs, 0, sizeof gs);
	memset(&gw, 0, sizeof gw);
	rng_seed(&gs.r, o->seed, 2ull * host);
	rng_seed(&gw.r, o->seed, 2ull * host + 1);
	gs.scale = o->small ? 1.0 / 12 : 1.0;
	gw.scale = o->small ? 1.0 / 60 : 1.0;
	target[SYS] = (uint64_t)((o->small ? 1 : 12) * MIB * (0.9 + 0.2 * unit(&gs.r)));
	target[SW] = (uint64_t)((o->small ? 1 : 60) * MIB * (0.9 + 0.2 * unit(&gw.r)));
	gs.h = rw_new("ROOT", BASE_TIME);
	gw.h = rw_new("ROOT", BASE_TIME);
	if (!gs.h || !gw.h)
		goto out;
	snprintf(computer, sizeof computer, "%s-%05u",
	         pr->x86 && pr->name[0] == 'w' ? "WKS" : "SRV", host);
	hv.g[SYS] = &gs;
	hv.g[SW] = &gw;
	hv.ncs = 2;
	/* Rule-relevant keys first; the noise then fills around them. */
	for (op = base; op->k != END; op++)
		apply(&hv, op);
	for (op = pr->ops; op->k != END; op++)
		apply(&hv, op);
	build_system(&gs, target[SYS], hv.ncs, computer);
	build_software(&gw, target[SW], pr->x86);
	for (i = 0; i < 2; i++) {
		struct gen *g = hv.g[i];

		if (g->failed) {
			fprintf(stderr, "benchfleet: host %u: %s\n", host, g->why);
			goto out;
		}
	}
	snprintf(dir, sizeof dir, "%s/host%05u", o->out, host);
	if (mkdirs(dir)) {
		fprintf(stderr, "benchfleet: cannot create %s: %s\n", dir, strerror(errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		memset(&hdr, 0, sizeof hdr);
		hdr.embedded_name = i == SYS ? "emRoot\\System32\\Config\\SYSTEM"
		                             : "emRoot\\System32\\Config\\SOFTWARE";
		hdr.filetime = BASE_TIME;
		hdr.sequence = 1000 + below(&hv.g[i]->r, 50000);
		hdr.dirty = i == SW && pr->dirty_software;
		snprintf(path, sizeof path, "%s/%s", dir, i == SYS ? "SYSTEM" : "SOFTWARE");
		if (rw_write(hv.g[i]->h, path, &hdr, &st[i], err, sizeof err)) {
			fprintf(stderr, "benchfleet: host %u: %s\n", host, err);
			goto out;
		}
		fprintf(stats, "host%05u\t%s\t%s\t%llu\t%llu\t%llu\n", host, pr->name,
		        i == SYS ? "SYSTEM" : "SOFTWARE", (unsigned long long)st[i].bytes,
		        (unsigned long long)st[i].keys, (unsigned long long)st[i].values);
	}
	rc = 0;
out:
	rw_free(gs.h);
	rw_free(gw.h);
	return rc;
}

static int write_expected(const struct opts *o)
{
	char path[4200];
	unsigned h;
	size_t r;
	FILE *f;

	snprintf(path, sizeof path, "%s/expected.csv", o->out);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "host,profile,rule_id,status\n");
	for (h = 0; h < o->hosts; h++) {
		const struct profile *pr = pick_profile(o, h);

		for (r = 0; r < NRULES; r++) {
			static const char *const names[] = {"PASS", "FAIL", "WARN",
			                                    "NOT_APPLICABLE", "UNKNOWN"};
			const char *st = strchr("PFWNU", pr->expect[r]);

			fprintf(f, "host%05u,%s,%s,%s\n", h, pr->name, rule_ids[r],
			        st ? names[st - "PFWNU"] : "?");
		}
	}
	return fclose(f) ? -1 : 0;
}

static int by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins the workers' statistics into fleet.tsv, sorted by host. */
static int merge_stats(const struct opts *o)
{
	char path[4200], line[512], **v = NULL;
	size_t n = 0, cap = 0, i;
	unsigned w;
	FILE *f;
	int rc = 0;

	for (w = 0; w < o->jobs; w++) {
		snprintf(path, sizeof path, "%s/.fleet.tsv.%u", o->out, w);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof line, f)) {
			if (n == cap) {
				char **nv = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof *nv);

				if (!nv) {
					rc = -1;
					break;
				}
				v = nv;
			}
			if (!(v[n] = strdup(line))) {
				rc = -1;
				break;
			}
			n++;
		}
		fclose(f);
		unlink(path);
	}
	qsort(v, n, sizeof *v, by_line);
	snprintf(path, sizeof path, "%s/fleet.tsv", o->out);
	f = fopen(path, "w");
	if (!f)
		rc = -1;
	else {
		fprintf(f, "host\tprofile\thive\tbytes\tkeys\tvalues\n");
		for (i = 0; i < n; i++)
			fputs(v[i], f);
		if (fclose(f))
			rc = -1;
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: benchfleet [--hosts N] [--small] [--seed S] [-j N] --certs DIR OUTDIR\n"
	           "  --hosts N   hosts to build (default 200)\n"
	           "  --small     hives of about 1 MiB instead of 12 MiB (SYSTEM) and 60 MiB "
	           "(SOFTWARE)\n"
	           "  --seed S    the fleet's seed (default 1): same seed, same bytes\n"
	           "  -j N        processes (default: number of CPUs)\n"
	           "  --certs DIR the sample certificates (samples/certs)\n");
}

static long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	        {"hosts", required_argument, NULL, 'n'}, {"small", no_argument, NULL, 's'},
	        {"seed", required_argument, NULL, 'S'},  {"certs", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	struct opts o = {200, 0, 0, 1, NULL};
	struct timespec t0, t1;
	unsigned w;
	long v;
	int opt, failed = 0;

	o.jobs = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	while ((opt = getopt_long(argc, argv, "j:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if ((v = number(optarg, 1, 1000000)) < 0)
				goto bad;
			o.hosts = (unsigned)v;
			break;
		case 's': o.small = 1; break;
		case 'S':
			if ((v = number(optarg, 0, 0x7FFFFFFF)) < 0)
				goto bad;
			o.seed = (uint64_t)v;
			break;
		case 'j':
			if ((v = number(optarg, 1, 256)) < 0)
				goto bad;
			o.jobs = (unsigned)v;
			break;
		case 'c': certdir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (optind != argc - 1 || !certdir)
		goto bad;
	o.out = argv[optind];
	if (o.jobs < 1)
		o.jobs = 1;
	if (o.jobs > o.hosts)
		o.jobs = o.hosts;
	if (mkdirs(o.out)) {
		fprintf(stderr, "benchfleet: cannot create %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (w = 0; w < o.jobs; w++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "benchfleet: fork: %s\n", strerror(errno));
			failed = 1;
			break;
		}
		if (pid == 0) {
			char path[4200];
			unsigned h;
			FILE *f;
			int rc = 0;

			snprintf(path, sizeof path, "%s/.fleet.tsv.%u", o.out, w);
			f = fopen(path, "w");
			if (!f)
				_exit(1);
			for (h = w; h < o.hosts && !rc; h += o.jobs)
				rc = build_host(&o, h, f);
			if (fclose(f))
				rc = -1;
			_exit(rc ? 1 : 0);
		}
	}
	for (;;) {
		int status;
		pid_t p = wait(&status);

		if (p < 0)
			break;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	if (merge_stats(&o) || write_expected(&o)) {
		fprintf(stderr, "benchfleet: cannot write the fleet's lists in %s\n", o.out);
		failed = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "benchfleet: %u %s hosts in %s, %.1f s%s\n", o.hosts,
	        o.small ? "small" : "realistic", o.out,
	        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	        failed ? " (FAILED)" : "");
	return failed ? 1 : 0;
bad:
	usage(stderr);
	return 2;
}
