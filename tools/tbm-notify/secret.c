/*
 * secret.c - robot URLs, SMTP passwords and signing secrets: each from a
 * file of its own (a robot's URL holds its key), never logged; and the
 * signatures DingTalk and Feishu robots check.
 */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "notify.h"

char *
secret_read(const char *path, const char *conf_file, int conf_line, const char *what)
{
	char buf[4096];
	struct stat sb;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "re")) == NULL) {
		log_errx("%s:%d: %s %s: %s", conf_file, conf_line, what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & S_IROTH))
		log_warnx("%s:%d: %s %s is readable by everyone; chmod o-r it", conf_file, conf_line,
		    what, path);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n == 0) {
		log_errx("%s:%d: %s %s is empty", conf_file, conf_line, what, path);
		return NULL;
	}
	return strdup(buf);
}

/* base64 of HMAC-SHA256(key, data) into out; 0 ok. */
static int
hmac_b64(const char *key, size_t keylen, const char *data, size_t datalen, char *out, size_t len)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data, datalen, mac,
	    &maclen) == NULL || len < 4 * ((maclen + 2) / 3) + 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	return 0;
}

int
sign_dingtalk(const char *secret, int64_t ts_ms, char *out, size_t len)
{
	char data[1024], b64[128];
	size_t n = 0;
	int k;

	k = snprintf(data, sizeof(data), "%" PRId64 "\n%s", ts_ms, secret);
	if (k < 0 || (size_t)k >= sizeof(data) ||
	    hmac_b64(secret, strlen(secret), data, (size_t)k, b64, sizeof(b64)) != 0)
		return -1;
	/* URL-encoded: base64 has + / = */
	for (const char *p = b64; *p; p++) {
		if (n + 4 > len)
			return -1;
		if (*p == '+' || *p == '/' || *p == '=')
			n += (size_t)snprintf(out + n, len - n, "%%%02X", (unsigned char)*p);
		else
			out[n++] = *p;
	}
	out[n] = '\0';
	return 0;
}

int
sign_feishu(const char *secret, int64_t ts_s, char *out, size_t len)
{
	char key[1024];
	int k = snprintf(key, sizeof(key), "%" PRId64 "\n%s", ts_s, secret);

	if (k < 0 || (size_t)k >= sizeof(key))
		return -1;
	return hmac_b64(key, (size_t)k, "", 0, out, len);
}
