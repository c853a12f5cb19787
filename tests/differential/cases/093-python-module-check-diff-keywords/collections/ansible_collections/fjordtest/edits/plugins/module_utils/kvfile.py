# Reads and writes a file of "key = value" lines for the setkeys module.


def read_pairs(path):
    pairs = {}
    try:
        with open(path) as f:
            for line in f:
                k, sep, v = line.rstrip("\n").partition(" = ")
                if sep:
                    pairs[k] = v
    except FileNotFoundError:
        pass
    return pairs


def render(pairs):
    return "".join("%s = %s\n" % (k, pairs[k]) for k in sorted(pairs))
