# Support code the tally module imports from its role's module_utils/.
def render(name, count):
    return "%s=%d" % (name, count)
