## line: (not yet built)
