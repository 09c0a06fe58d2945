## flow: (not yet built)
