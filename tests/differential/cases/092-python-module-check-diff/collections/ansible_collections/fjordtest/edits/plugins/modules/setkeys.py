#!/usr/bin/python
# Sets keys in a "key = value" file. It supports check mode (it then
# writes nothing) and returns a diff: the file's text before and after,
# and with split=true one before/after mapping per key it changed.
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fjordtest.edits.plugins.module_utils.kvfile import read_pairs, render


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            keys=dict(type='dict', required=True),
            split=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    path = module.params['path']
    old = read_pairs(path)
    new = dict(old)
    new.update((k, str(v)) for k, v in module.params['keys'].items())
    changed = new != old
    result = dict(changed=changed, saw_check=module.check_mode, saw_diff=module._diff)
    if module._diff:
        if module.params['split']:
            result['diff'] = [dict(before={k: old.get(k)}, after={k: new[k]}, before_header=k, after_header=k)
                              for k in sorted(new) if old.get(k) != new[k]]
        else:
            result['diff'] = dict(before=render(old), after=render(new),
                                  before_header=path, after_header=path)
    if changed and not module.check_mode:
        with open(path, 'w') as f:
            f.write(render(new))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
