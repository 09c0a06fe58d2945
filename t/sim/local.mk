## modem simulator (t/sim)
