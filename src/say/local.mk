## say: (not yet built)
