## audio: (not yet built)
