/*
 * account.c - roles, account names, password hashing and the invoking OS
 * user: the parts of "People and rights" that need no database.
 */
#include "account.h"

#include <crypt.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const role_names[] = { "viewer", "technician", "manager" };

const char *
role_name(enum role r)
{
	return (unsigned)r < 3 ? role_names[r] : "?";
}

int
role_parse(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

void
account_clear(struct account *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->display);
	for (size_t i = 0; i < a->nlabs; i++)
		free(a->labs[i]);
	free(a->labs);
	free(a->os_user);
	memset(a, 0, sizeof(*a));
}

/* One UTF-8 character at s: its code point and length, -1 if malformed. */
static int
utf8_next(const unsigned char *s, unsigned *cp)
{
	int n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*cp = s[0] & 0x1f;
		n = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		*cp = s[0] & 0x0f;
		n = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		*cp = s[0] & 0x07;
		n = 4;
	} else
		return -1;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return n;
}

static int
ideograph(unsigned cp)
{
	return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	    (cp >= 0x20000 && cp <= 0x2a6df) || cp == 0x3007;
}

int
account_name_check(const char *name, char *why, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t chars = 0;

	if (name == NULL || *name == '\0') {
		snprintf(why, len, "an account name must not be empty");
		return -1;
	}
	if (strlen(name) > ACCOUNT_NAME_MAX) {
		snprintf(why, len, "account name '%s' is too long", name);
		return -1;
	}
	while (*p) {
		unsigned cp;
		int n = utf8_next(p, &cp);
		if (n < 0) {
			snprintf(why, len, "account name '%s' is not valid UTF-8", name);
			return -1;
		}
		if (!((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '.' ||
		    cp == '_' || cp == '-' || ideograph(cp))) {
			snprintf(why, len, "account name '%s': only lower-case letters a-z, digits, "
			    "'.', '_', '-' and Chinese characters, no spaces", name);
			return -1;
		}
		p += n;
		chars++;
	}
	if (chars > 32) {
		snprintf(why, len, "account name '%s' is longer than 32 characters", name);
		return -1;
	}
	if (strcmp(name, ACCOUNT_DAEMON) == 0) {
		snprintf(why, len, "'%s' is the daemon's name in the audit trail, not a person's", name);
		return -1;
	}
	return 0;
}

const char *
account_actor_name(const struct actor *who)
{
	if (who == NULL)
		return "?";
	if (who->acct && who->acct->name)
		return who->acct->name;
	return who->origin ? who->origin : "?";
}

int
account_has_lab(const struct account *a, const char *lab)
{
	if (a->role != ROLE_TECHNICIAN || a->nlabs == 0)
		return 1;
	for (size_t i = 0; lab && i < a->nlabs; i++)
		if (strcmp(a->labs[i], lab) == 0)
			return 1;
	return 0;
}

int
account_hash_password(const char *password, char *out, size_t len)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	int rc = -1;

	/* NULL random bytes: libcrypt takes them from the kernel itself */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, (int)sizeof(salt)) == NULL)
		return -1;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	h = crypt_r(password, salt, cd);
	if (h != NULL && h[0] == '$' && strlen(h) < len) {
		snprintf(out, len, "%s", h);
		rc = 0;
	} else
		errno = EINVAL;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
account_check_password(const char *hash, const char *password)
{
	/* a yescrypt hash of a password nobody knows, for the same work on an unknown name */
	static const char dummy[] =
	    "$y$j9T$RM/NBxYZhs3n3cee/5LxH/$lZjcIknAyNPhv5S.fgOM11CShIXReapEQk6mfNYtpU6";
	struct crypt_data *cd;
	const char *h;
	int rc = -1;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	h = crypt_r(password ? password : "", hash ? hash : dummy, cd);
	if (h != NULL && h[0] == '$') {
		size_t n = strlen(h);
		const char *want = hash ? hash : dummy;
		unsigned diff = (unsigned)(n ^ strlen(want));
		/* compare in constant time over the hash's length */
		for (size_t i = 0; i < n && want[i]; i++)
			diff |= (unsigned char)(h[i] ^ want[i]);
		rc = hash != NULL && diff == 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
account_os_user(char *out, size_t len, int *is_root)
{
	uid_t uid = getuid();
	const char *sudo = getenv("SUDO_USER");
	struct passwd pw, *res = NULL;
	char buf[4096];

	*is_root = uid == 0;
	if (uid == 0 && sudo != NULL && *sudo != '\0') {
		snprintf(out, len, "%s", sudo);
		return 0;
	}
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(out, len, "uid %u", (unsigned)uid);
		return -1;
	}
	snprintf(out, len, "%s", pw.pw_name);
	return 0;
}
