/*
 * kefud.c: the daemon.  Reads kefu.conf, loads mappings, prompts,
 * say-rules and flows (refusing to start on any problem), opens the
 * datasources, starts one thread per [line], serves the control socket
 * (kefu status, kefu reload), converts the prompts into each line's
 * format ahead of calls, runs the e-mail outbox worker, the delivery
 * slips' auto-print timer and the campaign scheduler, reloads on SIGHUP
 * and stops on SIGTERM.
 * `kefud -n` checks every configuration file and exits: 0 when all is
 * well, 1 with each problem as file:line otherwise.
 * Which threads run, what each owns and which lock guards what is
 * shared: kefud(8), section Threads (keep it true when adding one).
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "conf/conf.h"
#include "ctl/ctl.h"
#include "db/db.h"
#include "line/line.h"
#include "msg/msg.h"
#include "slip/slip.h"
#include "store/store.h"
#include "util/util.h"

struct kefud {
	struct conf *conf;
	struct svc *svc;
	struct line **lines;
	size_t nlines;
	struct ctl_server *ctl;
	time_t started;
	/* the preloader: converts prompts into each open line's format */
	pthread_t preload;
	int preload_running;
	pthread_mutex_t preload_mtx;    /* guards preload_running, _stop */
	pthread_cond_t preload_cv;      /* stop, or a new set to preload */
	int preload_stop;
	/* the e-mail outbox worker (msg/worker.c), when [email] has a from */
	pthread_t mail;
	int mail_running;
	atomic_int mail_stop;
	/* the reload thread: one reload at a time, off the control socket */
	pthread_mutex_t reload_mtx;     /* guards the fields below */
	pthread_t reload;
	int reload_started;     /* reload is a thread to join */
	int reloading;          /* it runs */
	int reload_again;       /* a SIGHUP came meanwhile: reload once more */
	int reload_stop;        /* kefud is stopping: no more reloads */
	uint64_t reload_since;  /* now_ms() it began */
	struct ctl_defer *reload_client;        /* to answer, or NULL */
	/* the campaign scheduler (msg/sched.c), every [campaign] tick */
	pthread_t sched;
	int sched_running;
	atomic_int sched_stop;
	/* [slips] auto-print: a slot's slips printed at its cut-off */
	pthread_t slips;
	int slips_running;
	atomic_int slips_stop;
	struct kefud_cutoff *cut;       /* the slots it follows */
	size_t ncut;
	/*
	 * the SMS outbox workers, one thread per [gsm NAME] (msg/gsm.c)
	 * and per [sms-gateway NAME] (msg/http.c)
	 */
	struct kefud_sms *sms;
	size_t nsms;
	atomic_int sms_stop;
};

/* One SMS worker thread and the modem or gateway it drives. */
struct kefud_sms {
	struct kefud *k;
	const char *modem;      /* [gsm NAME] or [sms-gateway NAME] */
	const char *section;    /* "gsm" or "sms-gateway" */
	const struct msg_transport_ops *ops;
	pthread_t thread;
};

static void kefud_preload_poke(struct kefud *k, int stop);

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: kefud [-dnv] [-f kefu.conf]\n");
}

/* Each line of a report as "warning: LINE" on stderr. */
static void
kefud_warn_lines(const char *text)
{
	const char *nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		fprintf(stderr, "warning: %.*s\n", nl ? (int)(nl - text) :
		    (int)strlen(text), text);
		if (nl == NULL)
			break;
		text = nl + 1;
	}
}

/*
 * The spool rules (recording_dir_ok) for the user kefud will run as;
 * a spool not made yet is made at the first recording.  0 or -1.
 */
static int
kefud_check_spool(const struct conf *conf)
{
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid;
	char *cause = NULL;

	if (lstat(conf->spool_dir, &st) == -1)
		return 0;
	if (conf->user != NULL && geteuid() == 0)
		(void)priv_user(conf->user, &uid, &gid, NULL);
	if (recording_dir_ok(conf->spool_dir, &st, uid, &cause) == 0)
		return 0;
	fprintf(stderr, "%s:%d: spool: %s\n", conf->path,
	    conf_line(conf, conf, "spool"), cause);
	free(cause);
	return -1;
}

/* Load everything and report each problem; 0 when there are none. */
static int
kefud_check(struct conf *conf, struct svc **out)
{
	struct strbuf problems = STRBUF_INIT, warn = STRBUF_INIT;
	struct svc_set *set;
	struct line *ln;
	char *cause = NULL;
	size_t i;
	int n = 0;

	/* folders, adapters and the user first: the rest needs them */
	if (conf_check_system(conf, &problems) > 0) {
		fputs(sb_str(&problems), stderr);
		sb_free(&problems);
		return -1;
	}
	if (kefud_check_spool(conf) == -1)
		n++;
	for (i = 0; i < conf->nlines; i++) {
		if (line_new(&conf->lines[i], &ln, &cause) == -1) {
			fprintf(stderr, "%s:%d: %s\n", conf->path,
			    conf->lines[i].line, cause);
			free(cause);
			cause = NULL;
			n++;
			continue;
		}
		line_free(ln);
	}
	if (svc_open(conf, 0, out, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return -1;
	}
	set = svc_acquire(*out);
	n += svc_check(set, &problems, &warn);
	svc_release(set);
	if (warn.len > 0)
		kefud_warn_lines(sb_str(&warn));
	fputs(sb_str(&problems), stderr);
	sb_free(&problems);
	sb_free(&warn);
	return n == 0 ? 0 : -1;
}

static void
kefud_status_lines(struct kefud *k, struct strbuf *out)
{
	struct line *ln;
	unsigned calls, failures;
	size_t i;

	if (k->nlines == 0)
		sb_adds(out, "lines: none configured\n");
	for (i = 0; i < k->nlines; i++) {
		ln = k->lines[i];
		pthread_mutex_lock(&ln->mtx);
		calls = ln->calls;
		failures = ln->failures;
		pthread_mutex_unlock(&ln->mtx);
		sb_addf(out, "line %-8s %-6s %-11s calls %-5u device failures "
		    "%-3u %s\n", ln->name, ln->ops->name,
		    line_state_name(line_state(ln)), calls, failures,
		    ln->conf->device ? ln->conf->device : "");
	}
}

static void
kefud_status_sources(struct kefud *k, struct strbuf *out)
{
	struct db_source *src;
	struct db_stats st;
	size_t i;

	for (i = 0; i < k->conf->nds; i++) {
		src = svc_source(k->svc, k->conf->ds[i].name);
		if (src == NULL)
			continue;
		db_source_stats(src, &st);
		sb_addf(out, "datasource %-10s %-6s queries %llu errors %llu "
		    "timeouts %llu p50 %.1f ms p99 %.1f ms connections %d "
		    "(%d busy) %s\n", k->conf->ds[i].name,
		    st.connects == 0 && st.connect_failures == 0 ? "unused" :
		    st.up ? "up" : "DOWN", (unsigned long long)st.queries,
		    (unsigned long long)st.errors,
		    (unsigned long long)st.timeouts, st.p50_us / 1000.0,
		    st.p99_us / 1000.0, st.open, st.busy, st.current);
	}
}

/*
 * kefu.conf read again for a reload: 0 with *fresh (or NULL when this
 * user may not read it: its changes are then not checked), -1 with
 * *cause when it is broken or names what is not there.
 */
static int
kefud_reload_conf(struct kefud *k, struct conf **fresh, char **cause)
{
	struct strbuf problems = STRBUF_INIT;
	char *why = NULL;

	*fresh = NULL;
	if (access(k->conf->path, R_OK) == -1) {
		log_warnx("%s cannot be read by the user kefud runs as (%s); "
		    "its changes are not checked and need a restart",
		    k->conf->path, strerror(errno));
		return 0;
	}
	if (conf_load(k->conf->path, fresh, &why) == -1) {
		kf_error(cause, "%s", why);
		free(why);
		return -1;
	}
	if (conf_check_system(*fresh, &problems) > 0) {
		kf_error(cause, "%s", sb_str(&problems));
		sb_free(&problems);
		conf_free(*fresh);
		*fresh = NULL;
		return -1;
	}
	return 0;
}

/*
 * A reload (kefu reload or SIGHUP): kefu.conf is read again first and a
 * broken one refuses the whole reload with its reasons; then a new set
 * of flows, mappings, prompts and say-rules is built and swapped in.
 * kefu.conf's own settings (folders, datasources, lines, ...) apply at
 * the next start: those that changed are named in the reply and the
 * log.  reply may be NULL.
 */
static int
kefud_reload(struct kefud *k, struct strbuf *reply, char **cause)
{
	struct strbuf changed = STRBUF_INIT;
	struct conf *fresh;
	struct svc_set *set;

	if (kefud_reload_conf(k, &fresh, cause) == -1) {
		char *why = *cause;

		kf_error(cause, "kefu.conf has problems, nothing was reloaded:"
		    "\n%s", why);
		free(why);
		return -1;
	}
	if (fresh != NULL) {
		conf_diff(k->conf, fresh, &changed);
		conf_free(fresh);
	}
	if (svc_reload(k->svc, cause) == -1) {
		sb_free(&changed);
		return -1;
	}
	set = svc_acquire(k->svc);
	if (reply != NULL)
		sb_addf(reply, "reloaded: configuration generation %u\n",
		    set->gen);
	log_info("reloaded flows, mappings and prompts (generation %u)",
	    set->gen);
	svc_release(set);
	if (changed.len > 0) {
		log_warnx("kefu.conf changed (%s): these settings apply when "
		    "kefud is restarted", sb_str(&changed));
		if (reply != NULL)
			sb_addf(reply, "kefu.conf changed (%s): restart kefud "
			    "to apply these settings\n", sb_str(&changed));
	}
	sb_free(&changed);
	kefud_preload_poke(k, 0);
	return 0;
}

/*
 * The reload thread: runs the reload asked for (and one more for each
 * burst of SIGHUPs that came meanwhile), answers the client that asked,
 * if one did.  Neither the control socket nor the signal loop waits for
 * it, so `kefu status` and SIGTERM are served while flows load.
 */
static void *
kefud_reload_main(void *arg)
{
	struct kefud *k = arg;
	struct strbuf reply = STRBUF_INIT;
	struct ctl_defer *d;
	char *cause;
	int rc;

	pthread_mutex_lock(&k->reload_mtx);
	while (k->reloading) {
		d = k->reload_client;
		k->reload_client = NULL;
		k->reload_again = 0;
		pthread_mutex_unlock(&k->reload_mtx);
		cause = NULL;
		rc = kefud_reload(k, &reply, &cause);
		if (rc == -1)
			log_error("reload refused, the running configuration "
			    "stays: %s", cause);
		if (d != NULL)
			ctl_done(d, rc, sb_str(&reply), cause);
		else
			free(cause);
		sb_free(&reply);
		pthread_mutex_lock(&k->reload_mtx);
		if (!k->reload_again || k->reload_stop)
			k->reloading = 0;
	}
	pthread_mutex_unlock(&k->reload_mtx);
	return NULL;
}

/*
 * Start a reload on the reload thread: asked by a client of the control
 * socket (client: the request is deferred, answered when done) or by
 * SIGHUP.  While one runs, a client's is refused and a SIGHUP's follows
 * it.  -1 with *cause when refused.
 */
static int
kefud_reload_start(struct kefud *k, int client, char **cause)
{
	int rc = 0;

	pthread_mutex_lock(&k->reload_mtx);
	if (k->reload_stop)
		rc = kf_error(cause, "kefud is stopping");
	else if (k->reloading && client)
		rc = kf_error(cause, "a reload is already running (for %llu "
		    "ms); try again when it has finished",
		    (unsigned long long)(now_ms() - k->reload_since));
	else if (k->reloading) {
		k->reload_again = 1;
		log_info("SIGHUP during a reload: another reload follows it");
	} else {
		if (k->reload_started)
			pthread_join(k->reload, NULL);  /* it has ended */
		k->reload_started = 0;
		k->reloading = 1;
		k->reload_since = now_ms();
		k->reload_client = client ? ctl_defer(k->ctl) : NULL;
		if (pthread_create(&k->reload, NULL, kefud_reload_main, k) !=
		    0) {
			k->reloading = 0;
			if (k->reload_client != NULL)
				ctl_done(k->reload_client, -1, NULL, xstrdup(
				    "cannot start a thread for the reload"));
			k->reload_client = NULL;
			rc = client ? CTL_DEFERRED : -1;
			if (!client)
				kf_error(cause, "cannot start a thread for "
				    "the reload");
		} else {
			k->reload_started = 1;
			rc = client ? CTL_DEFERRED : 0;
		}
	}
	pthread_mutex_unlock(&k->reload_mtx);
	return rc;
}

/* No more reloads; wait for one that runs (kefud is stopping). */
static void
kefud_reload_stop(struct kefud *k)
{
	int started;

	pthread_mutex_lock(&k->reload_mtx);
	k->reload_stop = 1;
	started = k->reload_started;
	k->reload_started = 0;
	pthread_mutex_unlock(&k->reload_mtx);
	if (started)
		pthread_join(k->reload, NULL);
}

static int
kefud_request(const char *req, struct strbuf *reply, char **cause,
    void *arg)
{
	struct kefud *k = arg;
	struct svc_set *set;
	unsigned long calls;
	long up;

	if (strcmp(req, "status") == 0) {
		set = svc_acquire(k->svc);
		pthread_mutex_lock(&k->svc->mtx);
		calls = k->svc->calls;
		pthread_mutex_unlock(&k->svc->mtx);
		up = (long)(time(NULL) - k->started);
		sb_addf(reply, "kefud %s, up %ldh%02ldm%02lds, configuration "
		    "generation %u, %lu call%s since start\n", PACKAGE_VERSION,
		    up / 3600, up / 60 % 60, up % 60, set->gen, calls,
		    calls == 1 ? "" : "s");
		svc_release(set);
		kefud_status_lines(k, reply);
		kefud_status_sources(k, reply);
		return 0;
	}
	if (strcmp(req, "reload") == 0)
		return kefud_reload_start(k, 1, cause);
	return kf_error(cause, "unknown request '%s' (try status or reload)",
	    req);
}

/*
 * The preloader thread.  A line's format is known once it has opened its
 * device, so every half second it looks for open lines whose format the
 * current set has not converted yet, and converts every prompt into it
 * (svc_preload) -- here, never on a line's thread: a caller on another
 * line only ever waits for the one clip being converted.  A reload
 * brings a new set (new generation): its formats are converted again.
 */
static void *
kefud_preload_main(void *arg)
{
	struct kefud *k = arg;
	struct audio_fmt done[16], fmt;
	struct svc_set *set;
	struct timespec ts;
	enum line_state st;
	size_t i, j, ndone = 0;
	unsigned gen = 0;

	pthread_mutex_lock(&k->preload_mtx);
	while (!k->preload_stop) {
		pthread_mutex_unlock(&k->preload_mtx);
		set = svc_acquire(k->svc);
		if (set->gen != gen) {
			gen = set->gen;
			ndone = 0;
		}
		for (i = 0; i < k->nlines; i++) {
			pthread_mutex_lock(&k->lines[i]->mtx);
			st = k->lines[i]->state;
			fmt = k->lines[i]->fmt;
			pthread_mutex_unlock(&k->lines[i]->mtx);
			if (st == LINE_DOWN || st == LINE_INIT ||
			    st == LINE_STOPPED)
				continue;
			for (j = 0; j < ndone; j++)
				if (done[j].enc == fmt.enc &&
				    done[j].rate == fmt.rate)
					break;
			if (j < ndone || ndone == nitems(done))
				continue;
			done[ndone++] = fmt;
			(void)svc_preload(set, &fmt);
		}
		svc_release(set);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 500 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&k->preload_mtx);
		if (!k->preload_stop)
			pthread_cond_timedwait(&k->preload_cv,
			    &k->preload_mtx, &ts);
	}
	pthread_mutex_unlock(&k->preload_mtx);
	return NULL;
}

static void
kefud_preload_start(struct kefud *k)
{
	pthread_mutex_lock(&k->preload_mtx);
	if (pthread_create(&k->preload, NULL, kefud_preload_main, k) != 0)
		log_warnx("cannot start the prompt preloader; prompts are "
		    "converted when first played");
	else
		k->preload_running = 1;
	pthread_mutex_unlock(&k->preload_mtx);
}

/*
 * Wake the preloader (a reload made a new set), or stop it.  The control
 * thread may still poke while the main thread stops it: the mutex and
 * condition live as long as the process, and a stopped preloader is
 * neither woken nor joined twice.
 */
static void
kefud_preload_poke(struct kefud *k, int stop)
{
	int join = 0;

	pthread_mutex_lock(&k->preload_mtx);
	if (stop && k->preload_running && !k->preload_stop) {
		k->preload_stop = 1;
		join = 1;
	}
	pthread_cond_signal(&k->preload_cv);
	pthread_mutex_unlock(&k->preload_mtx);
	if (join)
		pthread_join(k->preload, NULL);
}

/*
 * The folder of the control socket, made for the run-time user when it
 * is missing (/run/kefu outside systemd): the socket is made and
 * removed after the switch.  Only a folder kefud makes is chowned.
 */
static void
kefud_socket_dir(const struct conf *conf)
{
	char *copy = xstrdup(conf->socket_path), *dir = dirname(copy);
	uid_t uid;
	gid_t gid;

	if (conf->user != NULL && geteuid() == 0 &&
	    priv_user(conf->user, &uid, &gid, NULL) == 0 &&
	    mkdir(dir, 0750) == 0 && chown(dir, uid, gid) == -1)
		log_warn("%s: chown to %s", dir, conf->user);
	free(copy);
}

/*
 * Started as root with [kefu] user: become that user before anything is
 * opened or made (sockets, devices, the store, recordings), so that all
 * of it belongs to the user and can be removed by it at exit.  Then core
 * dumps off, unless [kefu] core-dumps asks for them.
 */
static int
kefud_drop(const struct conf *conf, char **cause)
{
	int r;

	kefud_socket_dir(conf);
	if ((r = priv_drop(conf->user, cause)) == -1)
		return -1;
	if (r == 1)
		log_info("running as user %s", conf->user);
	priv_nodump(conf->core_dumps);
	return 0;
}

/* Sleep up to ms, waking within 100 ms of *stop being set. */
static void
kefud_nap(atomic_int *stop, unsigned ms)
{
	for (; ms > 0 && !atomic_load(stop); ms -= ms < 100 ? ms : 100)
		sleep_ms(ms < 100 ? ms : 100);
}

/* An outbox worker's name, "HOST/kefud-PID/WHAT" (its claims' token). */
static void
kefud_worker_name(char name[96], const char *what)
{
	char host[64];

	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "kefud");
	host[sizeof host - 1] = '\0';
	snprintf(name, 96, "%.40s/kefud-%ld/%.30s", host, (long)getpid(),
	    what);
}

/*
 * An outbox worker's loop, e-mail's or one modem's or gateway's: until
 * *o->stop, msg_worker_run_n with n workers (n 0: msg_worker_run on this
 * thread); a store that cannot be reached or a run that fails is logged
 * as "WHO stopped, trying again in 5 s: why" and tried again 5 s later.
 */
static void
kefud_outbox_loop(struct kefud *k, const struct msg_transport_ops *ops,
    const struct msg_worker_opts *o, unsigned n, const char *who)
{
	struct conf_datasource *ds;
	struct db_source *src;
	struct msg_stats st;
	const char *dialect = NULL;
	char *cause = NULL;
	int rc;

	ds = conf_datasource(k->conf, k->conf->store_datasource);
	src = svc_source(k->svc, k->conf->store_datasource);
	while (!atomic_load(o->stop)) {
		memset(&st, 0, sizeof st);
		if (dialect == NULL &&
		    (dialect = store_dialect(src, ds, &cause)) == NULL)
			rc = -1;
		else if (n == 0)
			rc = msg_worker_run(src, dialect, k->conf, ops, o, &st,
			    &cause);
		else
			rc = msg_worker_run_n(src, dialect, k->conf, ops, o, n,
			    &st, &cause);
		if (rc == -1) {
			log_warnx("%s stopped, trying again in 5 s: %s", who,
			    cause);
			free(cause);
			cause = NULL;
			kefud_nap(o->stop, 5000);
		}
	}
}

/* The e-mail outbox worker's thread: [email] connections at once. */
static void *
kefud_mail_main(void *arg)
{
	struct kefud *k = arg;
	struct msg_worker_opts o;
	char name[96];

	kefud_worker_name(name, "email");
	msg_worker_opts_email(k->conf, name, &o);
	o.stop = &k->mail_stop;
	kefud_outbox_loop(k, &msg_mail_ops, &o,
	    (unsigned)k->conf->email_connections, "e-mail: the outbox worker");
	return NULL;
}

static void
kefud_mail_start(struct kefud *k)
{
	if (k->conf->email_from == NULL) {
		log_info("e-mail: [email] has no from address; queued e-mail "
		    "is not sent");
		return;
	}
	if (conf_datasource(k->conf, k->conf->store_datasource) == NULL ||
	    svc_source(k->svc, k->conf->store_datasource) == NULL) {
		log_warnx("e-mail: no [datasource %s] for the store; queued "
		    "e-mail is not sent", k->conf->store_datasource);
		return;
	}
	if (pthread_create(&k->mail, NULL, kefud_mail_main, k) != 0) {
		log_warnx("e-mail: cannot start the outbox worker");
		return;
	}
	k->mail_running = 1;
	log_info("e-mail: outbox worker started (%s, %d connection%s)",
	    k->conf->email_url, k->conf->email_connections,
	    k->conf->email_connections == 1 ? "" : "s");
}

static void
kefud_mail_stop(struct kefud *k)
{
	if (!k->mail_running)
		return;
	atomic_store(&k->mail_stop, 1);
	pthread_join(k->mail, NULL);
	k->mail_running = 0;
}

/*
 * Recordings under way when kefud was last killed are repaired and kept
 * before the lines answer (recording_recover); a failure is logged.
 */
static void
kefud_recover_spool(const struct conf *conf)
{
	struct stat st;
	char *cause = NULL;
	int kept;

	if (lstat(conf->spool_dir, &st) == -1)
		return;
	if (recording_recover(conf->spool_dir, &kept, &cause) == -1) {
		log_warnx("spool: %s", cause);
		free(cause);
	} else if (kept > 0)
		log_info("spool: %d recording%s cut short by the last stop "
		    "kept", kept, kept == 1 ? "" : "s");
}

/*
 * A slot as the auto-print timer follows it: from [slips] cut-offs when
 * given, else from the order slots ([store] order-slots).
 */
struct kefud_cutoff {
	char *slot;
	int minute;             /* of the day the slot closes */
	char day[11];           /* the day of the last try, "" before */
	uint64_t last_ms;       /* when (monotonic), for retry-every */
};

/*
 * The slots to print at their cut-off into k->cut: [slips] cut-offs
 * overrides; without it, each slot of [store] order-slots at its cut-off,
 * named as orders book it.  0, or -1 (the order slots refused).
 */
static int
kefud_slips_slots(struct kefud *k, char **cause)
{
	const struct conf_cutoff *c;
	struct store_order_policy *pol;
	size_t i;

	if (k->conf->slips_ncutoffs > 0) {
		k->ncut = k->conf->slips_ncutoffs;
		k->cut = xcalloc(k->ncut, sizeof *k->cut);
		for (i = 0; i < k->ncut; i++) {
			c = &k->conf->slips_cutoffs[i];
			k->cut[i].slot = xstrdup(c->slot);
			k->cut[i].minute = c->minute;
		}
		return 0;
	}
	if (store_order_policy_load(k->conf, &pol, cause) == -1)
		return -1;
	k->ncut = pol->nslots;
	k->cut = xcalloc(k->ncut ? k->ncut : 1, sizeof *k->cut);
	for (i = 0; i < k->ncut; i++) {
		k->cut[i].slot = xstrdup(pol->slots[i].name);
		k->cut[i].minute = pol->slots[i].cutoff;
	}
	store_order_policy_free(pol);
	return 0;
}

static void
kefud_slips_slots_free(struct kefud *k)
{
	size_t i;

	for (i = 0; i < k->ncut; i++)
		free(k->cut[i].slot);
	free(k->cut);
	k->cut = NULL;
	k->ncut = 0;
}

/*
 * One tick of the auto-print timer: each slot of today whose cut-off has
 * passed is printed at once, then again every retry-every (its slips
 * left unprinted by a stopped printer, or ordered at the desk late);
 * slip_print_slot prints only slips never printed.
 */
static void
kefud_slips_tick(struct kefud *k, struct db_source *src, const char *printer,
    struct kefud_cutoff *c, size_t n, unsigned retry_ms)
{
	time_t t = time(NULL);
	struct tm tm;
	char day[11], *cause = NULL;
	size_t i, printed;

	localtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	for (i = 0; i < n; i++) {
		if (tm.tm_hour * 60 + tm.tm_min < c[i].minute ||
		    (strcmp(c[i].day, day) == 0 &&
		    now_ms() - c[i].last_ms < retry_ms))
			continue;
		snprintf(c[i].day, sizeof c[i].day, "%s", day);
		c[i].last_ms = now_ms();
		if (slip_print_slot(src, printer, day, c[i].slot, &printed,
		    &cause) == -1) {
			log_warnx("slips: slot %s %s not printed, trying again "
			    "in %u s: %s", day, c[i].slot, retry_ms / 1000,
			    cause);
			free(cause);
			cause = NULL;
		} else if (printed > 0)
			log_info("slips: slot %s %s: %zu slip(s) printed",
			    day, c[i].slot, printed);
	}
}

static void *
kefud_slips_main(void *arg)
{
	struct kefud *k = arg;
	struct db_source *src;
	char *printer = xstrdup(k->conf->slips_printer);
	unsigned retry_ms = (unsigned)k->conf->slips_retry_ms;

	src = svc_source(k->svc, k->conf->store_datasource);
	while (!atomic_load(&k->slips_stop)) {
		kefud_slips_tick(k, src, printer, k->cut, k->ncut, retry_ms);
		kefud_nap(&k->slips_stop, 1000);
	}
	free(printer);
	return NULL;
}

/*
 * The campaign scheduler's thread: one msg_sched_tick every [campaign]
 * tick (scheduled campaigns, birthdays, the weekly digest).
 */
static void *
kefud_sched_main(void *arg)
{
	struct kefud *k = arg;
	struct svc_set *set;
	struct msg_hooks h;
	struct db_source *src;
	struct msg_sched_stats st;
	char *cause = NULL;
	int rc;

	src = svc_source(k->svc, k->conf->store_datasource);
	h.points_at = 0;
	while (!atomic_load(&k->sched_stop)) {
		/* the mappings of the set current at this tick */
		set = svc_acquire(k->svc);
		svc_campaign_hooks(&h, set->maps);
		rc = msg_sched_tick(src, k->conf, &h, time(NULL), &st, &cause);
		svc_release(set);
		if (rc == -1) {
			log_warnx("campaign: the scheduler cannot read the "
			    "store, trying again at the next tick: %s", cause);
			free(cause);
			cause = NULL;
		}
		kefud_nap(&k->sched_stop, (unsigned)k->conf->campaign_tick_ms);
	}
	return NULL;
}

static void
kefud_sched_start(struct kefud *k)
{
	if (svc_source(k->svc, k->conf->store_datasource) == NULL) {
		log_warnx("campaign: no [datasource %s] for the store; "
		    "scheduled campaigns are not started",
		    k->conf->store_datasource);
		return;
	}
	if (pthread_create(&k->sched, NULL, kefud_sched_main, k) != 0) {
		log_warnx("campaign: cannot start the scheduler");
		return;
	}
	k->sched_running = 1;
	log_info("campaign: scheduler started (every %d ms)",
	    k->conf->campaign_tick_ms);
}

static void
kefud_sched_stop(struct kefud *k)
{
	if (!k->sched_running)
		return;
	atomic_store(&k->sched_stop, 1);
	pthread_join(k->sched, NULL);
	k->sched_running = 0;
}

/*
 * One GSM modem's or HTTP gateway's outbox worker, on this thread (the
 * transport itself reopens a vanished modem).
 */
static void *
kefud_sms_main(void *arg)
{
	struct kefud_sms *w = arg;
	struct kefud *k = w->k;
	struct msg_worker_opts o;
	char name[96], *who;

	kefud_worker_name(name, w->modem);
	if (w->ops == &msg_http_ops)
		msg_worker_opts_smsgw(k->conf, name, w->modem, &o);
	else
		msg_worker_opts_sms(k->conf, name, w->modem, &o);
	o.stop = &k->sms_stop;
	who = xasprintf("sms: the outbox worker of [%s %s]", w->section,
	    w->modem);
	kefud_outbox_loop(k, w->ops, &o, 0, who);
	free(who);
	return NULL;
}

static void
kefud_slips_start(struct kefud *k)
{
	char *cause = NULL;

	if (!k->conf->slips_auto_print)
		return;
	if (svc_source(k->svc, k->conf->store_datasource) == NULL) {
		log_warnx("slips: no [datasource %s] for the store; slips are "
		    "not printed automatically", k->conf->store_datasource);
		return;
	}
	if (kefud_slips_slots(k, &cause) == -1) {
		log_warnx("slips: nothing is printed automatically: %s", cause);
		free(cause);
		return;
	}
	if (pthread_create(&k->slips, NULL, kefud_slips_main, k) != 0) {
		log_warnx("slips: cannot start the auto-print timer");
		kefud_slips_slots_free(k);
		return;
	}
	k->slips_running = 1;
	log_info("slips: auto-print to printer '%s' at the cut-off of %zu "
	    "slot(s) of %s", k->conf->slips_printer, k->ncut,
	    k->conf->slips_ncutoffs > 0 ? "[slips] cut-offs" :
	    "[store] order-slots");
}

static void
kefud_slips_stop(struct kefud *k)
{
	if (!k->slips_running)
		return;
	atomic_store(&k->slips_stop, 1);
	pthread_join(k->slips, NULL);
	k->slips_running = 0;
	kefud_slips_slots_free(k);
}

/* One worker for [section name] through ops; what: its target, logged. */
static void
kefud_sms_spawn(struct kefud *k, const char *section, const char *name,
    const struct msg_transport_ops *ops, const char *what)
{
	struct kefud_sms *w = &k->sms[k->nsms];

	w->k = k;
	w->modem = name;
	w->section = section;
	w->ops = ops;
	if (pthread_create(&w->thread, NULL, kefud_sms_main, w) != 0) {
		log_warnx("sms: cannot start the worker of [%s %s]", section,
		    name);
		return;
	}
	log_info("sms: outbox worker of [%s %s] started (%s)", section, name,
	    what);
	k->nsms++;
}

static void
kefud_sms_start(struct kefud *k)
{
	size_t i;

	if (k->conf->ngsm + k->conf->nsmsgw == 0)
		return;
	if (conf_datasource(k->conf, k->conf->store_datasource) == NULL ||
	    svc_source(k->svc, k->conf->store_datasource) == NULL) {
		log_warnx("sms: no [datasource %s] for the store; queued SMS "
		    "is not sent", k->conf->store_datasource);
		return;
	}
	k->sms = xcalloc(k->conf->ngsm + k->conf->nsmsgw, sizeof *k->sms);
	for (i = 0; i < k->conf->ngsm; i++)
		kefud_sms_spawn(k, "gsm", k->conf->gsm[i].name, &msg_gsm_ops,
		    k->conf->gsm[i].device);
	for (i = 0; i < k->conf->nsmsgw; i++)
		kefud_sms_spawn(k, "sms-gateway", k->conf->smsgw[i].name,
		    &msg_http_ops, "HTTP gateway");
}

static void
kefud_sms_stop(struct kefud *k)
{
	size_t i;

	atomic_store(&k->sms_stop, 1);
	for (i = 0; i < k->nsms; i++)
		pthread_join(k->sms[i].thread, NULL);
	free(k->sms);
	k->sms = NULL;
	k->nsms = 0;
}

static int
kefud_start_lines(struct kefud *k, char **cause)
{
	struct line *ln;
	size_t i;

	kefud_recover_spool(k->conf);
	/* connections open while the lines open, not at the first callers */
	for (i = 0; i < k->conf->nds; i++)
		db_source_warm(svc_source(k->svc, k->conf->ds[i].name));
	for (i = 0; i < k->conf->nlines; i++) {
		if (line_new(&k->conf->lines[i], &ln, cause) == -1)
			return -1;
		k->lines = xreallocarray(k->lines, k->nlines + 1,
		    sizeof *k->lines);
		k->lines[k->nlines++] = ln;
		if (line_start(ln, svc_line_call, k->svc, cause) == -1)
			return -1;
	}
	return 0;
}

static void
kefud_stop(struct kefud *k)
{
	size_t i;

	kefud_reload_stop(k);
	kefud_preload_poke(k, 1);
	kefud_mail_stop(k);
	kefud_sched_stop(k);
	kefud_slips_stop(k);
	kefud_sms_stop(k);
	for (i = 0; i < k->nlines; i++) {
		line_stop(k->lines[i]);
		line_free(k->lines[i]);
	}
	free(k->lines);
	ctl_close(k->ctl);
	svc_close(k->svc);
}

/*
 * Block the signals the main thread waits for, before any thread starts
 * (the datasources' watchdogs start when the configuration loads): every
 * thread inherits the mask, so that a signal is never the death of a
 * thread that does not expect it.  sigs: the set, for sigwait.
 */
static void
kefud_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGHUP);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
}

static int
kefud_run(struct kefud *k)
{
	sigset_t sigs;
	char *cause = NULL;
	int sig;

	kefud_signals(&sigs);
	k->started = time(NULL);
	pthread_mutex_init(&k->preload_mtx, NULL);
	pthread_cond_init(&k->preload_cv, NULL);
	pthread_mutex_init(&k->reload_mtx, NULL);
	if (kefud_drop(k->conf, &cause) == -1 ||
	    ctl_listen(k->conf->socket_path, kefud_request, k, &k->ctl,
	    &cause) == -1 || kefud_start_lines(k, &cause) == -1) {
		log_error("cannot start: %s", cause);
		free(cause);
		kefud_stop(k);
		return 1;
	}
	kefud_preload_start(k);
	kefud_mail_start(k);
	kefud_slips_start(k);
	kefud_sms_start(k);
	kefud_sched_start(k);
	log_info("kefud %s started: %zu line%s, %zu datasource%s, control "
	    "socket %s", PACKAGE_VERSION, k->nlines, k->nlines == 1 ? "" : "s",
	    k->conf->nds, k->conf->nds == 1 ? "" : "s", k->conf->socket_path);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			if (kefud_reload_start(k, 0, &cause) == -1) {
				log_error("cannot reload: %s", cause);
				free(cause);
				cause = NULL;
			}
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	log_info("stopping: hanging up the lines");
	kefud_stop(k);
	log_info("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	struct kefud k;
	sigset_t sigs;
	enum log_level level;
	char *cause = NULL;
	int ch, check = 0, foreground = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "df:hnvV")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("kefud %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* no core with the passwords of kefu.conf (kefud_drop decides) */
	priv_nodump(0);
	log_open("kefud", "-", KLOG_WARN, NULL);
	memset(&k, 0, sizeof k);
	if (path == NULL)
		path = conf_default_path();
	if (conf_load(path, &k.conf, &cause) == -1) {
		fprintf(stderr, "kefud: %s\n", cause);
		free(cause);
		return 1;
	}
	if (check) {
		if (kefud_check(k.conf, &k.svc) == -1) {
			svc_close(k.svc);
			conf_free(k.conf);
			return 1;
		}
		printf("%s: configuration OK\n", path);
		svc_close(k.svc);
		conf_free(k.conf);
		return 0;
	}
	if (log_level_parse(k.conf->log_level, &level) == -1)
		level = KLOG_INFO;
	if (verbose)
		level = KLOG_DEBUG;
	if (log_open("kefud", foreground ? "-" : k.conf->log_target, level,
	    &cause) == -1) {
		fprintf(stderr, "kefud: %s\n", cause);
		free(cause);
		conf_free(k.conf);
		return 1;
	}
	kefud_signals(&sigs);
	if (kefud_check(k.conf, &k.svc) == -1) {
		log_error("not starting: the configuration has problems (run "
		    "kefud -n to list them)");
		svc_close(k.svc);
		conf_free(k.conf);
		return 1;
	}
	ch = kefud_run(&k);
	conf_free(k.conf);
	log_close();
	return ch;
}
