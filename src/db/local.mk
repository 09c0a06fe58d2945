## db: (not yet built)
