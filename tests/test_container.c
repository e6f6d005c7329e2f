/* test_container.c: the library-free parts of container reading
 * (ingest/container.c): Velociraptor name decoding, container names to
 * host names, the collector's JSON record, what first bytes show, and the
 * layouts inside an archive (Velociraptor old and new, CyLR, KAPE, a zipped
 * fleet), including the hostile names. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "container.h"

static void check_decode(const char *in, const char *want)
{
	char *d = ha_velo_decode(in, strlen(in));

	CHECK_STR(d, want);
	free(d);
}

static void test_velo_decode(void)
{
	check_decode("C%3A", "C:");
	check_decode("%5C%5C.%5CC%3A", "\\\\.\\C:");
	check_decode("%24Extend", "$Extend");
	check_decode("%2e%2E", ".."); /* decoded: the layout then refuses it */
	check_decode("100%", "100%");
	check_decode("%G1x", "%G1x");
	check_decode("a%00b", "a%00b"); /* never a NUL */
	check_decode("", "");
	check_decode("Windows", "Windows");
}

static void check_label(const char *in, const char *want)
{
	char *l = ha_container_label(in);

	CHECK_STR(l, want);
	free(l);
}

static void test_container_label(void)
{
	check_label("Collection-WIN-E5K9RC5GU23-2021-11-21T18_05_56-08_00.zip", "WIN-E5K9RC5GU23");
	check_label("x/Collection-WIN-SJE0CKQO83P_lan-2024-11-05T17_45_36Z.zip",
	            "WIN-SJE0CKQO83P_lan");
	check_label("Collection-WEB01.zip", "WEB01");
	check_label("2024-01-02T030405_WEB01.vhdx", "WEB01");
	check_label("2018-09-03T144144_EvidenceOfExecution_EricWorkstation.vhd",
	            "EvidenceOfExecution_EricWorkstation");
	check_label("cases/WEB01.zip", "WEB01");
	check_label("WEB01.vhdx.zip", "WEB01");
	check_label("CASE7.E01", "CASE7");
	check_label("disk.tar.gz", "disk");
	check_label(".zip", ".zip");
}

static void test_json_hostname(void)
{
	static const char a[] = "{\"Name\":\"v\",\"Uptime\":1,\"Hostname\":\"WEB01\",\"x\":[1,{"
	                        "\"Hostname\":\"no\"}]}";
	static const char b[] = "{\"x\":{\"Hostname\":\"nested\"},\"hostname\":\"W\\u00e9B\\\"\"}";
	char *h;

	h = ha_json_top_string(a, sizeof a - 1, "Hostname");
	CHECK_STR(h, "WEB01");
	free(h);
	h = ha_json_top_string(b, sizeof b - 1, "Hostname");
	CHECK_STR(h, "W\xC3\xA9"
	             "B\"");
	free(h);
	CHECK(ha_json_top_string("{\"Hostname\":12}", 15, "Hostname") == NULL);
	CHECK(ha_json_top_string("{\"Hostname\":\"a\\u0000\"}", 22, "Hostname") == NULL);
	CHECK(ha_json_top_string("{\"Hostname\":\"abc", 16, "Hostname") == NULL);
	CHECK(ha_json_top_string("[\"Hostname\",\"x\"]", 16, "Hostname") == NULL);
	CHECK(ha_json_top_string("", 0, "Hostname") == NULL);
}

static void test_sniff(void)
{
	uint8_t b[1024];

	memset(b, 0, sizeof b);
	memcpy(b, "PK\3\4", 4);
	CHECK_INT(ha_container_sniff(b, sizeof b, "x.zip"), HA_CONT_ARCHIVE);
	memcpy(b, "regf", 4);
	CHECK_INT(ha_container_sniff(b, sizeof b, "SYSTEM"), HA_CONT_NONE);
	memcpy(b, "EVF\x09\x0D\x0A\xFF\x00\x01\x01\x00", 11);
	CHECK_INT(ha_container_sniff(b, sizeof b, "c.E01"), HA_CONT_IMAGE);
	b[9] = 2; /* the second segment is found from the first */
	CHECK_INT(ha_container_sniff(b, sizeof b, "c.E02"), HA_CONT_NONE);
	memset(b, 0, sizeof b);
	memcpy(b, "vhdxfile", 8);
	CHECK_INT(ha_container_sniff(b, sizeof b, NULL), HA_CONT_IMAGE);
	memset(b, 0, sizeof b);
	memcpy(b + 3, "NTFS    ", 8);
	CHECK_INT(ha_container_sniff(b, sizeof b, NULL), HA_CONT_IMAGE);
	memset(b, 0, sizeof b);
	b[510] = 0x55;
	b[511] = 0xAA;
	CHECK_INT(ha_container_sniff(b, sizeof b, NULL), HA_CONT_NONE); /* an empty MBR */
	b[446 + 4] = 0x07;
	CHECK_INT(ha_container_sniff(b, sizeof b, NULL), HA_CONT_IMAGE);
	memset(b, 0, sizeof b);
	memcpy(b + 257, "ustar", 5);
	CHECK_INT(ha_container_sniff(b, sizeof b, NULL), HA_CONT_ARCHIVE);
	CHECK_INT(ha_container_sniff((const uint8_t *)"hello", 5, "notes.txt"), HA_CONT_NONE);
}

static void check_layout(const char *names, const char *want)
{
	char *t = ha_container_layout_text(names, strlen(names));

	CHECK_STR(t, want);
	free(t);
}

static void test_layouts(void)
{
	/* Velociraptor, new: uploads/<accessor>/<device>/..., at the root. */
	check_layout("uploads.json\nclient_info.json\n"
	             "regf:uploads/auto/C%3A/Windows/System32/config/SYSTEM\n"
	             "uploads/auto/C%3A/Windows/System32/config/SYSTEM.LOG1\n"
	             "regf:uploads/auto/C%3A/Windows/System32/config/SOFTWARE\n",
	             "*\t\tuploads/auto/C%3A/Windows/System32/config/SOFTWARE|"
	             "uploads/auto/C%3A/Windows/System32/config/SYSTEM+"
	             "uploads/auto/C%3A/Windows/System32/config/SYSTEM.LOG1\n");
	/* The ntfs accessor's device, and a shadow copy (a backup). */
	check_layout(
	        "uploads.json\n"
	        "regf:uploads/ntfs/%5C%5C.%5CC%3A/Windows/System32/config/SYSTEM\n"
	        "regf:uploads/ntfs_vss/%5C%5C%3F%5CGLOBALROOT%5CDevice%5CHarddiskVolumeShadowCopy1"
	        "/Windows/System32/config/SYSTEM\n",
	        "*\t\tuploads/ntfs/%5C%5C.%5CC%3A/Windows/System32/config/SYSTEM\n"
	        "note: \\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1/Windows/System32/"
	        "config/SYSTEM: a volume shadow copy (a backup), not the live hive\n");
	/* Velociraptor v0.6.6 and older: <accessor>/<path>, no uploads/. */
	check_layout("uploads.json\nregf:auto/C/Windows/System32/config/SYSTEM\n",
	             "*\t\tauto/C/Windows/System32/config/SYSTEM\n");
	/* CyLR and KAPE: a drive folder at the root. */
	check_layout(
	        "regf:C/Windows/System32/config/SYSTEM\n"
	        "regf:C/Windows/System32/config/SOFTWARE\n"
	        "C/Windows/System32/config/SOFTWARE.LOG2\n"
	        "CyLR_Collection_Log_2024-01-01_10-00-00.log\n",
	        "*\t\tC/Windows/System32/config/SOFTWARE+C/Windows/System32/config/SOFTWARE.LOG2|"
	        "C/Windows/System32/config/SYSTEM\n");
	/* A zipped fleet: host folders name the hosts, as on disk. */
	check_layout(
	        "regf:fleet/WEB01/SYSTEM\nregf:fleet/WEB02/C/Windows/System32/config/SOFTWARE\n"
	        "regf:fleet/WEB02/C/Windows/System32/config/RegBack/SOFTWARE\n",
	        "WEB01\tfleet/WEB01\tfleet/WEB01/SYSTEM\n"
	        "WEB02\tfleet/WEB02\tfleet/WEB02/C/Windows/System32/config/RegBack/"
	        "SOFTWARE(skipped)|"
	        "fleet/WEB02/C/Windows/System32/config/SOFTWARE\n");
	/* Content decides, not the name. */
	check_layout("regf:h/web01-system.hiv\nh/readme.txt\n", "h\th\th/web01-system.hiv\n");
}

static void test_hostile_layouts(void)
{
	check_layout(
	        "regf:../evil/SYSTEM\nregf:/etc/SYSTEM\nregf:C:/x/SYSTEM\n",
	        "note: ../evil/SYSTEM: entry name with a \"..\" component, skipped\n"
	        "note: /etc/SYSTEM: absolute entry name, skipped (a collector never writes one)\n"
	        "note: C:/x/SYSTEM: absolute entry name, skipped (a collector never writes one)\n");
	/* Encoded dots are dots once decoded. */
	check_layout("uploads.json\nregf:uploads/auto/%2E%2E/%2E%2E/SYSTEM\n",
	             "note: uploads/auto/%2E%2E/%2E%2E/SYSTEM: entry name with a \"..\" component, "
	             "skipped\n");
	/* Two entries for one path: neither is trusted. */
	check_layout("regf:W/SYSTEM\nregf:W/SYSTEM\nregf:W/system\n", "W\tW\tW/SYSTEM(skipped)\n");
	/* Backslashes are separators, and said. */
	check_layout(
	        "regf:C\\Windows\\System32\\config\\SYSTEM\n",
	        "*\t\tC\\Windows\\System32\\config\\SYSTEM\n"
	        "note: C\\Windows\\System32\\config\\SYSTEM: entry name with backslashes, read "
	        "with '\\' as the separator\n");
	/* Decoded control characters stay visible; bytes that are not UTF-8
	 * become U+FFFD in the label (both found by fuzz_layout). */
	check_layout("uploads.json\nregf:uploads/auto/W%0AX/SYSTEM\n",
	             "W\\x0aX\tW\\x0aX\tuploads/auto/W%0AX/SYSTEM\n");
	check_layout("uploads.json\nregf:h%C5/SYSTEM\n",
	             "h\xEF\xBF\xBD\th\xEF\xBF\xBD\th%C5/SYSTEM\n");
	check_layout("", "");
	check_layout("\n\n\n", "");
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_velo_decode),   CHECK_CASE(test_container_label),
	        CHECK_CASE(test_json_hostname), CHECK_CASE(test_sniff),
	        CHECK_CASE(test_layouts),       CHECK_CASE(test_hostile_layouts),
	};

	return check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
}
