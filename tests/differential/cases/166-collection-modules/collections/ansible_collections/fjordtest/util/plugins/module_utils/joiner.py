# Support code a collection module imports with a relative import; it
# imports a sibling with an absolute collection import.
from ansible_collections.fjordtest.util.plugins.module_utils.sep import SEP


def join_pairs(d):
    return SEP.join("%s=%s" % (k, d[k]) for k in sorted(d))
