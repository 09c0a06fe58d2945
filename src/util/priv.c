/*
 * priv.c: the privilege model shared by kefud and kefu -- switching from
 * root to the run-time user of kefu.conf ([kefu] user) so that every
 * file either program makes (the SQLite store, recordings, sockets)
 * belongs to that user, and keeping secrets (database passwords, PINs)
 * out of core dumps.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/util.h"

int
priv_user(const char *user, uid_t *uid, gid_t *gid, char **cause)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		return kf_error(cause, "no user named '%s'%s%s", user,
		    errno != 0 ? ": " : " (create it, e.g. useradd --system "
		    "kefu)", errno != 0 ? strerror(errno) : "");
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
priv_drop(const char *user, char **cause)
{
	uid_t uid;
	gid_t gid;

	if (user == NULL || geteuid() != 0)
		return 0;
	if (priv_user(user, &uid, &gid, cause) == -1)
		return -1;
	if (uid == 0)
		return 0;
	if (initgroups(user, gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		return kf_error(cause, "cannot switch to user %s: %s", user,
		    strerror(errno));
	if (setuid(0) == 0)
		return kf_error(cause, "switched to user %s but could become "
		    "root again", user);
	return 1;
}

void
priv_nodump(int allow)
{
	struct rlimit rl = { 0, 0 };

	if (allow) {
		(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		return;
	}
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
