## map benchmark (owned by map/)
