/*
 * say: how values are spoken.  This subsystem owns the say-rules of each
 * language (prompts/LANG/say.rules, with the words themselves in
 * prompts/LANG/say.xml) and turns a number, a price, a quantity with its
 * measure word, a date, a time or a digit string into a sequence of short
 * recorded prompts ({id, text}), e.g. money "12.05" in zh-CN ->
 * num.10 num.2 money.yuan num.0 num.5 money.fen = 十二元零五分.
 *
 * It must not touch audio: it produces prompt ids and texts only; the
 * audio subsystem plays them.  Depends on util and libxml2.
 *
 * Loaded rules are immutable, so one struct say_rules may be shared by
 * every line thread without a lock.  The rule format and the reading
 * rules are documented in kefu-say(7).
 */
#ifndef KEFU_SAY_H
#define KEFU_SAY_H

#include <stddef.h>

/* The kinds of value say_value() reads. */
enum say_type {
	SAY_NUMBER = 0,   /* "-12.05", "100000000": 负十二点零五, 一亿 */
	SAY_MONEY,        /* "12.05": 十二元零五分 (2 decimals, see rules) */
	SAY_QUANTITY,     /* "3 瓶", "2.5kg": 三瓶, 二点五公斤 */
	SAY_DATE,         /* "2026-11-22": 二〇二六年十一月二十二日 */
	SAY_DATE_WEEKDAY, /* the same followed by the weekday: ...星期日 */
	SAY_TIME,         /* "14:05": 下午两点零五分 */
	SAY_DIGITS,       /* "6901234567892": digit by digit (barcodes, PLU) */
	SAY_PHONE,        /* "13800138000": digit by digit, 1 as 幺 in zh-CN */
};
#define SAY_NTYPES (SAY_PHONE + 1)

/* One prompt of a sequence; both strings belong to the rules. */
struct say_item {
	const char *id;     /* catalog id, e.g. "num.2" */
	const char *text;   /* what the prompt says, e.g. "二" */
};

/* A growable sequence of prompts; start with SAY_SEQ_INIT. */
struct say_seq {
	struct say_item *items;
	size_t n;           /* items used */
	size_t cap;         /* items allocated */
};
#define SAY_SEQ_INIT { NULL, 0, 0 }

struct say_rules;

/*
 * Load the rules of language lang from the prompts folder dir (the
 * kefu.conf `prompts` directory): dir/lang/say.rules, with the words
 * from dir/lang/say.xml.  On error returns -1 with "file:line: reason" in
 * *cause.  Every prompt id the rules name must be in say.xml.
 */
int say_load(const char *dir, const char *lang, struct say_rules **out,
    char **cause);
/* The same with explicit paths (tests, `kefu say --rules`). */
int say_load_files(const char *rules_path, const char *catalog_path,
    struct say_rules **out, char **cause);
void say_free(struct say_rules *rules);
/* The language the rules are for ("zh-CN", "yue"). */
const char *say_lang(const struct say_rules *rules);

/*
 * Append the prompts that speak value (as text, e.g. straight from a
 * DECIMAL column) to seq.  Returns 0, or -1 with the reason in *cause and
 * seq unchanged.  Safe to call from many threads on the same rules.
 */
int say_value(const struct say_rules *rules, enum say_type type,
    const char *value, struct say_seq *seq, char **cause);
/* A quantity given as number and measure word apart: ("3", "瓶"). */
int say_quantity(const struct say_rules *rules, const char *number,
    const char *word, struct say_seq *seq, char **cause);

/* How one value is read, beyond its type (say_value_opts). */
struct say_opts {
	const char *unit;   /* quantity: the measure word, when the value
			       holds only the number; NULL: in the value */
	int decimals;       /* number, quantity: round half up to at most
			       this many decimals (0..9); -1: as the value
			       and the rules say */
};
#define SAY_OPTS_INIT { NULL, -1 }
#define SAY_MAX_DECIMALS 9

/*
 * say_value with options; opts NULL is SAY_OPTS_INIT.  A quantity never
 * reads the zeros that end its fraction (49.000000 is 四十九, 49.50
 * 四十九点五); with decimals set, a number does not either.
 */
int say_value_opts(const struct say_rules *rules, enum say_type type,
    const char *value, const struct say_opts *opts, struct say_seq *seq,
    char **cause);

/* The texts of seq joined, e.g. "十二元零五分" (malloc'd). */
char *say_seq_text(const struct say_seq *seq);
void say_seq_free(struct say_seq *seq);

/*
 * "number", "money", "quantity", "date", "date-weekday", "time", "digits",
 * "phone".
 */
const char *say_type_name(enum say_type type);
int say_type_parse(const char *name, enum say_type *out);

/*
 * Every prompt id the loaded rules can emit, sorted, without duplicates
 * (for `kefu flow check` / `kefu prompts check`: each must exist in the
 * language's catalog).  *ids is malloc'd (free it, not the strings, which
 * belong to the rules); returns the count.
 */
size_t say_ids(const struct say_rules *rules, const char ***ids);

#endif
