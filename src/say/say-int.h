/*
 * say-int.h: the loaded form of a say-rules file, shared by load.c (which
 * fills it from XML) and say.c (which reads values with it).  Prompts are
 * referred to by their index in prompts[]; -1 means "none".  Nothing here
 * changes after say_load() returns.
 */
#ifndef KEFU_SAY_INT_H
#define KEFU_SAY_INT_H

#include "say/say.h"

#define SAY_MAXSCALES 8
#define SAY_MAXMEASURES 64
#define SAY_MAXPERIODS 8

/* When 两 replaces 二 before a unit. */
enum say_two {
	SAY_TWO_NEVER = 0,      /* always 二 */
	SAY_TWO_LEADING,        /* 两 only as the first word of the number */
	SAY_TWO_ALWAYS,         /* 两 wherever the rule applies */
};

struct say_prompt {
	char *id;
	char *text;
	int used;               /* named by the rules (for say_ids) */
};

/* A unit after a digit inside a group of four: 十 (exp 1), 百, 千. */
struct say_place {
	int id;                 /* prompt of the unit */
	enum say_two two;       /* 两 before it */
	int omit_one;           /* 十 not 一十 at the start of a number */
};

/* A scale word: 万 (exp 4), 亿 (exp 8), optionally 兆 (12), 京 (16). */
struct say_scale {
	int exp;
	int id;
	enum say_two two;       /* 两 when the multiplier is exactly 2 */
};

struct say_measure {
	char *words;            /* spellings, NUL-separated, "\0\0" ends */
	int id;
	enum say_two two;       /* 两 when the quantity is exactly 2 */
};

struct say_period {
	int from, to;           /* hours, inclusive */
	int id;
};

struct say_rules {
	char *lang;
	struct say_prompt *prompts;
	size_t nprompts;

	int digit[10];          /* 零 一 二 ... 九 */
	/* <number> */
	int max_digits;         /* integer digits accepted */
	int zero, minus, point, liang;
	struct say_place place[4];      /* [1] 十, [2] 百, [3] 千 */
	int tens[10];           /* whole-tens words (廿 for 2x), -1 if none */
	struct say_scale scales[SAY_MAXSCALES];   /* ascending exp */
	size_t nscales;
	/* <money> */
	int money_max_digits;
	int money_negative;     /* 1: read with 负; 0: refuse */
	int money_round;        /* 1: round half up to 分; 0: refuse */
	int money_unit[3];      /* 元 角 分 */
	enum say_two money_two[3];
	int money_whole;        /* 整 after whole amounts, -1 none */
	/* <quantity> */
	int qty_max_decimals;
	struct say_measure measures[SAY_MAXMEASURES];
	size_t nmeasures;
	/* <date> */
	int year_zero;          /* 〇 or 零 in years */
	int date_year, date_month, date_day;
	int weekday_default;    /* SAY_DATE adds the weekday too */
	int weekday[8];         /* [1] Monday .. [7] Sunday */
	/* <time> */
	int clock12;            /* 1: 12-hour clock with periods */
	int midnight_hour;      /* hour 0 read as 0 or 12 on a 12-hour clock */
	int time_hour, time_minute, time_oclock, time_half;
	int minute_zero;        /* 零五分 rather than 五分 */
	enum say_two hour_two;
	struct say_period periods[SAY_MAXPERIODS];
	size_t nperiods;
	/* <digit-string>, <phone> */
	int digits_max;
	int phone_max;
	int phone_one;          /* 幺 for 1 in phone numbers, -1: as digit */
	char *phone_separators; /* skipped in phone numbers, e.g. " -" */
};

#endif
