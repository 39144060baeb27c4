/*
 * account.h - the people of a base: accounts with a role, the actor of a
 * change (account, channel, where from), account names, password hashing
 * (yescrypt through libcrypt) and who the invoking OS user is.
 */
#ifndef TBM_ACCOUNT_H
#define TBM_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

enum role { ROLE_VIEWER = 0, ROLE_TECHNICIAN = 1, ROLE_MANAGER = 2 };
const char *role_name(enum role r);          /* "viewer" | "technician" | "manager" */
int role_parse(const char *s);               /* -1 unknown */

struct account {
	int64_t id;
	char *name;            /* login name: see account_name_check */
	char *display;         /* 王师傅 */
	enum role role;
	int disabled;
	char **labs; size_t nlabs;   /* technician limited to these labs; nlabs == 0: all labs */
	char *os_user;         /* bound OS user or NULL */
	int has_key;           /* a key for /api/ (store_accounts() only) */
};
void account_clear(struct account *a);

/* Who acts: the account, the channel and where from. Recorded in every audit detail. */
struct actor {
	const struct account *acct;
	const char *channel;   /* "cli" | "web" */
	const char *origin;    /* cli: the OS user name; web: the client address */
	const char *via;       /* "root" when root acts for acct with --by, else NULL */
};

#define ACCOUNT_NAME_MAX 64         /* bytes of UTF-8 */
#define ACCOUNT_PASSWORD_MIN 8      /* characters a new password needs at least */
#define ACCOUNT_DAEMON "tbmond"     /* the daemon's name in the audit trail: no account may take it */

/*
 * account_name_check: the one rule for account names. 1 to 32 characters,
 * each a lower-case ASCII letter, digit, '.', '_' or '-', or a CJK ideograph
 * (王师傅); no spaces, no upper case, so that "王 师傅", "Wang" and "wang"
 * cannot be two spellings of one person. The daemon's name is reserved.
 * 0 ok, -1 with the reason in why.
 */
int account_name_check(const char *name, char *why, size_t len);

/* account_actor_name: the name an actor is recorded under: the account's,
 * or for the bootstrap (no account yet) the OS user's. */
const char *account_actor_name(const struct actor *who);

/* account_has_lab: a technician limited to labs works in `lab`; everyone
 * else in every lab. */
int account_has_lab(const struct account *a, const char *lab);

/*
 * Passwords. account_hash_password: a yescrypt hash ("$y$...") of a fresh
 * random salt into out. account_check_password: 1 matches, 0 not, -1 error;
 * with hash NULL it does the same work against a dummy hash and answers 0,
 * so that an unknown name costs as much as a wrong password.
 * Both 0 / -1 with errno; out needs ACCOUNT_HASH_MAX bytes.
 */
#define ACCOUNT_HASH_MAX 256
int account_hash_password(const char *password, char *out, size_t len);
int account_check_password(const char *hash, const char *password);

/*
 * account_os_user: the OS user who runs this program: SUDO_USER when the
 * real uid is 0 and it is set (sudo), else the real uid's name. *is_root:
 * the real uid is 0, which may act for any account (recorded "via root").
 * 0 ok, -1 when the uid has no name.
 */
int account_os_user(char *out, size_t len, int *is_root);

#endif
