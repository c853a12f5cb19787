#!/usr/bin/python
# Joins a mapping into k=v pairs; new-style, with collection module_utils.
from ansible.module_utils.basic import AnsibleModule
from ..module_utils.joiner import join_pairs


def main():
    module = AnsibleModule(argument_spec=dict(
        data=dict(type='dict', required=True),
        upper=dict(type='bool', default=False),
    ))
    out = join_pairs(module.params['data'])
    if module.params['upper']:
        out = out.upper()
    module.exit_json(changed=False, joined=out, name=module._name)


if __name__ == '__main__':
    main()
