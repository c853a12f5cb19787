#!/usr/bin/python
# A new-style module: AnsibleModule and a helper from the role's module_utils.
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.tally_fmt import render


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            name=dict(type='str', default='n'),
            count=dict(type='int', default=1),
            token=dict(type='str', no_log=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    want = render(p['name'], p['count']) + "\n"
    have = None
    if os.path.exists(p['path']):
        with open(p['path']) as f:
            have = f.read()
    if p['state'] == 'absent':
        changed = have is not None
        if changed and not module.check_mode:
            os.remove(p['path'])
        module.exit_json(changed=changed)
    if p['count'] < 0:
        module.fail_json(msg="count must not be negative", count=p['count'])
    changed = have != want
    result = dict(changed=changed, line=want.strip(), token_seen=p['token'] is not None,
                  ansible_facts=dict(tally_last=want.strip()))
    if module._diff:
        result['diff'] = dict(before=have or "", after=want)
    if changed and not module.check_mode:
        with open(p['path'], 'w') as f:
            f.write(want)
    if p['count'] > 5:
        module.warn("a large tally")
    module.exit_json(**result)


if __name__ == '__main__':
    main()
