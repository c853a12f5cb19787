SEP = ";"
