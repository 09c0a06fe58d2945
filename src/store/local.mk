## store: (not yet built)
