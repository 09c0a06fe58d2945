## map: mapping files (mappings/*.xml) -> bound SQL -> typed flow variables.
## Depends on util, conf and db.
nobase_dist_pkgdata_DATA += mappings/mapping.rng
man_MANS += man/kefu-mapping.5
EXTRA_DIST += man/kefu-mapping.5 \
	t/data/map/kefu.conf \
	t/data/map/good/price.xml \
	t/data/map/good/more.xml
