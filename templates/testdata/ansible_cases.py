#!/usr/bin/python3
"""Writes ansible_cases.json: each case's template rendered by ansible-core's
own Templar (run with /usr/bin/python3, ansible-core 2.14 installed). The Go
test renders the same templates with the same variables and compares
Python reprs. Regenerate: cd templates/testdata && python3 ansible_cases.py"""
import json, os, sys
os.environ['HOME'] = '/root'
os.environ['FJORD_TEST_ENV'] = 'fjord'
from ansible.template import Templar
from ansible.parsing.dataloader import DataLoader

HERE = os.path.dirname(os.path.abspath(__file__))
ctx = json.load(open(os.path.join(HERE, 'ansible_vars.json')))
cases = [l.rstrip('\n') for l in open(os.path.join(HERE, 'ansible_cases.txt')) if l.strip() and not l.startswith('#')]
loader = DataLoader()
loader.set_basedir(HERE)
out = []
def norm(x):
    if isinstance(x, (list, tuple)):
        return [norm(e) for e in x]
    if isinstance(x, dict):
        return {k: norm(v) for k, v in x.items()}
    return x
for src in cases:
    src = src.replace('\\n', '\n')
    t = Templar(loader=loader, variables=ctx)
    try:
        r = norm(t.template(src))
        out.append({'src': src, 'repr': repr(r) if not isinstance(r, str) else repr(str(r)), 'error': False})
    except Exception as e:
        out.append({'src': src, 'repr': '%s: %s' % (type(e).__name__, e), 'error': True})
json.dump(out, open(os.path.join(HERE, 'ansible_cases.json'), 'w'), indent=1)
if '-v' in sys.argv:
    for o in out:
        print('%-60s %s' % (o['src'][:60], o['repr'][:100]))
