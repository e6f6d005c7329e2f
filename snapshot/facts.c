/* facts.c: host facts derived from a snapshot, and the OS family label.
 *
 * Sources (reference/tls12-rules.md sections 1-2):
 *   SOFTWARE Microsoft\Windows NT\CurrentVersion: ProductName, CurrentVersion,
 *     CurrentMajor/MinorVersionNumber (NT 10 on; CurrentVersion is frozen at
 *     "6.3" there), CurrentBuildNumber (CurrentBuild on old systems), UBR,
 *     CSDVersion, InstallationType, EditionID.
 *   SYSTEM CurrentControlSet\Control\ProductOptions\ProductType: WinNT
 *     (client), ServerNT (server), LanmanNT (domain controller); the only
 *     reliable way to tell 2008 from Vista, 2012 from 8, and so on.
 *   SYSTEM ...\Session Manager\Environment\PROCESSOR_ARCHITECTURE.
 *   SYSTEM ...\ComputerName\ComputerName\ComputerName, Tcpip\Parameters.
 * Every fact records where it came from, so a report can show it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_snapshot.h"

#define CV    "Microsoft\\Windows NT\\CurrentVersion"
#define CN    "CurrentControlSet\\Control\\ComputerName\\ComputerName"
#define TCPIP "CurrentControlSet\\Services\\Tcpip\\Parameters"
#define PO    "CurrentControlSet\\Control\\ProductOptions"
#define ENV   "CurrentControlSet\\Control\\Session Manager\\Environment"

int ha_facts_requests(struct ha_reqset *rs, struct ha_err *err)
{
	static const char *const cv_names[] = {
	        "ProductName",
	        "CurrentVersion",
	        "CurrentMajorVersionNumber",
	        "CurrentMinorVersionNumber",
	        "CurrentBuildNumber",
	        "CurrentBuild",
	        "UBR",
	        "CSDVersion",
	        "InstallationType",
	        "EditionID",
	};
	static const char *const sel_names[] = {"Current", "Default", "LastKnownGood", "Failed"};
	size_t i;
	int rc = HA_OK;

	for (i = 0; !rc && i < sizeof cv_names / sizeof cv_names[0]; i++)
		rc = ha_reqset_add(rs, HA_SOFTWARE, CV, NULL, cv_names[i], err);
	for (i = 0; !rc && i < sizeof sel_names / sizeof sel_names[0]; i++)
		rc = ha_reqset_add(rs, HA_SYSTEM, "Select", NULL, sel_names[i], err);
	if (!rc)
		rc = ha_reqset_add(rs, HA_SYSTEM, CN, NULL, "ComputerName", err);
	if (!rc)
		rc = ha_reqset_add(rs, HA_SYSTEM, TCPIP, NULL, "Hostname", err);
	if (!rc)
		rc = ha_reqset_add(rs, HA_SYSTEM, TCPIP, NULL, "Domain", err);
	if (!rc)
		rc = ha_reqset_add(rs, HA_SYSTEM, PO, NULL, "ProductType", err);
	if (!rc)
		rc = ha_reqset_add(rs, HA_SYSTEM, ENV, NULL, "PROCESSOR_ARCHITECTURE", err);
	if (!rc)
		rc = ha_reqset_add(rs, HA_SOFTWARE, "Wow6432Node", NULL, NULL, err);
	return rc;
}

static const char *const arch_names[] = {"unknown", "x86", "x64", "IA64", "ARM64"};

const char *ha_arch_name(int arch)
{
	return (arch >= 0 && arch <= HA_ARCH_ARM64) ? arch_names[arch] : "unknown";
}

static const char *const product_names[] = {"unknown", "client", "server", "domain controller"};

const char *ha_product_name(int product)
{
	return (product >= 0 && product <= HA_PRODUCT_DC) ? product_names[product] : "unknown";
}

int ha_nt_cmp(int amaj, int amin, int bmaj, int bmin)
{
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	if (amin != bmin)
		return amin < bmin ? -1 : 1;
	return 0;
}

void ha_facts_free(struct ha_facts *f)
{
	if (!f)
		return;
	free(f->computer_name);
	free(f->hostname);
	free(f->domain);
	free(f->product_name);
	free(f->edition);
	free(f->installation_type);
	free(f->csd_version);
	free(f->product_type_raw);
	free(f->nt_source);
	free(f->product_source);
	free(f->arch_source);
	free(f->os_family);
	memset(f, 0, sizeof *f);
}

/* A string value from a readable hive; NULL when absent or not a string. */
static char *get_str(const struct ha_snapshot *s, int hive, const char *path, const char *name)
{
	const struct ha_key *k = ha_snapshot_key(s, hive, path);
	const struct ha_value *v;
	char *out = NULL;

	if (!k || k->state != HA_KEY_PRESENT)
		return NULL;
	v = ha_key_value(k, name);
	if (!v || ha_value_string(v, &out) != HA_OK)
		return NULL;
	return out;
}

static int get_dword(const struct ha_snapshot *s, int hive, const char *path, const char *name,
                     uint32_t *out)
{
	const struct ha_key *k = ha_snapshot_key(s, hive, path);
	const struct ha_value *v;

	if (!k || k->state != HA_KEY_PRESENT)
		return -1;
	v = ha_key_value(k, name);
	if (!v || ha_value_dword(v, out) != HA_OK)
		return -1;
	return 0;
}

/* Parses "6.1" into major/minor; 0 on success. */
static int parse_version(const char *s, int *maj, int *min)
{
	long a = 0, b = 0;
	const char *p = s;

	if (!s || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9' && a < 1000)
		a = a * 10 + (*p++ - '0');
	if (*p++ != '.' || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9' && b < 1000)
		b = b * 10 + (*p++ - '0');
	if (*p || a >= 1000 || b >= 1000)
		return -1;
	*maj = (int)a;
	*min = (int)b;
	return 0;
}

static long parse_long(const char *s)
{
	uint64_t v;

	if (!s || ha_parse_u64(s, &v) || v > 0x7fffffff)
		return -1;
	return (long)v;
}

/* "Service Pack 2" -> 2; anything else with digits after "Service Pack" too.
 * Returns -1 when the string says nothing we understand. */
static int parse_sp(const char *s)
{
	const char *p;

	if (!s)
		return -1;
	if (!*s)
		return 0;
	if (ha_ascii_ncasecmp(s, "Service Pack ", 13) != 0)
		return -1;
	p = s + 13;
	if (*p < '1' || *p > '9')
		return -1;
	return *p - '0';
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++)
		if (ha_ascii_ncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* The family label a person expects, e.g. "Windows Server 2008 R2 SP1". */
static char *os_label(const struct ha_facts *f)
{
	int server = f->product == HA_PRODUCT_SERVER || f->product == HA_PRODUCT_DC;
	int maj = f->nt_major, min = f->nt_minor;
	const char *base = NULL;
	char tmp[64];

	if (!f->os_known)
		return ha_strdup("Unknown");
	if (maj == 10 && min == 0) {
		/* The build tells 10 from 11 and the server releases apart; without
		 * it only the family is known. */
		if (f->build < 0)
			base = f->product == HA_PRODUCT_UNKNOWN ? "Windows 10/11 or Server 2016+"
			       : server                         ? "Windows Server 2016 or later"
			                                        : "Windows 10 or 11";
		else if (f->product == HA_PRODUCT_UNKNOWN)
			base = f->build >= 22000 ? "Windows 11 or Server 2025"
			                         : "Windows 10 or Server 2016+";
		else if (!server)
			base = f->build >= 22000 ? "Windows 11" : "Windows 10";
		else if (f->build == 14393)
			base = "Windows Server 2016";
		else if (f->build == 17763)
			base = "Windows Server 2019";
		else if (f->build == 20348)
			base = "Windows Server 2022";
		else if (f->build >= 26100)
			base = "Windows Server 2025";
		else {
			snprintf(tmp, sizeof tmp, "Windows Server (build %ld)", f->build);
			base = tmp;
		}
	} else if (maj == 6) {
		static const char *const srv[] = {"Windows Server 2008", "Windows Server 2008 R2",
		                                  "Windows Server 2012", "Windows Server 2012 R2"};
		static const char *const cli[] = {"Windows Vista", "Windows 7", "Windows 8",
		                                  "Windows 8.1"};
		static const char *const any[] = {
		        "Windows Vista / Server 2008", "Windows 7 / Server 2008 R2",
		        "Windows 8 / Server 2012", "Windows 8.1 / Server 2012 R2"};

		if (min >= 0 && min <= 3)
			base = f->product == HA_PRODUCT_UNKNOWN ? any[min]
			       : server                         ? srv[min]
			                                        : cli[min];
	} else if (maj == 5 && min == 2) {
		/* NT 5.2 is Server 2003 and XP Professional x64 alike. */
		if (f->product == HA_PRODUCT_UNKNOWN)
			base = "Windows XP x64 / Server 2003";
		else if (server)
			base = contains_ci(f->product_name, "R2") ? "Windows Server 2003 R2"
			                                          : "Windows Server 2003";
		else
			base = "Windows XP Professional x64";
	} else if (maj == 5 && min == 1) {
		base = "Windows XP";
	} else if (maj == 5 && min == 0) {
		base = f->product == HA_PRODUCT_UNKNOWN ? "Windows 2000"
		       : server                         ? "Windows 2000 Server"
		                                        : "Windows 2000 Professional";
	} else if (maj == 4) {
		base = f->product == HA_PRODUCT_UNKNOWN ? "Windows NT 4.0"
		       : server                         ? "Windows NT 4.0 Server"
		                                        : "Windows NT 4.0 Workstation";
	}
	if (!base) {
		snprintf(tmp, sizeof tmp, "Windows NT %d.%d", maj, min);
		base = tmp;
	}
	if (f->sp > 0)
		return ha_asprintf("%s SP%d", base, f->sp);
	return ha_strdup(base);
}

int ha_facts_derive(const struct ha_snapshot *s, struct ha_facts *f, struct ha_err *err)
{
	uint32_t d, d2;
	char *cur = NULL, *buildstr = NULL, *arch = NULL;
	const struct ha_key *wow;

	memset(f, 0, sizeof *f);
	f->nt_major = f->nt_minor = -1;
	f->build = f->ubr = -1;
	f->sp = -1;

	f->computer_name = get_str(s, HA_SYSTEM, CN, "ComputerName");
	f->hostname = get_str(s, HA_SYSTEM, TCPIP, "Hostname");
	f->domain = get_str(s, HA_SYSTEM, TCPIP, "Domain");
	f->product_name = get_str(s, HA_SOFTWARE, CV, "ProductName");
	f->edition = get_str(s, HA_SOFTWARE, CV, "EditionID");
	f->installation_type = get_str(s, HA_SOFTWARE, CV, "InstallationType");
	f->csd_version = get_str(s, HA_SOFTWARE, CV, "CSDVersion");
	f->product_type_raw = get_str(s, HA_SYSTEM, PO, "ProductType");

	/* Build number: CurrentBuildNumber, else the older CurrentBuild. */
	buildstr = get_str(s, HA_SOFTWARE, CV, "CurrentBuildNumber");
	if (!buildstr)
		buildstr = get_str(s, HA_SOFTWARE, CV, "CurrentBuild");
	f->build = parse_long(buildstr);
	if (get_dword(s, HA_SOFTWARE, CV, "UBR", &d) == 0)
		f->ubr = (long)d;

	/* NT version: the DWORD pair exists from NT 10 on; before that the
	 * CurrentVersion string.  A build of 10240 or more with only
	 * CurrentVersion "6.3" is NT 10 too. */
	if (get_dword(s, HA_SOFTWARE, CV, "CurrentMajorVersionNumber", &d) == 0 &&
	    get_dword(s, HA_SOFTWARE, CV, "CurrentMinorVersionNumber", &d2) == 0 && d < 1000 &&
	    d2 < 1000) {
		f->nt_major = (int)d;
		f->nt_minor = (int)d2;
		f->nt_source = ha_strdup("CurrentMajorVersionNumber/CurrentMinorVersionNumber");
	} else if ((cur = get_str(s, HA_SOFTWARE, CV, "CurrentVersion")) &&
	           parse_version(cur, &f->nt_major, &f->nt_minor) == 0) {
		if (f->nt_major == 6 && f->nt_minor == 3 && f->build >= 10240) {
			f->nt_major = 10;
			f->nt_minor = 0;
			f->nt_source = ha_asprintf("CurrentVersion \"%s\" with build %ld (NT 10)",
			                           cur, f->build);
		} else {
			f->nt_source = ha_asprintf("CurrentVersion \"%s\"", cur);
		}
	} else {
		f->nt_major = f->nt_minor = -1;
	}
	f->os_known = f->nt_major >= 0;

	/* Service pack: CSDVersion; absent means none on a readable SOFTWARE.
	 * Builds 6001-6003 and 7601 carry their SP in the build number too,
	 * which covers a CSDVersion that was removed or mangled. */
	if (f->os_known) {
		f->sp = parse_sp(f->csd_version);
		if (f->sp < 0)
			f->sp = f->csd_version ? -1 : 0;
		if (f->nt_major == 6 && f->nt_minor == 0 && f->build >= 6001 && f->build <= 6003 &&
		    f->sp <= 0)
			f->sp = f->build == 6001 ? 1 : 2;
		if (f->nt_major == 6 && f->nt_minor == 1 && f->build == 7601 && f->sp <= 0)
			f->sp = 1;
		if (f->sp < 0)
			f->sp = 0;
	}

	/* Client or server. */
	if (f->product_type_raw && ha_ascii_caseeq(f->product_type_raw, "WinNT")) {
		f->product = HA_PRODUCT_CLIENT;
	} else if (f->product_type_raw && ha_ascii_caseeq(f->product_type_raw, "ServerNT")) {
		f->product = HA_PRODUCT_SERVER;
	} else if (f->product_type_raw && ha_ascii_caseeq(f->product_type_raw, "LanmanNT")) {
		f->product = HA_PRODUCT_DC;
	}
	if (f->product) {
		f->product_source = ha_asprintf("ProductType \"%s\"", f->product_type_raw);
	} else if (f->installation_type) {
		if (ha_ascii_caseeq(f->installation_type, "Client"))
			f->product = HA_PRODUCT_CLIENT;
		else if (contains_ci(f->installation_type, "Server"))
			f->product = HA_PRODUCT_SERVER;
		if (f->product)
			f->product_source =
			        ha_asprintf("InstallationType \"%s\"", f->installation_type);
	}
	if (!f->product &&
	    (contains_ci(f->edition, "Server") || contains_ci(f->product_name, "Server"))) {
		f->product = HA_PRODUCT_SERVER;
		f->product_source = ha_strdup("EditionID/ProductName mention Server");
	}
	/* From XP on, every server edition says "Server" in its ProductName or
	 * EditionID ("Windows Server 2008 R2 Standard", "ServerStandard",
	 * "Hyper-V Server"), so a Windows product name without it is a client.
	 * Windows 2000 and NT 4.0 share one name between both: no inference. */
	if (!f->product && f->os_known && ha_nt_cmp(f->nt_major, f->nt_minor, 5, 1) >= 0 &&
	    contains_ci(f->product_name, "Windows")) {
		f->product = HA_PRODUCT_CLIENT;
		f->product_source =
		        ha_asprintf("ProductName \"%s\" names no server edition", f->product_name);
	}

	/* Architecture. */
	arch = get_str(s, HA_SYSTEM, ENV, "PROCESSOR_ARCHITECTURE");
	if (arch) {
		if (ha_ascii_caseeq(arch, "x86"))
			f->arch = HA_ARCH_X86;
		else if (ha_ascii_caseeq(arch, "AMD64"))
			f->arch = HA_ARCH_X64;
		else if (ha_ascii_caseeq(arch, "IA64"))
			f->arch = HA_ARCH_IA64;
		else if (ha_ascii_caseeq(arch, "ARM64"))
			f->arch = HA_ARCH_ARM64;
		if (f->arch)
			f->arch_source = ha_asprintf("PROCESSOR_ARCHITECTURE \"%s\"", arch);
	}
	wow = ha_snapshot_key(s, HA_SOFTWARE, "Wow6432Node");
	if (!f->arch && wow && wow->state == HA_KEY_PRESENT) {
		f->arch = HA_ARCH_X64;
		f->arch_source = ha_strdup("inferred: SOFTWARE has Wow6432Node");
	} else if (!f->arch && wow && wow->state == HA_KEY_ABSENT) {
		f->arch = HA_ARCH_X86;
		f->arch_source = ha_strdup("inferred: SOFTWARE has no Wow6432Node");
	}

	f->os_family = os_label(f);
	free(cur);
	free(buildstr);
	free(arch);
	if (!f->os_family)
		return ha_err_nomem(err);
	return HA_OK;
}
