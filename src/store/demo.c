/*
 * demo.c: the demo data of the built-in catalog -- a Chinese supermarket
 * of some 2,100 products with valid EAN-13 barcodes (GS1 China, prefixes
 * 690-699, ISO/IEC 15420 check digit), PLU codes, prices, stock, a week of
 * promotions and notices, staff and two weeks of shifts.  Deterministic:
 * the same seed and day give the same bytes (splitmix64, integer math).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/util.h"

/*
 * One product line: a category, the brands that make it, the varieties,
 * and the package sizes as "spec:unit:percent" (percent scales the base
 * price).  Every brand x variety x spec is a candidate product.
 */
struct demo_line {
	const char *category;
	const char *brands;     /* comma-separated */
	const char *varieties;  /* comma-separated */
	const char *specs;      /* comma-separated spec:unit:percent */
	int min_cents;          /* base price range of the 100% size */
	int max_cents;
};

static const struct demo_line demo_lines[] = {
	{ "饮料", "农夫山泉,怡宝,娃哈哈,景田,百岁山,康师傅",
	  "饮用天然水,纯净水,矿泉水,天然苏打水",
	  "550ml:瓶:100,380ml:瓶:80,1.5L:瓶:220,4L:桶:450,550ml×12:箱:1100",
	  150, 300 },
	{ "饮料", "康师傅,统一,农夫山泉,三得利,怡宝",
	  "冰红茶,绿茶,茉莉清茶,乌龙茶,柠檬茶",
	  "500ml:瓶:100,1L:瓶:180,250ml:盒:60", 300, 450 },
	{ "饮料", "可口可乐,百事,健力宝,北冰洋",
	  "可乐,零度可乐,橙味汽水,柠檬味汽水",
	  "330ml:罐:80,500ml:瓶:100,2L:瓶:250", 300, 400 },
	{ "饮料", "汇源,美汁源,农夫果园,统一",
	  "100%橙汁,苹果汁,桃汁,葡萄汁,芒果汁",
	  "1L:盒:100,450ml:瓶:50,2L:瓶:180", 900, 1500 },
	{ "乳制品", "伊利,蒙牛,光明,三元,君乐宝",
	  "纯牛奶,高钙牛奶,低脂牛奶,原味酸奶,草莓酸奶,早餐奶",
	  "250ml×16:箱:100,200ml:盒:8,1L:盒:25,950ml:瓶:24",
	  4500, 7000 },
	{ "粮油", "金龙鱼,福临门,鲁花,胡姬花,多力",
	  "花生油,玉米油,大豆油,调和油,葵花籽油",
	  "5L:桶:100,1.8L:瓶:40,900ml:瓶:22", 6000, 15000 },
	{ "粮油", "五常,金龙鱼,福临门,中粮,北大荒",
	  "大米,东北大米,香米,糯米", "5kg:袋:100,10kg:袋:190,2.5kg:袋:55",
	  3000, 8000 },
	{ "粮油", "香雪,五得利,金沙河",
	  "高筋面粉,中筋面粉,挂面,饺子粉", "1kg:袋:100,2.5kg:袋:230,5kg:袋:440",
	  600, 1200 },
	{ "调味品", "海天,李锦记,老干妈,太太乐,恒顺,千禾,厨邦",
	  "生抽,老抽,蚝油,香醋,料酒,鸡精,辣椒酱,豆瓣酱",
	  "500ml:瓶:100,1.28L:瓶:220,250g:瓶:70", 500, 1200 },
	{ "休闲食品", "旺旺,良品铺子,三只松鼠,乐事,好丽友,达利园,盼盼,徐福记",
	  "雪饼,仙贝,薯片,蛋黄派,小面包,夏威夷果,碧根果,牛肉干,沙琪玛,"
	  "海苔",
	  "70g:袋:100,150g:袋:190,500g:袋:560,1kg:箱:1050", 450, 1500 },
	{ "休闲食品", "奥利奥,趣多多,康师傅,达利园,嘉士利",
	  "夹心饼干,苏打饼干,威化饼干,曲奇", "100g:盒:100,300g:盒:270,500g:袋:430",
	  500, 900 },
	{ "休闲食品", "德芙,士力架,大白兔,阿尔卑斯,费列罗,金丝猴",
	  "牛奶巧克力,黑巧克力,奶糖,硬糖,棒棒糖",
	  "40g:条:100,100g:袋:230,250g:袋:550,500g:袋:1050", 500, 1200 },
	{ "方便食品", "康师傅,统一,今麦郎,白象,农心",
	  "红烧牛肉面,老坛酸菜面,香辣牛肉面,鲜虾鱼板面,番茄鸡蛋面",
	  "单袋:袋:100,5连包:包:450,桶装:桶:150", 300, 550 },
	{ "方便食品", "梅林,古龙,林家铺子,欢乐家",
	  "午餐肉罐头,豆豉鲮鱼罐头,黄桃罐头,橘子罐头", "340g:罐:100,425g:罐:120",
	  900, 2200 },
	{ "酒类", "青岛,雪花,燕京,哈尔滨,百威",
	  "纯生啤酒,经典啤酒,原浆啤酒,小麦啤酒",
	  "330ml:罐:100,500ml:瓶:130,330ml×24:箱:2200", 350, 800 },
	{ "酒类", "红星,牛栏山", "二锅头,陈酿", "500ml:瓶:100,100ml:瓶:25",
	  1500, 5000 },
	{ "冲调饮品", "雀巢,麦斯威尔,立顿,南方,桂格,西麦",
	  "速溶咖啡,奶茶,黑芝麻糊,燕麦片,红茶包",
	  "30条:盒:100,400g:袋:80,1kg:袋:190,100袋:盒:120", 2000, 6000 },
	{ "洗护用品", "海飞丝,飘柔,潘婷,清扬,霸王",
	  "去屑洗发露,柔顺洗发露,护发素,沐浴露",
	  "400ml:瓶:100,750ml:瓶:170,200ml:瓶:55", 3000, 6000 },
	{ "洗护用品", "妮维雅,大宝,百雀羚,相宜本草",
	  "面霜,洗面奶,护手霜,爽肤水", "50g:支:100,100ml:瓶:170,200ml:瓶:300",
	  1500, 5000 },
	{ "洗护用品", "高露洁,佳洁士,云南白药,黑人,舒克",
	  "牙膏,牙刷,漱口水", "120g:支:100,180g:支:140,2支装:盒:170",
	  800, 3000 },
	{ "家庭清洁", "蓝月亮,立白,汰渍,奥妙,雕牌",
	  "洗衣液,洗衣粉,洗洁精,消毒液,柔顺剂",
	  "1kg:瓶:100,2kg:瓶:180,3kg:桶:250,500g:瓶:55", 1200, 3000 },
	{ "纸品", "维达,清风,心相印,洁柔",
	  "抽纸,卷纸,手帕纸,湿巾", "3包装:提:100,10卷:提:250,18包:提:500",
	  800, 1800 },
	{ "冷冻食品", "思念,三全,湾仔码头,安井",
	  "猪肉白菜水饺,三鲜水饺,黑芝麻汤圆,鱼丸,鲜肉馄饨",
	  "500g:袋:100,1kg:袋:190,400g:袋:85", 1200, 2500 },
	{ "肉禽蛋", "双汇,雨润,金锣,正大",
	  "火腿肠,鸡胸肉,猪里脊,五花肉,鸡翅中,牛腩",
	  "500g:盒:100,1kg:袋:190,240g:袋:50", 1500, 5000 },
	{ "肉禽蛋", "德青源,圣迪乐,正大,本地",
	  "鲜鸡蛋,土鸡蛋,鸭蛋,咸鸭蛋", "10枚:盒:100,30枚:盒:280,6枚:盒:62",
	  1200, 2500 },
	{ "生鲜果蔬", "本地,山东,新疆,海南,云南",
	  "红富士苹果,香蕉,脐橙,西红柿,黄瓜,土豆,大白菜,巨峰葡萄,鸭梨",
	  "散装:斤:100,2.5kg:箱:500", 150, 900 },
	{ "母婴用品", "飞鹤,伊利,君乐宝,美赞臣,惠氏",
	  "1段婴儿配方奶粉,2段较大婴儿配方奶粉,3段幼儿配方奶粉,营养米粉",
	  "800g:罐:100,400g:盒:55", 18000, 32000 },
	{ "家居用品", "茶花,乐扣乐扣,苏泊尔,双枪",
	  "保鲜盒,塑料水杯,不粘炒锅,菜刀,拖把,垃圾袋",
	  "小号:个:100,中号:个:140,大号:个:190", 1000, 6000 },
};

#define DEMO_PRODUCTS   2100
#define DEMO_PROMOS     70
#define DEMO_STAFF      40
#define DEMO_SCHED_DAYS 14

static const char *const demo_surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
	"马", "朱", "胡", "郭", "何", "高", "林", "罗",
};
static const char *const demo_given[] = {
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
	"杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华",
	"红梅",
};

struct demo_dept {
	const char *name;
	const char *position;
	const char *post;       /* printf pattern with one %d */
};
static const struct demo_dept demo_depts[] = {
	{ "收银部", "收银员", "%d号收银台" },
	{ "生鲜部", "理货员", "生鲜区%d组" },
	{ "食品部", "理货员", "食品区%d排" },
	{ "日化部", "理货员", "日化区%d排" },
	{ "客服部", "客服专员", "服务台%d号窗口" },
	{ "仓储部", "仓管员", "%d号仓库" },
	{ "防损部", "保安", "%d号门岗" },
};

struct demo_shift {
	const char *name;
	const char *start;
	const char *end;
};
static const struct demo_shift demo_shifts[] = {
	{ "早班", "07:00", "15:00" },
	{ "中班", "11:00", "19:00" },
	{ "晚班", "15:00", "23:00" },
};

/* Notices: offsets of validity relative to the build day. */
struct demo_notice {
	const char *title;
	const char *body;
	const char *audio;
	int from, to;
};
static const struct demo_notice demo_notices[] = {
	{ "营业时间", "本店营业时间为每天早上七点半至晚上十点，节假日照常营业。",
	  "notices/hours.wav", -30, 60 },
	{ "会员日", "每周三为会员日，会员凭会员卡购物全场九五折（特价商品除外）。",
	  NULL, -7, 30 },
	{ "送货上门", "即日起电话订货满一百元，五公里内免费送货上门。",
	  NULL, 0, 13 },
	{ "鸡蛋限购", "本周六上午九点起鲜鸡蛋特价，每人限购两盒，售完即止。",
	  NULL, 0, 5 },
	{ "停车场施工", "地下停车场东侧入口施工，请从北门进入，给您带来不便敬请谅解。",
	  NULL, -2, 2 },
	{ "今日到货", "今日新到海南香蕉和新疆葡萄，欢迎选购。", NULL, 0, 0 },
	{ "积分兑换", "会员积分可在服务台兑换礼品，活动截至本月底。", NULL, 1, 20 },
	{ "提前闭店", "因季度盘点，本店下周二晚上八点提前闭店，给您带来不便敬请谅解。",
	  NULL, 7, 14 },
	{ "旧公告", "上月电器促销活动已经结束，感谢您的支持。", NULL, -40, -10 },
	{ "失物招领", "服务台代为保管顾客遗失物品，请携带有效证件认领。", NULL,
	  -1, 6 },
};

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t
demo_rand(uint64_t *state)
{
	uint64_t z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [lo, hi]. */
static int
demo_range(uint64_t *state, int lo, int hi)
{
	return lo + (int)(demo_rand(state) % (uint64_t)(hi - lo + 1));
}

char
demo_ean13_check(const char *digits12)
{
	int i, sum = 0;

	for (i = 0; i < 12; i++)
		sum += (digits12[i] - '0') * (i % 2 ? 3 : 1);
	return (char)('0' + (10 - sum % 10) % 10);
}

int
demo_ean13_valid(const char *code)
{
	int i;

	if (code == NULL || strlen(code) != 13)
		return 0;
	for (i = 0; i < 13; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return demo_ean13_check(code) == code[12];
}

/* Split a comma-separated list into a NULL-terminated array (one buffer). */
static char **
demo_split(const char *list, char sep, size_t *n)
{
	char **v, *copy, *p;
	const char *q;
	size_t cnt = 1, i = 0;

	for (q = list; *q != '\0'; q++)
		if (*q == sep)
			cnt++;
	v = xcalloc(cnt + 2, sizeof *v);
	copy = xstrdup(list);
	v[cnt + 1] = copy;      /* owner of the strings, freed last */
	for (p = copy; p != NULL; i++) {
		v[i] = p;
		if ((p = strchr(p, sep)) != NULL)
			*p++ = '\0';
	}
	*n = cnt;
	return v;
}

static void
demo_split_free(char **v, size_t n)
{
	free(v[n + 1]);
	free(v);
}

/* A five-digit GS1 company part: third prefix digit + four from the name. */
static void
demo_company(const char *brand, char out[6])
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)brand; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	snprintf(out, 6, "%05u", (unsigned)(h % 100000));
}

/* Shelf price: round to ten fen; larger prices end in .90 half the time. */
static int
demo_price(uint64_t *st, const struct demo_line *dl, int percent)
{
	long long base, cents;

	base = demo_range(st, dl->min_cents, dl->max_cents);
	cents = base * percent / 100;
	cents = (cents + 5) / 10 * 10;
	if (cents >= 1000 && demo_range(st, 0, 1) == 0)
		cents = (cents + 50) / 100 * 100 - 10;
	if (cents < 50)
		cents = 50;
	return (int)cents;
}

static void
demo_fmt_cents(char *buf, size_t len, long long cents)
{
	snprintf(buf, len, "%lld.%02lld", cents / 100, cents % 100);
}

/* A candidate product before selection. */
struct demo_cand {
	unsigned line, brand, variety, spec;
};

/* Order by line, brand, variety, spec: the keys are unique. */
static int
demo_cand_cmp(const void *a, const void *b)
{
	const struct demo_cand *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->brand != y->brand)
		return x->brand < y->brand ? -1 : 1;
	if (x->variety != y->variety)
		return x->variety < y->variety ? -1 : 1;
	return (x->spec > y->spec) - (x->spec < y->spec);
}

static void
demo_products(struct demo *d, uint64_t *st)
{
	struct demo_cand *c = NULL;
	size_t nc = 0, cap = 0, i, j, k, l, nb, nv, ns, np, serial = 0;
	char **b, **v, **s, **parts, head[32], company[6];
	const struct demo_line *dl;
	struct demo_product *p;

	for (i = 0; i < nitems(demo_lines); i++) {
		dl = &demo_lines[i];
		b = demo_split(dl->brands, ',', &nb);
		v = demo_split(dl->varieties, ',', &nv);
		s = demo_split(dl->specs, ',', &ns);
		for (j = 0; j < nb; j++)
			for (k = 0; k < nv; k++)
				for (l = 0; l < ns; l++) {
					if (nc == cap)
						c = xreallocarray(c, cap = cap ?
						    cap * 2 : 1024, sizeof *c);
					c[nc++] = (struct demo_cand){
					    (unsigned)i, (unsigned)j,
					    (unsigned)k, (unsigned)l };
				}
		demo_split_free(b, nb);
		demo_split_free(v, nv);
		demo_split_free(s, ns);
	}
	/* Mark a fixed number of candidates chosen (partial Fisher-Yates). */
	for (i = 0; i < nc && i < DEMO_PRODUCTS; i++) {
		struct demo_cand t;

		j = i + demo_rand(st) % (nc - i);
		t = c[i];
		c[i] = c[j];
		c[j] = t;
	}
	np = nc < DEMO_PRODUCTS ? nc : DEMO_PRODUCTS;
	/* Back into catalog order, so barcodes and PLUs run by category. */
	qsort(c, np, sizeof *c, demo_cand_cmp);
	d->products = xcalloc(np, sizeof *d->products);
	/* cppcheck-suppress knownConditionTrueFalse ; the lines make nc > 0 */
	for (i = 0; i < np; i++) {
		dl = &demo_lines[c[i].line];
		b = demo_split(dl->brands, ',', &nb);
		v = demo_split(dl->varieties, ',', &nv);
		s = demo_split(dl->specs, ',', &ns);
		parts = demo_split(s[c[i].spec], ':', &l);
		p = &d->products[d->nproducts++];
		demo_company(b[c[i].brand], company);
		serial++;
		snprintf(head, sizeof head, "69%s%05u", company,
		    (unsigned)(serial % 100000));
		memcpy(p->barcode, head, 12);
		p->barcode[12] = demo_ean13_check(head);
		p->barcode[13] = '\0';
		snprintf(p->plu, sizeof p->plu, "%u",
		    (unsigned)(10000 + serial % 90000));
		p->name = xasprintf("%s%s", b[c[i].brand], v[c[i].variety]);
		p->brand = xstrdup(b[c[i].brand]);
		p->spec = xstrdup(parts[0]);
		p->unit = xstrdup(parts[1]);
		p->category = dl->category;
		p->price_cents = demo_price(st, dl, atoi(parts[2]));
		demo_fmt_cents(p->price, sizeof p->price, p->price_cents);
		if (strcmp(p->unit, "斤") == 0)
			snprintf(p->stock, sizeof p->stock, "%d.%d",
			    demo_range(st, 0, 300), demo_range(st, 0, 9));
		else
			snprintf(p->stock, sizeof p->stock, "%d",
			    demo_range(st, 0, 19) == 0 ? 0 :
			    demo_range(st, 1, 300));
		demo_split_free(parts, l);
		demo_split_free(b, nb);
		demo_split_free(v, nv);
		demo_split_free(s, ns);
	}
	free(c);
}

/* "YYYY-MM-DD" plus days, computed at noon UTC to stay clear of DST. */
int
demo_date_add(const char *iso, int days, char out[11])
{
	struct tm tm;
	time_t t;
	int y, m, dd;
	char extra;

	if (sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &dd, &extra) != 3 ||
	    strlen(iso) != 10 || m < 1 || m > 12 || dd < 1 || dd > 31)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = dd;
	tm.tm_hour = 12;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	t += (time_t)days * 86400;
	gmtime_r(&t, &tm);
	if (tm.tm_mday != dd && days == 0)
		return -1;      /* 2026-02-31 and friends */
	if (tm.tm_year < 0 || tm.tm_year > 8000)
		return -1;
	strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}

static const char *const demo_promo_kinds[] = {
	"特价", "买一送一", "第二件半价", "会员价",
};

static void
demo_promotions(struct demo *d, uint64_t *st)
{
	struct demo_promo *pr;
	const struct demo_product *p;
	int i, day, start, len, cents;
	char a[16], b[16];

	d->promos = xcalloc(DEMO_PROMOS, sizeof *d->promos);
	for (i = 0; i < DEMO_PROMOS; i++) {
		pr = &d->promos[d->npromos++];
		p = &d->products[demo_rand(st) % d->nproducts];
		day = i % 7;    /* every day of the week gets some */
		start = day - demo_range(st, 0, 2);
		len = demo_range(st, 1, 7);
		if (start + len - 1 < day)
			len = day - start + 1;
		demo_date_add(d->today, start, pr->start);
		demo_date_add(d->today, start + len - 1, pr->end);
		memcpy(pr->barcode, p->barcode, sizeof pr->barcode);
		pr->kind = demo_promo_kinds[demo_range(st, 0, 3)];
		demo_fmt_cents(a, sizeof a, p->price_cents);
		if (strcmp(pr->kind, "特价") == 0 ||
		    strcmp(pr->kind, "会员价") == 0) {
			cents = p->price_cents * demo_range(st, 70, 90) / 100;
			cents = cents / 10 * 10;
			if (cents < 10)
				cents = 10;
			demo_fmt_cents(b, sizeof b, cents);
			pr->promo_price = xstrdup(b);
			pr->description = xasprintf("%s%s %s，原价%s元，%s%s元",
			    p->name, p->spec, pr->kind, a, pr->kind, b);
		} else {
			pr->promo_price = NULL;
			pr->description = xasprintf("%s%s %s，单价%s元",
			    p->name, p->spec, pr->kind, a);
		}
	}
}

static void
demo_staff(struct demo *d, uint64_t *st)
{
	struct demo_staff *s;
	struct demo_shift_row *r;
	const struct demo_dept *dp;
	const struct demo_shift *ds;
	size_t i;
	int day, rest1, rest2, sh;

	d->staff = xcalloc(DEMO_STAFF, sizeof *d->staff);
	d->shifts = xcalloc(DEMO_STAFF * DEMO_SCHED_DAYS, sizeof *d->shifts);
	for (i = 0; i < DEMO_STAFF; i++) {
		s = &d->staff[d->nstaff++];
		dp = &demo_depts[i % nitems(demo_depts)];
		snprintf(s->staff_no, sizeof s->staff_no, "%zu", 1001 + i);
		s->name = xasprintf("%s%s",
		    demo_surnames[demo_rand(st) % nitems(demo_surnames)],
		    demo_given[demo_rand(st) % nitems(demo_given)]);
		s->department = dp->name;
		s->position = i < nitems(demo_depts) ? "主管" : dp->position;
		snprintf(s->phone, sizeof s->phone, "139%08d",
		    demo_range(st, 0, 99999999));
		/* Two rest days a week; one shift, changing weekly. */
		rest1 = demo_range(st, 0, 6);
		rest2 = (rest1 + demo_range(st, 1, 6)) % 7;
		sh = demo_range(st, 0, (int)nitems(demo_shifts) - 1);
		for (day = 0; day < DEMO_SCHED_DAYS; day++) {
			if (day % 7 == rest1 || day % 7 == rest2)
				continue;
			r = &d->shifts[d->nshifts++];
			memcpy(r->staff_no, s->staff_no, sizeof r->staff_no);
			demo_date_add(d->today, day, r->date);
			ds = &demo_shifts[(size_t)(sh + day / 7) %
			    nitems(demo_shifts)];
			r->shift = ds->name;
			r->start = ds->start;
			r->end = ds->end;
			r->post = xasprintf(dp->post,
			    (int)(i / nitems(demo_depts)) + 1);

		}
	}
}

int
demo_build(uint64_t seed, const char *today, struct demo **out, char **cause)
{
	struct demo *d;
	uint64_t st = seed;
	char check[11];

	if (today == NULL || demo_date_add(today, 0, check) == -1 ||
	    strcmp(check, today) != 0)
		return kf_error(cause, "bad date '%s' (want YYYY-MM-DD)",
		    today ? today : "(null)");
	d = xcalloc(1, sizeof *d);
	d->seed = seed;
	memcpy(d->today, today, sizeof d->today);
	demo_products(d, &st);
	demo_promotions(d, &st);
	demo_staff(d, &st);
	*out = d;
	return 0;
}

void
demo_free(struct demo *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nproducts; i++) {
		free(d->products[i].name);
		free(d->products[i].brand);
		free(d->products[i].spec);
		free(d->products[i].unit);
	}
	for (i = 0; i < d->npromos; i++) {
		free(d->promos[i].promo_price);
		free(d->promos[i].description);
	}
	for (i = 0; i < d->nstaff; i++)
		free(d->staff[i].name);
	for (i = 0; i < d->nshifts; i++)
		free(d->shifts[i].post);
	free(d->products);
	free(d->promos);
	free(d->staff);
	free(d->shifts);
	free(d);
}

/* A SQL string literal; the generator's own text, never outside input. */
static void
demo_lit(struct strbuf *sb, const char *s)
{
	if (s == NULL) {
		sb_adds(sb, "NULL");
		return;
	}
	sb_addc(sb, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			sb_addc(sb, '\'');
		sb_addc(sb, *s);
	}
	sb_addc(sb, '\'');
}

/* Rows go in multi-row INSERTs of at most this many. */
#define DEMO_BATCH 100

static void
demo_insert_head(struct strbuf *sb, size_t i, const char *head)
{
	if (i % DEMO_BATCH == 0)
		sb_addf(sb, "INSERT INTO %s VALUES\n", head);
	else
		sb_adds(sb, ",\n");
}

static void
demo_insert_tail(struct strbuf *sb, size_t i, size_t n)
{
	if (i % DEMO_BATCH == DEMO_BATCH - 1 || i == n - 1)
		sb_adds(sb, ";\n");
}

static void
demo_script_products(const struct demo *d, struct strbuf *sb)
{
	const struct demo_product *p;
	size_t i;

	for (i = 0; i < d->nproducts; i++) {
		p = &d->products[i];
		demo_insert_head(sb, i, "products (barcode, plu, name, spec, "
		    "unit, category, brand, price, stock, active)");
		sb_adds(sb, "(");
		demo_lit(sb, p->barcode);
		sb_adds(sb, ", ");
		demo_lit(sb, p->plu);
		sb_adds(sb, ", ");
		demo_lit(sb, p->name);
		sb_adds(sb, ", ");
		demo_lit(sb, p->spec);
		sb_adds(sb, ", ");
		demo_lit(sb, p->unit);
		sb_adds(sb, ", ");
		demo_lit(sb, p->category);
		sb_adds(sb, ", ");
		demo_lit(sb, p->brand);
		sb_addf(sb, ", %s, %s, 1)", p->price, p->stock);
		demo_insert_tail(sb, i, d->nproducts);
	}
}

static void
demo_script_rest(const struct demo *d, struct strbuf *sb)
{
	const struct demo_notice *n;
	char from[11], to[11];
	size_t i;

	for (i = 0; i < d->npromos; i++) {
		demo_insert_head(sb, i, "promotions (id, barcode, kind, "
		    "promo_price, description, start_date, end_date)");
		sb_addf(sb, "(%zu, ", i + 1);
		demo_lit(sb, d->promos[i].barcode);
		sb_adds(sb, ", ");
		demo_lit(sb, d->promos[i].kind);
		sb_addf(sb, ", %s, ", d->promos[i].promo_price ?
		    d->promos[i].promo_price : "NULL");
		demo_lit(sb, d->promos[i].description);
		sb_addf(sb, ", '%s', '%s')", d->promos[i].start,
		    d->promos[i].end);
		demo_insert_tail(sb, i, d->npromos);
	}
	for (i = 0; i < nitems(demo_notices); i++) {
		n = &demo_notices[i];
		demo_date_add(d->today, n->from, from);
		demo_date_add(d->today, n->to, to);
		demo_insert_head(sb, i, "notices (id, title, body, audio, "
		    "valid_from, valid_to)");
		sb_addf(sb, "(%zu, ", i + 1);
		demo_lit(sb, n->title);
		sb_adds(sb, ", ");
		demo_lit(sb, n->body);
		sb_adds(sb, ", ");
		demo_lit(sb, n->audio);
		sb_addf(sb, ", '%s', '%s')", from, to);
		demo_insert_tail(sb, i, nitems(demo_notices));
	}
	for (i = 0; i < d->nstaff; i++) {
		demo_insert_head(sb, i, "staff (staff_no, name, department, "
		    "position, phone)");
		sb_adds(sb, "(");
		demo_lit(sb, d->staff[i].staff_no);
		sb_adds(sb, ", ");
		demo_lit(sb, d->staff[i].name);
		sb_adds(sb, ", ");
		demo_lit(sb, d->staff[i].department);
		sb_adds(sb, ", ");
		demo_lit(sb, d->staff[i].position);
		sb_adds(sb, ", ");
		demo_lit(sb, d->staff[i].phone);
		sb_adds(sb, ")");
		demo_insert_tail(sb, i, d->nstaff);
	}
	for (i = 0; i < d->nshifts; i++) {
		demo_insert_head(sb, i, "staff_schedule (staff_no, work_date, "
		    "shift, start_time, end_time, post)");
		sb_adds(sb, "(");
		demo_lit(sb, d->shifts[i].staff_no);
		sb_addf(sb, ", '%s', ", d->shifts[i].date);
		demo_lit(sb, d->shifts[i].shift);
		sb_addf(sb, ", '%s', '%s', ", d->shifts[i].start,
		    d->shifts[i].end);
		demo_lit(sb, d->shifts[i].post);
		sb_adds(sb, ")");
		demo_insert_tail(sb, i, d->nshifts);
	}
}

char *
demo_script(const struct demo *d)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "-- kefu built-in catalog: demo data, generated\n");
	sb_addf(&sb, "INSERT INTO catalog_info (name, value) VALUES "
	    "('built', '%s'), ('demo', 'yes'), ('seed', '%llu'), "
	    "('products', '%zu');\n", d->today, (unsigned long long)d->seed,
	    d->nproducts);
	demo_script_products(d, &sb);
	demo_script_rest(d, &sb);
	return sb_steal(&sb);
}
