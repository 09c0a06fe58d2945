#!/bin/sh
# map-cli.sh: `kefu map list|check|test` end to end on a temporary SQLite
# database: what each prints and its exit status (0 ok, 1 failure,
# 2 usage), --help on every subcommand, broken files named by file:line.
# Prints TAP.
tap_name=map-cli
. "$(dirname "$0")/tap.sh"
data=$KEFU_SRCDIR/t/data/map
conf=$tmp/kefu.conf
mkdir -p "$tmp/maps" "$tmp/adapters"

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
# shows PATTERN [FILE]: FILE (default: the standard output of the last
# exits) has PATTERN, a test named "out shows: PATTERN"; errs PATTERN:
# its standard error has it, "err shows: PATTERN".
shows() { has "$1" "${2:-$tmp/stdout}" "out shows: $1"; }
errs() { has "$1" "$tmp/err" "err shows: $1"; }

# --help and usage errors
"$kefu" --help >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && [ ! -s "$tmp/err" ] && grep -q "^usage: kefu " "$tmp/out"
check $? "kefu --help: the usage on stdout, exit 0, nothing on stderr"
"$kefu" --version >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && grep -q "^kefu " "$tmp/out"
check $? "kefu --version"
for sub in list check test; do
	exits 0 "map $sub --help" "$kefu" -c "$conf" map $sub --help
	shows "usage: kefu map $sub"
done
exits 0 "map --help" "$kefu" -c "$conf" map --help
exits 2 "map without subcommand" "$kefu" -c "$conf" map
exits 2 "map with unknown subcommand" "$kefu" -c "$conf" map frobnicate
errs "unknown subcommand 'frobnicate'"
exits 2 "map list with an argument" "$kefu" -c "$conf" map list extra
exits 2 "map test without a name" "$kefu" -c "$conf" map test
exits 2 "map test -n without a number" \
    "$kefu" -c "$conf" map test -n x price code=1001
exits 2 "map test with a word that is not var=value" \
    "$kefu" -c "$conf" map test price 1001
errs "'1001' is not var=value"
exits 2 "map test with an unknown parameter" \
    "$kefu" -c "$conf" map test price sku=1001
errs "mapping 'price' has no parameter 'sku'"

# list
exits 0 "map list" "$kefu" -c "$conf" map list
shows "NAME                 DATASOURCE     DESCRIPTION"
d="Name, price and unit of a product by barcode or PLU"
shows "price                erp            $d"
shows "stock_set            erp            (writes) Set the stock"
[ "$(wc -l <"$tmp/stdout")" -eq 7 ]
check $? "map list: a header and six mappings"

# check: everything prepares against the database
exits 0 "map check" "$kefu" -c "$conf" map check
shows "6 mappings: schema, placeholders and datasources ok"
shows "price.xml:3: price: ok (erp, sqlite, 4 columns)"
shows "6 mappings: 0 failed, 0 not checked"
exits 0 "map check -o (offline)" "$kefu" -c "$conf" map check -o
[ "$(wc -l <"$tmp/stdout")" -eq 1 ]
check $? "map check -o: one line"

# test: found, with statement, binds, time, outcome and typed variables
exits 0 "map test price" "$kefu" -c "$conf" map test price code=6901234567892
s="statement:   SELECT name, price, unit, on_sale FROM products"
shows "$s WHERE barcode = ? OR CAST(plu AS VARCHAR(14)) = ?"
shows "bind 1:      :code = '6901234567892' (text)"
shows "bind 2:      :code = '6901234567892' (text)"
shows "outcome:     found"
shows "product_name = '可口可乐' (text)"
shows "price = 3.5 (decimal)"
shows "on_sale = 1 (boolean)"
grep -q '^time:        [0-9]*\.[0-9][0-9][0-9] ms$' "$tmp/stdout"
check $? "map test shows the time taken"
exits 0 "NULL is shown as NULL" "$kefu" -c "$conf" map test price code=1002
shows "unit = NULL (text)"
exits 0 "the empty string is shown as ''" \
    "$kefu" -c "$conf" map test price code=1003
shows "unit = '' (text)"
exits 0 "map test empty is not a failure" \
    "$kefu" -c "$conf" map test price code=9999
shows "outcome:     empty"
exits 0 "many rows" "$kefu" -c "$conf" map test search prefix=Ap
shows "outcome:     many"
shows "rows:        3"
shows "row 3: product_name='Apple juice' (text) price=6.5 (decimal)"
# with a row limit appended (on-many="many"), binds still show their names
exits 0 "many rows, row limit appended" \
    "$kefu" -c "$conf" map test -n 2 search prefix=Ap
shows "LIMIT 4"
shows "bind 1:      :prefix = 'Ap' (text)"

# invalid input never reaches the database and exits 1
exits 1 "bad check digit" "$kefu" -c "$conf" map test barcode code=6901234567893
shows "outcome:     invalid"
shows "parameter:   code"
shows "reason:      bad-check-digit"
shows "error:       parameter 'code': bad check digit"
exits 1 "SQL in a digits parameter" \
    "$kefu" -c "$conf" map test price "code=1001' OR '1'='1"
shows "reason:      not-digits"
if grep -q '^statement:' "$tmp/stdout"; then r=1; else r=0; fi
check $r "refused before any statement was sent"

# quotes, semicolons and comments in text are bound, never pasted
exits 0 "quotes and comments in a text parameter" \
    "$kefu" -c "$conf" map test search "prefix=x'; DROP TABLE products; --"
shows "bind 1:      :prefix = 'x'; DROP TABLE products; --' (text)"
s="statement:   SELECT name, price FROM products"
shows "$s WHERE name LIKE ? || '%' ORDER BY name"
shows "outcome:     empty"
exits 0 "the table is still there" "$kefu" -c "$conf" map test price code=1001
shows "outcome:     found"

# a write, declared
exits 0 "a mapping that writes" \
    "$kefu" -c "$conf" map test stock_set plu=1005 qty=11
shows "affected:    1"
exits 0 "check says which mappings write" "$kefu" -c "$conf" map check
shows "more.xml:37: stock_set: ok (erp, sqlite, writes)"

# repeated runs show latency percentiles
exits 0 "map test -n 20" "$kefu" -c "$conf" map test -n 20 price code=1001
grep -q '^runs:        20 (0 errors), p50 [0-9.]* ms, p99 [0-9.]* ms$' \
    "$tmp/stdout"
check $? "map test -n shows p50/p99"

exits 1 "unknown mapping" "$kefu" -c "$conf" map test nope
errs "no mapping named 'nope'"

# a database that is down is reported by check, and test says "down"
cat >"$tmp/maps/gone.xml" <<'EOF2'
<mapping name="gone" datasource="gone">
  <sql>SELECT name FROM products</sql>
  <result rows="many"><column name="name" type="text"/></result>
</mapping>
EOF2
exits 0 "map check with an unreachable datasource" "$kefu" -c "$conf" map check
shows "gone.xml:1: gone: datasource 'gone' not reachable, statement not checked"
shows "7 mappings: 0 failed, 1 not checked"
exits 1 "map test on an unreachable datasource" "$kefu" -c "$conf" map test gone
shows "outcome:     down"

# a column that does not exist is found by check
sed 's/name="unit" var="unit"/name="units" var="unit"/' "$data/good/price.xml" \
	>"$tmp/maps/price.xml"
exits 1 "map check finds a wrong column" "$kefu" -c "$conf" map check
e="column 3 is 'unit', the mapping expects 'units'"
shows "price.xml:8: mapping 'price': $e"
cp "$data/good/price.xml" "$tmp/maps/price.xml"

# a stored procedure that returns rows on a read-only MariaDB datasource
# (KEFU_TEST_MARIADB): map check does not call it "0 columns", map test
# runs it
if [ -n "${KEFU_TEST_MARIADB:-}" ] && command -v isql >/dev/null 2>&1; then
	db=kefu_mapcli_$$
	echo "CREATE DATABASE $db" | isql -k "$KEFU_TEST_MARIADB" -b >/dev/null
	cs=$(echo "$KEFU_TEST_MARIADB" | sed "s/Database=[^;]*/Database=$db/")
	# one statement a line (isql -b)
	{
		echo "CREATE TABLE products (barcode VARCHAR(14)," \
		    "name VARCHAR(60), price DECIMAL(10,2))"
		echo "INSERT INTO products" \
		    "VALUES ('6901234567892', 'Cola', 3.50)"
		echo "CREATE PROCEDURE kefu_price(IN c VARCHAR(14))" \
		    "READS SQL DATA SELECT name, price FROM products" \
		    "WHERE barcode = c"
	} | isql -k "$cs" -b >/dev/null
	mkdir -p "$tmp/maria/maps"
	cat >"$tmp/maria/kefu.conf" <<EOF2
[kefu]
mappings = maps
adapters = $KEFU_SRCDIR/adapters
[datasource erp]
connect = $cs
read-only = yes
EOF2
	chmod 600 "$tmp/maria/kefu.conf"
	cat >"$tmp/maria/maps/proc.xml" <<'EOF2'
<mapping name="proc_price" datasource="erp" procedure="yes">
  <param name="code" type="digits"/>
  <sql>CALL kefu_price(:code)</sql>
  <result rows="one"><column name="name" type="text"/>
    <column name="price" type="decimal"/></result>
</mapping>
EOF2
	"$kefu" -c "$tmp/maria/kefu.conf" map list >"$tmp/out" 2>"$tmp/err"
	shows "erp            (procedure)" "$tmp/out"
	"$kefu" -c "$tmp/maria/kefu.conf" map check >"$tmp/out" 2>"$tmp/err"
	check $? "map check of a procedure on a read-only MariaDB datasource"
	shows "proc.xml:1: proc_price: ok (erp, mysql, procedure" "$tmp/out"
	if grep -q "0 columns" "$tmp/out"; then r=1; else r=0; fi
	check $r "not 'returns 0 columns'"
	"$kefu" -c "$tmp/maria/kefu.conf" map test proc_price \
	    code=6901234567892 >"$tmp/out" 2>"$tmp/err"
	check $? "map test runs the procedure"
	shows "price = 3.50 (decimal)" "$tmp/out"
	echo "DROP DATABASE $db" | isql -k "$KEFU_TEST_MARIADB" -b >/dev/null
else
	skip "KEFU_TEST_MARIADB or isql missing"
fi

# broken files: every problem as file:line, exit 1
cp "$data/bad/writes.xml" "$data/bad/malformed.xml" "$tmp/maps/"
exits 1 "map check with broken files" "$kefu" -c "$conf" map check
errs "writes.xml:6: 'UPDATE' is not a query"
errs "malformed.xml:5: Opening and ending tag mismatch"
exits 1 "map list refuses a broken set too" "$kefu" -c "$conf" map list
exits 1 "map check of one file" \
    "$kefu" -c "$conf" map check "$data/bad/unknown-placeholder.xml"
errs "unknown-placeholder.xml:5: unknown placeholder :barcode"

tap_done
