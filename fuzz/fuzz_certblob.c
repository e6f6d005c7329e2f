/* fuzz_certblob.c: certificate blobs (common/certblob.c), the values
 * SystemCertificates\<store>\Certificates\<thumbprint>\Blob of a hive. */
#include <string.h>

#include "fuzz.h"
#include "ha_common.h"

static int is_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return s[40] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_cert_info ci;
	struct ha_err err;

	ha_err_clear(&err);
	if (ha_certblob_parse(data, size, &ci, &err) != HA_OK) {
		FZ_CHECK(err.msg[0] != '\0');
		return 0;
	}
	FZ_CHECK(is_hex40(ci.thumbprint));
	FZ_CHECK(!ci.has_hash_prop || is_hex40(ci.hash_prop));
	FZ_CHECK(ci.der_len > 0 && ci.der_len <= size);
	FZ_CHECK(strnlen(ci.subject, sizeof ci.subject) < sizeof ci.subject);
	return 0;
}
