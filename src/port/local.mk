## port: (not yet built)
