## map: (not yet built)
