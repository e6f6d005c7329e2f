/* fuzz_veloname.c: Velociraptor's component decoding, container names and
 * the collector's JSON record (ingest/container.c).
 *
 * ha_velo_decode() undoes the %XX escaping of one entry name component;
 * ha_container_label() strips the collectors' decoration from a container
 * name ("Collection-HOST-TIMESTAMP.zip"); the client_info.json Hostname is
 * read by a small bounded JSON scanner.  The checks: decoding never grows
 * a component, a component without '%' decodes to itself, the label is a
 * substring of the name, and a string found in JSON is valid UTF-8 without
 * NUL when the JSON text was valid UTF-8. */
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "fuzz.h"
#include "ha_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	const char *s = (const char *)p;
	char *d = ha_velo_decode(s, n), *z, *lab, *h;

	if (d) {
		FZ_CHECK(strlen(d) <= n);
		if (!memchr(s, '%', n) && !memchr(s, '\0', n))
			FZ_CHECK(strlen(d) == n && !memcmp(d, s, n));
		free(d);
	}
	z = ha_strndup(s, n);
	if (z) {
		lab = ha_container_label(z);
		if (lab) {
			FZ_CHECK(strstr(z, lab) != NULL);
			free(lab);
		}
		free(z);
	}
	h = ha_json_top_string(s, n, "Hostname");
	if (h) {
		if (ha_utf8_valid(s, n))
			FZ_CHECK(ha_utf8_valid(h, strlen(h)));
		free(h);
	}
	return 0;
}
