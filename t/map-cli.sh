#!/bin/sh
# map-cli.sh: `kefu map list|check|test` end to end on a temporary SQLite
# database: what each prints and its exit status (0 ok, 1 failure,
# 2 usage), --help on every subcommand, broken files named by file:line.
# Prints TAP.

: "${KEFU_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${KEFU_BUILDDIR:=$KEFU_SRCDIR}"
kefu=$KEFU_BUILDDIR/kefu
data=$KEFU_SRCDIR/t/data/map
tmp=/tmp/kefu-map-cli.$$
n=0
failed=0
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/maps" "$tmp/adapters"
KEFU_MAPPING_SCHEMA=$KEFU_SRCDIR/mappings/mapping.rng
export KEFU_MAPPING_SCHEMA

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		sed 's/^/#   /' "$tmp/out" "$tmp/err" 2>/dev/null | head -20
	fi
}

# run EXPECTED-STATUS DESCRIPTION kefu-args...
run() {
	want=$1 desc=$2
	shift 2
	"$kefu" -c "$tmp/kefu.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" = "$want" ]
	ok $? "$desc (exit $got, want $want)"
}

has() {
	grep -F -q -- "$2" "$tmp/$1"
	ok $? "$1 shows: $2"
}

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi
sqlite3 "$tmp/erp.db" <<'SQL'
CREATE TABLE products (plu INTEGER, barcode VARCHAR(14), name VARCHAR(60),
  price DECIMAL(10,2), unit VARCHAR(8), on_sale INTEGER, stock INTEGER);
CREATE TABLE promos (plu INTEGER, promo_price DECIMAL(10,2), starts DATE,
  ends DATE);
INSERT INTO products VALUES (1001, '6901234567892', '可口可乐', 3.50, '瓶', 1, 24);
INSERT INTO products VALUES (1002, '4006381333931', 'Pen', 12.00, NULL, 0, 0);
INSERT INTO products VALUES (1003, '96385074', 'Apple', 5.99, '', 0, 7);
INSERT INTO products VALUES (1004, '036000291452', 'Apricot', 8.00, 'kg', 1, 3);
INSERT INTO products VALUES (1005, '0001005', 'Apple juice', 6.5, 'L', 0, 10);
INSERT INTO products VALUES (1006, '0001006', 'Apex cable', 19.9, 'm', 0, 1);
SQL
cp "$data"/good/*.xml "$tmp/maps/"
# The test kefu.conf of t/data/map, pointed at this run's database.
sed -e "s|^mappings = .*|mappings = $tmp/maps|" \
    -e "s|^adapters = .*|adapters = $KEFU_SRCDIR/adapters|" \
    -e "s|Database=/tmp/kefu-map-test.db|Database=$tmp/erp.db|" \
    "$data/kefu.conf" >"$tmp/kefu.conf"

# --help and usage errors
"$kefu" --help >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && [ ! -s "$tmp/err" ] && grep -q "^usage: kefu " "$tmp/out"
ok $? "kefu --help: the usage on stdout, exit 0, nothing on stderr"
"$kefu" --version >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && grep -q "^kefu " "$tmp/out"
ok $? "kefu --version"
for sub in list check test; do
	run 0 "map $sub --help" map $sub --help
	has out "usage: kefu map $sub"
done
run 0 "map --help" map --help
run 2 "map without subcommand" map
run 2 "map with unknown subcommand" map frobnicate
has err "unknown subcommand 'frobnicate'"
run 2 "map list with an argument" map list extra
run 2 "map test without a name" map test
run 2 "map test -n without a number" map test -n x price code=1001
run 2 "map test with a word that is not var=value" map test price 1001
has err "'1001' is not var=value"
run 2 "map test with an unknown parameter" map test price sku=1001
has err "mapping 'price' has no parameter 'sku'"

# list
run 0 "map list" map list
has out "NAME                 DATASOURCE     DESCRIPTION"
has out "price                erp            Name, price and unit of a product by barcode or PLU"
has out "stock_set            erp            (writes) Set the stock"
[ "$(wc -l <"$tmp/out")" -eq 6 ]
ok $? "map list: a header and five mappings"

# check: everything prepares against the database
run 0 "map check" map check
has out "5 mappings: schema, placeholders and datasources ok"
has out "price.xml:3: price: ok (erp, sqlite, 4 columns)"
has out "5 mappings: 0 failed, 0 not checked"
run 0 "map check -o (offline)" map check -o
[ "$(wc -l <"$tmp/out")" -eq 1 ]
ok $? "map check -o: one line"

# test: found, with statement, binds, time, outcome and typed variables
run 0 "map test price" map test price code=6901234567892
has out "statement:   SELECT name, price, unit, on_sale FROM products WHERE barcode = ? OR CAST(plu AS VARCHAR(14)) = ?"
has out "bind 1:      :code = '6901234567892' (text)"
has out "bind 2:      :code = '6901234567892' (text)"
has out "outcome:     found"
has out "product_name = '可口可乐' (text)"
has out "price = 3.5 (decimal)"
has out "on_sale = 1 (boolean)"
grep -q '^time:        [0-9]*\.[0-9][0-9][0-9] ms$' "$tmp/out"
ok $? "map test shows the time taken"
run 0 "NULL is shown as NULL" map test price code=1002
has out "unit = NULL (text)"
run 0 "the empty string is shown as ''" map test price code=1003
has out "unit = '' (text)"
run 0 "map test empty is not a failure" map test price code=9999
has out "outcome:     empty"
run 0 "many rows" map test search prefix=Ap
has out "outcome:     many"
has out "rows:        3"
has out "row 3: product_name='Apple juice' (text) price=6.5 (decimal)"
# with a row limit appended (on-many="many"), binds still show their names
run 0 "many rows, row limit appended" map test -n 2 search prefix=Ap
has out "LIMIT 4"
has out "bind 1:      :prefix = 'Ap' (text)"

# invalid input never reaches the database and exits 1
run 1 "bad check digit" map test barcode code=6901234567893
has out "outcome:     invalid"
has out "parameter:   code"
has out "reason:      bad-check-digit"
has out "error:       parameter 'code': bad check digit"
run 1 "SQL in a digits parameter" map test price "code=1001' OR '1'='1"
has out "reason:      not-digits"
if grep -q '^statement:' "$tmp/out"; then r=1; else r=0; fi
ok $r "refused before any statement was sent"

# quotes, semicolons and comments in text are bound, never pasted
run 0 "quotes and comments in a text parameter" map test search "prefix=x'; DROP TABLE products; --"
has out "bind 1:      :prefix = 'x'; DROP TABLE products; --' (text)"
has out "statement:   SELECT name, price FROM products WHERE name LIKE ? || '%' ORDER BY name"
has out "outcome:     empty"
run 0 "the table is still there" map test price code=1001
has out "outcome:     found"

# a write, declared
run 0 "a mapping that writes" map test stock_set plu=1005 qty=11
has out "affected:    1"
run 0 "check says which mappings write" map check
has out "more.xml:37: stock_set: ok (erp, sqlite, writes)"

# repeated runs show latency percentiles
run 0 "map test -n 20" map test -n 20 price code=1001
grep -q '^runs:        20 (0 errors), p50 [0-9.]* ms, p99 [0-9.]* ms$' "$tmp/out"
ok $? "map test -n shows p50/p99"

run 1 "unknown mapping" map test nope
has err "no mapping named 'nope'"

# a database that is down is reported by check, and test says "down"
cat >"$tmp/maps/gone.xml" <<'EOF2'
<mapping name="gone" datasource="gone">
  <sql>SELECT name FROM products</sql>
  <result rows="many"><column name="name" type="text"/></result>
</mapping>
EOF2
run 0 "map check with an unreachable datasource" map check
has out "gone.xml:1: gone: datasource 'gone' not reachable, statement not checked"
has out "6 mappings: 0 failed, 1 not checked"
run 1 "map test on an unreachable datasource" map test gone
has out "outcome:     down"

# a column that does not exist is found by check
sed 's/name="unit" var="unit"/name="units" var="unit"/' "$data/good/price.xml" \
	>"$tmp/maps/price.xml"
run 1 "map check finds a wrong column" map check
has out "price.xml:8: mapping 'price': column 3 is 'unit', the mapping expects 'units'"
cp "$data/good/price.xml" "$tmp/maps/price.xml"

# a stored procedure that returns rows on a read-only MariaDB datasource
# (KEFU_TEST_MARIADB): map check does not call it "0 columns", map test
# runs it
if [ -n "${KEFU_TEST_MARIADB:-}" ] && command -v isql >/dev/null 2>&1; then
	db=kefu_mapcli_$$
	echo "CREATE DATABASE $db" | isql -k "$KEFU_TEST_MARIADB" -b >/dev/null
	cs=$(echo "$KEFU_TEST_MARIADB" | sed "s/Database=[^;]*/Database=$db/")
	isql -k "$cs" -b >/dev/null <<EOF2
CREATE TABLE products (barcode VARCHAR(14), name VARCHAR(60), price DECIMAL(10,2))
INSERT INTO products VALUES ('6901234567892', 'Cola', 3.50)
CREATE PROCEDURE kefu_price(IN c VARCHAR(14)) READS SQL DATA SELECT name, price FROM products WHERE barcode = c
EOF2
	mkdir -p "$tmp/maria/maps"
	printf '[kefu]\nmappings = maps\nadapters = %s/adapters\n[datasource erp]\nconnect = %s\nread-only = yes\n' \
	    "$KEFU_SRCDIR" "$cs" >"$tmp/maria/kefu.conf"
	chmod 600 "$tmp/maria/kefu.conf"
	cat >"$tmp/maria/maps/proc.xml" <<'EOF2'
<mapping name="proc_price" datasource="erp" procedure="yes">
  <param name="code" type="digits"/>
  <sql>CALL kefu_price(:code)</sql>
  <result rows="one"><column name="name" type="text"/><column name="price" type="decimal"/></result>
</mapping>
EOF2
	"$kefu" -c "$tmp/maria/kefu.conf" map list >"$tmp/out" 2>"$tmp/err"
	has out "erp            (procedure)"
	"$kefu" -c "$tmp/maria/kefu.conf" map check >"$tmp/out" 2>"$tmp/err"
	ok $? "map check of a procedure on a read-only MariaDB datasource"
	has out "proc.xml:1: proc_price: ok (erp, mysql, procedure"
	if grep -q "0 columns" "$tmp/out"; then r=1; else r=0; fi
	ok $r "not 'returns 0 columns'"
	"$kefu" -c "$tmp/maria/kefu.conf" map test proc_price \
	    code=6901234567892 >"$tmp/out" 2>"$tmp/err"
	ok $? "map test runs the procedure"
	has out "price = 3.50 (decimal)"
	echo "DROP DATABASE $db" | isql -k "$KEFU_TEST_MARIADB" -b >/dev/null
else
	echo "ok $((n + 1)) # SKIP KEFU_TEST_MARIADB or isql missing"
	n=$((n + 1))
fi

# broken files: every problem as file:line, exit 1
cp "$data/bad/writes.xml" "$data/bad/malformed.xml" "$tmp/maps/"
run 1 "map check with broken files" map check
has err "writes.xml:6: 'UPDATE' is not a query"
has err "malformed.xml:5: Opening and ending tag mismatch"
run 1 "map list refuses a broken set too" map list
run 1 "map check of one file" map check "$data/bad/unknown-placeholder.xml"
has err "unknown-placeholder.xml:5: unknown placeholder :barcode"

echo "1..$n"
exit $failed
