## line benchmark (owned by line/)
