/* certblob.c: the serialized certificate elements stored in the registry.
 *
 * FORMAT (value `Blob` under SystemCertificates\<store>\Certificates\<SHA1>)
 *
 *   offset  size  field
 *   0       4     property id (little-endian)
 *   4       4     reserved, always 1
 *   8       4     size of the property data in bytes
 *   12      size  property data
 *   ...           the next record follows immediately, no padding
 *
 * Property 0x20 (CERT_CERT_PROP_ID) holds the DER certificate, exactly (no
 * bytes after it); property 3 (CERT_SHA1_HASH_PROP_ID) a cached SHA-1.  A
 * record with id 0 ends the list; at most 256 records are read.  Windows
 * and Wine both refuse a reserved field other than 1.
 *
 * The DER itself is parsed by libcrypto (d2i_X509): ASN.1 is never decoded
 * by hand here.  The thumbprint is always recomputed over the DER, because
 * the key name and property 3 are only claims. */
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

#include "ha_common.h"

#define PROP_SHA1   3u
#define PROP_CERT   0x20u
#define MAX_RECORDS 256

static int asn1_to_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int ha_certblob_parse(const uint8_t *blob, size_t n, struct ha_cert_info *out, struct ha_err *err)
{
	struct ha_cur c;
	const uint8_t *der = NULL;
	uint32_t der_len = 0;
	const unsigned char *dp;
	uint8_t sha[20];
	X509 *x = NULL;
	BIO *bio = NULL;
	int records = 0, rc;

	memset(out, 0, sizeof *out);
	ha_cur_init(&c, blob, n);
	while (ha_cur_left(&c) > 0) {
		uint32_t id, reserved, size;
		const uint8_t *data;
		size_t at = c.pos;

		if (++records > MAX_RECORDS)
			return ha_err_set(err, HA_ERR_FORMAT, "more than %d property records",
			                  MAX_RECORDS);
		if (ha_cur_u32(&c, &id))
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "truncated record header at offset %zu", at);
		if (id == 0)
			break;
		if (ha_cur_u32(&c, &reserved) || ha_cur_u32(&c, &size))
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "truncated record header at offset %zu", at);
		if (reserved != 1)
			return ha_err_set(err, HA_ERR_FORMAT,
			                  "record at offset %zu has reserved field %u, expected 1",
			                  at, reserved);
		if (ha_cur_bytes(&c, size, &data))
			return ha_err_set(
			        err, HA_ERR_FORMAT,
			        "record 0x%x at offset %zu claims %u bytes, only %zu left", id, at,
			        size, ha_cur_left(&c));
		if (id == PROP_CERT && !der) {
			der = data;
			der_len = size;
		} else if (id == PROP_SHA1 && size == 20 && !out->has_hash_prop) {
			out->has_hash_prop = 1;
			ha_hex(data, 20, out->hash_prop, 1);
		}
	}
	if (!der)
		return ha_err_set(err, HA_ERR_FORMAT, "no certificate record (property 0x20)");

	rc = ha_sha1(der, der_len, sha, err);
	if (rc)
		return rc;
	ha_hex(sha, 20, out->thumbprint, 1);
	out->der_len = der_len;

	dp = der;
	x = d2i_X509(NULL, &dp, (long)der_len);
	if (!x) {
		/* libcrypto queues its reasons per thread; ours is the message. */
		ERR_clear_error();
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "certificate record is not a DER X.509 certificate");
	}
	/* The thumbprint covers the whole record: bytes after the certificate
	 * would make a genuine certificate hash to something else. */
	if (dp != der + der_len) {
		X509_free(x);
		return ha_err_set(err, HA_ERR_FORMAT,
		                  "certificate record has %zu trailing bytes after the certificate",
		                  (size_t)(der + der_len - dp));
	}
	if (asn1_to_unix(X509_get0_notAfter(x), &out->not_after) ||
	    asn1_to_unix(X509_get0_notBefore(x), &out->not_before)) {
		X509_free(x);
		ERR_clear_error();
		return ha_err_set(err, HA_ERR_FORMAT, "certificate validity dates do not parse");
	}
	bio = BIO_new(BIO_s_mem());
	if (bio) {
		char *p = NULL;
		long len;

		if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
			len = BIO_get_mem_data(bio, &p);
			if (len > 0 && p) {
				size_t k = (size_t)len < sizeof out->subject - 1
				                   ? (size_t)len
				                   : sizeof out->subject - 1;
				memcpy(out->subject, p, k);
				out->subject[k] = '\0';
			}
		}
		BIO_free(bio);
	}
	X509_free(x);
	return HA_OK;
}
