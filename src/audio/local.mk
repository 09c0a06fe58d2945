## audio: prompt catalogs and cache, G.711 codecs, resampling, tones,
## silence detection, WAV recordings, prompt generation with espeak-ng.
libkefu_a_SOURCES += \
	src/audio/audio.h \
	src/audio/audio_fmt.h \
	src/audio/audio.c \
	src/audio/espeak.c \
	src/audio/g711.c \
	src/audio/import.c \
	src/audio/pcm.c \
	src/audio/prompts.c \
	src/audio/recording.c \
	src/audio/silence.c \
	src/audio/speak.c \
	src/audio/tone.c \
	src/audio/wav.c \
	src/cli/cmd-prompts.c

# Uninstalled binaries also look for generated audio in the build tree.
# The header is written only when it changes (its stamp each time): the
# folder configured again, as build-aux/test-all does after the demo,
# recompiles nothing.
src/audio/audio-build.h: src/audio/audio-build.stamp
	@:
src/audio/audio-build.stamp: Makefile
	$(AM_V_GEN)$(MKDIR_P) src/audio && \
	echo '#define KEFU_BUILD_PROMPTS_GEN "$(abs_top_builddir)/prompts/generated"' \
	    >src/audio/audio-build.h-t && \
	{ cmp -s src/audio/audio-build.h-t src/audio/audio-build.h && \
	    rm -f src/audio/audio-build.h-t || \
	    mv src/audio/audio-build.h-t src/audio/audio-build.h; } && touch $@
src/audio/prompts.$(OBJEXT): src/audio/audio-build.h
DISTCLEANFILES += src/audio/audio-build.h src/audio/audio-build.stamp

# The catalogs (the "say" catalogs add themselves in their own fragment).
nobase_dist_pkgdata_DATA += \
	prompts/prompts.rng \
	prompts/zh-CN/prompts.xml \
	prompts/yue/prompts.xml

# Generated prompts: `make prompts` speaks every catalog's text with
# espeak-ng into $(builddir)/prompts/generated/<lang>/ (only prompts whose
# text changed; see kefu-prompts(7)).  The build does it when configure
# found espeak-ng; `make install` copies them to
# $(pkgdatadir)/prompts/generated, where the installed kefud finds them.
PROMPTS_GEN = prompts/generated
# (No .PHONY here: another fragment sets it under a condition; the
# always-out-of-date prompts-force does the same job.)
prompts-force:
prompts: kefu$(EXEEXT) prompts-force
	@if test -z "$(ESPEAK)"; then \
	    echo "make prompts: espeak-ng was not found by configure" >&2; \
	    exit 1; fi
	$(AM_V_GEN)./kefu$(EXEEXT) prompts build -p $(srcdir)/prompts \
	    -o $(PROMPTS_GEN) --espeak '$(ESPEAK)'
prompts-all: kefu$(EXEEXT) prompts-force
	@if test -n "$(ESPEAK)"; then \
	    $(MAKE) $(AM_MAKEFLAGS) prompts; fi
install-prompts-gen: prompts-force
	@if test -d $(PROMPTS_GEN); then \
	    $(MKDIR_P) '$(DESTDIR)$(pkgdatadir)/prompts/generated' && \
	    cp -R $(PROMPTS_GEN)/. '$(DESTDIR)$(pkgdatadir)/prompts/generated/' && \
	    chmod -R u+w,go+rX '$(DESTDIR)$(pkgdatadir)/prompts/generated'; fi
uninstall-prompts-gen: prompts-force
	rm -rf '$(DESTDIR)$(pkgdatadir)/prompts/generated'
clean-prompts-gen: prompts-force
	rm -rf $(PROMPTS_GEN)
all-local: prompts-all
install-data-local: install-prompts-gen
uninstall-local: uninstall-prompts-gen
clean-local: clean-prompts-gen

man_MANS += man/kefu-prompts.7
EXTRA_DIST += man/kefu-prompts.7

## tests
check_PROGRAMS += t/unit/audio t/unit/audio-prompts
TESTS += t/unit/audio t/unit/audio-prompts t/audio-cli.sh
dist_check_SCRIPTS += t/audio-cli.sh
t_unit_audio_SOURCES = t/unit/audio.c t/tap.h
t_unit_audio_LDADD = $(KEFU_LIBS)
t_unit_audio_prompts_SOURCES = t/unit/audio-prompts.c t/tap.h
t_unit_audio_prompts_LDADD = $(KEFU_LIBS)
EXTRA_DIST += \
	t/data/audio/broken.xml \
	t/data/audio/dup-a.xml \
	t/data/audio/dup-b.xml

check_PROGRAMS += t/unit/speak t/unit/espeak
TESTS += t/unit/speak t/unit/espeak
t_unit_espeak_SOURCES = t/unit/espeak.c t/tap.h
t_unit_espeak_LDADD = $(KEFU_LIBS)
t_unit_speak_SOURCES = t/unit/speak.c t/tap.h
t_unit_speak_LDADD = $(KEFU_LIBS)
