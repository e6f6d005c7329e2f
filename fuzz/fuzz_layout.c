/* fuzz_layout.c: the archive entry layout (ingest/container.c).
 *
 * Entry names come from the archive, written by whoever made it: the
 * layout code undoes Velociraptor's %XX encoding, strips the collectors'
 * prefixes ("uploads/auto/C%3A", a drive folder, Windows/System32/config),
 * refuses "..", absolute names and links, marks duplicates, and groups the
 * rest into hosts.  The input is a newline-separated list of names (a name
 * beginning "regf:" has hive content).  The checks: the result is text
 * that is valid UTF-8 whenever the names were, every host line has its
 * three fields, and no host prefix keeps a ".." component. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ha_common.h"
#include "ha_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	char *t = ha_container_layout_text((const char *)p, n);
	char *line, *save = NULL;

	if (!t)
		return 0; /* allocation failure only */
	if (ha_utf8_valid((const char *)p, n))
		FZ_CHECK(ha_utf8_valid(t, strlen(t)));
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab1, *tab2;

		if (!strncmp(line, "note: ", 6))
			continue;
		tab1 = strchr(line, '\t');
		FZ_CHECK(tab1 != NULL);
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		FZ_CHECK(tab2 != NULL);
		if (tab1 && tab2) {
			char *c = tab1 + 1, *slash;

			*tab2 = '\0';
			/* No component of the prefix is "..". */
			for (;;) {
				slash = strchr(c, '/');
				if (slash)
					*slash = '\0';
				FZ_CHECK(strcmp(c, "..") != 0);
				if (!slash)
					break;
				c = slash + 1;
			}
		}
	}
	free(t);
	return 0;
}
