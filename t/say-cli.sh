#!/bin/sh
# t/say-cli.sh: `kefu say` prints the text, then one "id text" line per
# prompt; bad values and usage errors exit 1 and 2 with a message.
tap_name=say-cli
. "$(dirname "$0")/tap.sh"
P="$KEFU_SRCDIR/prompts"
out=$tmp/out
wav=$tmp/say.wav
conf=$tmp/kefu.conf
printf '[kefu]\nprompts = %s\nlanguage = yue\n' "$P" >$conf
# prints NAME WANT-STATUS WANT-OUTPUT -- ARGS: `kefu ARGS` exits so and
# prints exactly that (standard output, then standard error).
prints() {
	name=$1 want_rc=$2 want=$3; shift 4
	"$kefu" "$@" >$out 2>$out.err; rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$(cat $out $out.err)" = "$want" ]; then
		ok "$name"
	else
		nok "$name"
		echo "#   status $rc (want $want_rc), output:"
		sed 's/^/#   /' $out $out.err
	fi
}
prints "money 12.05 (zh-CN)" 0 "十二元零五分
num.10 十
num.2 二
money.yuan 元
num.0 零
num.5 五
money.fen 分" -- say money 12.05 --prompts "$P" --lang zh-CN
prints "money 12.50 (yue)" 0 "十二元五角
num.10 十
num.2 二
money.yuan 元
num.5 五
money.jiao 角" -- say --lang yue money 12.50 --prompts "$P"
prints "negative number without --" 0 "负十二点五
num.neg 负
num.10 十
num.2 二
num.point 点
num.5 五" -- say number -12.5 -p "$P" -l zh-CN
prints "negative number after --" 0 "负二
num.neg 负
num.2 二" -- say -p "$P" -l zh-CN number -- -2
prints "quantity with --unit" 0 "两瓶
num.liang 两
mw.ping 瓶" -- say quantity 2 --unit 瓶 -p "$P" -l zh-CN
prints "quantity in the value" 0 "二点五公斤
num.2 二
num.point 点
num.5 五
mw.gongjin 公斤" -- say quantity "2.5 公斤" -p "$P" -l zh-CN
prints "time (yue)" 0 "下午兩點零五分
time.xiawu 下午
num.liang 兩
time.dian 點
num.0 零
num.5 五
time.fen 分" -- say time 14:05 -p "$P" -l yue
prints "phone (zh-CN)" 0 "幺幺零
num.yao 幺
num.yao 幺
num.0 零" -- say phone 110 -p "$P" -l zh-CN
e='kefu say: money "12.345": more than two decimals'
prints "money with 3 decimals refused" 1 \
    "$e (分 is the smallest unit; the rules refuse to round)" \
    -- say money 12.345 -p "$P" -l zh-CN
e='kefu say: number "12.5.3": not a decimal number'
prints "bad number refused" 1 \
    "$e (digits, optionally a point and more digits)" \
    -- say number 12.5.3 -p "$P" -l zh-CN
"$kefu" say price 1 -p "$P" -l zh-CN >$out 2>&1; rc=$?
[ $rc = 2 ] && [ "$(head -n 2 $out)" = "kefu say: unknown type 'price'
usage: kefu say TYPE VALUE [--lang zh-CN|yue] [--unit WORD] [--prompts DIR]" ]
check $? "unknown type" $out
prints "prompts folder and language from kefu.conf" 0 "兩元整
num.liang 兩
money.yuan 元
money.zheng 整" -- -c $conf say money 2.00
prints "--lang overrides kefu.conf" 0 "两元整
num.liang 两
money.yuan 元
money.zheng 整" -- -c $conf say money 2.00 --lang zh-CN
prints "--unit only for quantities" 2 "kefu say: --unit is for quantities" \
    -- say number 2 --unit 瓶 -p "$P" -l zh-CN
prints "unknown option" 2 "kefu say: unknown option --colour" \
    -- say number 2 --colour -p "$P"
prints "unknown language" 1 \
    "kefu say: unknown language 'fr' ($P has say-rules for: yue zh-CN)" \
    -- say number 2 -p "$P" -l fr
prints "quantity from a DECIMAL(24,6) column" 0 "四十九件
num.4 四
num.10 十
num.9 九
mw.jian 件" -- say quantity 49.000000 --unit 件 -p "$P" -l zh-CN
prints "quantity with --decimals" 0 "八十点三公斤
num.8 八
num.10 十
num.point 点
num.3 三
mw.gongjin 公斤" -- say quantity 80.256789 --unit 公斤 --decimals 1 -p "$P" -l zh-CN
prints "--decimals out of range" 2 \
    "kefu say: --decimals 12: too large (0 to 9)" \
    -- say number 2 -d 12 -p "$P" -l zh-CN
"$kefu" say ids -p "$P" -l yue >$out 2>&1 && grep -qx num.liang $out &&
    grep -qx money.zheng $out && ! grep -qx num.yao $out
check $? "ids lists what the yue rules emit" $out
"$kefu" say money 2.00 -p "$P" -l zh-CN --audio $wav >$out 2>$out.err &&
    [ "$(head -c 4 $wav)" = RIFF ] && [ "$(head -n 1 $out)" = 两元整 ] &&
    [ "$(wc -c <$wav)" -gt 1000 ]
check $? "--audio writes the sequence as WAV" $out
rm -f $wav
prints "--audio into a missing folder names the path given" 1 "两元整
num.liang 两
money.yuan 元
money.zheng 整
kefu say: cannot write /nonexistent-kefu/x.wav: No such file or directory" \
    -- say money 2.00 -p "$P" -l zh-CN --audio /nonexistent-kefu/x.wav
e="want u8, ulaw, alaw or s16le, optionally /RATE"
prints "--audio with a bad format" 2 \
    "kefu say: mp3: unknown audio format ($e)" \
    -- say money 2 -p "$P" -l zh-CN --audio $wav --format mp3
[ ! -e $wav ]
check $? "no WAV after an error"
tap_done
