#!/usr/bin/python
# A WANT_JSON module: $1 is a JSON file of its arguments.
import json
import sys

with open(sys.argv[1]) as f:
    args = json.load(f)
text = args.get("text", "")
print(json.dumps({
    "changed": False,
    "words": len(text.split()),
    "diff_mode": args.get("_ansible_diff"),
    "module_name": args.get("_ansible_module_name"),
    "stdout": "one\ntwo\n",
}))
