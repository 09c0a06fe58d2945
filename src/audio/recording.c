/*
 * recording.c: callers' voice messages (complaints, suggestions) written
 * as RIFF WAVE through libsndfile, in the line's format or converted to
 * 16-bit PCM, with who called, when and for how long in LIST/INFO
 * strings.  The file appears under its name only once complete.  Files
 * are made under a descriptor of the spool folder (never through a
 * symbolic link), with a random suffix, exclusively, and a finished
 * recording never replaces another file.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"

#define RECORDING_TRIES 64      /* names tried before giving up */

struct recording {
	SNDFILE *sf;
	int dfd;                /* the spool folder */
	char *dir;              /* its path, for messages */
	char *stem;             /* NAME of NAME-XXXXXX.wav */
	char *name;             /* final name, in dir */
	char *part;             /* name while recording, in dir */
	struct audio_fmt fmt;   /* what arrives */
	int to_s16;             /* convert to 16-bit PCM when writing */
	char *caller;
	char *line;
	time_t start;
	uint64_t samples;       /* written so far */
	int pending;            /* S16LE: a low byte waiting for its pair */
	uint8_t low;
};

int
recording_dir_ok(const char *dir, const struct stat *st, uid_t user,
    char **cause)
{
	if (S_ISLNK(st->st_mode))
		return kf_error(cause, "the recordings folder %s is a symbolic "
		    "link; name the real folder in [kefu] spool", dir);
	if (!S_ISDIR(st->st_mode))
		return kf_error(cause, "the recordings folder %s is not a "
		    "folder", dir);
	if (st->st_mode & S_IWOTH)
		return kf_error(cause, "the recordings folder %s can be "
		    "written by every user (mode %03o); run chmod o-w %s",
		    dir, (unsigned)(st->st_mode & 07777), dir);
	if (st->st_uid != 0 && st->st_uid != user)
		return kf_error(cause, "the recordings folder %s belongs to "
		    "another user (uid %u), who could replace recordings; "
		    "give it to the user kefud runs as (chown)", dir,
		    (unsigned)st->st_uid);
	return 0;
}

/* The spool folder as a descriptor, refused when others may write in it. */
static int
recording_dir_open(const char *dir, char **cause)
{
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && mkdir(dir, 0750) == 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd == -1) {
		if ((errno == ENOTDIR || errno == ELOOP) &&
		    lstat(dir, &st) == 0 &&
		    recording_dir_ok(dir, &st, geteuid(), cause) == -1)
			return -1;
		return kf_error(cause, "cannot open the recordings folder %s: "
		    "%s", dir, strerror(errno));
	}
	if (fstat(fd, &st) == -1 ||
	    recording_dir_ok(dir, &st, geteuid(), cause) == -1) {
		if (cause != NULL && *cause == NULL)
			kf_error(cause, "%s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A fresh random final name "STEM-XXXXXX.wav". */
static void
recording_name(struct recording *rec)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[6];
	char suffix[7];
	size_t i;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		for (i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)(now_us() >> (i * 3));
	for (i = 0; i < sizeof r; i++)
		suffix[i] = alnum[r[i] % (sizeof alnum - 1)];
	suffix[sizeof r] = '\0';
	free(rec->name);
	rec->name = xasprintf("%s-%s.wav", rec->stem, suffix);
}

/* Create the .part file exclusively, under a name free in both forms. */
static int
recording_create(struct recording *rec, char **cause)
{
	struct stat st;
	int i, fd;

	for (i = 0; i < RECORDING_TRIES; i++) {
		recording_name(rec);
		if (fstatat(rec->dfd, rec->name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0)
			continue;
		free(rec->part);
		rec->part = xasprintf("%s.part", rec->name);
		fd = openat(rec->dfd, rec->part, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd != -1)
			return fd;
		if (errno != EEXIST)
			return kf_error(cause, "cannot create %s/%s: %s",
			    rec->dir, rec->part, strerror(errno));
	}
	return kf_error(cause, "cannot find a free name for a recording in "
	    "%s", rec->dir);
}

static void
recording_free(struct recording *rec)
{
	if (rec->dfd != -1)
		close(rec->dfd);
	free(rec->dir);
	free(rec->stem);
	free(rec->name);
	free(rec->part);
	free(rec->caller);
	free(rec->line);
	free(rec);
}

int
recording_open(struct recording **out, const char *dir, const char *stem,
    const struct audio_fmt *fmt, int to_s16,
    const struct recording_meta *meta, char **cause)
{
	struct recording *rec;
	SF_INFO info;
	int sub, fd;

	rec = xcalloc(1, sizeof *rec);
	rec->dir = xstrdup(dir);
	rec->stem = xstrdup(stem);
	rec->fmt = *fmt;
	rec->to_s16 = to_s16 || fmt->enc == AUDIO_S16LE;
	rec->caller = xstrdup(meta && meta->caller ? meta->caller : "");
	rec->line = xstrdup(meta && meta->line ? meta->line : "");
	rec->start = meta && meta->start ? meta->start : time(NULL);
	if ((rec->dfd = recording_dir_open(dir, cause)) == -1 ||
	    (fd = recording_create(rec, cause)) == -1) {
		recording_free(rec);
		return -1;
	}
	switch (rec->to_s16 ? AUDIO_S16LE : fmt->enc) {
	case AUDIO_U8:
		sub = SF_FORMAT_PCM_U8;
		break;
	case AUDIO_ULAW:
		sub = SF_FORMAT_ULAW;
		break;
	case AUDIO_ALAW:
		sub = SF_FORMAT_ALAW;
		break;
	default:
		sub = SF_FORMAT_PCM_16;
		break;
	}
	memset(&info, 0, sizeof info);
	info.samplerate = (int)fmt->rate;
	info.channels = 1;
	info.format = SF_FORMAT_WAV | sub;
	if ((rec->sf = sf_open_fd(fd, SFM_WRITE, &info, 1)) == NULL) {
		kf_error(cause, "%s/%s: %s", dir, rec->part, sf_strerror(NULL));
		close(fd);
		unlinkat(rec->dfd, rec->part, 0);
		recording_free(rec);
		return -1;
	}
	/* the header follows every write: a crash leaves a playable file */
	sf_command(rec->sf, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
	*out = rec;
	return 0;
}

char *
recording_path(const struct recording *rec)
{
	return xasprintf("%s/%s", rec->dir, rec->name);
}

static int
recording_put(struct recording *rec, const int16_t *s, size_t n,
    char **cause)
{
	if (sf_writef_short(rec->sf, s, (sf_count_t)n) != (sf_count_t)n)
		return kf_error(cause, "%s/%s: %s", rec->dir, rec->part,
		    sf_strerror(rec->sf));
	rec->samples += n;
	return 0;
}

int
recording_write(struct recording *rec, const uint8_t *p, size_t len,
    char **cause)
{
	int16_t buf[512];
	uint8_t pair[2];
	size_t n;

	if (!rec->to_s16) {
		if (len > 0 && sf_write_raw(rec->sf, p, (sf_count_t)len) !=
		    (sf_count_t)len)
			return kf_error(cause, "%s/%s: %s", rec->dir,
			    rec->part, sf_strerror(rec->sf));
		rec->samples += len;
		return 0;
	}
	if (rec->fmt.enc == AUDIO_S16LE && rec->pending && len > 0) {
		pair[0] = rec->low;
		pair[1] = *p++;
		len--;
		rec->pending = 0;
		pcm_decode(AUDIO_S16LE, pair, 1, buf);
		if (recording_put(rec, buf, 1, cause) == -1)
			return -1;
	}
	while (len >= pcm_bytes_per_sample(rec->fmt.enc)) {
		n = len / pcm_bytes_per_sample(rec->fmt.enc);
		if (n > nitems(buf))
			n = nitems(buf);
		pcm_decode(rec->fmt.enc, p, n, buf);
		if (recording_put(rec, buf, n, cause) == -1)
			return -1;
		p += n * pcm_bytes_per_sample(rec->fmt.enc);
		len -= n * pcm_bytes_per_sample(rec->fmt.enc);
	}
	if (len == 1) {
		rec->low = *p;
		rec->pending = 1;
	}
	return 0;
}

/*
 * Give the finished .part file its final name without ever replacing a
 * file: a name taken meanwhile (planted) makes a new one.
 */
static int
recording_publish(struct recording *rec, char **cause)
{
	int i;

	for (i = 0; i < RECORDING_TRIES; i++) {
		if (renameat2(rec->dfd, rec->part, rec->dfd, rec->name,
		    RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EINVAL || errno == ENOSYS) {
			/* no RENAME_NOREPLACE here: a link never replaces */
			if (linkat(rec->dfd, rec->part, rec->dfd, rec->name,
			    0) == 0) {
				unlinkat(rec->dfd, rec->part, 0);
				return 0;
			}
		}
		if (errno != EEXIST)
			return kf_error(cause, "%s/%s: %s", rec->dir,
			    rec->name, strerror(errno));
		log_warnx("%s/%s appeared while recording; the recording "
		    "gets another name", rec->dir, rec->name);
		recording_name(rec);    /* the .part keeps its own */
	}
	return kf_error(cause, "cannot find a free name for a recording in "
	    "%s", rec->dir);
}

int
recording_close(struct recording *rec, unsigned *duration_ms, char **path,
    char **cause)
{
	char date[32], *comment, *title;
	unsigned ms;
	struct tm tm;
	int rc = 0;

	if (path != NULL)
		*path = NULL;
	ms = (unsigned)(rec->samples * 1000 / (rec->fmt.rate ? rec->fmt.rate :
	    8000));
	localtime_r(&rec->start, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", &tm);
	comment = xasprintf("caller=%s line=%s start=%s duration_ms=%u",
	    *rec->caller ? rec->caller : "unknown", rec->line, date, ms);
	title = xasprintf("kefu recording from %s", *rec->caller ?
	    rec->caller : "unknown caller");
	sf_set_string(rec->sf, SF_STR_TITLE, title);
	if (*rec->caller)
		sf_set_string(rec->sf, SF_STR_ARTIST, rec->caller);
	sf_set_string(rec->sf, SF_STR_DATE, date);
	sf_set_string(rec->sf, SF_STR_COMMENT, comment);
	sf_set_string(rec->sf, SF_STR_SOFTWARE, PACKAGE_NAME " "
	    PACKAGE_VERSION);
	if (sf_close(rec->sf) != 0)
		rc = kf_error(cause, "%s/%s: %s", rec->dir, rec->part,
		    sf_strerror(NULL));
	if (rc == 0)
		rc = recording_publish(rec, cause);
	if (rc == -1)
		unlinkat(rec->dfd, rec->part, 0);
	else if (path != NULL)
		*path = recording_path(rec);
	if (duration_ms != NULL)
		*duration_ms = ms;
	free(comment);
	free(title);
	recording_free(rec);
	return rc;
}

void
recording_abort(struct recording *rec)
{
	sf_close(rec->sf);
	unlinkat(rec->dfd, rec->part, 0);
	recording_free(rec);
}

int
recording_length(const char *path, unsigned *ms, char **cause)
{
	SF_INFO info;
	SNDFILE *sf;

	memset(&info, 0, sizeof info);
	if ((sf = sf_open(path, SFM_READ, &info)) == NULL)
		return kf_error(cause, "%s is not a sound file libsndfile "
		    "reads: %s", path, sf_strerror(NULL));
	sf_close(sf);
	if (info.samplerate <= 0)
		return kf_error(cause, "%s has no sample rate", path);
	*ms = (unsigned)(info.frames * 1000 / info.samplerate);
	return 0;
}

/* Little-endian 32-bit at p. */
static uint32_t
recording_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
recording_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * Make the RIFF and data sizes of a WAV cut short say what the file
 * holds (whole sample frames).  0, or -1 when it is not a RIFF WAVE
 * with a fmt and a data chunk.
 */
static int
recording_fixup(int fd, off_t size)
{
	uint8_t h[12], ck[8], fmt[16];
	uint32_t len, align = 1, data;
	off_t off = 12;

	if (pread(fd, h, 12, 0) != 12 || memcmp(h, "RIFF", 4) != 0 ||
	    memcmp(h + 8, "WAVE", 4) != 0)
		return -1;
	while (off + 8 <= size && pread(fd, ck, 8, off) == 8) {
		len = recording_le32(ck + 4);
		if (memcmp(ck, "fmt ", 4) == 0 && len >= 16 &&
		    pread(fd, fmt, 16, off + 8) == 16)
			align = (uint32_t)fmt[12] | (uint32_t)fmt[13] << 8;
		if (memcmp(ck, "data", 4) == 0) {
			data = (uint32_t)(size - off - 8);
			data -= data % (align ? align : 1);
			recording_put_le32(ck + 4, data);
			recording_put_le32(h + 4, (uint32_t)(off + 8 + data -
			    8));
			if (pwrite(fd, ck, 8, off) != 8 ||
			    pwrite(fd, h, 8, 0) != 8 ||
			    ftruncate(fd, off + 8 + data) == -1)
				return -1;
			return 0;
		}
		off += 8 + len + (len & 1);
	}
	return -1;
}

/* Fix up and publish one .part file left by a crash; 0 or -1 (logged). */
static int
recording_salvage(struct recording *rec, const char *part)
{
	struct stat st;
	unsigned ms;
	char *path, *cause = NULL;
	int fd;

	fd = openat(rec->dfd, part, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    recording_fixup(fd, st.st_size) == -1) {
		log_warnx("%s/%s: left by a crash and not a WAV file that can "
		    "be repaired; left as it is", rec->dir, part);
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	rec->part = xstrdup(part);
	rec->stem = xstrndup(part, strlen(part) - strlen("-XXXXXX.wav.part"));
	rec->name = xstrndup(part, strlen(part) - strlen(".part"));
	if (recording_publish(rec, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
		return -1;
	}
	path = recording_path(rec);
	if (recording_length(path, &ms, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
		ms = 0;
	}
	log_warnx("%s: a recording cut short when kefu stopped (killed or "
	    "crashed); repaired and kept, %u ms", path, ms);
	free(path);
	return 0;
}

int
recording_recover(const char *dir, int *kept, char **cause)
{
	struct recording rec;
	struct dirent *de;
	size_t n;
	DIR *d;
	int fd;

	*kept = 0;
	memset(&rec, 0, sizeof rec);
	if ((rec.dfd = recording_dir_open(dir, cause)) == -1)
		return -1;
	if ((fd = dup(rec.dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		close(rec.dfd);
		return kf_error(cause, "%s: %s", dir, strerror(errno));
	}
	rec.dir = (char *)dir;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= strlen("-XXXXXX.wav.part") ||
		    strcmp(de->d_name + n - 9, ".wav.part") != 0)
			continue;
		if (recording_salvage(&rec, de->d_name) == 0)
			(*kept)++;
		free(rec.part);
		free(rec.stem);
		free(rec.name);
		rec.part = rec.stem = rec.name = NULL;
	}
	closedir(d);
	close(rec.dfd);
	return 0;
}
