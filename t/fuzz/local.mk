## fuzz targets (owned by line/)
